// qm7 sweep --grid / --sample / --halving, run as a user runs it, on the demo molecules.
#include "test_support.h"

#include "qm7/analysis/exploration.h"
#include "qm7/analysis/exploration_run.h"
#include "qm7/io/dataset.h"
#include "qm7/train/run_store.h"
#include "qm7/util/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

namespace fs = std::filesystem;
using namespace qm7;

namespace {
int runQm7(const std::string& args, std::string* out) {
    return test::runCommand(test::cliPath() + " " + args, out);
}

long long epochsTrained(const std::string& output) {
    std::smatch m;
    if (!std::regex_search(output, m, std::regex("epochs trained: ([0-9]+)")))
        return -1;
    return std::stoll(m[1]);
}
} // namespace

// A 2 x 3 grid over 2 seeds: 12 run folders, each equal to training its config alone, bit for bit.
TEST(ExploreCli, GridRunsEqualTrainingEachAlone) {
    const std::string dir = test::freshDir("explore_grid");
    const std::string data = test::demoDatasetPt();
    std::string out;
    ASSERT_EQ(runQm7("sweep --data " + data +
                         " --grid \"lr=1e-3,1e-2; hidden=8,16,32\" --seeds 2 "
                         "--epochs 4 --eval-every 2 --threads 2 --out " +
                         dir,
                     &out),
              0)
        << out;
    const auto trials = readTrialsCsv(dir + "/trials.csv");
    ASSERT_EQ(trials.size(), 12u);
    const Dataset d = loadDataset(data);
    int compared = 0;
    for (const auto& t : trials) {
        EXPECT_EQ(t.status, "finished");
        const RunResult saved = loadRun(dir + "/runs/" + t.run);
        TrainConfig c;
        c.epochs = 4;
        c.evalEvery = 2;
        c.lr = std::stod(settingValue(t.setting, "lr"));
        c.hidden = std::stoi(settingValue(t.setting, "hidden"));
        c.seed = t.seed;
        ASSERT_EQ(saved.config.lr, c.lr);
        ASSERT_EQ(saved.config.hidden, c.hidden);
        TrainOptions one;
        one.threads = 1;
        const RunResult alone = train(d, c, one);
        EXPECT_EQ(saved.bestValLoss, alone.bestValLoss) << t.run;
        EXPECT_EQ(saved.finalValLoss, alone.finalValLoss) << t.run;
        EXPECT_EQ(saved.testMseNormalized, alone.testMseNormalized) << t.run;
        EXPECT_EQ(saved.test.rmse, alone.test.rmse) << t.run;
        EXPECT_EQ(t.valLoss, alone.bestValLoss) << t.run;
        EXPECT_EQ(t.testRmse, alone.test.rmse) << t.run;
        ++compared;
    }
    EXPECT_EQ(compared, 12);
    // Run again: every run is reused, nothing trains.
    ASSERT_EQ(runQm7("sweep --data " + data +
                         " --grid \"lr=1e-3,1e-2; hidden=8,16,32\" --seeds 2 "
                         "--epochs 4 --eval-every 2 --out " +
                         dir,
                     &out),
              0)
        << out;
    EXPECT_NE(out.find("12 finished runs reused"), std::string::npos) << out;
}

// The network itself as a setting: the tanh and two-layer trials are the deep trainer's run
// folders, the ReLU one-layer trial the homework trainer's; trials.csv has a row for each.
TEST(ExploreCli, ActivationAndLayersAreSettingsLikeAnyOther) {
    const std::string dir = test::freshDir("explore_networks_cli");
    std::string out;
    ASSERT_EQ(runQm7("sweep --data " + test::demoDatasetPt() +
                         " --grid \"activation=relu,tanh; layers=1,2\" --hidden 12 --seeds 1 "
                         "--epochs 2 --threads 2 --out " +
                         dir,
                     &out),
              0)
        << out;
    const auto trials = readTrialsCsv(dir + "/trials.csv");
    ASSERT_EQ(trials.size(), 4u) << out;
    int deep = 0;
    for (const auto& t : trials) {
        EXPECT_EQ(t.status, "finished");
        EXPECT_EQ(t.epochs, 2);
        EXPECT_GT(t.testRmse, 0);
        const bool homework = settingValue(t.setting, "activation") == "relu" &&
                              settingValue(t.setting, "layers") == "1";
        const std::string config = readFile(dir + "/runs/" + t.run + "/config.json");
        EXPECT_EQ(config.find("\"kind\": \"deep\"") != std::string::npos, !homework) << t.run;
        deep += !homework;
    }
    EXPECT_EQ(deep, 3);
}

// Bad spaces: one clear message, exit 2, nothing trained.
TEST(ExploreCli, BadSpacesExitTwoAndTrainNothing) {
    const std::string data = test::demoDatasetPt();
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"--sample 5 --space \"lr=1e-1..1e-5 log\"", "is empty"},
        {"--grid \"hidden=-10,100\"", "hidden width -10"},
        {"--grid \"depth=1,2\"", "unknown setting 'depth'"},
        {"--grid \"lr=0,1e-3\"", "lr 0 must be > 0"},
        {"--grid \"lr=1e-3; layers=1,9\"", "layers 9 must be between 1 and 8"},
        {"--grid \"epochs=3,9\" --halving", "leave epochs out"},
        {"--sample 3", "--space"},
    };
    for (const auto& [args, expected] : cases) {
        const std::string dir = test::freshDir("explore_bad");
        std::string out;
        EXPECT_EQ(
            runQm7("sweep --data " + data + " " + args + " --epochs 2 --out " + dir + "/o", &out),
            2)
            << args << "\n"
            << out;
        EXPECT_NE(out.find(expected), std::string::npos) << args << "\n" << out;
        EXPECT_FALSE(fs::exists(dir + "/o")) << args;
    }
}

// Successive halving against the full grid on the same short space: fewer epochs, and the chosen
// setting's validation error is within the best grid setting's seed spread.
TEST(ExploreCli, HalvingTrainsFewerEpochsThanTheGridAndFindsAGoodSetting) {
    const std::string dir = test::freshDir("explore_halving");
    const std::string data = test::demoDatasetPt();
    const std::string common = "sweep --data " + data +
                               " --grid \"lr=1e-4,1e-3,1e-2; hidden=8,32,128\" --seeds 3 "
                               "--epochs 27 --eval-every 1 ";
    std::string grid, halving;
    ASSERT_EQ(runQm7(common + "--out " + dir + "/grid", &grid), 0) << grid;
    ASSERT_EQ(runQm7(common + "--halving --eta 3 --rungs 3 --out " + dir + "/halving", &halving), 0)
        << halving;
    const long long gridEpochs = epochsTrained(grid), halvingEpochs = epochsTrained(halving);
    EXPECT_EQ(gridEpochs, 9 * 3 * 27) << grid;
    EXPECT_EQ(halvingEpochs, 3 * (9 * 3 + 3 * 9 + 1 * 27)) << halving;
    EXPECT_LT(halvingEpochs, gridEpochs);

    const auto gridTrials = readTrialsCsv(dir + "/grid/trials.csv");
    const auto halvingTrials = readTrialsCsv(dir + "/halving/trials.csv");
    EXPECT_EQ(halvingTrials.size(), 27u);
    int stopped = 0;
    for (const auto& t : halvingTrials)
        stopped += t.status == "stopped";
    EXPECT_EQ(stopped, 24); // 8 of 9 settings x 3 seeds, each kept with its reached budget
    const auto gridSums = summarizeSettings(gridTrials);
    const auto halvingSums = summarizeSettings(halvingTrials);
    const int gb = bestSetting(gridSums), hb = bestSetting(halvingSums);
    ASSERT_GE(gb, 0);
    ASSERT_GE(hb, 0);
    const auto& best = gridSums[static_cast<std::size_t>(gb)];
    double chosenInGrid = -1;
    for (const auto& s : gridSums)
        if (s.setting == halvingSums[static_cast<std::size_t>(hb)].setting)
            chosenInGrid = s.valMean;
    std::cout << "grid best " << settingText(best.setting) << " " << best.valMean << " ± "
              << best.valStd << "; halving chose "
              << settingText(halvingSums[static_cast<std::size_t>(hb)].setting) << " "
              << chosenInGrid << "\n";
    EXPECT_LE(chosenInGrid, best.valMean + 2 * best.valStd + 1e-9);
}

namespace {
// trials.csv's rows without the wall time (the one column that differs between two runs).
std::vector<std::string> rowsWithoutSeconds(const std::string& path) {
    std::vector<std::string> rows;
    for (auto t : readTrialsCsv(path)) {
        t.seconds = 0;
        rows.push_back(trialsCsv({t}));
    }
    return rows;
}

class CountingObserver : public ExplorationObserver {
  public:
    explicit CountingObserver(TrainControl* cancelAfter = nullptr, int after = 0)
        : m_control(cancelAfter), m_after(after) {}
    void onTrialStarted(const std::string&) override { ++started; }
    void onTrialFinished(const ExplorationTrial&) override {
        if (++finished >= m_after && m_control)
            m_control->cancel = true;
    }
    void onProgress(const ExplorationProgress& p) override { last = p; }
    void onRungFinished(int, const std::vector<int>&) override { ++rungs; }
    int started = 0, finished = 0, rungs = 0;
    ExplorationProgress last;

  private:
    TrainControl* m_control;
    int m_after;
};
} // namespace

// The CLI and the workbench run one loop: core's runExploration writes the CLI's trials.csv,
// number for number (grid and successive halving), and reports every trial to its observer.
TEST(ExploreCli, CoreLoopWritesTheCliTrialsCsv) {
    const std::string data = test::demoDatasetPt();
    const Dataset d = loadDataset(data);
    for (const bool halving : {false, true}) {
        const std::string cli = test::freshDir(halving ? "explore_cli_h" : "explore_cli_g");
        const std::string core = test::freshDir(halving ? "explore_core_h" : "explore_core_g");
        std::string out;
        ASSERT_EQ(runQm7("sweep --data " + data +
                             " --grid \"lr=1e-3,1e-2; hidden=8,16\" --seeds 2 --epochs 6 "
                             "--eval-every 2 --threads 2 " +
                             (halving ? "--halving --eta 2 --rungs 2 " : "") + "--out " + cli,
                         &out),
                  0)
            << out;
        ExplorationPlan plan;
        plan.settings = explorationSettings("lr=1e-3,1e-2; hidden=8,16", 0, 0);
        plan.base.epochs = 6;
        plan.base.evalEvery = 2;
        plan.seeds = 2;
        plan.halving = halving;
        plan.eta = 2;
        plan.rungs = 2;
        CountingObserver seen;
        ExplorationRunOptions options;
        options.observer = &seen;
        options.threads = 2;
        const ExplorationOutcome o = runExploration(d, plan, core, options);
        ASSERT_EQ(o.status, ExplorationOutcome::Status::Done);
        EXPECT_EQ(rowsWithoutSeconds(core + "/trials.csv"),
                  rowsWithoutSeconds(cli + "/trials.csv"));
        EXPECT_EQ(o.epochsTrained, epochsTrained(out));
        // grid: 8 runs; halving 3 then 6 epochs: 8 runs, then the best 2 settings x 2 seeds.
        EXPECT_EQ(seen.finished, halving ? 12 : 8);
        EXPECT_EQ(seen.started, seen.finished);
        EXPECT_EQ(seen.rungs, halving ? 2 : 0);
        EXPECT_EQ(seen.last.epochsDone, seen.last.epochsTotal);
        EXPECT_EQ(seen.last.runsDone, seen.last.runsTotal);
    }
}

// Cancelling leaves the finished runs and no trials.csv; running again trains only the rest.
TEST(ExploreCli, CoreLoopCancelsAndResumes) {
    const Dataset d = loadDataset(test::demoDatasetPt());
    const std::string dir = test::freshDir("explore_core_cancel");
    ExplorationPlan plan;
    plan.settings = explorationSettings("hidden=8,16,32", 0, 0);
    plan.base.epochs = 300; // long enough for the cancel to land before the last run ends
    plan.base.evalEvery = 50;
    plan.seeds = 2;
    TrainControl control;
    CountingObserver cancelling(&control, 1);
    ExplorationRunOptions options;
    options.observer = &cancelling;
    options.control = &control;
    options.threads = 2; // runs train whole, one per thread (Queue)
    EXPECT_EQ(runExploration(d, plan, dir, options).status, ExplorationOutcome::Status::Cancelled);
    EXPECT_FALSE(fs::exists(dir + "/trials.csv"));
    const int saved = cancelling.finished;
    EXPECT_GE(saved, 1);
    EXPECT_LT(saved, 6);
    control.cancel = false;
    CountingObserver rest;
    options.observer = &rest;
    const ExplorationOutcome o = runExploration(d, plan, dir, options);
    ASSERT_EQ(o.status, ExplorationOutcome::Status::Done);
    EXPECT_EQ(rest.finished, 6 - saved);
    EXPECT_EQ(readTrialsCsv(dir + "/trials.csv").size(), 6u);
}
