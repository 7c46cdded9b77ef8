// qm7 sweep: the learning-rate sweep over seeds (question 5), resumable; writes sweep.csv.
#include "commands.h"
#include "experiment_cli.h"
#include "project_cli.h"
#include "sweep_explore.h"

#include "qm7/analysis/homework.h"
#include "qm7/io/dataset.h"
#include "qm7/util/atomic_file.h"

#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace qm7::cli {

namespace {

int runSweep(const ExperimentOptions& o) {
    const Dataset data = loadData(o.data);
    ensureWritableDir(o.out);
    setUpNumerics();
    SweepConfig sweep{o.base, numbers(o.lrs, "--lrs"), o.seeds, ruleOf(o.rule)};
    if (const std::string why = sweep.validate(); !why.empty())
        throw UsageError(why);
    const std::vector<TrainConfig> configs = sweepConfigs(sweep);
    std::vector<std::string> dirs;
    for (const auto& c : configs)
        dirs.push_back((fs::path(o.out) / sweepRunName(c.lr, c.seed)).string());
    std::vector<RunResult> runs;
    ProjectRun project("sweep", o.out, o.slice, false);
    if (!trainIntoFolders(data, configs, dirs, o, "sweep", runs))
        return kInterrupted;
    if (!project.complete()) // the other runs belong to other tasks of the project
        return kOk;
    const SweepSummary summary = summarizeSweep(sweep, runs);
    printSweep(summary);
    writeFileAtomically((fs::path(o.out) / "sweep.csv").string(), sweepCsv(summary));
    std::cout << "tables and runs written to " << o.out << "\n";
    return kOk;
}

} // namespace

Command addSweepCommand(CLI::App& app) {
    auto o = std::make_shared<ExperimentOptions>();
    auto e = std::make_shared<ExploreOptions>();
    CLI::App* sub = app.add_subcommand(
        "sweep", "Learning-rate sweep over seeds (question 5), or any settings (--grid, --sample)");
    addExperimentOptions(sub, *o);
    addSweepOptions(sub, *o);
    addExploreOptions(sub, *e);
    return {sub, [o, e] { return e->wanted() ? runExploration(*o, *e) : runSweep(*o); }};
}

} // namespace qm7::cli
