// The deep trainer: its kernels against LibTorch's autograd for every depth and activation, its
// updates, checkpoint and resume, model.pt in Python, the input expansion and predictions.
#include "train/deep_checkpoint.h"
#include "train/deep_kernels.h"

#include "qm7/analysis/deep_recipe.h"
#include "qm7/chem/expansion.h"
#include "qm7/train/deep_trainer.h"
#include "qm7/util/rng.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace qm7 {
namespace {

namespace fs = std::filesystem;
using detail::DeepScratch;
using detail::DeepShape;

std::vector<float> randomVector(std::size_t n, std::uint64_t seed, double scale = 1.0) {
    Rng rng(seed);
    std::vector<float> v(n);
    for (float& x : v)
        x = static_cast<float>(scale * rng.normal());
    return v;
}

torch::Tensor tensorOf(const float* p, std::vector<int64_t> shape) {
    int64_t n = 1;
    for (auto s : shape)
        n *= s;
    return torch::from_blob(const_cast<float*>(p), {n}, torch::kFloat32).clone().reshape(shape);
}

torch::Tensor activate(Activation a, const torch::Tensor& z) {
    switch (a) {
    case Activation::Relu:
        return torch::relu(z);
    case Activation::Tanh:
        return torch::tanh(z);
    case Activation::ScaledTanh:
        return 1.5 * torch::tanh(z / 1.5);
    }
    return z;
}

struct Case {
    std::vector<int> layers;
    Activation activation;
};

std::vector<Case> allCases() {
    std::vector<Case> cases;
    for (const auto& layers : std::vector<std::vector<int>>{{5}, {6, 4}, {7, 5, 3}})
        for (Activation a : {Activation::Relu, Activation::Tanh, Activation::ScaledTanh})
            cases.push_back({layers, a});
    return cases;
}

TEST(DeepKernels, GradientsMatchAutogradForEveryDepthAndActivation) {
    const int d = 9, rows = 11;
    const std::vector<float> X = randomVector(static_cast<std::size_t>(rows) * d, 1);
    const std::vector<float> y = randomVector(rows, 2);
    for (const Case& c : allCases()) {
        for (bool meanLoss : {true, false}) {
            SCOPED_TRACE("depth " + std::to_string(c.layers.size()) + " " +
                         activationName(c.activation) + (meanLoss ? " mse" : " half-sse"));
            const DeepShape shape(d, c.layers, c.activation);
            const std::vector<float> params = randomVector(shape.size(), 3, 0.5);
            std::vector<float> grad(shape.size(), NAN);
            DeepScratch scratch;
            const double loss = detail::deepGradient(shape, params.data(), X.data(), y.data(), rows,
                                                     meanLoss, grad.data(), scratch);
            // The same network in LibTorch, differentiated by autograd.
            std::vector<torch::Tensor> W, b;
            for (std::size_t l = 0; l < shape.layers(); ++l) {
                W.push_back(tensorOf(params.data() + shape.weightOffset(l),
                                     {shape.fanOut(l), shape.fanIn(l)})
                                .requires_grad_(true));
                b.push_back(tensorOf(params.data() + shape.biasOffset(l), {shape.fanOut(l)})
                                .requires_grad_(true));
            }
            torch::Tensor h = tensorOf(X.data(), {rows, d});
            for (std::size_t l = 0; l < shape.layers(); ++l) {
                h = torch::addmm(b[l], h, W[l].t());
                if (l + 1 < shape.layers())
                    h = activate(c.activation, h);
            }
            const torch::Tensor err = h.reshape({rows}) - tensorOf(y.data(), {rows});
            const torch::Tensor tl = meanLoss ? err.pow(2).mean() : 0.5 * err.pow(2).sum();
            tl.backward();
            EXPECT_NEAR(loss, err.pow(2).mean().item<double>(), 1e-5 * (1 + loss));
            for (std::size_t l = 0; l < shape.layers(); ++l) {
                const torch::Tensor gw = tensorOf(grad.data() + shape.weightOffset(l),
                                                  {shape.fanOut(l), shape.fanIn(l)});
                const torch::Tensor gb =
                    tensorOf(grad.data() + shape.biasOffset(l), {shape.fanOut(l)});
                EXPECT_TRUE(torch::allclose(gw, W[l].grad(), 1e-4, 1e-5)) << "layer " << l;
                EXPECT_TRUE(torch::allclose(gb, b[l].grad(), 1e-4, 1e-5)) << "layer " << l;
            }
            // The forward pass alone gives the same outputs.
            std::vector<float> out(rows);
            detail::deepForward(shape, params.data(), X.data(), rows, out.data(), scratch);
            EXPECT_TRUE(torch::allclose(tensorOf(out.data(), {rows}), h.reshape({rows}).detach(),
                                        1e-5, 1e-5));
        }
    }
}

TEST(DeepKernels, SgdStepAppliesPerLayerRatesAndTheRunningAverage) {
    const int d = 8, rows = 6;
    const DeepShape shape(d, {5, 3}, Activation::ScaledTanh);
    const std::vector<float> X = randomVector(static_cast<std::size_t>(rows) * d, 4);
    const std::vector<float> y = randomVector(rows, 5);
    std::vector<float> params = randomVector(shape.size(), 6, 0.5);
    std::vector<float> average = randomVector(shape.size(), 7, 0.5);
    const std::vector<float> before = params, averageBefore = average;
    std::vector<float> grad(shape.size());
    DeepScratch scratch;
    detail::deepGradient(shape, params.data(), X.data(), y.data(), rows, false, grad.data(),
                         scratch);
    detail::DeepUpdate u;
    u.optimizer = Optimizer::Sgd;
    u.rates = {0.1, 0.02, 0.3};
    u.average = average.data();
    u.averageFactor = 0.25;
    detail::deepTrainStep(shape, params.data(), u, X.data(), y.data(), rows, scratch);
    for (std::size_t l = 0; l < shape.layers(); ++l) {
        const std::size_t end = shape.biasOffset(l) + static_cast<std::size_t>(shape.fanOut(l));
        for (std::size_t i = shape.weightOffset(l); i < end; ++i) {
            const float w = before[i] - static_cast<float>(u.rates[l]) * grad[i];
            ASSERT_NEAR(params[i], w, 1e-6) << "layer " << l << " param " << i;
            ASSERT_NEAR(average[i], averageBefore[i] + 0.25f * (w - averageBefore[i]), 1e-6);
        }
    }
}

TEST(DeepKernels, AdamStepsMatchTorchOptimAdam) {
    const int d = 7, rows = 10;
    const DeepShape shape(d, {6, 4}, Activation::Tanh);
    const std::vector<float> X = randomVector(static_cast<std::size_t>(rows) * d, 8);
    const std::vector<float> y = randomVector(rows, 9);
    std::vector<float> params = randomVector(shape.size(), 10, 0.5);
    std::vector<torch::Tensor> tp;
    for (std::size_t l = 0; l < shape.layers(); ++l) {
        tp.push_back(
            tensorOf(params.data() + shape.weightOffset(l), {shape.fanOut(l), shape.fanIn(l)})
                .requires_grad_(true));
        tp.push_back(
            tensorOf(params.data() + shape.biasOffset(l), {shape.fanOut(l)}).requires_grad_(true));
    }
    torch::optim::Adam adam(tp, torch::optim::AdamOptions(0.01));
    std::vector<float> m(shape.size(), 0.0f), v(shape.size(), 0.0f);
    DeepScratch scratch;
    for (int step = 1; step <= 3; ++step) {
        detail::DeepUpdate u;
        u.optimizer = Optimizer::Adam;
        u.rates = {0.01, 0.01, 0.01};
        u.m = m.data();
        u.v = v.data();
        u.step = step;
        u.meanLoss = true;
        detail::deepTrainStep(shape, params.data(), u, X.data(), y.data(), rows, scratch);
        adam.zero_grad();
        torch::Tensor h = tensorOf(X.data(), {rows, d});
        for (std::size_t l = 0; l < shape.layers(); ++l) {
            h = torch::addmm(tp[2 * l + 1], h, tp[2 * l].t());
            if (l + 1 < shape.layers())
                h = torch::tanh(h);
        }
        (h.reshape({rows}) - tensorOf(y.data(), {rows})).pow(2).mean().backward();
        adam.step();
    }
    for (std::size_t l = 0; l < shape.layers(); ++l) {
        EXPECT_TRUE(torch::allclose(
            tensorOf(params.data() + shape.weightOffset(l), {shape.fanOut(l), shape.fanIn(l)}),
            tp[2 * l].detach(), 1e-4, 1e-5));
        EXPECT_TRUE(
            torch::allclose(tensorOf(params.data() + shape.biasOffset(l), {shape.fanOut(l)}),
                            tp[2 * l + 1].detach(), 1e-4, 1e-5));
    }
}

TEST(DeepKernels, CenteredLayersMatchAutogradAndTakeThePaperCodesStep) {
    const int d = 8, rows = 7;
    const DeepShape shape(d, {6, 4}, Activation::ScaledTanh, true);
    const std::vector<float> X = randomVector(static_cast<std::size_t>(rows) * d, 11);
    const std::vector<float> y = randomVector(rows, 12);
    std::vector<float> params = randomVector(shape.size(), 13, 0.5);
    std::vector<float> grad(shape.size(), NAN);
    DeepScratch scratch;
    detail::deepGradient(shape, params.data(), X.data(), y.data(), rows, false, grad.data(),
                         scratch);
    // LibTorch: layer l computes (x - A_l) W_l^T + b_l, A_l held constant.
    std::vector<torch::Tensor> W, b;
    torch::Tensor h = tensorOf(X.data(), {rows, d});
    for (std::size_t l = 0; l < shape.layers(); ++l) {
        W.push_back(
            tensorOf(params.data() + shape.weightOffset(l), {shape.fanOut(l), shape.fanIn(l)})
                .requires_grad_(true));
        b.push_back(
            tensorOf(params.data() + shape.biasOffset(l), {shape.fanOut(l)}).requires_grad_(true));
        const torch::Tensor A = tensorOf(params.data() + shape.centerOffset(l), {shape.fanIn(l)});
        // The centering step of A: -(x - A) summed over the batch.
        const torch::Tensor step = -(h.detach() - A).sum(0);
        EXPECT_TRUE(torch::allclose(tensorOf(grad.data() + shape.centerOffset(l), {shape.fanIn(l)}),
                                    step, 1e-4, 1e-4));
        h = torch::addmm(b[l], h - A, W[l].t());
        if (l + 1 < shape.layers())
            h = 1.5 * torch::tanh(h / 1.5);
    }
    (0.5 * (h.reshape({rows}) - tensorOf(y.data(), {rows})).pow(2).sum()).backward();
    for (std::size_t l = 0; l < shape.layers(); ++l) {
        EXPECT_TRUE(torch::allclose(
            tensorOf(grad.data() + shape.weightOffset(l), {shape.fanOut(l), shape.fanIn(l)}),
            W[l].grad(), 1e-4, 1e-5));
        EXPECT_TRUE(torch::allclose(tensorOf(grad.data() + shape.biasOffset(l), {shape.fanOut(l)}),
                                    b[l].grad(), 1e-4, 1e-5));
    }
    // One SGD step: W -= r gW, A -= c DA, b -= r gb + c W DA (W before the step).
    detail::DeepUpdate u;
    u.optimizer = Optimizer::Sgd;
    u.rates = {0.05, 0.2, 0.1};
    u.centerRates = {0.01, 0.03, 0.02};
    const std::vector<float> before = params;
    detail::deepTrainStep(shape, params.data(), u, X.data(), y.data(), rows, scratch);
    for (std::size_t l = 0; l < shape.layers(); ++l) {
        const int in = shape.fanIn(l), out = shape.fanOut(l);
        const float r = static_cast<float>(u.rates[l]), c = static_cast<float>(u.centerRates[l]);
        for (int j = 0; j < out; ++j) {
            double wda = 0;
            for (int k = 0; k < in; ++k) {
                const std::size_t w = shape.weightOffset(l) + static_cast<std::size_t>(j) * in + k;
                ASSERT_NEAR(params[w], before[w] - r * grad[w], 1e-5);
                wda += before[w] * grad[shape.centerOffset(l) + static_cast<std::size_t>(k)];
            }
            const std::size_t bj = shape.biasOffset(l) + static_cast<std::size_t>(j);
            ASSERT_NEAR(params[bj], before[bj] - r * grad[bj] - c * wda, 1e-4) << "layer " << l;
        }
        for (int k = 0; k < in; ++k) {
            const std::size_t a = shape.centerOffset(l) + static_cast<std::size_t>(k);
            ASSERT_NEAR(params[a], before[a] - c * grad[a], 1e-5);
        }
    }
}

/// A small regression problem: y = 100 sum(sin x) + 1000.
Dataset syntheticData(int d, int train, int val, int test) {
    Dataset data;
    data.d = d;
    Rng rng(42);
    for (auto [split, n] : {std::pair{&data.train, train}, {&data.val, val}, {&data.test, test}}) {
        for (int i = 0; i < n; ++i) {
            double s = 0;
            for (int j = 0; j < d; ++j) {
                const double x = rng.normal();
                split->X.push_back(static_cast<float>(x));
                s += std::sin(x);
            }
            split->y.push_back(static_cast<float>(100 * s + 1000));
        }
    }
    return data;
}

class CancelAt : public DeepObserver {
  public:
    CancelAt(TrainControl& control, long long step) : m_control(control), m_step(step) {}
    void onProgress(long long step, long long, double) override {
        if (step >= m_step)
            m_control.cancel = true;
    }

  private:
    TrainControl& m_control;
    long long m_step;
};

TEST(DeepTrainer, LearnsAndResumesFromACheckpointBitForBit) {
    const Dataset data = syntheticData(6, 200, 50, 50);
    const DatasetInputs inputs(data);
    DeepConfig c;
    c.layers = {16, 8};
    c.activation = Activation::Tanh;
    c.optimizer = Optimizer::Sgd;
    c.steps = 600;
    c.batchSize = 10;
    c.lr = 0.02;
    c.evalEvery = 100;
    const DeepResult straight = trainDeep(inputs, c);
    EXPECT_FALSE(straight.cancelled);
    EXPECT_EQ(straight.stepsDone, 600);
    ASSERT_EQ(straight.history.size(), 6u);
    double labelStd = 0;
    {
        const LabelScaler s = LabelScaler::fit(data.test.y);
        labelStd = s.std;
    }
    EXPECT_LT(straight.test.rmse, 0.5 * labelStd) << "the network did not learn";

    const std::string dir = test::freshDir("deep_resume");
    TrainControl control;
    CancelAt cancel(control, 300);
    DeepOptions options;
    options.checkpoint = dir + "/checkpoint.bin";
    options.control = &control;
    options.observer = &cancel;
    const DeepResult first = trainDeep(inputs, c, options);
    EXPECT_TRUE(first.cancelled);
    EXPECT_EQ(first.stepsDone, 300);
    ASSERT_TRUE(fs::exists(options.checkpoint));
    DeepOptions again;
    again.checkpoint = options.checkpoint;
    const DeepResult resumed = trainDeep(inputs, c, again);
    EXPECT_TRUE(resumed.resumed);
    EXPECT_FALSE(resumed.cancelled);
    EXPECT_EQ(resumed.stepsDone, 600);
    ASSERT_EQ(resumed.model.weights.size(), straight.model.weights.size());
    for (std::size_t l = 0; l < straight.model.weights.size(); ++l) {
        EXPECT_EQ(resumed.model.weights[l], straight.model.weights[l]) << "layer " << l;
        EXPECT_EQ(resumed.model.biases[l], straight.model.biases[l]) << "layer " << l;
    }
    EXPECT_EQ(resumed.testPred, straight.testPred);
    EXPECT_EQ(resumed.history.size(), straight.history.size());

    // Another config does not resume from this checkpoint.
    DeepConfig other = c;
    other.seed = 1;
    EXPECT_FALSE(trainDeep(inputs, other, again).resumed);
}

TEST(DeepTrainer, SelectFinalTestsTheLastAveragedWeightsEvenWhenValidationPeakedEarly) {
    Dataset data = syntheticData(6, 200, 50, 50);
    for (float& y : data.val.y) // validation labels flipped: its MSE grows as the network learns
        y = 2000 - y;
    const DatasetInputs inputs(data);
    DeepConfig c;
    c.layers = {12, 6};
    c.activation = Activation::Tanh;
    c.steps = 600;
    c.batchSize = 10;
    c.lr = 0.02;
    c.evalEvery = 600; // one evaluation, at the end: the best weights are the final ones
    const DeepResult once = trainDeep(inputs, c);
    c.evalEvery = 100;
    const DeepResult best = trainDeep(inputs, c); // default selection: lowest validation MSE
    EXPECT_EQ(best.select, DeepSelect::BestValMse);
    EXPECT_LT(best.bestStep, 600) << "the flipped validation labels should peak early";
    EXPECT_EQ(best.selectedStep, best.bestStep);
    EXPECT_NE(best.testPred, once.testPred);

    const std::string dir = test::freshDir("deep_select");
    DeepOptions options;
    options.select = DeepSelect::Final;
    const DeepResult final = trainDeep(inputs, c, options);
    EXPECT_EQ(final.select, DeepSelect::Final);
    EXPECT_EQ(final.selectedStep, 600);
    EXPECT_EQ(final.bestStep, best.bestStep);
    EXPECT_EQ(final.testPred, once.testPred);
    ASSERT_EQ(final.model.weights.size(), once.model.weights.size());
    for (std::size_t l = 0; l < once.model.weights.size(); ++l)
        EXPECT_EQ(final.model.weights[l], once.model.weights[l]) << "layer " << l;

    // A finished checkpoint (trained with the other selection) resumed with Final: no step is
    // taken, the final averaged weights are tested.
    DeepOptions withCheckpoint;
    withCheckpoint.checkpoint = dir + "/checkpoint.bin";
    const DeepResult first = trainDeep(inputs, c, withCheckpoint);
    EXPECT_EQ(first.testPred, best.testPred);
    withCheckpoint.select = DeepSelect::Final;
    const DeepResult again = trainDeep(inputs, c, withCheckpoint);
    EXPECT_TRUE(again.resumed);
    EXPECT_EQ(again.stepsDone, 600);
    EXPECT_EQ(again.history.size(), best.history.size());
    EXPECT_EQ(again.testPred, once.testPred);
    EXPECT_EQ(parseSelect("final"), DeepSelect::Final);
    EXPECT_EQ(selectName(parseSelect("best-val-mse")), "best-val-mse");
    EXPECT_THROW(parseSelect("best"), std::invalid_argument);
}

TEST(DeepTrainer, CenteredRunExportsPlainBiasesThatPredictTheSame) {
    const Dataset data = syntheticData(6, 200, 50, 50);
    const DatasetInputs inputs(data);
    DeepConfig c;
    c.layers = {12, 6};
    c.steps = 400;
    c.batchSize = 10;
    c.lr = 0.02;
    c.evalEvery = 200;
    c.centerInputs = true;
    const DeepResult r = trainDeep(inputs, c);
    ASSERT_EQ(r.testPred.size(), data.test.y.size());
    const std::vector<float> plain = predictDeep(r.model, data.test.X);
    for (std::size_t i = 0; i < plain.size(); ++i)
        EXPECT_NEAR(plain[i], r.testPred[i], 1e-3 * (1 + std::abs(r.testPred[i])));
    const LabelScaler s = LabelScaler::fit(data.test.y);
    EXPECT_LT(r.test.rmse, 0.5 * s.std) << "the centered network did not learn";
    DeepConfig adam = c;
    adam.optimizer = Optimizer::Adam;
    EXPECT_FALSE(adam.validate().empty());
}

TEST(DeepTrainer, ModelPtLoadsInPythonWithTheDocumentedKeys) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const Dataset data = syntheticData(5, 100, 20, 30);
    const DatasetInputs inputs(data);
    for (Activation a : {Activation::Relu, Activation::ScaledTanh}) {
        DeepConfig c;
        c.layers = {12, 7, 4};
        c.activation = a;
        c.optimizer = Optimizer::Adam;
        c.steps = 50;
        c.batchSize = 10;
        c.evalEvery = 50;
        const DeepResult r = trainDeep(inputs, c);
        const std::string dir = test::freshDir("deep_model_pt");
        saveDeepModel(r.model, dir + "/model.pt");
        const DeepModel back = loadDeepModel(dir + "/model.pt");
        EXPECT_EQ(back.layers, r.model.layers);
        EXPECT_EQ(back.weights, r.model.weights);
        EXPECT_EQ(back.activation, a);
        std::ofstream(dir + "/x.f32", std::ios::binary)
            .write(reinterpret_cast<const char*>(data.test.X.data()),
                   static_cast<std::streamsize>(data.test.X.size() * sizeof(float)));
        std::string out;
        ASSERT_EQ(test::runPython("check_deep_model.py", {dir + "/model.pt", dir + "/x.f32"}, &out),
                  0)
            << out;
        const std::vector<float> ours = predictDeep(r.model, data.test.X);
        std::istringstream lines(out);
        for (float p : ours) {
            double theirs = NAN;
            lines >> theirs;
            EXPECT_NEAR(theirs, p, 1e-3 * (1 + std::abs(p)));
        }
    }
}

TEST(DeepTrainer, RejectsBadConfigsAndOptions) {
    EXPECT_EQ(parseLayers("400,100"), (std::vector<int>{400, 100}));
    EXPECT_THROW(parseLayers("400,,100"), std::invalid_argument);
    EXPECT_THROW(parseLayers("400,x"), std::invalid_argument);
    EXPECT_THROW(parseLayers("0"), std::invalid_argument);
    EXPECT_THROW(parseActivation("sigmoid"), std::invalid_argument);
    EXPECT_THROW(parseOptimizer("rmsprop"), std::invalid_argument);
    EXPECT_EQ(parseActivation("stanh"), Activation::ScaledTanh);
    DeepConfig c;
    c.batchSize = 0;
    EXPECT_FALSE(c.validate().empty());
    const Dataset data = syntheticData(3, 10, 2, 2);
    EXPECT_THROW(trainDeep(DatasetInputs(data), c), std::invalid_argument);
}

Molecule molecule(std::vector<int> Z, std::vector<double> R, double energy = -500) {
    Molecule m;
    m.Z = std::move(Z);
    m.R = std::move(R);
    m.energy = energy;
    return m;
}

std::vector<Molecule> smallMolecules() {
    std::vector<Molecule> ms;
    for (int i = 0; i < 12; ++i) {
        const double s = 1.0 + 0.05 * i;
        ms.push_back(molecule({6, 1, 1, 1, 8},
                              {0, 0, 0, 2 * s, 0, 0, 0, 2 * s, 0, 0, 0, 2 * s, -2.5 * s, 0, 0},
                              -400 - 10 * i));
    }
    return ms;
}

TEST(Expansion, ExpandsEveryEntryOnItsGridAndStandardizes) {
    ExpansionSettings settings;
    settings.atoms = 6;
    const CoulombExpansion e = CoulombExpansion::fit(smallMolecules(), settings);
    int total = 0;
    for (int c : e.counts())
        total += c;
    EXPECT_EQ(e.dim(), total);
    // The diagonal entry of oxygen, 0.5 * 8^2.4 = 73.5: about 74 grid points.
    EXPECT_GE(*std::max_element(e.counts().begin(), e.counts().end()), 74);
    EXPECT_EQ(e.elements(), (std::vector<int>{1, 6, 8}));
    // Standardized over the training draws: a feature's mean over fresh draws is near 0.
    const PreparedCoulomb p = PreparedCoulomb::of(smallMolecules()[3], 6);
    std::vector<float> x(static_cast<std::size_t>(e.dim()));
    Rng rng(5);
    e.draw(p, rng, x.data());
    for (float v : x)
        EXPECT_TRUE(std::isfinite(v));
    // JSON round trip: the same features.
    const CoulombExpansion back = CoulombExpansion::fromJson(e.toJson());
    std::vector<float> y(x.size());
    Rng rng2(5);
    back.draw(p, rng2, y.data());
    EXPECT_EQ(x, y);
    EXPECT_THROW(CoulombExpansion::fromJson("{\"atoms\": 3}"), std::runtime_error);
    // Without the standardization, entry e's features are tanh((x - k) / theta), k = 0, 1, ...
    nlohmann::json j = nlohmann::json::parse(e.toJson());
    j["mean"] = std::vector<float>(static_cast<std::size_t>(e.dim()), 0.0f);
    j["std"] = 1.0;
    const CoulombExpansion plain = CoulombExpansion::fromJson(j.dump());
    std::vector<double> tri(21, 0.0);
    tri[0] = 36.858;
    tri[1] = 3.3;
    std::vector<float> f(static_cast<std::size_t>(plain.dim()));
    plain.expand(tri.data(), f.data());
    const int c0 = plain.counts()[0], c1 = plain.counts()[1];
    for (int k = 0; k < c0; ++k)
        EXPECT_NEAR(f[static_cast<std::size_t>(k)], std::tanh(36.858 - k), 1e-6) << k;
    for (int k = 0; k < c1; ++k)
        EXPECT_NEAR(f[static_cast<std::size_t>(c0 + k)], std::tanh(3.3 - k), 1e-6) << k;
    // Padding entries (always 0) become constant features: 0 after standardization.
    std::vector<float> z(static_cast<std::size_t>(e.dim()));
    e.expand(tri.data(), z.data());
    EXPECT_NEAR(z.back(), 0.0f, 1e-6);
}

TEST(Expansion, TellsWhyAMoleculeCannotBePredicted) {
    ExpansionSettings settings;
    settings.atoms = 6;
    const CoulombExpansion e = CoulombExpansion::fit(smallMolecules(), settings);
    EXPECT_EQ(e.check(smallMolecules()[0]), "");
    EXPECT_NE(e.check(molecule({6, 9}, {0, 0, 0, 2.5, 0, 0})).find("element F"), std::string::npos);
    EXPECT_NE(
        e.check(molecule(std::vector<int>(7, 1), std::vector<double>(21, 0.0))).find("at most 6"),
        std::string::npos);
    EXPECT_NE(e.check(molecule({6, 1}, {0, 0, 0, 0, 0, 0})).find("same place"), std::string::npos);
}

TEST(DeepRecipe, TrainsSavesLoadsAndPredictsNewMolecules) {
    const std::vector<Molecule> ms = smallMolecules();
    MoleculeSplits splits;
    splits.train.assign(ms.begin(), ms.begin() + 8);
    splits.val.assign(ms.begin() + 8, ms.begin() + 10);
    splits.test.assign(ms.begin() + 10, ms.end());
    DeepConfig c;
    c.layers = {10, 5};
    c.steps = 200;
    c.batchSize = 4;
    c.evalEvery = 100;
    c.evalDraws = 3;
    ExpansionSettings settings;
    settings.atoms = 6;
    const DeepRun run = trainPaperRecipe(splits, c, {}, settings);
    EXPECT_EQ(run.result.testPred.size(), 2u);
    const std::string dir = test::freshDir("deep_recipe");
    saveDeepRun(run, dir, "synthetic");
    EXPECT_TRUE(isDeepRun(dir));
    const DeepRun back = loadDeepRun(dir);
    EXPECT_EQ(back.expansion.dim(), run.expansion.dim());
    const std::vector<MoleculePrediction> p = predictMolecules(
        back, {splits.test[0], molecule({6, 17}, {0, 0, 0, 3, 0, 0}), splits.test[1]}, 3);
    ASSERT_EQ(p.size(), 3u);
    EXPECT_EQ(p[0].error, "");
    EXPECT_NEAR(p[0].energy, run.result.testPred[0], 1e-3);
    EXPECT_GE(p[0].spread, 0.0);
    EXPECT_NE(p[1].error.find("Cl"), std::string::npos);
    EXPECT_TRUE(std::isnan(p[1].energy));
    EXPECT_NEAR(p[2].energy, run.result.testPred[1], 1e-3);
}

} // namespace
} // namespace qm7
