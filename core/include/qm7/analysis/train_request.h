#pragma once
/// @file train_request.h
/// One training request: the data, the runs, the network, the threads and where runs are
/// saved, checked by one validate() and trained by one call that picks the trainer: trainMany
/// for the homework's network (one ReLU layer, Adam), trainNetworkRuns for any other.

#include "qm7/io/dataset.h"
#include "qm7/io/feature_augmentation.h"
#include "qm7/train/deep_runs.h"
#include "qm7/train/trainer.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace qm7 {

/// Everything a training call needs. The representation of the runs is the data's
/// (Dataset::representation); it is written into every run's config and config.json.
struct TrainRequest {
    std::shared_ptr<const Dataset> data; ///< the features, in their representation
    std::vector<TrainConfig> configs;    ///< one per run
    NetworkChoice network;               ///< the homework's network by default
    /// The representation the front end shows ("" = whatever the data holds): validate()
    /// refuses when the data holds another one (convert with representData, or read the source
    /// with loadDataSourceDetailed in that representation).
    std::string representation;
    /// Randomly sorted matrices drawn afresh every epoch (homework's network only), or null.
    std::shared_ptr<const FeatureAugmentation> augmentation;
    int threads = 0; ///< training threads, 0 = all cores; at most this many are used
    /// Where runs are saved ("" = not saved by the call): with one config the run's folder
    /// itself, else runFolder/run-<i>. A run with any epoch (or step) done is saved, a stopped one
    /// marked cancelled; a deep run checkpoints there too and resumes from it.
    std::string runFolder;
    std::string dataSource; ///< recorded in config.json ("" = data->source)

    /// "" when the request can be trained, else what is wrong and what to do.
    std::string validate() const;
    /// The folder run i is saved in ("" when runFolder is empty).
    std::string runDir(int run) const;
    /// True when the homework's trainer (trainMany) trains it, false for the deep trainer.
    bool homeworkNetwork() const { return network.homework(); }
};

/// Called with each deep run's result just before the observer's onRunFinished (under the
/// same lock), e.g. to save it as a deep run folder.
using DeepResultHook = std::function<void(int run, const DeepResult& deep)>;

/// Trains the request: validate() first (std::invalid_argument with its message), then
/// trainMany (the homework's network, TrainConfig::hidden its width) or trainNetworkRuns (any
/// other network: the choice's layers, runs side by side). request.threads and
/// request.augmentation replace those of options; observer, control and schedule are used as
/// given. Results come in the order of the configs, each config's representation set to the
/// data's. With runFolder set, runs are saved before onRunFinished is called; a failure to
/// save throws std::runtime_error after training, naming the folder.
std::vector<RunResult> train(const TrainRequest& request, TrainOptions options = {},
                             const DeepResultHook& deepFinished = {});

} // namespace qm7
