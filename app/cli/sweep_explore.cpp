// qm7 sweep --grid / --sample (sweep_explore.h): options, messages and tables around core's
// exploration loop (exploration_run.h).
#include "sweep_explore.h"
#include "project_cli.h"

#include "qm7/analysis/exploration.h"
#include "qm7/analysis/exploration_run.h"
#include "qm7/analysis/search_space.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

namespace fs = std::filesystem;

namespace qm7::cli {

namespace {

std::vector<TrialSetting> settingsOf(const ExploreOptions& e) {
    try {
        if (!e.grid.empty()) {
            if (e.sample > 0 || !e.space.empty())
                throw UsageError("give either --grid or --sample with --space, not both");
            return explorationSettings(e.grid, 0, 0);
        }
        if (e.sample < 1 || e.space.empty())
            throw UsageError("--sample N needs --space \"...\" (and --space a positive --sample)");
        return explorationSettings(e.space, e.sample, e.spaceSeed);
    } catch (const std::invalid_argument& err) {
        throw UsageError(std::string(!e.grid.empty() ? "--grid: " : "--space: ") + err.what());
    }
}

// The loop's events as the CLI's progress bar (one per batch of runs) and its messages.
class CliExplorationObserver : public ExplorationObserver {
  public:
    explicit CliExplorationObserver(std::string out) : m_out(std::move(out)) {}
    void onBatchStarted(int /*runs*/) override { m_bar = std::make_unique<ProgressBar>("sweep"); }
    void onProgress(const ExplorationProgress& p) override {
        if (m_bar)
            m_bar->update(p.epochsDone, p.epochsTotal,
                          "runs " + std::to_string(p.runsDone) + "/" + std::to_string(p.runsTotal) +
                              " done");
    }
    void onBatchFinished(int reused, int threads) override {
        if (m_bar)
            m_bar->finish();
        m_bar.reset();
        printThreads(threads);
        if (reused > 0)
            std::cerr << reused << " finished runs reused from " << m_out << "\n";
        if (interrupted())
            std::cerr << "interrupted; finished runs are saved in " << m_out
                      << " and are reused when you run the same command again\n";
    }

  private:
    std::string m_out;
    std::unique_ptr<ProgressBar> m_bar;
};

void printSummary(const std::vector<ExplorationTrial>& trials) {
    const std::vector<SettingSummary> sums = summarizeSettings(trials);
    const int best = bestSetting(sums);
    std::printf("\n%-44s %6s %22s %22s\n", "setting", "runs", "val RMSE kcal/mol",
                "test RMSE kcal/mol");
    for (std::size_t i = 0; i < sums.size(); ++i) {
        const auto& s = sums[i];
        std::printf("%-44s %6d %10.3f ± %-9.3f %10.3f ± %-9.3f%s\n", settingText(s.setting).c_str(),
                    s.runs, s.valMean, s.valStd, s.testMean, s.testStd,
                    static_cast<int>(i) == best ? "  <- chosen on validation"
                    : s.stopped                 ? "  (stopped)"
                                                : "");
    }
    if (best >= 0) {
        const auto& b = sums[static_cast<std::size_t>(best)];
        std::printf("best setting (lowest mean validation loss): %s; validation RMSE %.3f ± %.3f, "
                    "test RMSE %.3f ± %.3f kcal/mol (shown, not used to choose)\n",
                    settingText(b.setting).c_str(), b.valMean, b.valStd, b.testMean, b.testStd);
    }
    for (const auto& name : explorationSettingNames(trials))
        std::printf("%s: %s\n", name.c_str(), settingEffect(trials, name).c_str());
}

} // namespace

void addExploreOptions(CLI::App* sub, ExploreOptions& e) {
    sub->add_option("--grid", e.grid,
                    "Every combination of settings, e.g. \"lr=1e-4,1e-3; hidden=10,100,1000\" "
                    "(lr, hidden, batch, epochs, weight_decay, activation, layers, representation; "
                    "layers and activation other than one ReLU layer train the deep trainer's "
                    "network)");
    sub->add_option("--sample", e.sample, "Draw this many settings from --space");
    sub->add_option("--space", e.space,
                    "Settings to draw from, e.g. \"lr=1e-5..1e-1 log; hidden=10..5000 log; "
                    "batch=25,50,100\"");
    sub->add_option("--space-seed", e.spaceSeed, "Seed of the --sample draws")
        ->capture_default_str();
    sub->add_flag("--halving", e.halving,
                  "Successive halving: train every setting a short budget, continue the best "
                  "1/eta by validation loss, up to --epochs");
    sub->add_option("--eta", e.eta, "Successive halving: keep 1/eta each rung")
        ->capture_default_str();
    sub->add_option("--rungs", e.rungs, "Successive halving: number of budgets")
        ->capture_default_str();
}

int runExploration(const ExperimentOptions& o, const ExploreOptions& e) {
    ExplorationPlan plan;
    plan.settings = settingsOf(e);
    plan.base = o.base;
    plan.seeds = o.seeds;
    plan.halving = e.halving;
    plan.eta = e.eta;
    plan.rungs = e.rungs;
    if (const std::string why = explorationPlanProblem(plan); !why.empty())
        throw UsageError(why);
    if (e.halving && (o.slice.task >= 0 || o.slice.tasks > 0))
        throw UsageError("--halving needs every rung finished before the next: run it as "
                         "one task, without --task/--tasks");
    const Dataset loaded = loadData(o.data);
    ensureWritableDir(o.out);
    setUpNumerics();
    CliExplorationObserver observer(o.out);
    ExplorationRunOptions options;
    options.observer = &observer;
    options.control = &interruptControl();
    options.threads = o.threads;
    options.dataSource = o.data;
    ProjectRun project("sweep", o.out, o.slice, false);
    const ExplorationOutcome outcome = qm7::runExploration(loaded, plan, o.out, options);
    if (outcome.status == ExplorationOutcome::Status::Cancelled)
        return kInterrupted;
    // complete() says what a task of a sliced project did and how to collect.
    if ((!e.halving && !project.complete()) ||
        outcome.status == ExplorationOutcome::Status::Unfinished)
        return kOk;
    if (e.halving) {
        std::printf("successive halving: budgets");
        for (int b : outcome.budgets)
            std::printf(" %d", b);
        std::printf(" epochs, eta %d\n", e.eta);
    }
    printSummary(outcome.trials);
    std::printf("epochs trained: %lld (%zu settings x %d seeds; the full grid at %d epochs: "
                "%lld); wall time %.1f s\n",
                outcome.epochsTrained, plan.settings.size(), plan.seeds, o.base.epochs,
                static_cast<long long>(plan.settings.size()) * plan.seeds * o.base.epochs,
                outcome.seconds);
    std::cout << "trials written to " << (fs::path(o.out) / "trials.csv").string() << "\n";
    return kOk;
}

} // namespace qm7::cli
