// Explorations over the network itself (activation, hidden layers): trials of another network
// than the homework's train through the deep trainer, are saved as deep runs, equal training
// each alone, are reused by a rerun and resume after a cancel; weight decay in the deep trainer.
#include "qm7/analysis/deep_recipe.h"
#include "qm7/analysis/exploration_run.h"
#include "qm7/analysis/network_resumable.h"
#include "qm7/train/deep_runs.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;
using namespace qm7;

namespace {

ExplorationPlan networkPlan(const std::string& grid) {
    ExplorationPlan plan;
    plan.settings = gridSettings(parseGrid(grid));
    plan.base.hidden = 16;
    plan.base.epochs = 3;
    plan.base.evalEvery = 1;
    plan.seeds = 2;
    return plan;
}

/// Counts the runs reused from disk and the trials finished, and the epochs the progress
/// counted while a batch trained.
struct Watcher : ExplorationObserver {
    int reused = 0, finished = 0;
    long long epochsSeen = 0, epochsTotal = 0;
    bool inBatch = false;
    void onBatchStarted(int) override { inBatch = true; }
    void onBatchFinished(int r, int) override {
        reused += r;
        inBatch = false;
    }
    void onTrialFinished(const ExplorationTrial&) override { ++finished; }
    void onProgress(const ExplorationProgress& p) override {
        if (inBatch)
            epochsSeen = std::max(epochsSeen, p.epochsDone);
        epochsTotal = p.epochsTotal;
    }
};

/// Cancels when the `after`-th run starts.
struct CancelAfter : ExplorationObserver {
    TrainControl* control = nullptr;
    int started = 0, after = 1;
    void onTrialStarted(const std::string&) override {
        if (++started >= after)
            control->cancel = true;
    }
};

} // namespace

TEST(ExplorationNetworks, TheSettingChoosesTheNetwork) {
    TrainConfig c;
    c.hidden = 64;
    const NetworkChoice homework;
    auto net = [&](const std::string& grid) {
        const TrialSetting s = gridSettings(parseGrid(grid)).front();
        return networkForSetting(homework, configForSetting(c, s), s);
    };
    EXPECT_TRUE(net("lr=1e-3").homework());
    EXPECT_EQ(net("lr=1e-3").layers, (std::vector<int>{64}));
    EXPECT_TRUE(net("activation=relu; layers=1").homework());
    EXPECT_EQ(net("layers=3; hidden=20").layers, (std::vector<int>{20, 20, 20}));
    EXPECT_EQ(net("activation=tanh").activation, Activation::Tanh);
    EXPECT_FALSE(net("activation=tanh").homework());
    NetworkChoice paper;
    paper.layers = {400, 100};
    paper.activation = Activation::ScaledTanh;
    const TrialSetting lr = gridSettings(parseGrid("lr=1e-3")).front();
    EXPECT_EQ(networkForSetting(paper, c, lr).layers, (std::vector<int>{400, 100}));
    const TrialSetting two = gridSettings(parseGrid("layers=2")).front();
    EXPECT_EQ(networkForSetting(paper, c, two).layers, (std::vector<int>{64, 64}));
    EXPECT_EQ(networkForSetting(paper, c, two).activation, Activation::ScaledTanh);
}

// A 2 x 2 grid of activation x layers over 2 seeds: the homework's trials equal trainMany alone,
// the others the deep trainer alone, bit for bit; folders say which network; a rerun trains
// nothing.
TEST(ExplorationNetworks, ActivationAndLayersTrialsEqualTrainingEachAlone) {
    const Dataset& data = test::demoDataset();
    const std::string dir = test::freshDir("explore_networks");
    const ExplorationPlan plan = networkPlan("activation=relu,tanh; layers=1,2");
    ASSERT_EQ(explorationPlanProblem(plan), "");
    ExplorationRunOptions options;
    options.threads = 2;
    const ExplorationOutcome out = runExploration(data, plan, dir, options);
    ASSERT_EQ(out.status, ExplorationOutcome::Status::Done);
    ASSERT_EQ(out.trials.size(), 8u);
    EXPECT_TRUE(fs::exists(dir + "/trials.csv"));
    const std::vector<NetworkChoice> networks = explorationNetworks(plan);
    TrainOptions one;
    one.threads = 1;
    int deep = 0;
    for (std::size_t i = 0; i < out.trials.size(); ++i) {
        const ExplorationTrial& t = out.trials[i];
        const NetworkChoice& n = networks[i / 2];
        TrainConfig c = configForSetting(plan.base, t.setting);
        c.seed = t.seed;
        const std::string runDir = dir + "/runs/" + t.run;
        EXPECT_EQ(t.status, "finished");
        EXPECT_EQ(t.epochs, 3);
        if (n.homework()) {
            EXPECT_FALSE(isDeepRun(runDir)) << t.run;
            const RunResult alone = train(data, c, one);
            EXPECT_EQ(t.valLoss, alone.bestValLoss) << t.run;
            EXPECT_EQ(t.testRmse, alone.test.rmse) << t.run;
            continue;
        }
        ++deep;
        ASSERT_TRUE(isDeepRun(runDir)) << t.run;
        const DeepConfig saved = loadDeepRun(runDir).result.config;
        EXPECT_EQ(saved.layers, n.layers) << t.run;
        EXPECT_EQ(saved.activation, n.activation) << t.run;
        const RunResult alone = trainNetworkRuns(data, {c}, n, one).front();
        EXPECT_EQ(t.valLoss, alone.bestValLoss) << t.run;
        EXPECT_EQ(t.testRmse, alone.test.rmse) << t.run;
        EXPECT_GT(t.testRmse, 0) << t.run;
    }
    EXPECT_EQ(deep, 6); // tanh x {1, 2} and relu x 2, over 2 seeds

    Watcher again;
    options.observer = &again;
    const ExplorationOutcome rerun = runExploration(data, plan, dir, options);
    EXPECT_EQ(again.reused, 8);
    ASSERT_EQ(rerun.trials.size(), out.trials.size());
    for (std::size_t i = 0; i < out.trials.size(); ++i) {
        EXPECT_EQ(rerun.trials[i].valLoss, out.trials[i].valLoss) << out.trials[i].run;
        EXPECT_EQ(rerun.trials[i].testRmse, out.trials[i].testRmse) << out.trials[i].run;
    }
}

// The progress counts every epoch of a deep run, also when it evaluates only every third.
TEST(ExplorationNetworks, ProgressCountsEveryEpochOfADeepRun) {
    ExplorationPlan plan = networkPlan("layers=2,3");
    plan.base.epochs = 6;
    plan.base.evalEvery = 3;
    ExplorationRunOptions options;
    options.threads = 2;
    Watcher watch;
    options.observer = &watch;
    const ExplorationOutcome out = runExploration(
        test::demoDataset(), plan, test::freshDir("explore_networks_progress"), options);
    ASSERT_EQ(out.status, ExplorationOutcome::Status::Done);
    EXPECT_EQ(watch.epochsTotal, 4 * 6);
    EXPECT_EQ(watch.epochsSeen, 4 * 6);
}

// Cancelled in the middle, no trials.csv; run again, the deep runs resume from their
// checkpoints and end exactly where an uninterrupted exploration ends.
TEST(ExplorationNetworks, ACancelledExplorationResumesToTheSameTrials) {
    const Dataset& data = test::demoDataset();
    ExplorationPlan plan = networkPlan("layers=2,3");
    plan.base.epochs = 6;
    plan.seeds = 1;
    ExplorationRunOptions options;
    options.threads = 1;
    const ExplorationOutcome whole =
        runExploration(data, plan, test::freshDir("explore_networks_whole"), options);
    ASSERT_EQ(whole.status, ExplorationOutcome::Status::Done);

    const std::string dir = test::freshDir("explore_networks_cancel");
    TrainControl control;
    CancelAfter cancel;
    cancel.control = &control;
    cancel.after = 2; // the second run's first epoch: the first is saved, the second stops
    options.control = &control;
    options.observer = &cancel;
    EXPECT_EQ(runExploration(data, plan, dir, options).status,
              ExplorationOutcome::Status::Cancelled);
    EXPECT_FALSE(fs::exists(dir + "/trials.csv"));

    ExplorationRunOptions resume;
    resume.threads = 1;
    const ExplorationOutcome after = runExploration(data, plan, dir, resume);
    ASSERT_EQ(after.status, ExplorationOutcome::Status::Done);
    ASSERT_EQ(after.trials.size(), whole.trials.size());
    for (std::size_t i = 0; i < whole.trials.size(); ++i) {
        EXPECT_EQ(after.trials[i].valLoss, whole.trials[i].valLoss) << whole.trials[i].run;
        EXPECT_EQ(after.trials[i].testRmse, whole.trials[i].testRmse) << whole.trials[i].run;
    }
}

// Successive halving over layers: the rungs train the deep trials too; the survivor continues
// from its checkpoint of the first rung (6 more epochs, not 9) and ends exactly where a run of
// 9 epochs from scratch ends.
TEST(ExplorationNetworks, HalvingRunsOverLayers) {
    const Dataset& data = test::demoDataset();
    ExplorationPlan plan = networkPlan("layers=1,2,3; activation=tanh");
    plan.base.epochs = 9;
    plan.seeds = 1;
    plan.halving = true;
    plan.eta = 3;
    plan.rungs = 2;
    ExplorationRunOptions options;
    options.threads = 2;
    const std::string dir = test::freshDir("explore_networks_halving");
    const ExplorationOutcome out = runExploration(data, plan, dir, options);
    ASSERT_EQ(out.status, ExplorationOutcome::Status::Done);
    EXPECT_EQ(out.budgets, (std::vector<int>{3, 9}));
    EXPECT_EQ(out.epochsTrained, 3 * 3 + (9 - 3));
    int finished = 0;
    TrainOptions one;
    one.threads = 1;
    const std::vector<NetworkChoice> networks = explorationNetworks(plan);
    for (std::size_t i = 0; i < out.trials.size(); ++i) {
        const ExplorationTrial& t = out.trials[i];
        EXPECT_TRUE(isDeepRun(trialRunDir(dir, t.run))) << t.run;
        if (t.status != "finished")
            continue;
        ++finished;
        EXPECT_EQ(t.epochs, 9);
        TrainConfig c = configForSetting(plan.base, t.setting);
        c.seed = t.seed;
        const RunResult scratch = trainNetworkRuns(data, {c}, networks[i], one).front();
        EXPECT_EQ(t.valLoss, scratch.bestValLoss) << t.run;
        EXPECT_EQ(t.testRmse, scratch.test.rmse) << t.run;
    }
    EXPECT_EQ(finished, 1);

    // Evaluations every 2 epochs: the rung of 3 epochs ends between two. The continued run keeps
    // that evaluation and otherwise follows the run from scratch exactly.
    plan.base.evalEvery = 2;
    const std::string odd = test::freshDir("explore_networks_halving_odd");
    const ExplorationOutcome again = runExploration(data, plan, odd, options);
    ASSERT_EQ(again.status, ExplorationOutcome::Status::Done);
    EXPECT_EQ(again.epochsTrained, 3 * 3 + (9 - 3));
    for (std::size_t i = 0; i < again.trials.size(); ++i) {
        const ExplorationTrial& t = again.trials[i];
        if (t.status != "finished")
            continue;
        TrainConfig c = configForSetting(plan.base, t.setting);
        c.seed = t.seed;
        const RunResult scratch = trainNetworkRuns(data, {c}, networks[i], one).front();
        const RunResult continued = loadAnyRun(trialRunDir(odd, t.run));
        std::vector<int> epochs;
        for (const auto& h : continued.history)
            epochs.push_back(h.epoch);
        EXPECT_EQ(epochs, (std::vector<int>{2, 3, 4, 6, 8, 9})) << t.run;
        int compared = 0;
        for (const auto& h : scratch.history)
            for (const auto& k : continued.history)
                if (k.epoch == h.epoch) {
                    EXPECT_EQ(k.valLoss, h.valLoss) << t.run << " epoch " << h.epoch;
                    ++compared;
                }
        EXPECT_EQ(compared, 5) << t.run; // 2, 4, 6, 8, 9
    }
}

// One folder, the same space, another network: the homework's run is not taken for the deep
// one nor the deep one for the homework's; each trains again and leaves its own kind of folder.
TEST(ExplorationNetworks, AFolderOfAnotherNetworkIsNotReused) {
    const Dataset& data = test::demoDataset();
    const std::string dir = test::freshDir("explore_networks_switch");
    ExplorationPlan plan = networkPlan("lr=1e-3");
    plan.seeds = 1;
    ExplorationRunOptions options;
    options.threads = 1;
    for (const bool deep : {false, true, false}) {
        plan.network.activation = deep ? Activation::Tanh : Activation::Relu;
        Watcher watch;
        options.observer = &watch;
        const ExplorationOutcome out = runExploration(data, plan, dir, options);
        ASSERT_EQ(out.status, ExplorationOutcome::Status::Done);
        EXPECT_EQ(watch.reused, 0) << deep;
        EXPECT_EQ(isDeepRun(dir + "/runs/" + out.trials.front().run), deep);
    }
    Watcher again;
    options.observer = &again;
    runExploration(data, plan, dir, options);
    EXPECT_EQ(again.reused, 1);
}

// Bad networks are refused before anything trains.
TEST(ExplorationNetworks, BadNetworksAreRefusedBeforeTraining) {
    ExplorationPlan plan = networkPlan("layers=2");
    plan.base.hidden = 0;
    EXPECT_NE(explorationPlanProblem(plan), "");
    plan = networkPlan("activation=tanh; representation=random-sorted");
    EXPECT_NE(explorationPlanProblem(plan).find("random-sorted"), std::string::npos);
}

// Weight decay in the deep trainer: Adam's L2, 0 changes nothing, and SGD refuses it.
TEST(ExplorationNetworks, DeepWeightDecayShrinksTheWeights) {
    const Dataset& data = test::demoDataset();
    NetworkChoice n;
    n.layers = {16, 16};
    TrainConfig c;
    c.epochs = 3;
    TrainOptions one;
    one.threads = 1;
    std::vector<DeepResult> got;
    auto run = [&](double wd) {
        c.weightDecay = wd;
        trainNetworkRuns(data, {c}, n, one, [&](int, const DeepResult& r) { got.push_back(r); });
        return got.back();
    };
    const DeepResult plain = run(0);
    const DeepResult zero = run(0);
    const DeepResult decayed = run(0.5);
    auto norm = [](const DeepResult& r) {
        double s = 0;
        for (const auto& w : r.model.weights)
            for (float x : w)
                s += static_cast<double>(x) * x;
        return s;
    };
    EXPECT_EQ(zero.model.weights, plain.model.weights);
    EXPECT_LT(norm(decayed), 0.5 * norm(plain));
    DeepConfig sgd = deepConfigFor(c, n, 1000);
    sgd.optimizer = Optimizer::Sgd;
    EXPECT_NE(sgd.validate().find("adam"), std::string::npos);
}
