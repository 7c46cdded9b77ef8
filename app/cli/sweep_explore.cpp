// qm7 sweep --grid / --sample (sweep_explore.h).
#include "sweep_explore.h"
#include "project_cli.h"

#include "qm7/analysis/exploration.h"
#include "qm7/analysis/search_space.h"
#include "qm7/analysis/successive_halving.h"
#include "qm7/chem/dataset_representation.h"
#include "qm7/chem/representation.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>

namespace fs = std::filesystem;

namespace qm7::cli {

namespace {

std::vector<TrialSetting> settingsOf(const ExploreOptions& e) {
    try {
        if (!e.grid.empty()) {
            if (e.sample > 0 || !e.space.empty())
                throw UsageError("give either --grid or --sample with --space, not both");
            return gridSettings(parseGrid(e.grid));
        }
        if (e.sample < 1 || e.space.empty())
            throw UsageError("--sample N needs --space \"...\" (and --space a positive --sample)");
        return sampleSettings(parseSampleSpace(e.space), e.sample, e.spaceSeed);
    } catch (const std::invalid_argument& err) {
        throw UsageError(std::string(!e.grid.empty() ? "--grid: " : "--space: ") + err.what());
    }
}

// Every run's config, checked before anything trains.
std::vector<TrainConfig> configsOf(const std::vector<TrialSetting>& settings,
                                   const TrainConfig& base, int seeds) {
    std::vector<TrainConfig> configs;
    for (const auto& s : settings)
        for (int k = 0; k < seeds; ++k) {
            TrainConfig c = configForSetting(base, s);
            c.seed = static_cast<std::uint64_t>(k);
            if (const std::string why = c.validate(); !why.empty())
                throw UsageError(settingText(s) + ": " + why);
            configs.push_back(c);
        }
    return configs;
}

// The data of each representation the trials use, made once.
class DataByRepresentation {
  public:
    explicit DataByRepresentation(const Dataset& data) : m_data(data) {}
    const Dataset& get(const std::string& name) {
        if (name == "cm" || name == m_data.representation)
            return m_data;
        auto it = m_made.find(name);
        if (it == m_made.end())
            it = m_made.emplace(name, representDataset(m_data, parseRepresentation(name))).first;
        return it->second;
    }

  private:
    const Dataset& m_data;
    std::map<std::string, Dataset> m_made;
};

// Trains configs into dirs (resumable), grouped by representation; results in configs' order.
bool trainGroups(DataByRepresentation& data, const std::vector<TrainConfig>& configs,
                 const std::vector<std::string>& dirs, const ExperimentOptions& o,
                 std::vector<RunResult>& runs) {
    runs.assign(configs.size(), RunResult{});
    std::map<std::string, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < configs.size(); ++i)
        groups[configs[i].representation].push_back(i);
    for (const auto& [rep, index] : groups) {
        std::vector<TrainConfig> c;
        std::vector<std::string> d;
        for (std::size_t i : index) {
            c.push_back(configs[i]);
            d.push_back(dirs[i]);
        }
        std::vector<RunResult> got;
        if (!trainIntoFolders(data.get(rep), c, d, o, "sweep", got))
            return false;
        for (std::size_t k = 0; k < index.size(); ++k)
            runs[index[k]] = std::move(got[k]);
    }
    return true;
}

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
                    "(lr, hidden, batch, epochs, weight_decay, representation)");
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
    const std::vector<TrialSetting> settings = settingsOf(e);
    if (const std::string why = homeworkNetworkProblem(settings); !why.empty())
        throw UsageError(why);
    for (const auto& s : settings)
        if (settingValue(s, "representation") == "random-sorted")
            throw UsageError("representation random-sorted draws new sortings while training: "
                             "train it with qm7 train --representation random-sorted");
    if (o.seeds < 1)
        throw UsageError("--seeds must be at least 1");
    const std::vector<TrainConfig> configs = configsOf(settings, o.base, o.seeds);
    if (e.halving) {
        if (e.eta < 2 || e.rungs < 1)
            throw UsageError("--eta must be at least 2 and --rungs at least 1");
        for (const auto& s : settings)
            if (!settingValue(s, "epochs").empty())
                throw UsageError("--halving sets the epochs itself: leave epochs out of the space");
        if (o.slice.task >= 0 || o.slice.tasks > 0)
            throw UsageError("--halving needs every rung finished before the next: run it as "
                             "one task, without --task/--tasks");
    }
    const Dataset loaded = loadData(o.data);
    ensureWritableDir(o.out);
    setUpNumerics();
    DataByRepresentation data(loaded);
    const auto start = std::chrono::steady_clock::now();
    const int seeds = o.seeds;
    std::vector<ExplorationTrial> trials;
    long long epochs = 0;
    if (!e.halving) {
        std::vector<std::string> dirs;
        for (const auto& c : configs)
            dirs.push_back(
                (fs::path(o.out) / "runs" /
                 trialRunName(settings[dirs.size() / static_cast<std::size_t>(seeds)], c.seed))
                    .string());
        ProjectRun project("sweep", o.out, o.slice, false);
        std::vector<RunResult> runs;
        if (!trainGroups(data, configs, dirs, o, runs))
            return kInterrupted;
        if (!project.complete())
            return kOk;
        for (std::size_t i = 0; i < runs.size(); ++i) {
            trials.push_back(explorationTrialOf(settings[i / static_cast<std::size_t>(seeds)],
                                                runs[i], "finished"));
            epochs += runs[i].epochsDone;
        }
    } else {
        const std::vector<int> budgets = halvingBudgets(o.base.epochs, e.eta, e.rungs);
        std::map<std::pair<int, int>, RunResult> byTrialSeed; // last rung's run of each trial
        bool stopped = false;
        auto train = [&](const std::vector<int>& alive, int budget) {
            std::vector<TrainConfig> c;
            std::vector<std::string> d;
            for (int t : alive)
                for (int k = 0; k < seeds; ++k) {
                    TrainConfig cfg = configs[static_cast<std::size_t>(t * seeds + k)];
                    cfg.epochs = budget;
                    c.push_back(cfg);
                    d.push_back((fs::path(o.out) / ("halving-" + std::to_string(budget)) /
                                 trialRunName(settings[static_cast<std::size_t>(t)], cfg.seed))
                                    .string());
                }
            std::vector<RunResult> runs;
            std::vector<double> losses(alive.size(), NAN);
            if (stopped || !trainGroups(data, c, d, o, runs)) {
                stopped = true;
                return losses;
            }
            for (std::size_t a = 0; a < alive.size(); ++a) {
                double sum = 0;
                for (int k = 0; k < seeds; ++k) {
                    RunResult& r =
                        runs[a * static_cast<std::size_t>(seeds) + static_cast<std::size_t>(k)];
                    sum += r.bestValLoss;
                    byTrialSeed[{alive[a], k}] = std::move(r);
                }
                losses[a] = sum / seeds;
            }
            return losses;
        };
        ProjectRun project("sweep", o.out, o.slice, false);
        const HalvingOutcome outcome =
            successiveHalving(static_cast<int>(settings.size()), budgets, e.eta, train, seeds);
        if (stopped)
            return kInterrupted;
        for (std::size_t t = 0; t < settings.size(); ++t)
            for (int k = 0; k < seeds; ++k)
                trials.push_back(explorationTrialOf(settings[t],
                                                    byTrialSeed[{static_cast<int>(t), k}],
                                                    outcome.stopped[t] ? "stopped" : "finished"));
        epochs = outcome.epochsTrained;
        std::printf("successive halving: budgets");
        for (int b : budgets)
            std::printf(" %d", b);
        std::printf(" epochs, eta %d\n", e.eta);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    writeTrialsCsv((fs::path(o.out) / "trials.csv").string(), trials);
    printSummary(trials);
    std::printf("epochs trained: %lld (%zu settings x %d seeds; the full grid at %d epochs: "
                "%lld); wall time %.1f s\n",
                epochs, settings.size(), seeds, o.base.epochs,
                static_cast<long long>(settings.size()) * seeds * o.base.epochs, seconds);
    std::cout << "trials written to " << (fs::path(o.out) / "trials.csv").string() << "\n";
    return kOk;
}

} // namespace qm7::cli
