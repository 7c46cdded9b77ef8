#pragma once
/// @file exploration_run.h
/// Runs a hyperparameter exploration (`qm7 sweep --grid/--sample [--halving]`, the Exploration
/// tab's Run): every setting over seeds, trained into run folders under the output folder
/// (runs/<run>, or halving-<budget>/<run> for successive halving) and resumable (finished runs on
/// disk are reused), then trials.csv written atomically. A cancelled or unfinished run writes no
/// trials.csv: running it again trains only what is missing. The CLI and the workbench call this
/// one loop; they differ only in how they show its progress.

#include "qm7/analysis/exploration.h"
#include "qm7/analysis/search_space.h"
#include "qm7/train/trainer.h"

#include <string>
#include <vector>

namespace qm7 {

/// What to train.
struct ExplorationPlan {
    std::vector<TrialSetting> settings;
    TrainConfig base; ///< everything the settings leave unset; epochs = the full budget
    /// The network the settings leave unset (networkForSetting): the homework's by default.
    /// Trials of the homework's network train through trainMany, others through the deep
    /// trainer (network_resumable.h).
    NetworkChoice network;
    int seeds = 3; ///< seeds 0 .. seeds-1 per setting
    bool halving = false;
    int eta = 3;   ///< successive halving: 1/eta of the settings continue each rung
    int rungs = 3; ///< successive halving: number of budgets
};

/// The settings of a space in the CLI's syntax: a grid ("lr=1e-4,1e-3; hidden=10,100") when
/// sample is 0, else `sample` draws from the space with spaceSeed. Throws std::invalid_argument
/// with the parser's sentence.
std::vector<TrialSetting> explorationSettings(const std::string& space, int sample,
                                              unsigned long long spaceSeed);

/// "" when the plan can train, else one sentence on what is wrong (an invalid network,
/// random-sorted features, seeds < 1, a bad config, halving with epochs in the space or
/// eta < 2 / rungs < 1, another network than the homework's in a project sliced over Slurm
/// tasks). Nothing is loaded or trained to find out.
std::string explorationPlanProblem(const ExplorationPlan& plan);

/// Every run's config (settings in order, seeds innermost), at the plan's full budget.
std::vector<TrainConfig> explorationConfigs(const ExplorationPlan& plan);

/// The network of each setting of the plan (networkForSetting of the plan's network).
std::vector<NetworkChoice> explorationNetworks(const ExplorationPlan& plan);

/// Progress over the whole exploration (successive halving: the epochs its rungs will train if
/// every survivor count is as planned). Epochs of reused runs count when their batch ends.
struct ExplorationProgress {
    long long epochsDone = 0;
    long long epochsTotal = 0;
    int runsDone = 0;
    int runsTotal = 0;
    double seconds = 0; ///< since the exploration started
    int threads = 0;    ///< threads the trainer uses
};

/// Receives the loop's events on the thread that runs it (the trainer's worker threads for the
/// trial events, one at a time). Keep the calls cheap.
class ExplorationObserver {
  public:
    virtual ~ExplorationObserver() = default;
    /// A batch of runs is about to train (one per representation, per rung).
    virtual void onBatchStarted(int /*runs*/) {}
    /// A run's first epoch ended.
    virtual void onTrialStarted(const std::string& /*run*/) {}
    /// A run finished and was saved (trial has its final status but for halving "stopped").
    virtual void onTrialFinished(const ExplorationTrial& /*trial*/) {}
    virtual void onProgress(const ExplorationProgress& /*progress*/) {}
    /// A batch ended: how many of its runs were reused from disk, the trainer's threads.
    virtual void onBatchFinished(int /*reused*/, int /*threads*/) {}
    /// Successive halving: a rung ended; trained = the setting indices it trained to budget.
    virtual void onRungFinished(int /*budget*/, const std::vector<int>& /*trained*/) {}
};

struct ExplorationRunOptions {
    ExplorationObserver* observer = nullptr;
    TrainControl* control = nullptr; ///< cancel between steps; finished runs stay saved
    int threads = 0;                 ///< 0 = all cores
    std::string dataSource;          ///< recorded in each run's config.json
};

struct ExplorationOutcome {
    enum class Status {
        Done,      ///< every run finished; trials.csv written
        Cancelled, ///< control->cancel: finished runs saved, no trials.csv
        Unfinished ///< another task of a sliced project owns some runs: no trials.csv
    } status = Status::Done;
    std::vector<ExplorationTrial> trials; ///< settings in order, seeds innermost (when Done)
    /// The grid: every run's epochs. Halving: its rungs', less the epochs of the previous rung
    /// that a survivor of another network than the homework's continues from (the deep
    /// trainer resumes its checkpoint; the homework's trainer trains the rung from scratch).
    long long epochsTrained = 0;
    std::vector<int> budgets; ///< successive halving's budgets
    double seconds = 0;
};

/// Trains plan on data into outDir (created) and writes outDir/trials.csv. Representations
/// other than the data's are made from it once each. Throws std::invalid_argument when
/// explorationPlanProblem is not empty (before training anything).
ExplorationOutcome runExploration(const Dataset& data, const ExplorationPlan& plan,
                                  const std::string& outDir,
                                  const ExplorationRunOptions& options = {});

} // namespace qm7
