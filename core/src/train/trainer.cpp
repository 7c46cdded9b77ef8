// Training many runs at once. Each run is independent (its own seed, initialization, data
// order, learning rate and training size). TrainOptions::threads is the one thread count: with
// several runs, up to that many runs train side by side on worker threads that each call
// single-threaded BLAS; with one run, its steps are split over that many threads by blocks of
// hidden units. A run's numbers do not depend on which thread trains it, nor on how many share
// its steps.
#include "qm7/train/trainer.h"

#include "qm7/train/model_init.h"
#include "qm7/train/threads.h"
#include "train/blas_threads.h"
#include "train/mlp_kernels.h"
#include "train/padded_layout.h"
#include "train/step_threads.h"
#include "qm7/train/model_init.h"
#include "train/random.h"
#include "util/thread_team.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace qm7 {

using detail::MlpScratch;
using detail::MlpShape;

std::string TrainConfig::validate() const {
    std::ostringstream why;
    if (hidden < 1 || hidden > 100000)
        why << "hidden width " << hidden << " must be between 1 and 100000";
    else if (epochs < 1 || epochs > 1000000)
        why << "epochs " << epochs << " must be between 1 and 1000000";
    else if (!(lr > 0.0) || !(lr <= 10.0) || !std::isfinite(lr))
        why << "learning rate " << lr << " must be > 0 and <= 10 (the homework tries 1e-5 to 1e-2)";
    else if (batchSize < 1 || batchSize > 1000000)
        why << "batch size " << batchSize << " must be between 1 and 1000000";
    else if (evalEvery < 1)
        why << "evaluation interval " << evalEvery << " must be at least 1 epoch";
    else if (trainSize < 0)
        why << "training size " << trainSize << " must be 0 (all) or positive";
    else if (!(weightDecay >= 0.0) || !(weightDecay <= 1.0))
        why << "weight decay " << weightDecay << " must be between 0 and 1";
    return why.str();
}

std::vector<int> trainingRows(int available, int trainSize, std::uint64_t seed) {
    std::vector<int> rows(static_cast<std::size_t>(available));
    for (int i = 0; i < available; ++i)
        rows[static_cast<std::size_t>(i)] = i;
    if (trainSize <= 0 || trainSize >= available)
        return rows;
    Rng rng(detail::streamSeed(seed, 2));
    detail::shuffle(rows, rng);
    rows.resize(static_cast<std::size_t>(trainSize));
    return rows;
}

namespace {

using Clock = std::chrono::steady_clock;

/// Features of one split as the evaluation sees them: one array, or several augmented draws
/// whose predictions are averaged.
struct EvalFeatures {
    std::vector<std::vector<float>> draws; ///< in the trainer's internal feature order
    std::vector<std::vector<int>> prefix;  ///< per draw, each row's prefix length
};

/// Everything one run carries between epochs.
struct RunState {
    int index = 0;
    TrainConfig config;
    std::vector<int> rows; ///< training rows used, in the current epoch's order
    int batches = 0;
    std::vector<float> params, m, v, best;
    long long step = 0;
    Rng order{0};
    std::vector<float> augmented; ///< this epoch's training features when augmenting
    std::vector<int> augmentedPrefix;
    std::vector<float> batchX, batchY;
    std::vector<int> batchPrefix, batchOrder; ///< the skip: rows sorted by prefix length
    detail::RowBlocks batchBlocks;
    detail::StepThreads stepThreads; ///< a split step's thread count, from measured step times
    EpochStats stats;
    RunResult result;
    bool finished = false;
    double bestVal = INFINITY;
};

class EnsembleTrainer {
  public:
    EnsembleTrainer(const Dataset& data, const std::vector<TrainConfig>& configs,
                    const TrainOptions& options)
        : m_data(data), m_options(options) {
        m_scaler = LabelScaler::fit(data.train.y);
        m_yTrain = m_scaler.normalize(data.train.y);
        m_yVal = m_scaler.normalize(data.val.y);
        m_yTest = m_scaler.normalize(data.test.y);
        m_shapeD = data.d;
        // The skip of zero padding: detected from the training features (padded_layout.h).
        m_layout =
            options.paddingSkip == TrainOptions::PaddingSkip::Off
                ? detail::PaddedLayout::dense(data.d)
                : detail::PaddedLayout::detect(data.train.X.data(), data.train.rows(), data.d);
        m_skipRows = options.skipBlockRows > 0 ? options.skipBlockRows : detail::kSkipBlockRows;
        prepareEvalFeatures();
        for (std::size_t i = 0; i < configs.size(); ++i)
            m_runs.push_back(makeRun(static_cast<int>(i), configs[i]));
    }

    std::vector<RunResult> run() {
        const auto start = Clock::now();
        m_start = start;
        int maxEpochs = 0;
        Progress progress;
        progress.runsTotal = static_cast<int>(m_runs.size());
        for (const auto& r : m_runs) {
            maxEpochs = std::max(maxEpochs, r.config.epochs);
            progress.stepsTotal += static_cast<long long>(r.batches) * r.config.epochs;
        }
        const int threads = resolveThreads(m_options.threads);
        const int workers = std::max(1, std::min<int>(threads, static_cast<int>(m_runs.size())));
        // The trainer splits the work itself, with single-threaded BLAS: several runs side by
        // side, or one run's step split by blocks of hidden units over the threads.
        // (OpenBLAS's own pool collapses on a loaded machine: 13x slower measured here.)
        const int savedBlas = detail::blasThreads();
        detail::setBlasThreads(1);
        m_stepThreads = workers == 1 ? threads : 1;
        progress.threads = workers * m_stepThreads;
        m_scratch.assign(static_cast<std::size_t>(workers), MlpScratch{});
        if (m_options.schedule == TrainOptions::Schedule::Queue && workers > 1)
            runQueue(workers, progress);
        else
            runLockstep(maxEpochs, progress);
        for (auto& r : m_runs)
            if (!r.finished)
                finish(r, r.result.epochsDone < r.config.epochs, m_scratch[0]);
        detail::setBlasThreads(savedBlas);
        std::vector<RunResult> results;
        results.reserve(m_runs.size());
        for (auto& r : m_runs)
            results.push_back(std::move(r.result));
        return results;
    }

  private:
    /// All runs advance one epoch at a time; observer calls on the calling thread.
    void runLockstep(int maxEpochs, Progress& progress) {
        const int workers = static_cast<int>(m_scratch.size());
        for (int epoch = 1; epoch <= maxEpochs && !cancelled(); ++epoch) {
            std::vector<RunState*> active;
            for (auto& r : m_runs)
                if (!r.finished && epoch <= r.config.epochs)
                    active.push_back(&r);
            // Longest runs first, so that the workers finish an epoch together.
            std::stable_sort(
                active.begin(), active.end(),
                [](const RunState* a, const RunState* b) { return a->batches > b->batches; });
            parallelFor(active, workers,
                        [&](RunState& r, MlpScratch& scratch) { trainEpoch(r, epoch, scratch); });
            for (RunState* r : active) {
                progress.stepsDone += r->batches;
                r->stats.seconds = seconds();
                if (r->stats.evaluated)
                    r->result.history.push_back(r->stats);
                if (!cancelled() && m_options.observer)
                    m_options.observer->onEpoch(r->stats);
            }
            if (cancelled())
                break;
            for (RunState* r : active) {
                if (epoch == r->config.epochs) {
                    finish(*r, false, m_scratch[0]);
                    ++progress.runsFinished;
                }
            }
            progress.seconds = seconds();
            if (m_options.observer)
                m_options.observer->onProgress(progress);
        }
    }

    /// Each worker trains whole runs, longest first; observer calls are serialized.
    void runQueue(int workers, Progress& progress) {
        std::vector<RunState*> order;
        for (auto& r : m_runs)
            order.push_back(&r);
        std::stable_sort(order.begin(), order.end(), [](const RunState* a, const RunState* b) {
            return static_cast<long long>(a->batches) * a->config.epochs >
                   static_cast<long long>(b->batches) * b->config.epochs;
        });
        std::mutex mutex;
        std::atomic<std::size_t> next{0};
        auto work = [&](int w) {
            MlpScratch& scratch = m_scratch[static_cast<std::size_t>(w)];
            for (std::size_t i = next++; i < order.size() && !cancelled(); i = next++) {
                RunState& r = *order[i];
                for (int epoch = 1; epoch <= r.config.epochs && !cancelled(); ++epoch) {
                    trainEpoch(r, epoch, scratch);
                    std::lock_guard<std::mutex> lock(mutex);
                    progress.stepsDone += r.batches;
                    r.stats.seconds = seconds();
                    if (r.stats.evaluated)
                        r.result.history.push_back(r.stats);
                    if (cancelled())
                        break;
                    if (m_options.observer)
                        m_options.observer->onEpoch(r.stats);
                    if (epoch == r.config.epochs) {
                        finish(r, false, scratch);
                        ++progress.runsFinished;
                    }
                    progress.seconds = seconds();
                    if (m_options.observer)
                        m_options.observer->onProgress(progress);
                }
            }
        };
        detail::runOnThreads(workers, work);
    }

    RunState makeRun(int index, const TrainConfig& config) {
        const std::string why = config.validate();
        if (!why.empty())
            throw std::invalid_argument("run " + std::to_string(index) + ": " + why);
        const int available = static_cast<int>(m_data.train.rows());
        if (config.trainSize > available)
            throw std::invalid_argument("run " + std::to_string(index) + ": training size " +
                                        std::to_string(config.trainSize) + " exceeds the " +
                                        std::to_string(available) + " training rows");
        RunState r;
        r.index = index;
        r.config = config;
        r.rows = trainingRows(available, config.trainSize, config.seed);
        const int n = static_cast<int>(r.rows.size());
        r.batches = (n + config.batchSize - 1) / config.batchSize;
        r.params = detail::packParameters(initialWeights(m_data.d, config.hidden, config.seed));
        m_layout.weightsToInternal(r.params.data(), config.hidden);
        r.m.assign(r.params.size(), 0.0f);
        r.v.assign(r.params.size(), 0.0f);
        r.order = Rng(detail::streamSeed(config.seed, 1));
        r.result.config = config;
        // The run trained on the data's features: its config says which (config.json).
        if (!m_data.representation.empty())
            r.result.config.representation = m_data.representation;
        r.result.scaler = m_scaler;
        r.result.trainRows = n;
        r.stats.run = index;
        return r;
    }

    MlpShape shapeOf(const RunState& r) const { return MlpShape{m_shapeD, r.config.hidden}; }

    bool cancelled() const { return m_options.control && m_options.control->cancel.load(); }

    double seconds() const { return std::chrono::duration<double>(Clock::now() - m_start).count(); }

    void waitWhilePaused() const {
        while (m_options.control && m_options.control->pause.load() && !cancelled())
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }

    void prepareEvalFeatures() {
        const FeatureAugmentation* aug = m_options.augmentation;
        const std::array<std::pair<SplitKind, const Split*>, 3> splits = {
            std::pair{SplitKind::Train, &m_data.train}, std::pair{SplitKind::Val, &m_data.val},
            std::pair{SplitKind::Test, &m_data.test}};
        for (std::size_t s = 0; s < splits.size(); ++s) {
            EvalFeatures& f = m_eval[s];
            if (!aug) {
                f.draws.push_back(splits[s].second->X);
            } else {
                const int draws = std::max(1, aug->evalDraws());
                for (int k = 0; k < draws; ++k) {
                    std::vector<float> X;
                    aug->draw(splits[s].first, detail::streamSeed(0xE7A1, static_cast<unsigned>(k)),
                              X);
                    f.draws.push_back(std::move(X));
                }
            }
            for (auto& X : f.draws) {
                f.prefix.emplace_back();
                m_layout.toInternal(X.data(), X.size() / static_cast<std::size_t>(m_shapeD),
                                    f.prefix.back());
            }
        }
    }

    /// Mean squared error (normalized) of a run's current parameters on some rows of a split.
    double evalLoss(const RunState& r, const float* params, const EvalFeatures& f,
                    const std::vector<float>& y, const std::vector<int>* rows, MlpScratch& scratch,
                    std::vector<float>* predictions = nullptr) const {
        const MlpShape shape = shapeOf(r);
        const std::size_t n = rows ? rows->size() : y.size();
        std::vector<float> pred(n, 0.0f), chunkOut;
        std::vector<float> chunk;
        std::vector<int> source, prefix, local;
        detail::RowBlocks blocks;
        constexpr std::size_t kChunk = 500;
        const bool skip = m_layout.active();
        for (std::size_t k = 0; k < f.draws.size(); ++k) {
            const std::vector<float>& X = f.draws[k];
            for (std::size_t i0 = 0; i0 < n; i0 += kChunk) {
                const std::size_t count = std::min(kChunk, n - i0);
                source.resize(count);
                for (std::size_t i = 0; i < count; ++i)
                    source[i] = rows ? (*rows)[i0 + i] : static_cast<int>(i0 + i);
                // The skip: the chunk's rows sorted by prefix length (local[i] is the chunk
                // position of the i-th sorted row), in blocks.
                if (skip) {
                    prefix.resize(count);
                    for (std::size_t i = 0; i < count; ++i)
                        prefix[i] = f.prefix[k][static_cast<std::size_t>(source[i])];
                    detail::sortIntoBlocks(prefix.data(), static_cast<int>(count),
                                           detail::kSkipEvalBlockRows, local, blocks);
                }
                const float* src = X.data() + i0 * static_cast<std::size_t>(shape.d);
                if (rows || skip) {
                    chunk.resize(count * static_cast<std::size_t>(shape.d));
                    for (std::size_t i = 0; i < count; ++i) {
                        const std::size_t at = skip ? static_cast<std::size_t>(local[i]) : i;
                        std::copy_n(X.data() + static_cast<std::size_t>(source[at]) * shape.d,
                                    shape.d, chunk.data() + i * static_cast<std::size_t>(shape.d));
                    }
                    src = chunk.data();
                }
                chunkOut.resize(count);
                detail::mlpForward(shape, params, src, static_cast<int>(count), chunkOut.data(),
                                   scratch, skip ? &blocks : nullptr);
                for (std::size_t i = 0; i < count; ++i) {
                    const std::size_t at = i0 + (skip ? static_cast<std::size_t>(local[i]) : i);
                    pred[at] += chunkOut[i] / static_cast<float>(f.draws.size());
                }
            }
        }
        double sse = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double e = pred[i] - y[rows ? static_cast<std::size_t>((*rows)[i]) : i];
            sse += e * e;
        }
        if (predictions)
            *predictions = std::move(pred);
        return n ? sse / static_cast<double>(n) : 0.0;
    }

    void trainEpoch(RunState& r, int epoch, MlpScratch& scratch) {
        const MlpShape shape = shapeOf(r);
        const std::size_t d = static_cast<std::size_t>(shape.d);
        // The training features in the internal order (the evaluation's copy).
        const float* features = m_eval[0].draws[0].data();
        const int* prefix = m_eval[0].prefix[0].data();
        if (m_options.augmentation) {
            // A fresh random draw of the training features every epoch; each row's prefix is
            // measured in the draw, so padding the draw moved forward is handled exactly.
            m_options.augmentation->draw(
                SplitKind::Train,
                detail::streamSeed(r.config.seed, 1000 + static_cast<unsigned>(epoch)),
                r.augmented);
            m_layout.toInternal(r.augmented.data(), r.augmented.size() / d, r.augmentedPrefix);
            features = r.augmented.data();
            prefix = r.augmentedPrefix.data();
        }
        const bool skip = m_layout.active();
        if (r.stepThreads.maxThreads() != m_stepThreads)
            r.stepThreads = detail::StepThreads(m_stepThreads);
        detail::shuffle(r.rows, r.order);
        const int n = static_cast<int>(r.rows.size());
        detail::AdamStep adam;
        adam.lr = r.config.lr;
        adam.weightDecay = r.config.weightDecay;
        double lossSum = 0;
        int done = 0;
        for (int b = 0; b < r.batches; ++b) {
            waitWhilePaused();
            if (cancelled())
                break;
            const int first = b * r.config.batchSize;
            const int rows = std::min(r.config.batchSize, n - first);
            r.batchX.resize(static_cast<std::size_t>(rows) * d);
            r.batchY.resize(static_cast<std::size_t>(rows));
            const int* batch = r.rows.data() + first;
            if (skip) {
                // A gradient is a sum over rows: sorted by prefix length, in blocks.
                r.batchPrefix.resize(static_cast<std::size_t>(rows));
                for (int i = 0; i < rows; ++i)
                    r.batchPrefix[static_cast<std::size_t>(i)] = prefix[batch[i]];
                detail::sortIntoBlocks(r.batchPrefix.data(), rows, m_skipRows, r.batchOrder,
                                       r.batchBlocks);
                for (int& i : r.batchOrder)
                    i = batch[i];
                batch = r.batchOrder.data();
            }
            for (int i = 0; i < rows; ++i) {
                const auto src = static_cast<std::size_t>(batch[i]);
                std::copy_n(features + src * d, d,
                            r.batchX.data() + static_cast<std::size_t>(i) * d);
                r.batchY[static_cast<std::size_t>(i)] = m_yTrain[src];
            }
            adam.step = ++r.step;
            // Any thread count gives the same result: the count follows the measured times.
            const int threads = r.stepThreads.next();
            const auto t0 = Clock::now();
            lossSum += detail::mlpTrainStep(shape, r.params.data(), r.m.data(), r.v.data(), adam,
                                            r.batchX.data(), r.batchY.data(), rows, scratch,
                                            threads, nullptr, skip ? &r.batchBlocks : nullptr);
            r.stepThreads.record(threads, std::chrono::duration<double>(Clock::now() - t0).count());
            ++done;
        }
        r.stats.epoch = epoch;
        r.stats.batchLoss = done ? lossSum / done : NAN;
        r.stats.evaluated = false;
        if (done < r.batches)
            return; // cancelled mid-epoch: no evaluation of a partial epoch
        r.result.epochsDone = epoch;
        if (epoch % r.config.evalEvery == 0 || epoch == r.config.epochs) {
            r.stats.evaluated = true;
            r.stats.trainLoss = evalLoss(r, r.params.data(), m_eval[0], m_yTrain, &r.rows, scratch);
            r.stats.valLoss = evalLoss(r, r.params.data(), m_eval[1], m_yVal, nullptr, scratch);
            r.stats.trainRmse = std::sqrt(r.stats.trainLoss) * m_scaler.std;
            r.stats.valRmse = std::sqrt(r.stats.valLoss) * m_scaler.std;
            r.result.finalValLoss = r.stats.valLoss;
            if (r.stats.valLoss < r.bestVal) {
                r.bestVal = r.stats.valLoss;
                r.best = r.params;
                r.result.bestEpoch = epoch;
                r.result.bestValLoss = r.stats.valLoss;
            }
        }
    }

    void finish(RunState& r, bool cancelledRun, MlpScratch& scratch) {
        r.finished = true;
        RunResult& res = r.result;
        res.cancelled = cancelledRun;
        res.seconds = seconds();
        const std::vector<float>& params = r.best.empty() ? r.params : r.best;
        res.weights = detail::unpackParameters(shapeOf(r), params.data());
        m_layout.weightsToData(res.weights.w1.data(),
                               res.weights.hidden); // the data set's own order
        if (res.epochsDone > 0) {
            std::vector<float> pred;
            res.testMseNormalized =
                evalLoss(r, params.data(), m_eval[2], m_yTest, nullptr, scratch, &pred);
            res.testPred = m_scaler.unnormalize(pred);
            res.testTrue = m_data.test.y;
            res.test = computeMetrics(res.testTrue, res.testPred);
        }
        // The moments are large and no longer needed.
        r.m = {};
        r.v = {};
        r.best = {};
        if (m_options.observer)
            m_options.observer->onRunFinished(r.index, res);
    }

    template <typename F> void parallelFor(std::vector<RunState*>& runs, int workers, F&& body) {
        if (workers <= 1 || runs.size() <= 1) {
            for (RunState* r : runs)
                body(*r, m_scratch[0]);
            return;
        }
        std::atomic<std::size_t> next{0};
        auto work = [&](int w) {
            for (std::size_t i = next++; i < runs.size(); i = next++)
                body(*runs[i], m_scratch[static_cast<std::size_t>(w)]);
        };
        detail::runOnThreads(workers, work);
    }

    const Dataset& m_data;
    TrainOptions m_options;
    LabelScaler m_scaler;
    std::vector<float> m_yTrain, m_yVal, m_yTest;
    int m_shapeD = 0;
    detail::PaddedLayout m_layout; ///< internal feature order (the skip of zero padding)
    int m_skipRows = detail::kSkipBlockRows;
    std::array<EvalFeatures, 3> m_eval;
    std::vector<RunState> m_runs;
    std::vector<MlpScratch> m_scratch;
    int m_stepThreads = 1;
    Clock::time_point m_start;
};

} // namespace

std::vector<RunResult> trainMany(const Dataset& data, const std::vector<TrainConfig>& configs,
                                 const TrainOptions& options) {
    if (configs.empty())
        return {};
    validateDataset(data, data.source.empty() ? "data set" : data.source);
    EnsembleTrainer trainer(data, configs, options);
    return trainer.run();
}

RunResult train(const Dataset& data, const TrainConfig& config, const TrainOptions& options) {
    return trainMany(data, {config}, options).front();
}

std::vector<float> predict(const ModelWeights& weights, const LabelScaler& scaler,
                           const std::vector<float>& X) {
    const MlpShape shape{weights.d, weights.hidden};
    if (weights.d <= 0 || X.size() % static_cast<std::size_t>(weights.d) != 0)
        throw std::invalid_argument("predict: the inputs are not rows of d features");
    const std::vector<float> params = detail::packParameters(weights);
    const int rows = static_cast<int>(X.size() / static_cast<std::size_t>(weights.d));
    std::vector<float> out(static_cast<std::size_t>(rows));
    MlpScratch scratch;
    if (rows > 0)
        detail::mlpForward(shape, params.data(), X.data(), rows, out.data(), scratch);
    return scaler.unnormalize(out);
}

} // namespace qm7
