// Hyperparameter exploration in core: search spaces, successive halving, trials.csv and the
// summaries of the Exploration tab.
#include "qm7/analysis/exploration.h"
#include "qm7/analysis/search_space.h"
#include "qm7/analysis/successive_halving.h"

#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

using namespace qm7;

TEST(SearchSpace, GridIsEveryCombinationInOrder) {
    const auto s = gridSettings(parseGrid("lr=1e-4, 1e-3; hidden=10,100,1000"));
    ASSERT_EQ(s.size(), 6u);
    EXPECT_EQ(settingText(s[0]), "lr=0.0001 hidden=10");
    EXPECT_EQ(settingText(s[5]), "lr=0.001 hidden=1000");
    TrainConfig base;
    base.weightDecay = 0;
    const TrainConfig c = configForSetting(base, s[4]);
    EXPECT_EQ(c.lr, 1e-3);
    EXPECT_EQ(c.hidden, 100);
    EXPECT_EQ(trialRunName(s[4], 2), "lr1e-03_hidden100_seed2");
    const auto w =
        gridSettings(parseGrid("weight_decay=0,1e-4;batch=25;epochs=7;representation=eigen"));
    const TrainConfig d = configForSetting(base, w[1]);
    EXPECT_EQ(d.weightDecay, 1e-4);
    EXPECT_EQ(d.batchSize, 25);
    EXPECT_EQ(d.epochs, 7);
    EXPECT_EQ(d.representation, "eigen");
}

TEST(SearchSpace, SamplesAreSeededInsideTheirRanges) {
    const SearchSpace space =
        parseSampleSpace("lr=1e-5..1e-1 log; hidden=10..5000 log; batch=25,50");
    const auto a = sampleSettings(space, 40, 7);
    const auto b = sampleSettings(space, 40, 7);
    const auto c = sampleSettings(space, 40, 8);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_GE(a.size(), 35u);
    int smallLr = 0;
    for (const auto& s : a) {
        const double lr = std::stod(settingValue(s, "lr"));
        const double h = std::stod(settingValue(s, "hidden"));
        EXPECT_GE(lr, 1e-5);
        EXPECT_LE(lr, 1e-1);
        EXPECT_EQ(h, std::round(h));
        EXPECT_GE(h, 10);
        EXPECT_LE(h, 5000);
        const std::string batch = settingValue(s, "batch");
        EXPECT_TRUE(batch == "25" || batch == "50") << batch;
        smallLr += lr < 1e-3;
    }
    // Log-uniform: half the draws lie in the lower half of the decades (1e-5..1e-3).
    EXPECT_GT(smallLr, 8);
    EXPECT_LT(smallLr, 32);
}

TEST(SearchSpace, BadSpacesSayWhatIsWrong) {
    auto message = [](auto parse, const std::string& text) {
        try {
            parse(text);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    auto grid = [](const std::string& t) { return parseGrid(t); };
    auto sample = [](const std::string& t) { return parseSampleSpace(t); };
    EXPECT_NE(message(sample, "lr=1e-1..1e-5 log").find("empty"), std::string::npos);
    EXPECT_NE(message(sample, "lr=1e-3..1e-3").find("empty"), std::string::npos);
    EXPECT_NE(message(grid, "hidden=-10,100").find("hidden width -10"), std::string::npos);
    EXPECT_NE(message(grid, "depth=2").find("unknown setting 'depth'"), std::string::npos);
    EXPECT_NE(message(grid, "lr=0,1e-3").find("lr 0 must be > 0"), std::string::npos);
    EXPECT_NE(message(grid, "lr=-1e-3").find("lr -0.001"), std::string::npos);
    EXPECT_NE(message(grid, "lr=").find("no values"), std::string::npos);
    EXPECT_NE(message(grid, "").find("empty"), std::string::npos);
    EXPECT_NE(message(grid, "lr=1e-5..1e-1").find("range"), std::string::npos);
    EXPECT_NE(message(grid, "hidden=10.5").find("whole"), std::string::npos);
    EXPECT_NE(message(grid, "lr=1e-3;lr=1e-2").find("twice"), std::string::npos);
    EXPECT_NE(message(grid, "activation=swish").find("activation"), std::string::npos);
    EXPECT_NE(message(grid, "layers=1,9").find("layers 9 must be between 1 and 8"),
              std::string::npos);
}

TEST(Halving, BudgetsGrowByEtaUpToTheFullBudget) {
    EXPECT_EQ(halvingBudgets(300, 3, 3), (std::vector<int>{33, 100, 300}));
    EXPECT_EQ(halvingBudgets(4, 3, 4), (std::vector<int>{1, 4}));
    EXPECT_EQ(halvingSurvivors({5, 1, NAN, 3, 2, 4}, {0, 1, 2, 3, 4, 5}, 3),
              (std::vector<int>{1, 4}));
}

// Trials with known final losses, seen at a budget b through noise that shrinks with b (a
// learning curve converging to its final value): the true best reaches the last rung in a clear
// majority of draws, and the epochs trained are far below the grid's.
TEST(Halving, KeepsTheTrueBestInAClearMajorityOfDraws) {
    const int n = 27;
    const std::vector<int> budgets = halvingBudgets(270, 3, 4); // 10, 30, 90, 270
    int kept = 0, chosen = 0;
    const int draws = 200;
    for (int d = 0; d < draws; ++d) {
        std::mt19937_64 rng(static_cast<std::uint64_t>(d));
        std::normal_distribution<double> noise(0.0, 1.0);
        std::vector<double> finalLoss(n);
        for (int i = 0; i < n; ++i)
            finalLoss[static_cast<std::size_t>(i)] = 1.0 + 0.05 * i;
        const auto outcome =
            successiveHalving(n, budgets, 3, [&](const std::vector<int>& alive, int budget) {
                std::vector<double> l;
                for (int i : alive)
                    l.push_back(finalLoss[static_cast<std::size_t>(i)] +
                                2.0 / budget * (1.0 + 0.5 * i / n) +
                                0.3 / std::sqrt(budget) * noise(rng));
                return l;
            });
        EXPECT_EQ(outcome.epochsTrained, 27 * 10 + 9 * 30 + 3 * 90 + 1 * 270);
        kept += !outcome.stopped[0];
        chosen += outcome.best == 0;
        int finished = 0;
        for (int i = 0; i < n; ++i)
            finished += !outcome.stopped[static_cast<std::size_t>(i)];
        EXPECT_EQ(finished, 1);
    }
    std::cout << "true best kept to the last rung in " << kept << " of " << draws << " draws\n";
    EXPECT_GT(kept, draws * 2 / 3);
    EXPECT_EQ(chosen, kept);
}

namespace {
ExplorationTrial trial(const std::string& lr, const std::string& hidden, int seed, double val,
                       double test, const std::string& status = "finished") {
    ExplorationTrial t;
    t.setting = {{"lr", lr}, {"hidden", hidden}};
    t.seed = static_cast<std::uint64_t>(seed);
    t.run = trialRunName(t.setting, t.seed);
    t.valLoss = val / 100;
    t.valRmse = val;
    t.testRmse = test;
    t.epochs = 10;
    t.seconds = 0.5;
    t.status = status;
    return t;
}
} // namespace

TEST(Exploration, CsvRoundTripsAndRefusesDamage) {
    const std::vector<ExplorationTrial> trials = {
        trial("0.001", "10", 0, 12.5, 13.1), trial("0.01", "100", 1, 0.1 + 0.2, 9.0, "stopped")};
    const auto back = parseTrialsCsv(trialsCsv(trials));
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(back[1].setting, trials[1].setting);
    EXPECT_EQ(back[1].valRmse, trials[1].valRmse); // %.17g: exact
    EXPECT_EQ(back[1].status, "stopped");
    EXPECT_EQ(back[0].seed, 0u);
    EXPECT_THROW(parseTrialsCsv("a,b\n1,2\n"), std::invalid_argument);
    std::string cut = trialsCsv(trials);
    cut.resize(cut.size() - 12);
    cut += ",\n";
    EXPECT_THROW(parseTrialsCsv(cut), std::invalid_argument);
}

TEST(Exploration, ChoosesOnValidationAndDescribesEachSetting) {
    std::vector<ExplorationTrial> t;
    // hidden: 10 -> 100 -> 1000 falls, then flat; lr 1e-2 worse. The best test error belongs to
    // a setting with a worse validation error: it must not be chosen.
    const double val[3] = {12, 6, 5.9};
    const char* hidden[3] = {"10", "100", "1000"};
    for (int h = 0; h < 3; ++h)
        for (int s = 0; s < 2; ++s) {
            t.push_back(trial("0.001", hidden[h], s, val[h] + 0.2 * s, h == 0 ? 1.0 : 7.0));
            t.push_back(trial("0.01", hidden[h], s, val[h] + 5 + 0.2 * s, 7.0));
        }
    t.push_back(trial("0.1", "10", 0, 0.5, 0.5, "stopped")); // stopped: never chosen
    const auto sums = summarizeSettings(t);
    const int best = bestSetting(sums);
    ASSERT_GE(best, 0);
    EXPECT_EQ(settingText(sums[static_cast<std::size_t>(best)].setting), "lr=0.001 hidden=1000");
    const auto profile = settingProfile(t, "hidden");
    ASSERT_EQ(profile.size(), 3u);
    EXPECT_EQ(profile[0].value, "10");
    EXPECT_EQ(profile[0].runs, 4);
    const auto h = settingHeatmap(t, "hidden", "lr");
    ASSERT_EQ(h.yValues, (std::vector<std::string>{"0.001", "0.01", "0.1"}));
    EXPECT_NEAR(h.mean[0][1], 6.1, 1e-12);
    EXPECT_TRUE(std::isnan(h.mean[2][0])); // only a stopped trial there
    const std::string effect = settingEffect(t, "hidden");
    EXPECT_NE(effect.find("falls with hidden from 10 to 1000"), std::string::npos) << effect;
    const std::string lr = settingEffect(t, "lr");
    EXPECT_NE(lr.find("lowest at lr=0.001"), std::string::npos) << lr;

    // A choice without an order: its values from best to worst.
    std::vector<ExplorationTrial> a;
    const char* activations[3] = {"relu", "tanh", "stanh"};
    const double mean[3] = {9, 5, 7};
    for (int k = 0; k < 3; ++k)
        for (int s = 0; s < 2; ++s) {
            ExplorationTrial x = trial("0.001", "100", s, mean[k] + 0.1 * s, 1.0);
            x.setting = {{"activation", activations[k]}};
            a.push_back(x);
        }
    const std::string act = settingEffect(a, "activation");
    EXPECT_NE(act.find("lowest with activation=tanh (5.05 kcal/mol), then stanh (7.05), relu "
                       "(9.05)"),
              std::string::npos)
        << act;
    EXPECT_EQ(act.find("within the seed spread"), std::string::npos) << act;
}

// weight_decay is Adam's L2: it pulls the weights toward zero, and 0 leaves training unchanged.
TEST(WeightDecay, ShrinksTheWeightsAndZeroChangesNothing) {
    const Dataset& data = test::demoDataset();
    TrainConfig c;
    c.hidden = 16;
    c.epochs = 3;
    c.evalEvery = 1;
    TrainOptions one;
    one.threads = 1;
    const RunResult plain = train(data, c, one);
    c.weightDecay = 0;
    EXPECT_EQ(train(data, c, one).bestValLoss, plain.bestValLoss);
    c.weightDecay = 0.5;
    const RunResult decayed = train(data, c, one);
    auto norm = [](const RunResult& r) {
        double s = 0;
        for (float w : r.weights.w1)
            s += static_cast<double>(w) * w;
        return s;
    };
    EXPECT_LT(norm(decayed), norm(plain));
    EXPECT_NE(decayed.bestValLoss, plain.bestValLoss);
    c.weightDecay = -1;
    EXPECT_NE(c.validate().find("weight decay"), std::string::npos);
}

// A trial's run folder: runs/<run> for a grid, else the largest halving budget that holds it.
TEST(Exploration, FindsATrialsRunFolder) {
    namespace fs = std::filesystem;
    const fs::path dir = test::freshDir("exploration_run_dir");
    fs::create_directories(dir / "halving-9" / "a_seed0");
    fs::create_directories(dir / "halving-27" / "a_seed0");
    fs::create_directories(dir / "halving-9" / "b_seed0");
    EXPECT_EQ(trialRunDir(dir.string(), "a_seed0"), (dir / "halving-27" / "a_seed0").string());
    EXPECT_EQ(trialRunDir(dir.string(), "b_seed0"), (dir / "halving-9" / "b_seed0").string());
    EXPECT_EQ(trialRunDir(dir.string(), "c_seed0"), "");
    fs::create_directories(dir / "runs" / "a_seed0");
    EXPECT_EQ(trialRunDir(dir.string(), "a_seed0"), (dir / "runs" / "a_seed0").string());
    // A homework folder without exploration/ has none; a damaged trials.csv is refused.
    EXPECT_TRUE(readHomeworkExploration(dir.string()).empty());
    fs::create_directories(dir / "exploration");
    std::ofstream(dir / "exploration" / "trials.csv") << "run,status\nx\n";
    EXPECT_THROW(readHomeworkExploration(dir.string()), std::invalid_argument);
}
