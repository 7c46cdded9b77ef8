// qm7 sweep --grid / --sample / --halving, run as a user runs it, on the demo molecules.
#include "test_support.h"

#include "qm7/analysis/exploration.h"
#include "qm7/io/dataset.h"
#include "qm7/train/run_store.h"

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

// Bad spaces: one clear message, exit 2, nothing trained.
TEST(ExploreCli, BadSpacesExitTwoAndTrainNothing) {
    const std::string data = test::demoDatasetPt();
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"--sample 5 --space \"lr=1e-1..1e-5 log\"", "is empty"},
        {"--grid \"hidden=-10,100\"", "hidden width -10"},
        {"--grid \"depth=1,2\"", "unknown setting 'depth'"},
        {"--grid \"lr=0,1e-3\"", "lr 0 must be > 0"},
        {"--grid \"lr=1e-3; layers=1,2\"", "one hidden layer"},
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
