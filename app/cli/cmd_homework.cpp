// qm7 homework: questions 1 to 7 in order, resumable; writes every CSV and report.md, and asks
// qm7-workbench to render the figures.
#include "commands.h"
#include "experiment_cli.h"
#include "project_cli.h"
#include "job_progress.h"
#include "render_figures.h"

#include "qm7/analysis/homework.h"
#include "qm7/io/dataset.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

namespace qm7::cli {

namespace {

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
    config.fit = fitOptionsOf(o);
    if (const std::string why = config.validate(static_cast<int>(data.train.rows())); !why.empty())
        throw UsageError(why);
    const std::vector<int> verifySizes = checkedVerifySizes(o);
    setUpNumerics();

    const LabelStats s = labelStats(data.train.y);
    std::printf("data: %zu/%zu/%zu molecules, d = %d (N = %d); train labels %.1f ± %.1f "
                "kcal/mol\n",
                data.train.rows(), data.val.rows(), data.test.rows(), data.d, data.atoms, s.mean,
                s.std);
    std::unique_ptr<JobProgress> progress;
    int threads = 0;
    TrainOptions options;
    options.control = &interruptControl();
    options.threads = o.threads;
    auto stage = [&](const std::string& text) {
        if (progress) {
            progress->finish();
            threads = std::max(threads, progress->threads());
        }
        std::cerr << text << "\n";
        progress = std::make_unique<JobProgress>("  ");
        options.observer = progress.get();
    };
    stage("homework: " +
          std::to_string(config.lrs.size() * config.seeds + config.sizes.size() * config.seeds) +
          " trainings into " + o.out);
    ProjectRun project("homework", o.out, o.slice, true);
    HomeworkResult result;
    try {
        result = runHomework(data, config, o.out, o.data, options, stage);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    if (progress) {
        progress->finish();
        threads = std::max(threads, progress->threads());
    }
    printThreads(threads);
    if (result.cancelled) {
        std::cerr << "interrupted; finished runs are saved in " << o.out
                  << ": run the same command again to continue\n";
        return kInterrupted;
    }
    if (!project.complete()) // the other runs belong to other tasks of the project
        return kOk;
    printSweep(result.sweep);
    std::printf("\ntest set at lr %g, seed %llu (best validation): RMSE %.2f kcal/mol, MAE %.2f "
                "kcal/mol, R^2 %.4f\n",
                result.sweep.chosenLr, static_cast<unsigned long long>(result.final.config.seed),
                result.final.test.rmse, result.final.test.mae, result.final.test.r2);
    printCurve(result.curve);
    bool stopped = false; // question 7: measure the answer at larger n when asked
    if (!verifySizes.empty())
        result.measured = measureAtLargerN(o.data, result.curveConfig.base, verifySizes, o.seeds,
                                           o.out, &stopped);
    printLawRanking(result.ranking, result.measured);
    writeReport(result, o.out, o.data);
    if (stopped)
        return kInterrupted;
    const bool figures = o.noFigures || renderFigures(o.out, "--render-report");
    std::printf("\nreport: %s/report.md (%.0f s, %d runs reused)\n", o.out.c_str(), result.seconds,
                result.reusedRuns);
    return figures ? kOk : kFailed;
}

} // namespace

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
