// The exploration loop shared by qm7 sweep --grid/--sample and the Exploration tab
// (exploration_run.h).
#include "qm7/analysis/exploration_run.h"

#include "qm7/analysis/network_resumable.h"
#include "qm7/analysis/successive_halving.h"
#include "qm7/chem/dataset_representation.h"
#include "qm7/chem/representation.h"
#include "qm7/train/project.h"
#include "qm7/train/resumable.h"
#include "qm7/util/atomic_file.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace fs = std::filesystem;

namespace qm7 {

namespace {

using Clock = std::chrono::steady_clock;

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

// Turns the trainer's per-run events of one batch into the exploration's.
class BatchObserver : public TrainObserver {
  public:
    BatchObserver(ExplorationObserver* to, ExplorationProgress& progress, Clock::time_point start,
                  const std::vector<TrialSetting>& settings, std::vector<std::string> runs)
        : m_to(to), m_progress(progress), m_start(start), m_settings(settings),
          m_runs(std::move(runs)), m_started(m_runs.size(), false), m_epoch(m_runs.size(), 0) {}
    void onEpoch(const EpochStats& s) override {
        const auto i = static_cast<std::size_t>(s.run);
        if (i >= m_started.size())
            return;
        // The deep trainer reports evaluated epochs only: count the epochs since the last one.
        m_progress.epochsDone += std::max(0, s.epoch - m_epoch[i]);
        m_epoch[i] = std::max(m_epoch[i], s.epoch);
        if (!m_started[i]) {
            m_started[i] = true;
            m_to->onTrialStarted(m_runs[i]);
        }
    }
    void onProgress(const Progress& p) override {
        m_progress.threads = p.threads;
        m_progress.seconds = std::chrono::duration<double>(Clock::now() - m_start).count();
        m_to->onProgress(m_progress);
    }
    void onRunFinished(int run, const RunResult& r) override {
        if (r.cancelled)
            return;
        ++m_progress.runsDone;
        m_to->onTrialFinished(
            explorationTrialOf(m_settings[static_cast<std::size_t>(run)], r, "finished"));
    }

  private:
    ExplorationObserver* m_to;
    ExplorationProgress& m_progress;
    Clock::time_point m_start;
    const std::vector<TrialSetting>& m_settings; // per run of the batch
    std::vector<std::string> m_runs;
    std::vector<bool> m_started;
    std::vector<int> m_epoch; // per run, the last epoch reported
};

// Successive halving: a deep survivor continues from its checkpoint of the previous rung. The
// deep trainer draws its batches from (seed, step) alone, so it follows the trajectory it would
// follow from scratch; it only keeps the evaluation that ended the previous rung (bit for bit the
// run from scratch when that rung ended on an evaluation step anyway). The checkpoint is copied
// into the run's folder of this rung (atomically) unless the folder has its own; true when the
// run continues from one.
bool continueDeepRun(const std::string& previousDir, const std::string& dir) {
    const fs::path to = fs::path(dir) / "checkpoint.bin";
    if (fs::exists(to))
        return true;
    const fs::path from = fs::path(previousDir) / "checkpoint.bin";
    if (!fs::exists(from))
        return false;
    fs::create_directories(dir);
    writeFileAtomically(to.string(), readFile(from.string()));
    return true;
}

class Loop {
  public:
    Loop(const Dataset& data, const ExplorationRunOptions& o)
        : m_data(data), m_options(o), m_start(Clock::now()) {
        m_observer = o.observer ? o.observer : &m_silent;
    }

    // Trains configs into dirs, grouped by representation and trainer (runs of one group train
    // side by side); results in configs' order. False when cancelled.
    bool train(const std::vector<TrainConfig>& configs, const std::vector<NetworkChoice>& networks,
               const std::vector<std::string>& dirs, const std::vector<TrialSetting>& settings,
               std::vector<RunResult>& runs) {
        runs.assign(configs.size(), RunResult{});
        std::map<std::string, std::vector<std::size_t>> groups;
        for (std::size_t i = 0; i < configs.size(); ++i)
            groups[groupKey(configs[i], networks[i])].push_back(i);
        for (const auto& [key, index] : groups) {
            std::vector<TrainConfig> c;
            std::vector<std::string> d, names;
            std::vector<TrialSetting> s;
            long long epochs = 0;
            std::vector<NetworkChoice> nets;
            for (std::size_t i : index) {
                c.push_back(configs[i]);
                nets.push_back(networks[i]);
                d.push_back(dirs[i]);
                names.push_back(fs::path(dirs[i]).filename().string());
                s.push_back(settings[i]);
                epochs += configs[i].epochs;
            }
            const Dataset& data = m_data.get(c.front().representation);
            const long long epochsBefore = progress.epochsDone;
            const int runsBefore = progress.runsDone;
            progress.threads = 0; // a batch of reused runs trains on no thread
            m_observer->onBatchStarted(static_cast<int>(c.size()));
            BatchObserver batch(m_observer, progress, m_start, s, names);
            TrainOptions options;
            options.observer = &batch;
            options.control = m_options.control;
            options.threads = m_options.threads;
            int reused = 0;
            std::vector<RunResult> got =
                nets.front().homework()
                    ? trainResumable(data, c, d, m_options.dataSource, options, 0, &reused)
                    : trainNetworkResumable(data, c, nets, d, m_options.dataSource, options,
                                            &reused);
            m_observer->onBatchFinished(reused, progress.threads);
            if (cancelled())
                return false;
            progress.epochsDone = epochsBefore + epochs;
            progress.runsDone = runsBefore + static_cast<int>(c.size());
            progress.seconds = seconds();
            m_observer->onProgress(progress);
            for (std::size_t k = 0; k < index.size(); ++k)
                runs[index[k]] = std::move(got[k]);
        }
        return true;
    }

    bool cancelled() const { return m_options.control && m_options.control->cancel.load(); }
    double seconds() const { return std::chrono::duration<double>(Clock::now() - m_start).count(); }
    ExplorationObserver* observer() const { return m_observer; }

    ExplorationProgress progress;

  private:
    // Per representation, the homework's network (trainMany) and the others (the deep trainer).
    static std::string groupKey(const TrainConfig& c, const NetworkChoice& n) {
        return c.representation + (n.homework() ? " homework" : " deep");
    }

    DataByRepresentation m_data;
    const ExplorationRunOptions& m_options;
    Clock::time_point m_start;
    ExplorationObserver m_silent;
    ExplorationObserver* m_observer;
};

} // namespace

std::vector<TrialSetting> explorationSettings(const std::string& space, int sample,
                                              unsigned long long spaceSeed) {
    if (sample > 0)
        return sampleSettings(parseSampleSpace(space), sample, spaceSeed);
    return gridSettings(parseGrid(space));
}

std::vector<TrainConfig> explorationConfigs(const ExplorationPlan& plan) {
    std::vector<TrainConfig> configs;
    for (const auto& s : plan.settings)
        for (int k = 0; k < plan.seeds; ++k) {
            TrainConfig c = configForSetting(plan.base, s);
            c.seed = static_cast<std::uint64_t>(k);
            configs.push_back(c);
        }
    return configs;
}

std::vector<NetworkChoice> explorationNetworks(const ExplorationPlan& plan) {
    std::vector<NetworkChoice> networks;
    for (const auto& s : plan.settings)
        networks.push_back(networkForSetting(plan.network, configForSetting(plan.base, s), s));
    return networks;
}

std::string explorationPlanProblem(const ExplorationPlan& plan) {
    if (plan.settings.empty())
        return "the space has no settings to train";
    const std::vector<NetworkChoice> networks = explorationNetworks(plan);
    for (std::size_t i = 0; i < networks.size(); ++i) {
        if (const std::string why = networks[i].validate(); !why.empty())
            return settingText(plan.settings[i]) + ": " + why;
        const ProjectContext* project = currentProject();
        if (!networks[i].homework() && project &&
            (project->slice.tasks > 1 || project->trainNothing || project->finishAll))
            return settingText(plan.settings[i]) +
                   ": networks other than one ReLU layer are not sliced over Slurm tasks; run "
                   "this exploration without --task";
    }
    for (const auto& s : plan.settings)
        if (settingValue(s, "representation") == "random-sorted")
            return "representation random-sorted draws new sortings while training: "
                   "train it with qm7 train --representation random-sorted";
    if (plan.seeds < 1)
        return "--seeds must be at least 1";
    for (const auto& s : plan.settings) {
        TrainConfig c = configForSetting(plan.base, s);
        if (const std::string why = c.validate(); !why.empty())
            return settingText(s) + ": " + why;
    }
    if (plan.halving) {
        if (plan.eta < 2 || plan.rungs < 1)
            return "--eta must be at least 2 and --rungs at least 1";
        for (const auto& s : plan.settings)
            if (!settingValue(s, "epochs").empty())
                return "--halving sets the epochs itself: leave epochs out of the space";
    }
    return {};
}

ExplorationOutcome runExploration(const Dataset& data, const ExplorationPlan& plan,
                                  const std::string& outDir, const ExplorationRunOptions& options) {
    if (const std::string why = explorationPlanProblem(plan); !why.empty())
        throw std::invalid_argument(why);
    fs::create_directories(outDir);
    const std::vector<TrainConfig> configs = explorationConfigs(plan);
    const std::vector<NetworkChoice> networks = explorationNetworks(plan);
    const auto& settings = plan.settings;
    const auto seeds = static_cast<std::size_t>(plan.seeds);
    Loop loop(data, options);
    ExplorationOutcome out;
    if (!plan.halving) {
        std::vector<std::string> dirs;
        std::vector<TrialSetting> runSettings;
        std::vector<NetworkChoice> runNetworks;
        for (const auto& c : configs) {
            runNetworks.push_back(networks[dirs.size() / seeds]);
            runSettings.push_back(settings[dirs.size() / seeds]);
            dirs.push_back(
                (fs::path(outDir) / "runs" / trialRunName(runSettings.back(), c.seed)).string());
            loop.progress.epochsTotal += c.epochs;
        }
        loop.progress.runsTotal = static_cast<int>(configs.size());
        std::vector<RunResult> runs;
        if (!loop.train(configs, runNetworks, dirs, runSettings, runs)) {
            out.status = ExplorationOutcome::Status::Cancelled;
            out.seconds = loop.seconds();
            return out;
        }
        for (const auto& r : runs)
            if (r.epochsDone == 0) {
                out.status = ExplorationOutcome::Status::Unfinished;
                out.seconds = loop.seconds();
                return out;
            }
        for (std::size_t i = 0; i < runs.size(); ++i) {
            out.trials.push_back(explorationTrialOf(settings[i / seeds], runs[i], "finished"));
            out.epochsTrained += runs[i].epochsDone;
        }
    } else {
        out.budgets = halvingBudgets(plan.base.epochs, plan.eta, plan.rungs);
        // The planned work: every rung keeps ceil(n / eta) settings.
        std::size_t n = settings.size();
        for (int b : out.budgets) {
            loop.progress.epochsTotal += static_cast<long long>(b) * static_cast<long long>(n) *
                                         static_cast<long long>(seeds);
            loop.progress.runsTotal += static_cast<int>(n * seeds);
            n = std::max<std::size_t>(1, (n + static_cast<std::size_t>(plan.eta) - 1) /
                                             static_cast<std::size_t>(plan.eta));
        }
        std::map<std::pair<int, int>, RunResult> byTrialSeed; // last rung's run of each trial
        bool stopped = false;
        long long continued = 0; // epochs deep survivors did not train again
        auto runDir = [&](int budget, const TrialSetting& setting, std::uint64_t seed) {
            return (fs::path(outDir) / ("halving-" + std::to_string(budget)) /
                    trialRunName(setting, seed))
                .string();
        };
        auto train = [&](const std::vector<int>& alive, int budget) {
            const auto rung = std::find(out.budgets.begin(), out.budgets.end(), budget);
            const int previous = rung == out.budgets.begin() ? 0 : *(rung - 1);
            std::vector<TrainConfig> c;
            std::vector<NetworkChoice> nets;
            std::vector<std::string> d;
            std::vector<TrialSetting> s;
            for (int t : alive)
                for (std::size_t k = 0; k < seeds; ++k) {
                    TrainConfig cfg = configs[static_cast<std::size_t>(t) * seeds + k];
                    cfg.epochs = budget;
                    c.push_back(cfg);
                    nets.push_back(networks[static_cast<std::size_t>(t)]);
                    s.push_back(settings[static_cast<std::size_t>(t)]);
                    d.push_back(runDir(budget, s.back(), cfg.seed));
                    if (previous > 0 && !nets.back().homework() &&
                        continueDeepRun(runDir(previous, s.back(), cfg.seed), d.back()))
                        continued += previous;
                }
            std::vector<RunResult> runs;
            std::vector<double> losses(alive.size(), NAN);
            if (stopped || !loop.train(c, nets, d, s, runs)) {
                stopped = true;
                return losses;
            }
            for (std::size_t a = 0; a < alive.size(); ++a) {
                double sum = 0;
                for (std::size_t k = 0; k < seeds; ++k) {
                    RunResult& r = runs[a * seeds + k];
                    sum += r.bestValLoss;
                    byTrialSeed[{alive[a], static_cast<int>(k)}] = std::move(r);
                }
                losses[a] = sum / static_cast<double>(seeds);
            }
            loop.observer()->onRungFinished(budget, alive);
            return losses;
        };
        const HalvingOutcome outcome = successiveHalving(static_cast<int>(settings.size()),
                                                         out.budgets, plan.eta, train, plan.seeds);
        if (stopped) {
            out.status = ExplorationOutcome::Status::Cancelled;
            out.seconds = loop.seconds();
            return out;
        }
        for (std::size_t t = 0; t < settings.size(); ++t)
            for (std::size_t k = 0; k < seeds; ++k)
                out.trials.push_back(explorationTrialOf(
                    settings[t], byTrialSeed[{static_cast<int>(t), static_cast<int>(k)}],
                    outcome.stopped[t] ? "stopped" : "finished"));
        out.epochsTrained = outcome.epochsTrained - continued;
    }
    out.seconds = loop.seconds();
    writeTrialsCsv((fs::path(outDir) / "trials.csv").string(), out.trials);
    return out;
}

} // namespace qm7
