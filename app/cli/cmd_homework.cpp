// qm7 sweep, qm7 curve and qm7 homework: the homework's experiments from the command line.
#include "commands.h"
#include "curve_answer.h"
#include "job_progress.h"
#include "project_cli.h"

#include "qm7/util/atomic_file.h"
#include "qm7/io/dataset.h"
#include "qm7/analysis/curve_verify.h"
#include "qm7/analysis/homework.h"
#include "qm7/train/resumable.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace qm7::cli {

namespace {

struct ExperimentOptions {
    std::string data = "demo";
    std::string out;
    TrainConfig base;
    int blasThreads = 0;
    std::string lrs = "1e-5,1e-4,1e-3,1e-2";
    std::string sizes = "100,200,500,1000";
    int seeds = 3;
    std::string rule = "final";
    double targetN = 4000;
    bool linearSpace = false;
    bool unweighted = false;
    bool noFigures = false;
    std::string verify; ///< issue 11: train at these larger n to measure the answer
    SliceOptions slice; // issue 13: --task/--tasks into a shared project folder
};

/// issue 11: fails early, before any training, when the source cannot supply the verify sizes.
std::vector<int> checkedVerifySizes(const ExperimentOptions& o) {
    const std::vector<int> sizes = verifySizesOf(o.verify);
    if (!sizes.empty())
        if (const std::string why =
                verificationProblem(o.data, *std::max_element(sizes.begin(), sizes.end()));
            !why.empty())
            throw UsageError(why);
    return sizes;
}

void addExperimentOptions(CLI::App* sub, ExperimentOptions& o) {
    sub->add_option("--data", o.data, "dataset.pt, molecules (.xyz, .xyz.gz, .mat) or demo")
        ->capture_default_str();
    sub->add_option("--out", o.out, "Output folder (reused runs are kept there)")->required();
    sub->add_option("--seeds", o.seeds, "Seeds per setting (0 .. seeds-1)")->capture_default_str();
    addTrainingOptions(sub, o.base, o.blasThreads);
    addSliceOptions(sub, o.slice);
}

void addSweepOptions(CLI::App* sub, ExperimentOptions& o) {
    sub->add_option("--lrs", o.lrs, "Comma-separated learning rates")->capture_default_str();
    sub->add_option("--rule", o.rule, "Pick the lr by mean 'final' or 'best' validation loss")
        ->capture_default_str();
}

void addCurveOptions(CLI::App* sub, ExperimentOptions& o) {
    sub->add_option("--sizes", o.sizes, "Comma-separated training sizes")->capture_default_str();
    sub->add_option("--target-n", o.targetN, "Extrapolate the fits to this n")
        ->capture_default_str();
    sub->add_flag("--linear-space", o.linearSpace, "Fit the error itself, not its logarithm");
    sub->add_flag("--unweighted", o.unweighted, "Do not weight points by their seed spread");
    sub->add_option("--verify", o.verify,
                    "Also train at these larger n (e.g. 2000,3000,4000; molecules from outside "
                    "validation and test) and compare with every law's prediction");
}

std::vector<double> numbers(const std::string& text, const char* option) {
    try {
        return parseNumberList(text);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string(option) + ": " + e.what());
    }
}

std::vector<int> sizesOf(const std::string& text) {
    std::vector<int> sizes;
    for (double v : numbers(text, "--sizes")) {
        if (v != std::floor(v) || v < 2)
            throw UsageError("--sizes: " + std::to_string(v) +
                             " is not a training size (an "
                             "integer >= 2)");
        sizes.push_back(static_cast<int>(v));
    }
    return sizes;
}

SweepRule ruleOf(const std::string& rule) {
    if (rule == "final")
        return SweepRule::FinalLoss;
    if (rule == "best")
        return SweepRule::BestLoss;
    throw UsageError("--rule must be 'final' or 'best'");
}

void printSweep(const SweepSummary& s) {
    std::printf("\n%10s  %24s  %24s  %18s\n", "lr", "final val loss (mean±std)",
                "best val loss (mean±std)", "test RMSE kcal/mol");
    for (const auto& r : s.rows)
        std::printf("%10.0e  %12.5f ± %-9.5f  %12.5f ± %-9.5f  %8.2f ± %-6.2f%s\n", r.lr,
                    r.finalMean, r.finalStd, r.bestMean, r.bestStd, r.testRmseMean, r.testRmseStd,
                    r.lr == s.chosenLr ? "  <- chosen" : "");
    std::printf("chosen learning rate: %g (lowest mean %s validation loss)\n", s.chosenLr,
                sweepRuleName(s.rule).c_str());
}

void printCurve(const std::vector<CurveRow>& rows) {
    std::printf("\n%6s  %26s  %20s  %20s\n", "n", "test MSE kcal²/mol²", "test RMSE kcal/mol",
                "test MAE kcal/mol");
    for (const auto& r : rows)
        std::printf("%6d  %12.1f ± %-11.1f  %9.2f ± %-8.2f  %9.2f ± %-8.2f\n", r.n, r.mseMean,
                    r.mseStd, r.rmseMean, r.rmseStd, r.maeMean, r.maeStd);
}

/// The sweep or the curve alone: trains resumably into out/<run>/ and writes the CSV.
int runExperiment(const ExperimentOptions& o, bool sweep) {
    const Dataset data = loadData(o.data);
    ensureWritableDir(o.out);
    const std::vector<int> verifySizes = sweep ? std::vector<int>{} : checkedVerifySizes(o);
    setUpNumerics(o.blasThreads);
    std::vector<TrainConfig> configs;
    std::vector<std::string> dirs;
    SweepConfig sweepConfig{o.base, {}, o.seeds, ruleOf(o.rule)};
    CurveConfig curveConfig{o.base, {}, o.seeds};
    if (sweep) {
        sweepConfig.lrs = numbers(o.lrs, "--lrs");
        if (const std::string why = sweepConfig.validate(); !why.empty())
            throw UsageError(why);
        configs = sweepConfigs(sweepConfig);
        for (const auto& c : configs)
            dirs.push_back((fs::path(o.out) / sweepRunName(c.lr, c.seed)).string());
    } else {
        curveConfig.sizes = sizesOf(o.sizes);
        if (const std::string why = curveConfig.validate(static_cast<int>(data.train.rows()));
            !why.empty())
            throw UsageError(why);
        configs = curveConfigs(curveConfig);
        for (const auto& c : configs)
            dirs.push_back((fs::path(o.out) / curveRunName(c.trainSize, c.seed)).string());
    }
    ProjectRun project(sweep ? "sweep" : "curve", o.out, o.slice, false); // issue 13
    JobProgress progress(sweep ? "sweep" : "curve");
    TrainOptions options;
    options.observer = &progress;
    options.control = &interruptControl();
    int reused = 0;
    const auto runs = trainResumable(data, configs, dirs, o.data, options, 0, &reused);
    progress.finish();
    if (reused > 0)
        std::cerr << reused << " finished runs reused from " << o.out << "\n";
    if (interrupted()) {
        std::cerr << "interrupted; finished runs are saved in " << o.out
                  << " and are reused when you run the same command again\n";
        return kInterrupted;
    }
    if (!project.complete()) // issue 13: runs left to other tasks
        return kOk;
    if (sweep) {
        const SweepSummary s = summarizeSweep(sweepConfig, runs);
        printSweep(s);
        writeFileAtomically((fs::path(o.out) / "sweep.csv").string(), sweepCsv(s));
    } else {
        const auto rows = summarizeCurve(curveConfig, runs);
        printCurve(rows);
        FitOptions fit;
        fit.logSpace = !o.linearSpace;
        fit.weightBySpread = !o.unweighted;
        // issue 11: rank the laws by forward validation; measure at larger n if asked.
        bool stopped = false;
        const auto measured =
            measureAtLargerN(o.data, o.base, verifySizes, o.seeds, o.out, &stopped);
        const LawRanking ranking = rankLaws(curvePoints(rows), perSeedCurves(runs), o.targetN, fit);
        printLawRanking(ranking, measured);
        writeFileAtomically((fs::path(o.out) / "curve.csv").string(), curveCsv(rows));
        writeFileAtomically((fs::path(o.out) / "fits.csv").string(), lawRankingCsv(ranking));
        if (!measured.empty())
            writeFileAtomically((fs::path(o.out) / "verify.csv").string(),
                                verifyCsv(ranking, measured, fit));
        if (stopped)
            return kInterrupted;
    }
    std::cout << "tables and runs written to " << o.out << "\n";
    return kOk;
}

/// The workbench beside this program: installed in the same folder, or app/workbench/ in a build.
std::string findWorkbench() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec)
        return {};
    for (const fs::path& candidate :
         {self.parent_path() / "qm7-workbench", self.parent_path() / "workbench" / "qm7-workbench"})
        if (fs::exists(candidate, ec))
            return candidate.string();
    return {};
}

/// The figures come from the workbench's plotting code: ask it to render them headless and to
/// rewrite report.md with them. Without the workbench the report keeps its tables only.
void renderFigures(const std::string& dir) {
    const std::string workbench = findWorkbench();
    if (workbench.empty()) {
        std::cerr << "figures: qm7-workbench not found beside qm7; the report has tables only "
                     "(render them later with: qm7-workbench --render-report "
                  << dir << ")\n";
        return;
    }
    const std::string command = "QT_QPA_PLATFORM=offscreen '" + workbench + "' --render-report '" +
                                dir + "' > /dev/null 2>&1";
    if (std::system(command.c_str()) != 0)
        std::cerr << "figures: " << workbench << " --render-report " << dir
                  << " failed; the report has tables only\n";
    else
        std::cerr << "figures written to " << dir << "/figures\n";
}

int runHomeworkCommand(const ExperimentOptions& o) {
    const Dataset data = loadData(o.data);
    ensureWritableDir(o.out);
    HomeworkConfig config;
    config.base = o.base;
    config.lrs = numbers(o.lrs, "--lrs");
    config.sizes = sizesOf(o.sizes);
    config.seeds = o.seeds;
    config.rule = ruleOf(o.rule);
    config.targetN = o.targetN;
    config.fit.logSpace = !o.linearSpace;
    config.fit.weightBySpread = !o.unweighted;
    if (const std::string why = config.validate(static_cast<int>(data.train.rows())); !why.empty())
        throw UsageError(why);
    const std::vector<int> verifySizes = checkedVerifySizes(o);
    setUpNumerics(o.blasThreads);

    const LabelStats s = labelStats(data.train.y);
    std::printf("data: %zu/%zu/%zu molecules, d = %d (N = %d); train labels %.1f ± %.1f "
                "kcal/mol\n",
                data.train.rows(), data.val.rows(), data.test.rows(), data.d, data.atoms, s.mean,
                s.std);
    std::unique_ptr<JobProgress> progress;
    TrainOptions options;
    options.control = &interruptControl();
    auto stage = [&](const std::string& text) {
        if (progress)
            progress->finish();
        std::cerr << text << "\n";
        progress = std::make_unique<JobProgress>("  ");
        options.observer = progress.get();
    };
    stage("homework: " +
          std::to_string(config.lrs.size() * config.seeds + config.sizes.size() * config.seeds) +
          " trainings into " + o.out);
    ProjectRun project("homework", o.out, o.slice, true); // issue 13
    HomeworkResult result;
    try {
        result = runHomework(data, config, o.out, o.data, options, stage);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    if (progress)
        progress->finish();
    if (result.cancelled) {
        std::cerr << "interrupted; finished runs are saved in " << o.out
                  << ": run the same command again to continue\n";
        return kInterrupted;
    }
    if (!project.complete()) // issue 13
        return kOk;
    printSweep(result.sweep);
    std::printf("\ntest set at lr %g, seed 0: RMSE %.2f kcal/mol, MAE %.2f kcal/mol, R^2 %.4f\n",
                result.sweep.chosenLr, result.final.test.rmse, result.final.test.mae,
                result.final.test.r2);
    printCurve(result.curve);
    bool stopped = false; // issue 11: measure the answer at larger n if asked
    if (!verifySizes.empty())
        result.measured = measureAtLargerN(o.data, result.curveConfig.base, verifySizes, o.seeds,
                                           o.out, &stopped);
    printLawRanking(result.ranking, result.measured);
    writeHomeworkReport(result, o.out, o.data);
    if (stopped)
        return kInterrupted;
    if (!o.noFigures)
        renderFigures(o.out);
    std::printf("\nreport: %s/report.md (%.0f s, %d runs reused)\n", o.out.c_str(), result.seconds,
                result.reusedRuns);
    return kOk;
}

} // namespace

Command addSweepCommand(CLI::App& app) {
    auto o = std::make_shared<ExperimentOptions>();
    CLI::App* sub = app.add_subcommand("sweep", "Learning-rate sweep over seeds (question 5)");
    addExperimentOptions(sub, *o);
    addSweepOptions(sub, *o);
    return {sub, [o] { return runExperiment(*o, true); }};
}

Command addCurveCommand(CLI::App& app) {
    auto o = std::make_shared<ExperimentOptions>();
    CLI::App* sub = app.add_subcommand("curve", "Learning curve with fits (question 7)");
    addExperimentOptions(sub, *o);
    addCurveOptions(sub, *o);
    return {sub, [o] { return runExperiment(*o, false); }};
}

Command addHomeworkCommand(CLI::App& app) {
    auto o = std::make_shared<ExperimentOptions>();
    CLI::App* sub = app.add_subcommand("homework", "Questions 1 to 7 in order, resumable; "
                                                   "writes report.md and every CSV");
    addExperimentOptions(sub, *o);
    addSweepOptions(sub, *o);
    addCurveOptions(sub, *o);
    sub->add_flag("--no-figures", o->noFigures,
                  "Tables only: do not render the figures with qm7-workbench");
    return {sub, [o] { return runHomeworkCommand(*o); }};
}

} // namespace qm7::cli
