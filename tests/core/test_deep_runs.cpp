// Homework runs with another network (qm7/train/deep_runs.h): the deep-trainer settings they
// become, and trainNetworkRuns on the demo data reporting as trainMany does, with cancel.
#include "qm7/train/deep_runs.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>

namespace {

qm7::TrainConfig smallConfig(std::uint64_t seed) {
    qm7::TrainConfig c;
    c.epochs = 2;
    c.evalEvery = 1;
    c.batchSize = 100;
    c.lr = 1e-3;
    c.seed = seed;
    return c;
}

/// Records what a trainer reports.
struct Recorder : qm7::TrainObserver {
    std::vector<qm7::EpochStats> epochs;
    std::vector<int> finished;
    qm7::Progress last;
    qm7::TrainControl* cancelAfterFirst = nullptr;
    void onEpoch(const qm7::EpochStats& e) override {
        epochs.push_back(e);
        if (cancelAfterFirst)
            cancelAfterFirst->cancel = true;
    }
    void onProgress(const qm7::Progress& p) override { last = p; }
    void onRunFinished(int run, const qm7::RunResult&) override { finished.push_back(run); }
};

} // namespace

TEST(DeepRuns, NetworkChoiceAndTheSettingsItBecomes) {
    qm7::NetworkChoice n;
    EXPECT_TRUE(n.homework());
    EXPECT_EQ(n.validate(), "");
    n.layers = {400, 100};
    EXPECT_FALSE(n.homework());
    n.layers = {64};
    n.optimizer = qm7::Optimizer::Sgd;
    EXPECT_FALSE(n.homework());
    n.layers = {0};
    EXPECT_NE(n.validate().find("between 1 and 100000"), std::string::npos);
    n.layers.assign(9, 10);
    EXPECT_NE(n.validate().find("at most 8"), std::string::npos);
    EXPECT_THROW(qm7::deepConfigFor(smallConfig(0), n, 1500), std::invalid_argument);

    n.layers = {32, 16};
    qm7::TrainConfig c = smallConfig(3);
    c.epochs = 20;
    c.evalEvery = 2;
    const qm7::DeepConfig d = qm7::deepConfigFor(c, n, 1500);
    EXPECT_EQ(d.layers, (std::vector<int>{32, 16}));
    EXPECT_EQ(d.steps, 20 * 15); // 15 batches of 100 an epoch
    EXPECT_EQ(d.evalEvery, 2 * 15);
    EXPECT_TRUE(d.averageWeights); // SGD tests its running average
    EXPECT_EQ(d.seed, 3u);
    EXPECT_EQ(d.validate(), "");
    c.trainSize = 250; // 3 batches an epoch
    EXPECT_EQ(qm7::deepConfigFor(c, n, 1500).steps, 20 * 3);
    EXPECT_EQ(qm7::deepConfigFor(c, n, 1500, 7).steps, 7);
    EXPECT_EQ(qm7::deepConfigFor(c, n, 1500, 5).evalEvery, 5); // at most the steps
}

TEST(DeepRuns, TrainsConfigsOneAfterAnotherReportingLikeTrainMany) {
    const qm7::Dataset& data = qm7::test::demoDataset();
    qm7::NetworkChoice n;
    n.layers = {16, 8};
    n.activation = qm7::Activation::Tanh;
    Recorder rec;
    qm7::TrainOptions options;
    options.observer = &rec;
    options.threads = 1; // one after another: the reports come in run order
    std::vector<qm7::DeepResult> deep;
    const auto results = qm7::trainNetworkRuns(data, {smallConfig(0), smallConfig(1)}, n, options,
                                               [&](int run, const qm7::DeepResult& r) {
                                                   EXPECT_EQ(run, static_cast<int>(deep.size()));
                                                   deep.push_back(r);
                                               });
    ASSERT_EQ(results.size(), 2u);
    ASSERT_EQ(deep.size(), 2u);
    EXPECT_EQ(rec.finished, (std::vector<int>{0, 1}));
    ASSERT_EQ(rec.epochs.size(), 4u); // 2 runs x 2 evaluated epochs
    EXPECT_EQ(rec.epochs[0].run, 0);
    EXPECT_EQ(rec.epochs[0].epoch, 1);
    EXPECT_EQ(rec.epochs[3].run, 1);
    EXPECT_EQ(rec.epochs[3].epoch, 2);
    EXPECT_TRUE(rec.epochs[3].evaluated);
    EXPECT_GT(rec.epochs[3].trainRmse, 0.0);
    EXPECT_EQ(rec.last.stepsDone, rec.last.stepsTotal);
    EXPECT_EQ(rec.last.runsFinished, 2);
    for (std::size_t i = 0; i < 2; ++i) {
        const qm7::RunResult& r = results[i];
        EXPECT_FALSE(r.cancelled);
        EXPECT_EQ(r.epochsDone, 2);
        EXPECT_EQ(r.history.size(), 2u);
        EXPECT_EQ(r.testPred.size(), data.test.rows());
        EXPECT_TRUE(std::isfinite(r.test.mae));
        EXPECT_DOUBLE_EQ(r.test.mae, deep[i].test.mae);
        EXPECT_EQ(deep[i].config.layers, n.layers);
    }
    // The same run as trainDeep alone with the same settings.
    const qm7::DeepResult alone =
        qm7::trainDeep(qm7::DatasetInputs(data),
                       qm7::deepConfigFor(smallConfig(1), n, static_cast<int>(data.train.rows())));
    EXPECT_DOUBLE_EQ(alone.test.mae, results[1].test.mae);
}

TEST(DeepRuns, CancelStopsTheRunAndSkipsTheRest) {
    const qm7::Dataset& data = qm7::test::demoDataset();
    qm7::NetworkChoice n;
    n.layers = {8, 8};
    qm7::TrainControl control;
    Recorder rec;
    rec.cancelAfterFirst = &control;
    qm7::TrainOptions options;
    options.observer = &rec;
    options.control = &control;
    options.threads = 1; // the second run has not started when the first is cancelled
    qm7::TrainConfig c = smallConfig(0);
    c.epochs = 50;
    const auto results = qm7::trainNetworkRuns(data, {c, smallConfig(1)}, n, options);
    ASSERT_EQ(results.size(), 2u);
    EXPECT_TRUE(results[0].cancelled);
    EXPECT_LT(results[0].epochsDone, 50);
    EXPECT_TRUE(results[1].cancelled);
    EXPECT_EQ(rec.finished, (std::vector<int>{0}));
}

TEST(DeepRuns, RandomlySortedFeaturesAreRefusedWithAReason) {
    struct Draws : qm7::FeatureAugmentation {
        void draw(qm7::SplitKind, std::uint64_t, std::vector<float>&) const override {}
    } draws;
    qm7::TrainOptions options;
    options.augmentation = &draws;
    qm7::NetworkChoice n;
    n.layers = {8, 8};
    try {
        qm7::trainNetworkRuns(qm7::test::demoDataset(), {smallConfig(0)}, n, options);
        FAIL() << "trained on augmented features";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("randomly sorted"), std::string::npos) << e.what();
    }
}
