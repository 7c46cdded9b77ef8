#pragma once
/// @file trainer.h
/// Training of the one-hidden-layer network: one run, or many runs at once (an ensemble).
///
/// One call trains any number of models (seeds, learning rates, training sizes) with
/// hand-written kernels that call single-threaded sgemm (train/mlp_kernels.h). With several
/// runs, up to TrainOptions::threads runs train side by side, one per worker thread; a single
/// run's steps are split over the threads by blocks of hidden units. Each run's numbers are the
/// same as when it is trained alone, whatever the thread count.

#include "qm7/io/dataset.h"
#include "qm7/io/feature_augmentation.h"
#include "qm7/train/metrics.h"
#include "qm7/train/model_weights.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace qm7 {

/// Settings of one training run. Defaults are the homework's.
struct TrainConfig {
    int hidden = 1000;      ///< p, the hidden width
    int epochs = 1000;      ///< passes over the training set
    double lr = 1e-3;       ///< Adam learning rate
    int batchSize = 100;    ///< minibatch size
    std::uint64_t seed = 0; ///< initialization, data order and training subset
    int evalEvery = 10;     ///< evaluate train and validation loss every k epochs (and the last)
    int trainSize = 0; ///< 0 = the whole training split; else the first n of a seeded permutation
    /// The features the run trained on (Dataset::representation: cm, sorted, eigen,
    /// random-sorted), recorded in config.json: the trainers set it in each result's config
    /// from the data they train on. Not part of sameRun (resumable.h).
    std::string representation = "cm";
    /// Adam's L2 penalty: weightDecay x w is added to every parameter's gradient (0 = none).
    double weightDecay = 0;

    /// An empty string when valid, else what is wrong and what to do.
    std::string validate() const;
};

/// Losses at one epoch. Losses are MSE on normalized labels; RMSEs are in kcal/mol.
struct EpochStats {
    int run = 0;            ///< index of the run in the call's config list
    int epoch = 0;          ///< 1-based
    double batchLoss = 0;   ///< mean minibatch loss over this epoch (normalized)
    bool evaluated = false; ///< true when train/val losses below were computed this epoch
    double trainLoss = 0;   ///< full training-set MSE (normalized)
    double valLoss = 0;     ///< validation MSE (normalized)
    double trainRmse = 0;   ///< kcal/mol
    double valRmse = 0;     ///< kcal/mol
    double seconds = 0;     ///< wall time since the call started
};

/// Overall progress of a call, for progress bars and ETAs.
struct Progress {
    long long stepsDone = 0;
    long long stepsTotal = 0;
    double seconds = 0; ///< wall time since the call started
    int runsFinished = 0;
    int runsTotal = 0;
    int threads = 0; ///< threads the trainer uses for this call
};

/// Everything one run produced.
struct RunResult {
    TrainConfig config;
    std::vector<EpochStats> history; ///< the evaluated epochs
    int bestEpoch = 0;               ///< epoch of the lowest validation loss (weights kept)
    double bestValLoss = 0;          ///< normalized
    double finalValLoss = 0;         ///< normalized, at the last evaluated epoch
    Metrics test;                    ///< kcal/mol, best-validation weights
    double testMseNormalized = 0;
    std::vector<float> testTrue; ///< kcal/mol
    std::vector<float> testPred; ///< kcal/mol
    ModelWeights weights;        ///< best-validation weights
    LabelScaler scaler;          ///< train-label mean and std used
    int trainRows = 0;           ///< training rows actually used
    int epochsDone = 0;
    bool cancelled = false;
    double seconds = 0;
};

/// Receives progress from the trainer, on the trainer's thread. Keep the calls cheap.
class TrainObserver {
  public:
    virtual ~TrainObserver() = default;
    /// Called after every epoch of every run.
    virtual void onEpoch(const EpochStats& /*stats*/) {}
    /// Called after every epoch of a group of runs trained together.
    virtual void onProgress(const Progress& /*progress*/) {}
    /// Called when a run ends (finished or cancelled).
    virtual void onRunFinished(int /*run*/, const RunResult& /*result*/) {}
};

/// Cancel and pause, checked by the trainer between steps; set from any thread.
struct TrainControl {
    std::atomic<bool> cancel{false};
    std::atomic<bool> pause{false};
};

/// Optional parts of a training call.
struct TrainOptions {
    TrainObserver* observer = nullptr;
    TrainControl* control = nullptr;
    const FeatureAugmentation* augmentation = nullptr;
    /// Training threads, 0 = all cores: the one thread count. The trainer uses at most this many
    /// threads, whether it trains runs side by side or splits one run's steps.
    int threads = 0;
    /// Lockstep: all runs advance epoch by epoch together (live multi-seed plots).
    /// Queue: each worker takes whole runs, longest first; runs finish one after another and the
    /// cores stay busy when runs differ in length (learning curves, resumable jobs).
    /// Observer calls come from the worker threads then, one at a time.
    enum class Schedule { Lockstep, Queue } schedule = Schedule::Lockstep;
    /// Skipping the zero padding of Coulomb matrices: the features are reordered internally so
    /// that a molecule's nonzeros are a prefix, and the two large products skip the rest. Auto
    /// uses it when the data has such padding; Off is the dense path. Results agree within
    /// float rounding; weights and predictions are always in the data set's feature order.
    enum class PaddingSkip { Auto, Off } paddingSkip = PaddingSkip::Auto;
    int skipBlockRows = 0; ///< minibatch rows per block of the skip; 0 = the default
};

/// Trains every config on data, on options.threads threads. Results come back in the order of
/// configs. Throws std::invalid_argument for bad configs.
std::vector<RunResult> trainMany(const Dataset& data, const std::vector<TrainConfig>& configs,
                                 const TrainOptions& options = {});

/// Trains one run (trainMany with one config).
RunResult train(const Dataset& data, const TrainConfig& config, const TrainOptions& options = {});

/// Predictions in kcal/mol of a trained model for rows of d features (row-major).
std::vector<float> predict(const ModelWeights& weights, const LabelScaler& scaler,
                           const std::vector<float>& X);

/// The training rows a config uses: the first n of a permutation drawn from its seed
/// (nested: the n = 100 rows are inside the n = 200 rows for the same seed).
std::vector<int> trainingRows(int available, int trainSize, std::uint64_t seed);

} // namespace qm7
