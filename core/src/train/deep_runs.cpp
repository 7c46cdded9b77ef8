// Homework runs with another network, trained by the deep trainer (see deep_runs.h).
#include "qm7/train/deep_runs.h"

#include "qm7/train/threads.h"
#include "train/blas_threads.h"
#include "util/thread_team.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace qm7 {

namespace {

/// Training rows a config uses.
int usedRows(const TrainConfig& c, int trainRows) {
    return c.trainSize > 0 ? std::min(trainRows, c.trainSize) : trainRows;
}

long long batchesPerEpoch(int trainRows, int batchSize) {
    return std::max<long long>(1, (trainRows + batchSize - 1) / std::max(1, batchSize));
}

int epochOf(long long step, long long perEpoch) {
    return static_cast<int>((step + perEpoch - 1) / perEpoch);
}

/// A deep evaluation as an evaluated epoch (losses standardized, RMSE in kcal/mol).
EpochStats epochOf(const DeepStats& s, int run, long long perEpoch) {
    EpochStats e;
    e.run = run;
    e.epoch = epochOf(s.step, perEpoch);
    e.evaluated = true;
    e.batchLoss = s.batchLoss;
    e.trainLoss = s.batchLoss;
    e.valLoss = s.valLoss;
    e.valRmse = s.valRmse;
    // The label scale in kcal/mol is valRmse / sqrt(valLoss): the same scaler for both.
    e.trainRmse = s.valLoss > 0 ? std::sqrt(s.batchLoss) * s.valRmse / std::sqrt(s.valLoss) : 0;
    e.seconds = s.seconds;
    return e;
}

/// Forwards a deep run's evaluations and progress to a homework observer.
class Forward : public DeepObserver {
  public:
    Forward(TrainObserver* to, int run, long long perEpoch, Progress& progress, double offset)
        : m_to(to), m_run(run), m_perEpoch(perEpoch), m_progress(progress), m_offset(offset),
          m_base(progress.stepsDone) {}
    void onEval(const DeepStats& s) override {
        EpochStats e = epochOf(s, m_run, m_perEpoch);
        e.seconds += m_offset;
        m_to->onEpoch(e);
    }
    void onProgress(long long step, long long, double seconds) override {
        m_progress.stepsDone = m_base + step;
        m_progress.seconds = m_offset + seconds;
        m_to->onProgress(m_progress);
    }

  private:
    TrainObserver* m_to;
    int m_run;
    long long m_perEpoch;
    Progress& m_progress;
    double m_offset;
    long long m_base;
};

} // namespace

bool NetworkChoice::homework() const {
    return layers.size() <= 1 && activation == Activation::Relu && optimizer == Optimizer::Adam;
}

std::string NetworkChoice::validate(bool augmented) const {
    if (augmented && !homework())
        return "randomly sorted features are drawn for the homework's network only: choose one "
               "ReLU layer with Adam, or another representation";
    if (layers.empty())
        return "the network needs at least one hidden layer";
    if (static_cast<int>(layers.size()) > kMaxLayers)
        return std::to_string(layers.size()) + " hidden layers: at most " +
               std::to_string(kMaxLayers);
    for (int w : layers)
        if (w < 1 || w > 100000)
            return "hidden width " + std::to_string(w) + " must be between 1 and 100000";
    return "";
}

DeepConfig deepConfigFor(const TrainConfig& c, const NetworkChoice& n, int trainRows,
                         long long steps) {
    const std::string why = n.validate();
    if (!why.empty())
        throw std::invalid_argument(why);
    trainRows = usedRows(c, trainRows);
    DeepConfig d;
    d.layers = n.layers;
    d.activation = n.activation;
    d.optimizer = n.optimizer;
    d.batchSize = c.batchSize;
    d.lr = c.lr;
    d.averageWeights = d.optimizer == Optimizer::Sgd;
    const long long perEpoch = batchesPerEpoch(trainRows, d.batchSize);
    d.steps = steps > 0 ? steps : static_cast<long long>(c.epochs) * perEpoch;
    d.evalEvery = std::max<long long>(1, static_cast<long long>(c.evalEvery) * perEpoch);
    d.evalEvery = std::min(d.evalEvery, d.steps);
    d.seed = c.seed;
    d.trainSize = c.trainSize;
    d.representation = c.representation;
    d.weightDecay = c.weightDecay;
    return d;
}

RunResult runResultOf(const DeepResult& deep, const TrainConfig& c, int trainRows) {
    trainRows = usedRows(c, trainRows);
    const long long perEpoch = batchesPerEpoch(trainRows, deep.config.batchSize);
    RunResult r;
    r.config = c;
    r.bestValLoss = INFINITY;
    for (const DeepStats& s : deep.history) {
        r.history.push_back(epochOf(s, 0, perEpoch));
        if (s.valLoss < r.bestValLoss)
            r.bestValLoss = s.valLoss;
    }
    if (r.history.empty())
        r.bestValLoss = 0;
    else
        r.finalValLoss = r.history.back().valLoss;
    r.bestEpoch = epochOf(deep.bestStep, perEpoch);
    r.test = deep.test;
    const double sd = deep.model.scaler.std;
    r.testMseNormalized = sd > 0 ? (deep.test.rmse / sd) * (deep.test.rmse / sd) : 0;
    r.testTrue = deep.testTrue;
    r.testPred = deep.testPred;
    r.scaler = deep.model.scaler;
    r.trainRows = trainRows;
    r.epochsDone = epochOf(deep.stepsDone, perEpoch);
    r.cancelled = deep.cancelled;
    r.seconds = deep.seconds;
    return r;
}

std::vector<RunResult>
trainNetworkRuns(const Dataset& data, const std::vector<TrainConfig>& configs,
                 const NetworkChoice& n, const TrainOptions& options,
                 const std::function<void(int run, const DeepResult& deep)>& finished,
                 const std::vector<std::string>& checkpoints) {
    return trainNetworkRuns(data, configs, std::vector<NetworkChoice>(configs.size(), n), options,
                            finished, checkpoints);
}

std::vector<RunResult>
trainNetworkRuns(const Dataset& data, const std::vector<TrainConfig>& configs,
                 const std::vector<NetworkChoice>& networks, const TrainOptions& options,
                 const std::function<void(int run, const DeepResult& deep)>& finished,
                 const std::vector<std::string>& checkpoints) {
    if (networks.size() != configs.size())
        throw std::invalid_argument("one network per run");
    for (const NetworkChoice& n : networks) {
        const std::string refused = n.validate(options.augmentation != nullptr);
        if (!refused.empty())
            throw std::invalid_argument(refused);
    }
    if (!checkpoints.empty() && checkpoints.size() != configs.size())
        throw std::invalid_argument("one checkpoint file per run, or none");
    const DatasetInputs inputs(data);
    const int rows = static_cast<int>(data.train.rows());
    std::vector<DeepConfig> deep;
    Progress progress;
    progress.runsTotal = static_cast<int>(configs.size());
    for (std::size_t i = 0; i < configs.size(); ++i) {
        const TrainConfig& c = configs[i];
        const std::string bad = c.validate();
        if (!bad.empty())
            throw std::invalid_argument("run " + std::to_string(i) + ": " + bad);
        if (c.trainSize > rows)
            throw std::invalid_argument("run " + std::to_string(i) + ": training size " +
                                        std::to_string(c.trainSize) + " exceeds the " +
                                        std::to_string(rows) + " training rows");
        deep.push_back(deepConfigFor(c, networks[i], rows));
        if (!data.representation.empty())
            deep.back().representation = data.representation;
        progress.stepsTotal += deep.back().steps;
    }
    // Whole runs side by side, one per worker thread, each step on its worker with
    // single-threaded BLAS (the deep trainer's guard): at most options.threads threads.
    const int workers =
        std::max(1, std::min(resolveThreads(options.threads), static_cast<int>(configs.size())));
    progress.threads = workers;
    // The BLAS pool stays at one thread for the whole call: a run that ends must not give it
    // back its old size while another still trains (each trainDeep restores what it found).
    struct BlasGuard {
        int saved = detail::blasThreads();
        BlasGuard() { detail::setBlasThreads(1); }
        ~BlasGuard() { detail::setBlasThreads(saved); }
    } blasGuard;
    const auto start = std::chrono::steady_clock::now();
    TrainObserver none;
    TrainObserver* to = options.observer ? options.observer : &none;
    auto cancelled = [&] { return options.control && options.control->cancel.load(); };

    std::vector<RunResult> results(configs.size());
    std::vector<bool> started(configs.size(), false);
    std::vector<long long> done(configs.size(), 0);
    std::mutex mutex; // observer calls, progress and results, one worker at a time
    std::exception_ptr failure;
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};

    /// Forwards one run's reports under the lock, its steps counted into the call's progress.
    class Serialized : public TrainObserver {
      public:
        Serialized(TrainObserver* to, std::mutex& mutex, Progress& progress, long long& done)
            : m_to(to), m_mutex(mutex), m_progress(progress), m_done(done) {}
        void onEpoch(const EpochStats& e) override {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_to->onEpoch(e);
        }
        void onProgress(const Progress& p) override {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_progress.stepsDone += p.stepsDone - m_done;
            m_done = p.stepsDone;
            m_progress.seconds = std::max(m_progress.seconds, p.seconds);
            m_to->onProgress(m_progress);
        }

      private:
        TrainObserver* m_to;
        std::mutex& m_mutex;
        Progress& m_progress;
        long long& m_done;
    };

    auto work = [&](int) {
        for (std::size_t i = next++; i < configs.size(); i = next++) {
            if (stop.load() || cancelled())
                break;
            const int run = static_cast<int>(i);
            try {
                const double offset =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                Progress mine; // this run's steps; Serialized adds them to the call's progress
                Serialized serial(to, mutex, progress, done[i]);
                Forward forward(&serial, run,
                                batchesPerEpoch(usedRows(configs[i], rows), deep[i].batchSize),
                                mine, offset);
                DeepOptions o;
                o.control = options.control;
                o.observer = &forward;
                if (!checkpoints.empty())
                    o.checkpoint = checkpoints[i];
                {
                    std::lock_guard<std::mutex> lock(mutex);
                    started[i] = true;
                }
                const DeepResult result = trainDeep(inputs, deep[i], o);
                std::lock_guard<std::mutex> lock(mutex);
                progress.stepsDone += result.stepsDone - done[i];
                done[i] = result.stepsDone;
                ++progress.runsFinished;
                progress.seconds =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                results[i] = runResultOf(result, configs[i], rows);
                if (!data.representation.empty()) // the features it trained on
                    results[i].config.representation = data.representation;
                if (finished)
                    finished(run, result);
                to->onRunFinished(run, results[i]);
                to->onProgress(progress);
            } catch (...) {
                std::lock_guard<std::mutex> lock(mutex);
                if (!failure)
                    failure = std::current_exception();
                stop = true;
            }
        }
    };
    detail::runOnThreads(workers, work);
    if (failure)
        std::rethrow_exception(failure);
    for (std::size_t k = 0; k < configs.size(); ++k) {
        if (started[k])
            continue;
        RunResult skipped; // cancelled before it started
        skipped.config = configs[k];
        skipped.cancelled = true;
        results[k] = skipped;
    }
    return results;
}

} // namespace qm7
