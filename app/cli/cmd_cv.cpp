// qm7 cv: K-fold cross-validation of kernel ridge regression, the one-hidden-layer network or
// the paper's network over the folds of qm7.mat (P) or a seeded partition saved with the
// results; finished folds on disk are not trained again.
#include "commands.h"

#include "qm7/analysis/cross_validation.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/chem/mat_reader.h"
#include "qm7/util/atomic_file.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

namespace qm7::cli {

namespace {

namespace fs = std::filesystem;

std::string format(const char* fmt, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, a);
    return buf;
}

struct CvCli {
    std::string from = "demo";
    std::string out;
    std::string foldsFrom;
    int folds = 5;
    int fold = -1;
    std::string model = "krr";
    double valFraction = 0.1;
    std::uint64_t seed = 0;
    int trainSize = 0;
    std::string kernel = "laplacian";
    std::string representation = "sorted";
    std::vector<double> sigmas;
    std::vector<double> lambdas;
    bool noRefit = false;
    TrainConfig config;
    int threads = 0; ///< training threads, 0 = all cores
    long long steps = 0;
    long long evalSteps = 0;
    double checkpointMinutes = 3;
    std::string select = "final";
};

/// A progress line for the one-hidden-layer network (on stderr).
class MlpProgress : public TrainObserver {
  public:
    MlpProgress(int fold, int epochs) : m_bar("fold " + std::to_string(fold)), m_epochs(epochs) {}
    void onEpoch(const EpochStats& s) override {
        std::string extra = "epoch " + std::to_string(s.epoch) + "/" + std::to_string(m_epochs);
        if (s.evaluated)
            m_valRmse = s.valRmse;
        if (m_valRmse > 0)
            extra += "  val RMSE " + format("%.2f", m_valRmse) + " kcal/mol";
        m_bar.update(s.epoch, m_epochs, extra);
    }
    void finish() { m_bar.finish(); }

  private:
    ProgressBar m_bar;
    int m_epochs;
    double m_valRmse = 0;
};

/// A progress line for the paper's network (on stderr).
class PaperProgress : public DeepObserver {
  public:
    explicit PaperProgress(int fold) : m_bar("fold " + std::to_string(fold)) {}
    void onEval(const DeepStats& s) override { m_last = s; }
    void onProgress(long long step, long long total, double) override {
        std::string extra = "step " + std::to_string(step) + "/" + std::to_string(total);
        if (m_last.step > 0)
            extra += "  val MAE " + format("%.2f", m_last.valMae) + " kcal/mol";
        m_bar.update(step, total, extra);
    }
    void finish() { m_bar.finish(); }

  private:
    ProgressBar m_bar;
    DeepStats m_last;
};

/// The partition: out/partition.json when it exists, else P of a .mat, else seeded.
CvPartition choosePartition(const CvCli& o, const MoleculeSource& source, const std::string& out) {
    const int n = static_cast<int>(source.molecules.size());
    const fs::path saved = fs::path(out) / "partition.json";
    if (fs::exists(saved)) {
        CvPartition p = partitionFromJson(readFile(saved.string()));
        if (p.molecules != n)
            throw UsageError(saved.string() + " partitions " + std::to_string(p.molecules) +
                             " molecules but " + o.from + " has " + std::to_string(n) +
                             ": use another --out");
        if (static_cast<int>(p.folds.size()) != o.folds)
            throw UsageError(saved.string() + " has " + std::to_string(p.folds.size()) +
                             " folds, not --folds " + std::to_string(o.folds));
        return p;
    }
    CvPartition p;
    std::string matPath = !o.foldsFrom.empty() ? o.foldsFrom : "";
    std::vector<std::vector<int>> folds = source.folds;
    if (!matPath.empty()) {
        folds = readQm7Mat(matPath).folds;
    } else if (!folds.empty()) {
        matPath = o.from;
    }
    if (!folds.empty()) {
        p.folds = folds;
        p.origin = "P of " + fs::path(matPath).filename().string();
        p.molecules = n;
        try {
            const int unused = validatePartition(p);
            if (unused > 0)
                std::cerr << "note: " << unused << " molecule(s) of " << o.from
                          << " are in no fold of " << matPath << " and are not used\n";
        } catch (const std::invalid_argument& e) {
            throw UsageError("the folds P of " + matPath + " do not fit " + o.from + ": " +
                             e.what());
        }
        if (static_cast<int>(p.folds.size()) != o.folds)
            throw UsageError(matPath + " has " + std::to_string(p.folds.size()) +
                             " folds (P), not --folds " + std::to_string(o.folds));
    } else {
        p = seededPartition(n, o.folds, o.seed);
    }
    writeFileAtomically(saved.string(), partitionToJson(p));
    return p;
}

void printRow(std::ostream& out, const FoldResult& r, bool fromDisk) {
    char line[256];
    std::snprintf(line, sizeof line, "%4d %6d %5d %5d %9.2f %9.2f %9.1f  %s%s\n", r.fold,
                  r.trainRows, r.valRows, r.testRows, r.test.mae, r.test.rmse, r.seconds,
                  r.detail.c_str(), fromDisk ? " (from disk)" : "");
    out << line;
}

int runCv(const CvCli& o) {
    if (o.folds < 2)
        throw UsageError("--folds must be at least 2");
    if (o.fold < -1 || o.fold >= o.folds)
        throw UsageError("--fold must be between 0 and " + std::to_string(o.folds - 1));
    CvModel model;
    CvSettings settings;
    try {
        model = parseCvModel(o.model);
        settings.krr.kernel = parseKrrKernel(o.kernel);
        settings.representation = parseRepresentation(o.representation);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    if (model == CvModel::Paper) {
        if (o.steps > 0)
            settings.paper.steps = o.steps;
        if (o.evalSteps > 0)
            settings.paper.evalEvery = o.evalSteps;
        const std::string why = settings.paper.validate();
        if (!why.empty())
            throw UsageError(why);
        if (!(o.checkpointMinutes > 0))
            throw UsageError("--checkpoint-minutes must be positive");
        settings.paperOptions.checkpointSeconds = 60 * o.checkpointMinutes;
        try {
            settings.paperOptions.select = parseSelect(o.select);
        } catch (const std::invalid_argument& e) {
            throw UsageError(e.what());
        }
    }
    if (model == CvModel::Krr && settings.representation == Representation::RandomSorted)
        throw UsageError("KRR takes a fixed representation: cm, sorted or eigen");
    if (!o.sigmas.empty())
        settings.krr.sigmas = o.sigmas;
    if (!o.lambdas.empty())
        settings.krr.lambdas = o.lambdas;
    settings.krr.refit = !o.noRefit;
    settings.valFraction = o.valFraction;
    settings.seed = o.seed;
    settings.mlp = o.config;
    if (model == CvModel::Mlp) {
        const std::string why = o.config.validate();
        if (!why.empty())
            throw UsageError(why);
    }
    if (!(o.valFraction > 0 && o.valFraction < 1))
        throw UsageError("--val-fraction must be between 0 and 1");
    if (o.trainSize < 0)
        throw UsageError("--train-size must be 0 (all) or positive");

    MoleculeSource source;
    try {
        source = readMolecules(o.from);
    } catch (const MoleculeError& e) {
        throw UsageError(e.what());
    }
    const std::string out = o.out.empty() ? "cv-" + o.model : o.out;
    ensureWritableDir(out);
    setUpNumerics();
    const CvPartition partition = choosePartition(o, source, out);

    std::cout << "cross-validation of " << o.model << " on " << o.from << ": "
              << source.molecules.size() << " molecules, " << partition.folds.size() << " folds ("
              << partition.origin
              << (partition.origin == "seeded" ? " " + std::to_string(partition.seed) : "")
              << "), validation " << o.valFraction << " of the training folds; results in " << out
              << "\n\n";
    std::cout << "fold  train   val  test  MAE kcal/mol RMSE    time s  chosen\n";

    TrainControl& control = interruptControl();
    settings.trainOptions.control = &control;
    settings.trainOptions.threads = o.threads;
    std::vector<double> maes, rmses, seconds;
    std::ostringstream csv;
    csv << "fold,model,train,val,test,test_mae,test_rmse,seconds,chosen\n";
    bool cancelled = false;
    for (int k = 0; k < o.folds; ++k) {
        if (o.fold >= 0 && k != o.fold)
            continue;
        const std::string dir = (fs::path(out) / ("fold-" + std::to_string(k))).string();
        const fs::path resultFile = fs::path(dir) / "result.json";
        FoldResult r;
        bool fromDisk = false;
        if (fs::exists(resultFile)) {
            r = foldResultFromJson(readFile(resultFile.string()));
            if (r.model != model)
                throw UsageError(dir + " holds a " + cvModelName(r.model) + " result, not " +
                                 o.model + ": use another --out");
            fromDisk = !r.cancelled;
        }
        if (!fromDisk) {
            FoldSplit split = foldSplit(partition, k, o.valFraction, o.seed);
            if (o.trainSize > 0 && o.trainSize < static_cast<int>(split.train.size()))
                split.train.resize(static_cast<std::size_t>(o.trainSize));
            PaperProgress progress(k);
            MlpProgress mlpProgress(k, o.config.epochs);
            settings.trainOptions.observer = &mlpProgress;
            settings.paperOptions.observer = &progress;
            settings.paperOptions.control = &control;
            r = runFold(source.molecules, split, k, model, settings, dir);
            progress.finish();
            mlpProgress.finish();
        }
        if (r.cancelled || interrupted()) {
            cancelled = true;
            break;
        }
        printRow(std::cout, r, fromDisk);
        std::cout.flush();
        csv << r.fold << ',' << o.model << ',' << r.trainRows << ',' << r.valRows << ','
            << r.testRows << ',' << r.test.mae << ',' << r.test.rmse << ',' << r.seconds << ",\""
            << r.detail << "\"\n";
        maes.push_back(r.test.mae);
        rmses.push_back(r.test.rmse);
        seconds.push_back(r.seconds);
    }
    if (!maes.empty()) {
        const MeanStd mae = meanStd(maes), rmse = meanStd(rmses), time = meanStd(seconds);
        std::cout << "mean " << format("%.2f", mae.mean) << " ± " << format("%.2f", mae.std)
                  << " MAE, " << format("%.2f", rmse.mean) << " ± " << format("%.2f", rmse.std)
                  << " RMSE kcal/mol over " << maes.size() << " fold(s); "
                  << format("%.1f", time.mean) << " s per fold\n\n";
        csv << "mean,,"
            << ",,," << mae.mean << ',' << rmse.mean << ',' << time.mean << ",\n";
        csv << "std,,"
            << ",,," << mae.std << ',' << rmse.std << ',' << time.std << ",\n";
        writeFileAtomically((fs::path(out) / "cv.csv").string(), csv.str());
        std::cout << "published anchors (official qm7.mat, 7165 molecules, 5 folds):\n";
        for (const CvAnchor& a : publishedAnchors()) {
            std::cout << "  " << a.method << ": MAE "
                      << (a.mae > 0 ? format("%.2f", a.mae) : std::string("-")) << ", RMSE "
                      << (a.rmse > 0 ? format("%.2f", a.rmse) : std::string("-")) << "  ["
                      << a.source << "]\n";
        }
    }
    if (cancelled) {
        std::cerr << "interrupted; finished folds are in " << out
                  << "; the same command continues\n";
        return kInterrupted;
    }
    return kOk;
}

} // namespace

Command addCvCommand(CLI::App& app) {
    auto o = std::make_shared<CvCli>();
    CLI::App* sub =
        app.add_subcommand("cv", "K-fold cross-validation: KRR, the network or the paper's");
    sub->add_option("--from", o->from, "Molecules: demo, qm7.mat or an .xyz file")
        ->capture_default_str();
    sub->add_option("--out", o->out, "Results folder (default cv-<model>); reruns continue it");
    sub->add_option("--folds", o->folds, "Number of folds")->capture_default_str();
    sub->add_option("--fold", o->fold, "Run only fold K (0-based; default all)");
    sub->add_option("--folds-from", o->foldsFrom,
                    "Take the folds from the P of this qm7.mat (same molecules, same order)");
    sub->add_option("--model", o->model, "krr, mlp (one hidden layer) or paper")
        ->capture_default_str();
    sub->add_option("--val-fraction", o->valFraction,
                    "Part of the training folds kept for validation")
        ->capture_default_str();
    sub->add_option("--seed", o->seed, "Seed of the partition, validation part and training")
        ->capture_default_str();
    sub->add_option("--train-size", o->trainSize,
                    "Use only n training molecules per fold (0 = all)")
        ->capture_default_str();
    sub->add_option("--representation", o->representation,
                    "krr and mlp: cm, sorted, eigen or random-sorted (mlp; fresh draws per epoch)")
        ->capture_default_str();
    sub->add_option("--kernel", o->kernel, "KRR kernel: laplacian or gaussian")
        ->capture_default_str();
    sub->add_option("--sigmas", o->sigmas, "KRR kernel widths to try (atomic units)")
        ->delimiter(',');
    sub->add_option("--lambdas", o->lambdas, "KRR regularizations to try")->delimiter(',');
    sub->add_flag(
        "--no-refit", o->noRefit,
        "KRR: keep the model fitted on the training part only (no refit with validation)");
    sub->add_option("--steps", o->steps, "paper: minibatch steps (default the paper's 1,000,000)");
    sub->add_option("--eval-steps", o->evalSteps, "paper: validate every k steps (default 5000)");
    sub->add_option("--select", o->select,
                    "paper: weights tested: final (the running average at the last step, as the "
                    "paper's code) or best-val-mse")
        ->capture_default_str();
    sub->add_option("--checkpoint-minutes", o->checkpointMinutes,
                    "paper: write a checkpoint this often; a rerun resumes from it")
        ->capture_default_str();
    addTrainingOptions(sub, o->config, o->threads);
    return {sub, [o] { return runCv(*o); }};
}

} // namespace qm7::cli
