#pragma once
/// @file deep_runs.h
/// The homework's runs (TrainConfig: epochs, lr, batch, seed, n) with another network: hidden
/// layers, activation and optimizer (NetworkChoice). Turns them into deep-trainer settings and
/// trains a list of them one after another, reporting to a TrainObserver as trainMany does, so
/// that a front end draws them like the homework's runs. The homework's own network (one layer,
/// ReLU, Adam) stays with trainMany.

#include "qm7/train/deep_trainer.h"
#include "qm7/train/trainer.h"

#include <functional>
#include <string>
#include <vector>

namespace qm7 {

/// The network of a run: hidden widths, activation, optimizer.
struct NetworkChoice {
    std::vector<int> layers{1000};
    Activation activation = Activation::Relu;
    Optimizer optimizer = Optimizer::Adam;
    /// At most one hidden layer, ReLU and Adam: the homework's network (trainMany trains it
    /// with TrainConfig::hidden as its width).
    bool homework() const;
    /// "" when valid, else what is wrong (1 to kMaxLayers layers of 1 to 100000 units; with
    /// augmented (randomly sorted) features, only the homework's network draws them).
    std::string validate(bool augmented = false) const;
    static constexpr int kMaxLayers = 8;
};

/// Deep-trainer settings for a homework config c with network n on trainRows training rows
/// (at most c.trainSize when it is set): lr, batch, seed and n as given; steps = c.epochs x
/// batches per epoch (or `steps` when > 0); evaluation every c.evalEvery epochs; SGD tests its
/// running average of the weights. Throws std::invalid_argument for an invalid n.
DeepConfig deepConfigFor(const TrainConfig& c, const NetworkChoice& n, int trainRows,
                         long long steps = 0);

/// A deep run as a homework run for tables and plots (no weights: model.pt is the deep one):
/// history epochs are evaluation steps / batches per epoch, train loss and RMSE are those of
/// the minibatches since the previous evaluation.
RunResult runResultOf(const DeepResult& deep, const TrainConfig& c, int trainRows);

/// Trains every config on data with network n. Up to options.threads runs (0 = all cores) train
/// side by side, one per worker thread, each step with single-threaded BLAS: the call uses at
/// most that many threads and reports it in Progress::threads. A run's numbers do not depend on
/// the thread count. options.observer receives onEpoch per evaluation, onProgress and
/// onRunFinished as from trainMany, one call at a time (from the worker threads);
/// finished(run, deep result) is called just before onRunFinished, under the same lock, e.g.
/// to save the run (saveDeepRun). options.control cancels between steps; runs not started then
/// come back cancelled with no history. checkpoints: one file per config (or none): a run
/// checkpoints there and resumes from it (see DeepOptions::checkpoint). Feature augmentation is
/// not supported (std::invalid_argument).
std::vector<RunResult>
trainNetworkRuns(const Dataset& data, const std::vector<TrainConfig>& configs,
                 const NetworkChoice& n, const TrainOptions& options = {},
                 const std::function<void(int run, const DeepResult& deep)>& finished = {},
                 const std::vector<std::string>& checkpoints = {});

/// The same with a network per config (networks.size() == configs.size()): runs of different
/// networks train side by side.
std::vector<RunResult>
trainNetworkRuns(const Dataset& data, const std::vector<TrainConfig>& configs,
                 const std::vector<NetworkChoice>& networks, const TrainOptions& options = {},
                 const std::function<void(int run, const DeepResult& deep)>& finished = {},
                 const std::vector<std::string>& checkpoints = {});

} // namespace qm7
