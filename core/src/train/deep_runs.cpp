// Homework runs with another network, trained by the deep trainer (see deep_runs.h).
#include "qm7/train/deep_runs.h"

#include <algorithm>
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
                 const std::function<void(int run, const DeepResult& deep)>& finished) {
    const std::string refused = n.validate(options.augmentation != nullptr);
    if (!refused.empty())
        throw std::invalid_argument(refused);
    const DatasetInputs inputs(data);
    const int rows = static_cast<int>(data.train.rows());
    std::vector<DeepConfig> deep;
    Progress progress;
    progress.runsTotal = static_cast<int>(configs.size());
    progress.threads = 1;
    for (const TrainConfig& c : configs) {
        const std::string bad = c.validate();
        if (!bad.empty())
            throw std::invalid_argument(bad);
        deep.push_back(deepConfigFor(c, n, rows));
        progress.stepsTotal += deep.back().steps;
    }
    const auto start = std::chrono::steady_clock::now();
    std::vector<RunResult> results;
    for (std::size_t i = 0; i < configs.size(); ++i) {
        const int run = static_cast<int>(i);
        const double offset =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        DeepOptions o;
        o.control = options.control;
        TrainObserver none;
        TrainObserver* to = options.observer ? options.observer : &none;
        Forward forward(to, run, batchesPerEpoch(usedRows(configs[i], rows), deep[i].batchSize),
                        progress, offset);
        o.observer = &forward;
        const DeepResult result = trainDeep(inputs, deep[i], o);
        progress.stepsDone = 0;
        for (std::size_t k = 0; k <= i; ++k)
            progress.stepsDone += deep[k].steps;
        progress.runsFinished = run + 1;
        results.push_back(runResultOf(result, configs[i], rows));
        if (finished)
            finished(run, result);
        to->onRunFinished(run, results.back());
        to->onProgress(progress);
        if (result.cancelled) {
            for (std::size_t k = i + 1; k < configs.size(); ++k) {
                RunResult skipped;
                skipped.config = configs[k];
                skipped.cancelled = true;
                results.push_back(skipped);
            }
            break;
        }
    }
    return results;
}

} // namespace qm7
