// qm7 check: a student's own PyTorch model (a state_dict or TorchScript saved by their notebook)
// on the course data, beside the workbench's own runs at the same settings, with a verdict in
// words; --models checks a folder, one row per file; --losses / --curve read the notebook's own
// numbers (check_numbers.cpp). The checking is core's (qm7/analysis/model_check.h); this file
// parses the options and prints.
#include "commands.h"

#include "check_numbers.h"

#include "qm7/analysis/model_check.h"
#include "qm7/analysis/student_model.h"
#include "qm7/io/dataset.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

namespace qm7::cli {

namespace {

namespace fs = std::filesystem;

struct CheckCli {
    std::string model, models, data, csv;
    std::string losses, curve; // a notebook's numbers (CSV)
    double target = 4000;
    std::string scale = "auto", stdKind = "sample", reference = "train";
    int seeds = 3;
    TrainConfig config;
    int threads = 0;
    CLI::App* sub = nullptr;
};

class ReferenceProgress : public TrainObserver {
  public:
    ReferenceProgress() : m_bar("reference") {}
    void onProgress(const Progress& p) override { m_bar.update(p.stepsDone, p.stepsTotal); }
    void finish() { m_bar.finish(); }

  private:
    ProgressBar m_bar;
};

std::string num(double v, int digits = 2) {
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", digits, v);
    return b;
}

/// The reference for models of width p (trained once per p, or read once).
class References {
  public:
    References(const CheckCli& o, const Dataset& data) : m_o(o), m_data(data) {}
    const Reference* forWidth(int p) {
        if (m_o.reference == "none")
            return nullptr;
        if (m_o.reference != "train") {
            if (m_refs.empty()) {
                try {
                    m_refs[0] = loadReference(m_o.reference);
                } catch (const std::exception& e) {
                    throw UsageError(std::string("--reference: ") + e.what());
                }
            }
            return &m_refs[0];
        }
        TrainConfig c = m_o.config;
        if (!m_o.sub->count("--hidden") && p > 0)
            c.hidden = p;
        auto it = m_refs.find(c.hidden);
        if (it != m_refs.end())
            return &it->second;
        if (const std::string why = c.validate(); !why.empty())
            throw UsageError(why);
        std::cerr << "training the reference: p " << c.hidden << ", lr " << c.lr << ", " << c.epochs
                  << " epochs, " << m_o.seeds << " seed(s) on " << m_data.train.rows()
                  << " molecules\n";
        ReferenceProgress progress;
        TrainOptions options;
        options.observer = &progress;
        options.control = &interruptControl();
        options.threads = m_o.threads;
        Reference r;
        try {
            r = trainReference(m_data, c, m_o.seeds, options);
        } catch (const std::exception&) {
            if (interrupted())
                return nullptr; // Ctrl-C: the caller returns 130
            throw;
        }
        progress.finish();
        return &(m_refs[c.hidden] = std::move(r));
    }

  private:
    const CheckCli& m_o;
    const Dataset& m_data;
    std::map<int, Reference> m_refs;
};

/// Width of a model file's state_dict (for its reference), -1 when unknown or unreadable.
int widthOf(const std::string& path) {
    try {
        return StudentModel::load(path).hidden();
    } catch (const std::exception&) {
        return -1;
    }
}

void printOne(const ModelCheck& c, const Reference* ref) {
    std::cout << "model      " << c.file << "\n";
    std::cout << "kind       " << c.kind << "\n";
    std::cout << "output     " << outputScaleText(c.scale)
              << (c.scaleDetected
                      ? " (detected: validation outputs spread " + num(c.rawSpread) + ")"
                      : std::string(" (as asked)"));
    if (c.scale == OutputScale::Normalized)
        std::cout << "; unnormalized with the training labels' mean " << num(c.labelMean)
                  << " and std " << num(c.labelStd) << " kcal/mol";
    std::cout << "\n";
    std::cout << "test       RMSE " << num(c.test.rmse, 4) << "  MAE " << num(c.test.mae, 4)
              << "  R2 " << num(c.test.r2, 5) << "  kcal/mol, " << c.test.n << " molecules\n";
    if (ref && !ref->empty()) {
        std::cout << "reference  " << ref->description << ": test RMSE";
        for (const auto& m : ref->seeds)
            std::cout << " " << num(m.rmse);
        double mae = 0;
        for (const auto& m : ref->seeds)
            mae += m.mae;
        std::cout << " (mean " << num(ref->meanRmse()) << "), MAE mean "
                  << num(mae / static_cast<double>(ref->seeds.size())) << "\n";
        std::cout << "verdict    " << c.verdict << "\n";
    }
}

int runCheck(const CheckCli& o) {
    if (o.model.empty() && o.models.empty() && !(o.losses.empty() && o.curve.empty()))
        return runCheckNumbers(o.losses, o.curve, o.target);
    if (o.model.empty() == o.models.empty())
        throw UsageError("give one of --model FILE or --models DIR (or --losses / --curve CSV)");
    if (!o.losses.empty() || !o.curve.empty())
        throw UsageError("--losses and --curve are checked on their own, without --model(s)");
    if (o.data.empty())
        throw UsageError("--data is needed to check a model");
    OutputScale scale;
    if (o.scale == "auto")
        scale = OutputScale::Auto;
    else if (o.scale == "normalized")
        scale = OutputScale::Normalized;
    else if (o.scale == "kcal")
        scale = OutputScale::Kcal;
    else
        throw UsageError("--scale must be auto, normalized or kcal");
    if (o.stdKind != "sample" && o.stdKind != "population")
        throw UsageError("--std must be sample or population");
    if (o.seeds < 1)
        throw UsageError("--seeds must be at least 1");
    if (o.reference != "train" && o.reference != "none" && !fs::is_directory(o.reference))
        throw UsageError("--reference must be train, none or a run folder");
    CheckOptions options;
    options.scale = scale;
    options.std = o.stdKind == "sample" ? StdKind::Sample : StdKind::Population;

    if (!o.model.empty()) {
        ensureReadableFile(o.model);
        const Dataset data = loadData(o.data);
        ModelCheck c = checkModel(data, o.model, options, nullptr);
        if (!c.ok)
            throw UsageError(c.error);
        setUpNumerics();
        References refs(o, data);
        const Reference* ref = refs.forWidth(c.hidden);
        if (interrupted())
            return kInterrupted;
        if (ref)
            judge(c, *ref);
        printOne(c, ref);
        if (!o.csv.empty())
            writeCheckCsv({c}, o.csv);
        return kOk;
    }
    if (!fs::is_directory(o.models))
        throw UsageError("--models " + o.models + " is not a folder");
    const auto files = modelFilesIn(o.models);
    if (files.empty())
        throw UsageError("--models " + o.models + " holds no files");
    const Dataset data = loadData(o.data);
    setUpNumerics();
    References refs(o, data);
    std::vector<ModelCheck> checks;
    for (const auto& f : files) {
        const Reference* ref = refs.forWidth(widthOf(f));
        if (interrupted())
            return kInterrupted;
        checks.push_back(checkModel(data, f, options, ref));
    }
    std::cout << "file                      kind                                              "
                 "test RMSE      MAE  verdict\n";
    int bad = 0;
    for (const auto& c : checks) {
        char line[256];
        if (!c.ok) {
            ++bad;
            std::snprintf(line, sizeof line, "%-25s %-49s %9s %8s  ", c.name.c_str(), "unreadable",
                          "-", "-");
            // The reason without the path the row already names.
            std::string why = c.error;
            if (why.compare(0, c.file.size() + 2, c.file + ": ") == 0)
                why = why.substr(c.file.size() + 2);
            // One line per row: the advice's line break becomes a space.
            std::string flat;
            for (char ch : why)
                if (ch != '\n' && !(ch == ' ' && !flat.empty() && flat.back() == ' '))
                    flat += ch;
                else if (ch == '\n')
                    flat += ' ';
            std::cout << line << flat << "\n";
            continue;
        }
        std::string kind = c.kind.substr(0, c.kind.find(" ("));
        std::snprintf(line, sizeof line, "%-25s %-49s %9.2f %8.2f  ", c.name.c_str(), kind.c_str(),
                      c.test.rmse, c.test.mae);
        std::cout << line << (c.verdict.empty() ? "-" : c.verdict) << "\n";
    }
    std::cout << checks.size() << " file(s), " << checks.size() - static_cast<std::size_t>(bad)
              << " checked, " << bad << " unreadable\n";
    if (!o.csv.empty())
        writeCheckCsv(checks, o.csv);
    return kOk;
}

} // namespace

Command addCheckCommand(CLI::App& app) {
    auto o = std::make_shared<CheckCli>();
    CLI::App* sub = app.add_subcommand(
        "check", "Check a student's own PyTorch model (state_dict or TorchScript) on the data, "
                 "beside the workbench's runs at the same settings; or a notebook's losses "
                 "and learning curve (--losses, --curve CSV)");
    o->sub = sub;
    sub->add_option("--model", o->model,
                    "A model saved by the notebook: torch.save(model.state_dict(), PATH) or "
                    "torch.jit.save(torch.jit.script(model), PATH)");
    sub->add_option("--models", o->models, "A folder of such models: one row per file");
    sub->add_option("--data", o->data, "The data set the models were trained on (dataset.pt)");
    sub->add_option("--losses", o->losses,
                    "A notebook's losses per epoch as CSV (pandas to_csv or numpy.savetxt): "
                    "epoch, train_loss, val_loss columns");
    sub->add_option("--curve", o->curve,
                    "A notebook's learning curve as CSV: n, test_mse (or test_rmse, test_mae) "
                    "[, seed]; fitted and ranked like qm7 curve");
    sub->add_option("--target", o->target, "The n the --curve laws extrapolate to")
        ->capture_default_str();
    sub->add_option("--scale", o->scale,
                    "Output units: auto (detected from the validation outputs), normalized "
                    "(train mean/std) or kcal")
        ->capture_default_str();
    sub->add_option("--std", o->stdKind,
                    "The std the notebook normalized with: sample (torch.std) or population")
        ->capture_default_str();
    sub->add_option("--reference", o->reference,
                    "train (the workbench trains its own runs at the same settings), a run "
                    "folder (or a folder of runs), or none")
        ->capture_default_str();
    sub->add_option("--seeds", o->seeds, "Seeds of the trained reference")->capture_default_str();
    sub->add_option("--csv", o->csv, "Also write the results as CSV");
    addTrainingOptions(sub, o->config, o->threads);
    return {sub, [o] { return runCheck(*o); }};
}

} // namespace qm7::cli
