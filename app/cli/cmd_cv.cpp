// qm7 cv: K-fold cross-validation of kernel ridge regression, the one-hidden-layer network or
// the paper's network over the folds of qm7.mat (P) or a seeded partition saved with the
// results; finished folds on disk are not trained again.
#include "commands.h"

#include "qm7/analysis/cv_study.h"
#include "qm7/chem/dataset_builder.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

namespace qm7::cli {

namespace {

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
    CLI::App* sub = nullptr; ///< to tell options given from defaults
};

/// The terminal side of a cross-validation: the header once the partition is known, a
/// progress line per trained fold (on stderr) and a table row per finished fold.
class CliStudyObserver : public CvStudyObserver {
  public:
    CliStudyObserver(const CvCli& o, const MoleculeSource& source, const std::string& out)
        : m_o(o), m_source(source), m_out(out) {}
    void onPartition(const CvPartition& p, int unused) override {
        if (unused > 0)
            std::cerr << "note: " << unused << " molecule(s) of " << m_o.from << " are in no fold ("
                      << p.origin << ") and are not used\n";
        std::cout << "cross-validation of " << m_o.model << " on " << m_o.from << ": "
                  << m_source.molecules.size() << " molecules, " << p.folds.size() << " folds ("
                  << p.origin << (p.origin == "seeded" ? " " + std::to_string(p.seed) : "")
                  << "), validation " << m_o.valFraction << " of the training folds; results in "
                  << m_out << "\n\n";
        std::cout << "fold  train   val  test  test MAE  test RMSE  val MAE    time s  chosen"
                     " (errors in kcal/mol)\n";
    }
    void onFoldStart(int fold, const FoldSplit&) override {
        m_bar = std::make_unique<ProgressBar>("fold " + std::to_string(fold));
        m_valRmse = 0;
        m_last = DeepStats{};
    }
    void onEpoch(const EpochStats& s) override {
        std::string extra =
            "epoch " + std::to_string(s.epoch) + "/" + std::to_string(m_o.config.epochs);
        if (s.evaluated)
            m_valRmse = s.valRmse;
        if (m_valRmse > 0)
            extra += "  val RMSE " + format("%.2f", m_valRmse) + " kcal/mol";
        m_bar->update(s.epoch, m_o.config.epochs, extra);
    }
    void onDeepEval(const DeepStats& s) override { m_last = s; }
    void onDeepProgress(long long step, long long total, double) override {
        std::string extra = "step " + std::to_string(step) + "/" + std::to_string(total);
        if (m_last.step > 0)
            extra += "  val MAE " + format("%.2f", m_last.valMae) + " kcal/mol";
        m_bar->update(step, total, extra);
    }
    void onFoldDone(const FoldResult& r, bool fromDisk) override {
        if (m_bar)
            m_bar->finish();
        m_bar.reset();
        char time[32] = "        -";
        if (std::isfinite(r.seconds))
            std::snprintf(time, sizeof time, "%9.1f", r.seconds);
        char line[256];
        if (r.failed())
            std::snprintf(line, sizeof line, "%4d %6d %5d %5d %9s %10s %8s %s  %s%s\n", r.fold,
                          r.trainRows, r.valRows, r.testRows, "FAILED", "NaN", "-", time,
                          r.detail.c_str(), fromDisk ? " (from disk)" : "");
        else
            std::snprintf(line, sizeof line, "%4d %6d %5d %5d %9.2f %10.2f %8.2f %s  %s%s\n",
                          r.fold, r.trainRows, r.valRows, r.testRows, r.test.mae, r.test.rmse,
                          r.valMae, time, r.detail.c_str(), fromDisk ? " (from disk)" : "");
        std::cout << line;
        std::cout.flush();
    }
    void onFoldNote(int fold, const std::string& note) override {
        std::cerr << "fold " << fold << ": " << note << "\n";
    }
    void finish() {
        if (m_bar)
            m_bar->finish();
    }

  private:
    const CvCli& m_o;
    const MoleculeSource& m_source;
    std::string m_out;
    std::unique_ptr<ProgressBar> m_bar;
    double m_valRmse = 0;
    DeepStats m_last;
};

int runCv(const CvCli& o) {
    if (o.folds < 2)
        throw UsageError("--folds must be at least 2");
    if (o.fold < -1 || o.fold >= o.folds)
        throw UsageError("--fold must be between 0 and " + std::to_string(o.folds - 1));
    CvStudyConfig study;
    CvSettings& settings = study.settings;
    try {
        study.model = parseCvModel(o.model);
        settings.krr.kernel = parseKrrKernel(o.kernel);
        settings.representation = parseRepresentation(o.representation);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    const CvModel model = study.model;
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
    if (model == CvModel::Invariant) {
        InvariantConfig& c = settings.invariant;
        if (o.sub->count("--epochs") > 0)
            c.epochs = o.config.epochs;
        if (o.sub->count("--batch") > 0)
            c.batchSize = o.config.batchSize;
        if (o.sub->count("--lr") > 0)
            c.lr = std::max(o.config.lr, c.lrFinal);
        c.steps = o.steps;
        const std::string why = c.validate();
        if (!why.empty())
            throw UsageError(why);
        if (!(o.checkpointMinutes > 0))
            throw UsageError("--checkpoint-minutes must be positive");
        settings.paperOptions.checkpointSeconds = 60 * o.checkpointMinutes;
    }
    if (model == CvModel::Krr && settings.representation == Representation::RandomSorted)
        throw UsageError("KRR takes a fixed representation: cm, sorted, eigen or bob");
    if (model == CvModel::Paper && settings.representation == Representation::BagOfBonds)
        throw UsageError("the paper's network takes randomly sorted Coulomb matrices, not a Bag "
                         "of Bonds (use --model krr or mlp)");
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
    study.out = out;
    study.sourceName = o.from;
    study.folds = o.folds;
    study.onlyFold = o.fold;
    study.trainSize = o.trainSize;
    study.foldsFrom = o.foldsFrom;
    settings.trainOptions.threads = o.threads;

    CliStudyObserver observer(o, source, out);
    CvStudyResult result;
    try {
        result = runCvStudy(source, study, &observer, &interruptControl());
    } catch (const std::invalid_argument& e) {
        observer.finish();
        throw UsageError(e.what());
    }
    observer.finish();
    if (!result.folds.empty()) {
        const MeanStd &mae = result.mae, &rmse = result.rmse, &val = result.valMae,
                      &time = result.seconds;
        if (mae.n > 0)
            std::cout << "mean test MAE " << format("%.2f", mae.mean) << " ± "
                      << format("%.2f", mae.std) << ", test RMSE " << format("%.2f", rmse.mean)
                      << " ± " << format("%.2f", rmse.std) << ", validation MAE "
                      << format("%.2f", val.mean) << " ± " << format("%.2f", val.std)
                      << " kcal/mol over " << mae.n << " of " << result.folds.size() << " fold(s); "
                      << (time.n > 0 ? format("%.1f", time.mean / 60) : std::string("-"))
                      << " min per fold\n";
        if (result.failed > 0)
            std::cout << result.failed << " of " << result.folds.size()
                      << " fold(s) FAILED (test error not a number: the model diverged); "
                         "they are not in the mean\n";
        std::cout << "\npublished anchors (QM7, each with its setting):\n";
        for (const CvAnchor& a : publishedAnchors()) {
            std::cout << "  " << a.method << ": MAE "
                      << (a.mae > 0 ? format("%.2f", a.mae) : std::string("-")) << ", RMSE "
                      << (a.rmse > 0 ? format("%.2f", a.rmse) : std::string("-")) << "  ["
                      << a.source << "]\n";
        }
    }
    if (result.cancelled || interrupted()) {
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
    sub->add_option("--model", o->model,
                    "krr, mlp (one hidden layer), paper or invariant (distances only, SchNet-like; "
                    "--epochs, --steps, --batch, --lr apply)")
        ->capture_default_str();
    sub->add_option("--val-fraction", o->valFraction,
                    "Part of the training folds kept for validation")
        ->capture_default_str();
    sub->add_option("--seed", o->seed, "Seed of the partition, validation part and training")
        ->capture_default_str();
    sub->add_option("--train-size", o->trainSize,
                    "Use only n training molecules per fold (0 = all)")
        ->capture_default_str();
    sub->add_option(
           "--representation", o->representation,
           "krr and mlp: cm, sorted, eigen, random-sorted (mlp; fresh draws per epoch) or bob "
           "(Bag of Bonds, Hansen et al. 2015)")
        ->capture_default_str();
    sub->add_option("--kernel", o->kernel, "KRR kernel: laplacian or gaussian")
        ->capture_default_str();
    sub->add_option("--sigmas", o->sigmas, "KRR kernel widths to try (atomic units)")
        ->delimiter(',');
    sub->add_option("--lambdas", o->lambdas, "KRR regularizations to try")->delimiter(',');
    sub->add_flag(
        "--no-refit", o->noRefit,
        "KRR: keep the model fitted on the training part only (no refit with validation)");
    sub->add_option(
        "--steps", o->steps,
        "paper: minibatch steps (default the paper's 1,000,000); invariant: a cap on "
        "them for a quick run (default none: --epochs, else 80, about 55 min per demo fold "
        "on one core; --threads 0 means one thread for it)");
    sub->add_option("--eval-steps", o->evalSteps, "paper: validate every k steps (default 5000)");
    sub->add_option("--select", o->select,
                    "paper: weights tested: final (the running average at the last step, as the "
                    "paper's code) or best-val-mse")
        ->capture_default_str();
    sub->add_option("--checkpoint-minutes", o->checkpointMinutes,
                    "paper and invariant: write a checkpoint this often; a rerun resumes from it")
        ->capture_default_str();
    addTrainingOptions(sub, o->config, o->threads);
    o->sub = sub;
    return {sub, [o] { return runCv(*o); }};
}

} // namespace qm7::cli
