// The model, its kernels against autograd and torch::optim::Adam, and the trainer.
#include "train/mlp_kernels.h"
#include "qm7/train/model.h"
#include "qm7/train/model_init.h"
#include "qm7/train/run_store.h"
#include "qm7/train/trainer.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>

using namespace qm7;
namespace fs = std::filesystem;

namespace {

/// The first rows of each split of the demo data set, for quick real trainings.
Dataset smallRealData(std::size_t train = 300, std::size_t val = 100, std::size_t test = 100) {
    Dataset data = test::demoDataset();
    auto cut = [&](Split& s, std::size_t n) {
        s.X.resize(n * static_cast<std::size_t>(data.d));
        s.y.resize(n);
    };
    cut(data.train, train);
    cut(data.val, val);
    cut(data.test, test);
    return data;
}

std::vector<float> flat(const torch::Tensor& t) {
    const torch::Tensor c = t.detach().contiguous();
    return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

} // namespace

TEST(Model, InitializationFillsPyTorchBounds) {
    const int d = 276, p = 1000;
    const ModelWeights w = initialWeights(d, p, 3);
    const float b1 = 1.0f / std::sqrt(static_cast<float>(d));
    const float b2 = 1.0f / std::sqrt(static_cast<float>(p));
    auto check = [](const std::vector<float>& v, float bound) {
        const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
        EXPECT_GE(*lo, -bound);
        EXPECT_LE(*hi, bound);
        // Uniform values fill the interval: the extremes come close to both bounds.
        EXPECT_LT(*lo, -0.95f * bound);
        EXPECT_GT(*hi, 0.95f * bound);
        double mean = 0;
        for (float x : v)
            mean += x;
        EXPECT_NEAR(mean / v.size(), 0.0, 0.1 * bound);
    };
    check(w.w1, b1);
    check(w.b1, b1);
    check(w.w2, b2);
    EXPECT_LE(std::abs(w.b2), b2);
    // The same seed gives the same model; another seed another.
    EXPECT_EQ(initialWeights(d, p, 3).w1, w.w1);
    EXPECT_NE(initialWeights(d, p, 4).w1, w.w1);
}

TEST(Model, InitializationMatchesPythonForTheSameSeed) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    std::string out;
    ASSERT_EQ(test::runPython("init_weights.py", {"5", "276", "1000"}, &out), 0) << out;
    const ModelWeights w = initialWeights(276, 1000, 5);
    std::istringstream lines(out);
    const std::vector<const std::vector<float>*> params = {&w.w1, &w.b1, &w.w2};
    for (const auto* param : params) {
        std::string line;
        std::getline(lines, line);
        std::istringstream values(line);
        for (int i = 0; i < 5; ++i) {
            double v = 0;
            values >> v;
            EXPECT_FLOAT_EQ(static_cast<float>(v), (*param)[static_cast<std::size_t>(i)]);
        }
    }
}

TEST(Kernels, GradientMatchesAutograd) {
    const int d = 21, p = 37, rows = 13;
    Mlp model = makeMlp(d, p, 11);
    torch::manual_seed(1);
    const torch::Tensor X = torch::rand({rows, d});
    const torch::Tensor y = torch::randn({rows});
    const torch::Tensor loss = torch::mse_loss(model->forward(X), y);
    loss.backward();

    const qm7::detail::MlpShape shape{d, p};
    const std::vector<float> params = qm7::detail::packParameters(weightsOf(model));
    std::vector<float> grad(shape.size());
    qm7::detail::MlpScratch scratch;
    const std::vector<float> xs = flat(X), ys = flat(y);
    const double ours = qm7::detail::mlpGradient(shape, params.data(), xs.data(), ys.data(), rows,
                                                 grad.data(), scratch);
    EXPECT_NEAR(ours, loss.item<double>(), 1e-5);
    std::vector<float> expected = flat(model->fc1->weight.grad());
    const auto append = [&](const torch::Tensor& t) {
        const auto v = flat(t);
        expected.insert(expected.end(), v.begin(), v.end());
    };
    append(model->fc1->bias.grad());
    append(model->fc2->weight.grad());
    append(model->fc2->bias.grad());
    ASSERT_EQ(expected.size(), grad.size());
    EXPECT_LT(qm7::test::maxAbsDiff(grad, expected), 1e-5);
}

TEST(Kernels, TrainStepsMatchTorchAdam) {
    const int d = 15, p = 70, rows = 10; // p > one tile of W1 rows, to cross tile edges
    Mlp model = makeMlp(d, p, 2);
    const qm7::detail::MlpShape shape{d, p};
    std::vector<float> params = qm7::detail::packParameters(weightsOf(model));
    std::vector<float> m(shape.size()), v(shape.size());
    qm7::detail::MlpScratch scratch;
    torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(3e-3));
    torch::manual_seed(9);
    for (int step = 1; step <= 20; ++step) {
        const torch::Tensor X = torch::rand({rows, d});
        const torch::Tensor y = torch::randn({rows});
        adam.zero_grad();
        const torch::Tensor loss = torch::mse_loss(model->forward(X), y);
        loss.backward();
        adam.step();
        qm7::detail::AdamStep settings;
        settings.lr = 3e-3;
        settings.step = step;
        const auto xs = flat(X), ys = flat(y);
        const double ours =
            qm7::detail::mlpTrainStep(shape, params.data(), m.data(), v.data(), settings, xs.data(),
                                      ys.data(), rows, scratch);
        EXPECT_NEAR(ours, loss.item<double>(), 1e-4 * (1 + loss.item<double>()));
    }
    EXPECT_LT(qm7::test::maxAbsDiff(params, qm7::detail::packParameters(weightsOf(model))), 2e-5);
}

TEST(Kernels, StepIsTheSameOnAnyNumberOfThreads) {
    const int d = 30, p = 700, rows = 20; // three blocks of hidden units
    const qm7::detail::MlpShape shape{d, p};
    const ModelWeights w = initialWeights(d, p, 4);
    std::vector<float> one = qm7::detail::packParameters(w), two = qm7::detail::packParameters(w),
                       three = qm7::detail::packParameters(w);
    std::vector<float> m1(shape.size()), v1(shape.size()), m2(shape.size()), v2(shape.size()),
        m3(shape.size()), v3(shape.size());
    qm7::detail::MlpScratch s1, s2, s3;
    torch::manual_seed(3);
    for (int step = 1; step <= 5; ++step) {
        const auto X = flat(torch::rand({rows, d}));
        const auto y = flat(torch::randn({rows}));
        qm7::detail::AdamStep adam;
        adam.step = step;
        const double a = qm7::detail::mlpTrainStep(shape, one.data(), m1.data(), v1.data(), adam,
                                                   X.data(), y.data(), rows, s1, 1);
        const double b = qm7::detail::mlpTrainStep(shape, two.data(), m2.data(), v2.data(), adam,
                                                   X.data(), y.data(), rows, s2, 2);
        const double c = qm7::detail::mlpTrainStep(shape, three.data(), m3.data(), v3.data(), adam,
                                                   X.data(), y.data(), rows, s3, 3);
        EXPECT_EQ(a, b);
        EXPECT_EQ(a, c);
    }
    EXPECT_EQ(one, two); // bit for bit
    EXPECT_EQ(one, three);
}

TEST(Kernels, ProfiledStepIsTheSameAndTimesEveryPhase) {
    const int d = 30, p = 700, rows = 20; // three blocks of hidden units
    const qm7::detail::MlpShape shape{d, p};
    const ModelWeights w = initialWeights(d, p, 5);
    for (int threads : {1, 2}) {
        std::vector<float> plain = qm7::detail::packParameters(w),
                           timed = qm7::detail::packParameters(w);
        std::vector<float> m1(shape.size()), v1(shape.size()), m2(shape.size()), v2(shape.size());
        qm7::detail::MlpScratch s1, s2;
        qm7::detail::StepProfile profile;
        torch::manual_seed(4);
        for (int step = 1; step <= 5; ++step) {
            const auto X = flat(torch::rand({rows, d}));
            const auto y = flat(torch::randn({rows}));
            qm7::detail::AdamStep adam;
            adam.step = step;
            const double a = qm7::detail::mlpTrainStep(shape, plain.data(), m1.data(), v1.data(),
                                                       adam, X.data(), y.data(), rows, s1, threads);
            const double b =
                qm7::detail::mlpTrainStep(shape, timed.data(), m2.data(), v2.data(), adam, X.data(),
                                          y.data(), rows, s2, threads, &profile);
            EXPECT_EQ(a, b);
        }
        EXPECT_EQ(plain, timed) << threads << " threads"; // bit for bit
        EXPECT_EQ(m1, m2);
        EXPECT_EQ(v1, v2);
        EXPECT_EQ(profile.steps, 5);
        EXPECT_EQ(profile.gather, 0.0); // the caller's
        for (double phase : {profile.forward, profile.reluLayer2, profile.loss, profile.backward,
                             profile.dW1, profile.adam})
            EXPECT_GT(phase, 0.0) << threads << " threads";
        EXPECT_GE(profile.wall, profile.phases());
    }
}

TEST(Trainer, TrainingRowsAreNestedAndSeeded) {
    const auto a = trainingRows(1500, 100, 7);
    const auto b = trainingRows(1500, 200, 7);
    ASSERT_EQ(a.size(), 100u);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin()));
    EXPECT_NE(trainingRows(1500, 100, 8), a);
    EXPECT_EQ(trainingRows(50, 0, 1).size(), 50u);
}

TEST(Trainer, RejectsAbsurdSettings) {
    TrainConfig c;
    c.lr = -1;
    EXPECT_NE(c.validate().find("learning rate"), std::string::npos);
    c = {};
    c.epochs = 0;
    EXPECT_NE(c.validate().find("epochs"), std::string::npos);
    c = {};
    c.hidden = 0;
    EXPECT_FALSE(c.validate().empty());
    c = {};
    c.lr = std::nan("");
    EXPECT_FALSE(c.validate().empty());
    EXPECT_TRUE(TrainConfig{}.validate().empty());
    const Dataset data = smallRealData();
    TrainConfig tooBig;
    tooBig.trainSize = 100000;
    EXPECT_THROW(train(data, tooBig), std::invalid_argument);
}

TEST(Trainer, LearnsAndIsDeterministic) {
    const Dataset data = smallRealData();
    TrainConfig c;
    c.hidden = 64;
    c.epochs = 40;
    c.evalEvery = 5;
    c.seed = 1;
    c.lr = 1e-2;
    const RunResult a = train(data, c);
    const RunResult b = train(data, c);
    ASSERT_EQ(a.history.size(), 8u);
    for (std::size_t i = 0; i < a.history.size(); ++i) {
        EXPECT_EQ(a.history[i].trainLoss, b.history[i].trainLoss); // bit for bit
        EXPECT_EQ(a.history[i].valLoss, b.history[i].valLoss);
    }
    EXPECT_EQ(a.weights.w1, b.weights.w1);
    // It learns: the training loss falls well below the variance of the labels (1.0).
    EXPECT_LT(a.history.back().trainLoss, 0.5 * a.history.front().trainLoss);
    EXPECT_LT(a.history.back().trainLoss, 0.3);
    // The kept weights are those of the best validation loss.
    double best = INFINITY;
    int bestEpoch = 0;
    for (const auto& e : a.history)
        if (e.valLoss < best) {
            best = e.valLoss;
            bestEpoch = e.epoch;
        }
    EXPECT_EQ(a.bestEpoch, bestEpoch);
    EXPECT_EQ(a.test.n, 100u);
    EXPECT_EQ(a.testPred.size(), 100u);
    // The test metrics are those of the returned weights.
    const std::vector<float> testX(data.test.X.begin(), data.test.X.end());
    const std::vector<float> again = predict(a.weights, a.scaler, testX);
    EXPECT_LT(qm7::test::maxAbsDiff(again, a.testPred), 1e-3);
    c.seed = 2;
    EXPECT_NE(train(data, c).history.back().trainLoss, a.history.back().trainLoss);
}

// One call trains many models; each equals the same run trained alone.
TEST(Trainer, ManyAtOnceEqualsOneByOne) {
    const Dataset data = smallRealData();
    std::vector<TrainConfig> configs;
    for (int k = 0; k < 4; ++k) {
        TrainConfig c;
        c.hidden = 48;
        c.epochs = 12 + 3 * k; // different lengths too
        c.evalEvery = 3;
        c.seed = static_cast<std::uint64_t>(k);
        c.lr = k % 2 ? 1e-3 : 3e-3;
        c.trainSize = k == 3 ? 150 : 0; // and a different training size
        configs.push_back(c);
    }
    TrainOptions parallel;
    parallel.threads = 2;
    const auto together = trainMany(data, configs, parallel);
    parallel.schedule = TrainOptions::Schedule::Queue;
    const auto queued = trainMany(data, configs, parallel);
    ASSERT_EQ(together.size(), configs.size());
    ASSERT_EQ(queued.size(), configs.size());
    for (std::size_t k = 0; k < configs.size(); ++k) {
        const RunResult alone = train(data, configs[k]);
        EXPECT_EQ(queued[k].weights.w1, together[k].weights.w1); // the schedule changes nothing
        EXPECT_EQ(queued[k].history.size(), alone.history.size());
        ASSERT_EQ(together[k].history.size(), alone.history.size());
        for (std::size_t i = 0; i < alone.history.size(); ++i)
            EXPECT_NEAR(together[k].history[i].valLoss, alone.history[i].valLoss,
                        1e-6 * (1 + alone.history[i].valLoss));
        // Alone, a run's step is split over threads; together, each run has one thread.
        EXPECT_EQ(together[k].weights.w1, alone.weights.w1);
        EXPECT_EQ(together[k].trainRows, configs[k].trainSize ? 150 : 300);
        EXPECT_EQ(together[k].epochsDone, configs[k].epochs);
    }
}

namespace {
class CancelAt : public TrainObserver {
  public:
    CancelAt(TrainControl& control, int epoch) : m_control(control), m_epoch(epoch) {}
    void onEpoch(const EpochStats& s) override {
        ++epochsSeen;
        if (s.epoch == m_epoch)
            m_control.cancel = true;
    }
    int epochsSeen = 0;

  private:
    TrainControl& m_control;
    int m_epoch;
};
} // namespace

TEST(Trainer, CancelStopsPromptlyAndKeepsResults) {
    const Dataset data = smallRealData();
    TrainConfig c;
    c.hidden = 64;
    c.epochs = 100000;
    c.evalEvery = 1;
    TrainControl control;
    CancelAt observer(control, 3);
    TrainOptions options;
    options.observer = &observer;
    options.control = &control;
    const auto start = std::chrono::steady_clock::now();
    const RunResult r = train(data, c, options);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(r.cancelled);
    EXPECT_EQ(r.epochsDone, 3);
    EXPECT_EQ(r.history.size(), 3u);
    EXPECT_EQ(r.testPred.size(), 100u); // the best weights so far are still evaluated
    EXPECT_LT(seconds, 30.0);
}

TEST(RunStore, RoundTripAndPythonLoadsTheModel) {
    const Dataset data = smallRealData(200, 100, 1000);
    TrainConfig c;
    c.hidden = 32;
    c.epochs = 6;
    c.evalEvery = 2;
    const RunResult r = train(data, c);
    const std::string dir = test::freshDir("run_store");
    saveRun(r, dir, "dataset.pt");
    EXPECT_TRUE(hasFinishedRun(dir));
    for (const char* f :
         {"config.json", "history.csv", "predictions.csv", "summary.json", "model.pt"})
        EXPECT_TRUE(fs::exists(fs::path(dir) / f)) << f;
    const RunResult back = loadRun(dir);
    EXPECT_EQ(back.config.hidden, 32);
    EXPECT_EQ(back.history.size(), r.history.size());
    EXPECT_NEAR(back.test.rmse, r.test.rmse, 1e-9);
    EXPECT_EQ(back.weights.w1, r.weights.w1);
    EXPECT_EQ(back.testPred.size(), r.testPred.size());
    if (!test::pythonTorchAvailable())
        GTEST_SKIP() << "python3-torch absent: model.pt not checked in Python";
    std::string out;
    ASSERT_EQ(test::runPython("check_run.py", {dir, test::demoDatasetPt()}, &out), 0) << out;
    EXPECT_LT(std::stod(out), 0.01) << out; // kcal/mol
}
