// The deep trainer: minibatches drawn at random each step, inputs drawn per example, Adam or the
// paper's SGD with a running average, validation every k steps (best kept), checkpoints.
#include "qm7/train/deep_trainer.h"

#include "train/blas_threads.h"
#include "train/deep_checkpoint.h"
#include "train/deep_kernels.h"
#include "train/random.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace qm7 {

using detail::DeepScratch;
using detail::DeepShape;

std::string activationName(Activation a) {
    switch (a) {
    case Activation::Relu:
        return "relu";
    case Activation::Tanh:
        return "tanh";
    case Activation::ScaledTanh:
        return "stanh";
    }
    return "?";
}

Activation parseActivation(const std::string& t) {
    for (Activation a : {Activation::Relu, Activation::Tanh, Activation::ScaledTanh})
        if (t == activationName(a))
            return a;
    throw std::invalid_argument("unknown activation '" + t +
                                "': choose relu, tanh or stanh (1.5 tanh(x/1.5))");
}

std::string optimizerName(Optimizer o) {
    return o == Optimizer::Adam ? "adam" : "sgd";
}

Optimizer parseOptimizer(const std::string& t) {
    if (t == "adam")
        return Optimizer::Adam;
    if (t == "sgd")
        return Optimizer::Sgd;
    throw std::invalid_argument("unknown optimizer '" + t + "': choose adam or sgd");
}

std::string selectName(DeepSelect s) {
    return s == DeepSelect::Final ? "final" : "best-val-mse";
}

DeepSelect parseSelect(const std::string& t) {
    if (t == "final")
        return DeepSelect::Final;
    if (t == "best-val-mse")
        return DeepSelect::BestValMse;
    throw std::invalid_argument("unknown selection '" + t + "': choose final or best-val-mse");
}

std::vector<int> parseLayers(const std::string& text) {
    std::vector<int> layers;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        std::size_t used = 0;
        int w = 0;
        try {
            w = std::stoi(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != item.size() || w < 1 || w > 100000)
            throw std::invalid_argument("hidden layers '" + text +
                                        "': widths 1 to 100000, comma-separated, e.g. 400,100");
        layers.push_back(w);
    }
    if (layers.empty())
        throw std::invalid_argument("hidden layers: give widths such as 1000 or 400,100");
    return layers;
}

std::string DeepConfig::validate() const {
    std::ostringstream why;
    if (layers.empty())
        why << "the network needs at least one hidden layer";
    for (int w : layers)
        if (w < 1 || w > 100000)
            why << "hidden width " << w << " must be between 1 and 100000";
    if (!why.str().empty())
        return why.str();
    if (steps < 1 || steps > 100000000)
        why << "steps " << steps << " must be between 1 and 100000000";
    else if (batchSize < 1 || batchSize > 100000)
        why << "batch size " << batchSize << " must be between 1 and 100000";
    else if (!(lr > 0.0) || !(lr <= 10.0))
        why << "learning rate " << lr << " must be > 0 and <= 10";
    else if (evalEvery < 1)
        why << "evaluation interval " << evalEvery << " must be at least 1 step";
    else if (evalDraws < 1 || evalDraws > 1000)
        why << "evaluation draws " << evalDraws << " must be between 1 and 1000";
    else if (trainSize < 0)
        why << "training size " << trainSize << " must be 0 (all) or positive";
    else if (centerInputs && optimizer != Optimizer::Sgd)
        why << "centering is part of the paper's SGD: use it with the sgd optimizer";
    else if (!(weightDecay >= 0.0) || !(weightDecay <= 1.0))
        why << "weight decay " << weightDecay << " must be between 0 and 1";
    else if (weightDecay != 0.0 && optimizer != Optimizer::Adam)
        why << "weight decay is Adam's L2 penalty: use it with the adam optimizer";
    return why.str();
}

namespace {

using Clock = std::chrono::steady_clock;

const std::vector<float>& labelsOf(const Dataset& data, SplitKind k) {
    return k == SplitKind::Train ? data.train.y : k == SplitKind::Val ? data.val.y : data.test.y;
}

/// The SGD schedule's factor on the base rate before step `step` (0-based).
double scheduleFactor(long long step) {
    return step >= 12500 ? 10.0 : step >= 2500 ? 5.0 : step >= 500 ? 2.5 : 1.0;
}

/// Predictions (standardized) of rows idx of a split, mean and std over draws.
void predictFlat(const DeepShape& shape, const float* params, const DeepInputs& inputs,
                 SplitKind split, const std::vector<int>& idx, int draws, std::vector<float>& mean,
                 std::vector<float>* spread, DeepScratch& scratch) {
    const std::size_t n = idx.size();
    const int d = inputs.dim();
    draws = inputs.random() ? std::max(1, draws) : 1;
    std::vector<double> sum(n, 0.0), sq(n, 0.0);
    std::vector<float> X, out;
    constexpr std::size_t kChunk = 256;
    for (int k = 0; k < draws; ++k) {
        const std::uint64_t drawSeed = Rng::mix(0xE7A1, static_cast<std::uint64_t>(k), 7);
        for (std::size_t i0 = 0; i0 < n; i0 += kChunk) {
            const std::size_t count = std::min(kChunk, n - i0);
            X.resize(count * static_cast<std::size_t>(d));
            out.resize(count);
            inputs.fill(split, idx.data() + i0, static_cast<int>(count), drawSeed, X.data());
            detail::deepForward(shape, params, X.data(), static_cast<int>(count), out.data(),
                                scratch);
            for (std::size_t i = 0; i < count; ++i) {
                sum[i0 + i] += out[i];
                sq[i0 + i] += static_cast<double>(out[i]) * out[i];
            }
        }
    }
    mean.resize(n);
    if (spread)
        spread->resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double m = sum[i] / draws;
        mean[i] = static_cast<float>(m);
        if (spread)
            (*spread)[i] = static_cast<float>(std::sqrt(std::max(0.0, sq[i] / draws - m * m)));
    }
}

std::vector<int> allRows(int n) {
    std::vector<int> idx(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        idx[static_cast<std::size_t>(i)] = i;
    return idx;
}

DeepModel modelOf(const DeepShape& shape, const std::vector<int>& layers, const float* params,
                  const LabelScaler& scaler) {
    DeepModel m;
    m.d = shape.d;
    m.layers = layers;
    m.activation = shape.activation;
    m.scaler = scaler;
    for (std::size_t l = 0; l < shape.layers(); ++l) {
        const float* w = params + shape.weightOffset(l);
        const float* b = params + shape.biasOffset(l);
        m.weights.emplace_back(w, b);
        m.biases.emplace_back(b, b + shape.fanOut(l));
        if (shape.centered) { // (x - A) W^T + b = x W^T + (b - W A)
            const float* A = params + shape.centerOffset(l);
            for (int j = 0; j < shape.fanOut(l); ++j) {
                double s = 0;
                for (int k = 0; k < shape.fanIn(l); ++k)
                    s += static_cast<double>(w[static_cast<std::size_t>(j) * shape.fanIn(l) + k]) *
                         A[k];
                m.biases.back()[static_cast<std::size_t>(j)] -= static_cast<float>(s);
            }
        }
    }
    return m;
}

std::vector<float> flatOf(const DeepModel& m, const DeepShape& shape) {
    std::vector<float> params(shape.size());
    for (std::size_t l = 0; l < shape.layers(); ++l) {
        if (m.weights[l].size() != static_cast<std::size_t>(shape.fanIn(l)) * shape.fanOut(l) ||
            m.biases[l].size() != static_cast<std::size_t>(shape.fanOut(l)))
            throw std::invalid_argument("deep model: layer " + std::to_string(l) +
                                        " has the wrong number of weights");
        std::copy(m.weights[l].begin(), m.weights[l].end(),
                  params.begin() + static_cast<long>(shape.weightOffset(l)));
        std::copy(m.biases[l].begin(), m.biases[l].end(),
                  params.begin() + static_cast<long>(shape.biasOffset(l)));
    }
    return params;
}

/// Restores the BLAS pool size when training ends.
struct BlasThreadsGuard {
    int saved = detail::blasThreads();
    BlasThreadsGuard() { detail::setBlasThreads(1); }
    ~BlasThreadsGuard() { detail::setBlasThreads(saved); }
};

} // namespace

int DatasetInputs::rows(SplitKind k) const {
    return static_cast<int>(labelsOf(m_data, k).size());
}

const std::vector<float>& DatasetInputs::labels(SplitKind k) const {
    return labelsOf(m_data, k);
}

const Split& DatasetInputs::split(SplitKind k) const {
    return k == SplitKind::Train ? m_data.train : k == SplitKind::Val ? m_data.val : m_data.test;
}

void DatasetInputs::fill(SplitKind k, const int* idx, int count, std::uint64_t, float* out) const {
    const auto d = static_cast<std::size_t>(m_data.d);
    const Split& s = split(k);
    for (int i = 0; i < count; ++i)
        std::copy_n(s.X.data() + static_cast<std::size_t>(idx[i]) * d, d,
                    out + static_cast<std::size_t>(i) * d);
}

DeepResult trainDeep(const DeepInputs& inputs, const DeepConfig& config,
                     const DeepOptions& options) {
    const std::string why = config.validate();
    if (!why.empty())
        throw std::invalid_argument(why);
    const int available = inputs.rows(SplitKind::Train);
    if (available < 1 || inputs.dim() < 1)
        throw std::invalid_argument("deep training needs training rows with features");
    if (config.trainSize > available)
        throw std::invalid_argument("training size " + std::to_string(config.trainSize) +
                                    " exceeds the " + std::to_string(available) + " training rows");
    const BlasThreadsGuard blasGuard;
    const auto start = Clock::now();
    const DeepShape shape(inputs.dim(), config.layers, config.activation, config.centerInputs);
    const std::vector<int> rows = trainingRows(available, config.trainSize, config.seed);
    const std::vector<float>& yAll = inputs.labels(SplitKind::Train);
    std::vector<float> yUsed;
    for (int r : rows)
        yUsed.push_back(yAll[static_cast<std::size_t>(r)]);
    const LabelScaler scaler = LabelScaler::fit(yUsed);
    const std::vector<float> yTrain = scaler.normalize(yAll);
    const std::vector<float> yVal = scaler.normalize(inputs.labels(SplitKind::Val));
    const bool sgd = config.optimizer == Optimizer::Sgd;

    detail::DeepState st;
    st.key = detail::checkpointKey(config, shape);
    bool resumed = false;
    if (!options.checkpoint.empty() && std::filesystem::exists(options.checkpoint))
        resumed = detail::readCheckpoint(options.checkpoint, st);
    if (!resumed) {
        // W ~ N(0, 1/fan-in), b = 0 (the paper's initialization).
        st.params.assign(shape.size(), 0.0f);
        Rng init(detail::streamSeed(config.seed, 5));
        for (std::size_t l = 0; l < shape.layers(); ++l) {
            const double sd = 1.0 / std::sqrt(static_cast<double>(shape.fanIn(l)));
            float* w = st.params.data() + shape.weightOffset(l);
            for (std::size_t i = 0; i < static_cast<std::size_t>(shape.fanIn(l)) * shape.fanOut(l);
                 ++i)
                w[i] = static_cast<float>(sd * init.normal());
        }
        if (!sgd) {
            st.m.assign(shape.size(), 0.0f);
            st.v.assign(shape.size(), 0.0f);
        }
        if (config.averageWeights)
            st.average = st.params;
    }

    detail::DeepUpdate update;
    update.optimizer = config.optimizer;
    update.meanLoss = !sgd;
    update.weightDecay = config.weightDecay;
    update.m = st.m.empty() ? nullptr : st.m.data();
    update.v = st.v.empty() ? nullptr : st.v.data();
    update.average = st.average.empty() ? nullptr : st.average.data();
    update.rates.resize(shape.layers());
    update.centerRates.resize(shape.layers());
    // The SGD rate of each layer relative to the base rate: 1/sqrt(fan-in), times the product of
    // sqrt(fan-in / fan-out) over the layers above (scaleBackprop).
    std::vector<double> layerFactor(shape.layers());
    for (std::size_t l = 0; l < shape.layers(); ++l) {
        double f = 1.0 / std::sqrt(static_cast<double>(shape.fanIn(l)));
        if (config.scaleBackprop)
            for (std::size_t j = l + 1; j < shape.layers(); ++j)
                f *= std::sqrt(static_cast<double>(shape.fanIn(j)) / shape.fanOut(j));
        layerFactor[l] = f;
    }

    DeepScratch scratch;
    const int B = config.batchSize, d = inputs.dim();
    std::vector<int> idx(static_cast<std::size_t>(B));
    std::vector<float> X(static_cast<std::size_t>(B) * d), y(static_cast<std::size_t>(B));
    const std::vector<int> valRows = allRows(inputs.rows(SplitKind::Val));
    const double secondsBefore = st.seconds;
    auto seconds = [&] {
        return secondsBefore + std::chrono::duration<double>(Clock::now() - start).count();
    };
    auto lastCheckpoint = Clock::now();
    auto save = [&] {
        if (options.checkpoint.empty())
            return;
        st.seconds = seconds();
        detail::writeCheckpoint(options.checkpoint, st);
        lastCheckpoint = Clock::now();
    };
    auto cancelled = [&] { return options.control && options.control->cancel.load(); };
    auto evaluate = [&] {
        const float* tested = update.average ? update.average : st.params.data();
        DeepStats s;
        s.step = st.step;
        s.batchLoss = st.lossCount ? st.lossSum / st.lossCount : NAN;
        st.lossSum = 0;
        st.lossCount = 0;
        if (!valRows.empty()) {
            std::vector<float> pred;
            predictFlat(shape, tested, inputs, SplitKind::Val, valRows, config.evalDraws, pred,
                        nullptr, scratch);
            double sse = 0, sae = 0;
            for (std::size_t i = 0; i < pred.size(); ++i) {
                const double e = pred[i] - yVal[i];
                sse += e * e;
                sae += std::abs(e);
            }
            s.valLoss = sse / static_cast<double>(pred.size());
            s.valRmse = std::sqrt(s.valLoss) * scaler.std;
            s.valMae = sae / static_cast<double>(pred.size()) * scaler.std;
        }
        s.seconds = seconds();
        st.history.push_back(s);
        if (valRows.empty() || s.valLoss < st.bestVal) {
            st.bestVal = s.valLoss;
            st.bestStep = st.step;
            st.best.assign(tested, tested + shape.size());
        }
        if (options.observer)
            options.observer->onEval(s);
    };

    while (st.step < config.steps && !cancelled()) {
        while (options.control && options.control->pause.load() && !cancelled())
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (cancelled())
            break;
        Rng pick(Rng::mix(config.seed, 3, static_cast<std::uint64_t>(st.step)));
        for (int i = 0; i < B; ++i) {
            const int r = rows[pick.below(rows.size())];
            idx[static_cast<std::size_t>(i)] = r;
            y[static_cast<std::size_t>(i)] = yTrain[static_cast<std::size_t>(r)];
        }
        inputs.fill(SplitKind::Train, idx.data(), B,
                    Rng::mix(config.seed, 4, static_cast<std::uint64_t>(st.step)), X.data());
        for (std::size_t l = 0; l < shape.layers(); ++l)
            update.rates[l] =
                sgd ? config.lr * scheduleFactor(st.step) * layerFactor[l] : config.lr;
        for (std::size_t l = 0; l < shape.layers(); ++l)
            update.centerRates[l] = config.lr * scheduleFactor(st.step) /
                                    std::sqrt(static_cast<double>(shape.fanIn(l)));
        update.step = st.step + 1;
        update.averageFactor = 10.0 / (10.0 + static_cast<double>(st.step + 1));
        st.lossSum +=
            detail::deepTrainStep(shape, st.params.data(), update, X.data(), y.data(), B, scratch);
        ++st.lossCount;
        ++st.step;
        if (st.step % config.evalEvery == 0 || st.step == config.steps)
            evaluate();
        if (st.step % 100 == 0 && options.observer)
            options.observer->onProgress(st.step, config.steps, seconds());
        if (std::chrono::duration<double>(Clock::now() - lastCheckpoint).count() >=
            options.checkpointSeconds)
            save();
    }

    DeepResult res;
    res.config = config;
    res.resumed = resumed;
    res.stepsDone = st.step;
    res.trainRows = static_cast<int>(rows.size());
    res.cancelled = st.step < config.steps;
    save();
    if (st.best.empty() && st.step > 0)
        evaluate(); // cancelled before the first evaluation: test the weights as they are
    res.history = st.history;
    res.bestStep = st.bestStep;
    res.select = options.select;
    const bool final = options.select == DeepSelect::Final || st.best.empty();
    const std::vector<float>& bestParams =
        final ? (st.average.empty() ? st.params : st.average) : st.best;
    res.selectedStep = final ? st.step : st.bestStep;
    res.model = modelOf(shape, config.layers, bestParams.data(), scaler);
    const std::vector<int> testRows = allRows(inputs.rows(SplitKind::Test));
    if (!testRows.empty() && st.step > 0) {
        std::vector<float> pred, spread;
        predictFlat(shape, bestParams.data(), inputs, SplitKind::Test, testRows, config.evalDraws,
                    pred, &spread, scratch);
        res.testPred = scaler.unnormalize(pred);
        res.testSpread.resize(spread.size());
        for (std::size_t i = 0; i < spread.size(); ++i)
            res.testSpread[i] = static_cast<float>(spread[i] * scaler.std);
        res.testTrue = inputs.labels(SplitKind::Test);
        res.test = computeMetrics(res.testTrue, res.testPred);
    }
    res.seconds = seconds();
    return res;
}

std::vector<float> predictDeep(const DeepModel& model, const std::vector<float>& X) {
    const DeepShape shape(model.d, model.layers, model.activation);
    if (model.d <= 0 || X.size() % static_cast<std::size_t>(model.d) != 0)
        throw std::invalid_argument("predict: the inputs are not rows of d features");
    const std::vector<float> params = flatOf(model, shape);
    const int rows = static_cast<int>(X.size() / static_cast<std::size_t>(model.d));
    std::vector<float> out(static_cast<std::size_t>(rows));
    DeepScratch scratch;
    detail::deepForward(shape, params.data(), X.data(), rows, out.data(), scratch);
    return model.scaler.unnormalize(out);
}

std::vector<float> predictDeep(const DeepModel& model, const DeepInputs& inputs, SplitKind split,
                               const std::vector<int>& idx, int draws, std::vector<float>* spread) {
    if (inputs.dim() != model.d)
        throw std::invalid_argument("predict: the model expects " + std::to_string(model.d) +
                                    " inputs, the features have " + std::to_string(inputs.dim()));
    const DeepShape shape(model.d, model.layers, model.activation);
    const std::vector<float> params = flatOf(model, shape);
    DeepScratch scratch;
    std::vector<float> mean;
    predictFlat(shape, params.data(), inputs, split, idx, draws, mean, spread, scratch);
    if (spread)
        for (float& s : *spread)
            s = static_cast<float>(s * model.scaler.std);
    return model.scaler.unnormalize(mean);
}

} // namespace qm7
