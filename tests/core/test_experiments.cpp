// The sweep and learning-curve summaries, and the resumable homework on real data.
#include "qm7/analysis/experiments.h"
#include "qm7/analysis/homework.h"
#include "qm7/train/resumable.h"
#include "qm7/train/run_store.h"
#include "qm7/util/atomic_file.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

using namespace qm7;
namespace fs = std::filesystem;

namespace {
RunResult fakeRun(double finalVal, double bestVal, double mse) {
    RunResult r;
    r.finalValLoss = finalVal;
    r.bestValLoss = bestVal;
    r.test.mse = mse;
    r.test.rmse = std::sqrt(mse);
    r.test.mae = 0.8 * std::sqrt(mse);
    return r;
}
} // namespace

TEST(Sweep, ConfigsAreLrMajorWithSeeds) {
    SweepConfig s;
    s.lrs = {1e-3, 1e-2};
    s.seeds = 3;
    const auto c = sweepConfigs(s);
    ASSERT_EQ(c.size(), 6u);
    EXPECT_EQ(c[4].lr, 1e-2);
    EXPECT_EQ(c[4].seed, 1u);
}

TEST(Sweep, ChoosesByMeanUnderTheRuleAndNeverNaN) {
    SweepConfig s;
    s.lrs = {1e-4, 1e-3, 1e-2};
    s.seeds = 2;
    s.rule = SweepRule::FinalLoss;
    // lr 1e-3 has the lowest final loss, 1e-2 the lowest best loss, and 1e-4 diverged.
    const std::vector<RunResult> runs = {fakeRun(NAN, NAN, 1),   fakeRun(NAN, NAN, 1),
                                         fakeRun(0.10, 0.09, 1), fakeRun(0.12, 0.09, 1),
                                         fakeRun(0.20, 0.02, 1), fakeRun(0.30, 0.04, 1)};
    SweepSummary final = summarizeSweep(s, runs);
    EXPECT_EQ(final.chosenLr, 1e-3);
    EXPECT_NEAR(final.rows[1].finalMean, 0.11, 1e-12);
    EXPECT_NEAR(final.rows[1].finalStd, std::sqrt(0.0002), 1e-12); // sample std over seeds
    s.rule = SweepRule::BestLoss;
    EXPECT_EQ(summarizeSweep(s, runs).chosenLr, 1e-2);
    EXPECT_THROW(summarizeSweep(s, {runs[0]}), std::invalid_argument);
}

TEST(Sweep, OneRuleTheRateIsChosenByTheWeightsThatAreTested) {
    // Every run is tested with its best-validation weights. Here lr 1e-3 ends lower (final
    // validation loss) but lr 1e-2 reached the lower best validation loss, and the weights of
    // that epoch test better (RMSE 18.16 against 18.58 kcal/mol).
    SweepConfig s;
    s.lrs = {1e-3, 1e-2};
    s.seeds = 2;
    EXPECT_EQ(s.rule, SweepRule::BestLoss); // the default, everywhere
    EXPECT_EQ(HomeworkConfig{}.rule, SweepRule::BestLoss);
    std::vector<RunResult> runs = {
        fakeRun(0.100, 0.090, 18.58 * 18.58), fakeRun(0.104, 0.092, 18.60 * 18.60),
        fakeRun(0.130, 0.080, 18.16 * 18.16), fakeRun(0.150, 0.082, 18.20 * 18.20)};
    const auto configs = sweepConfigs(s);
    for (std::size_t i = 0; i < runs.size(); ++i)
        runs[i].config = configs[i];
    const SweepSummary chosen = summarizeSweep(s, runs);
    EXPECT_EQ(chosen.rule, SweepRule::BestLoss);
    EXPECT_EQ(chosen.chosenLr, 1e-2);
    // The choice is the rate whose tested weights are best, and question 6 tests its run.
    EXPECT_LT(chosen.rows[1].testRmseMean, chosen.rows[0].testRmseMean);
    std::vector<const RunResult*> done;
    for (const auto& r : runs)
        done.push_back(&r);
    EXPECT_EQ(summarizeFinishedSweep(s, done).chosenLr, 1e-2);
    const RunResult* q6 = questionSixRun(chosen, done);
    ASSERT_NE(q6, nullptr);
    EXPECT_EQ(q6->config.lr, 1e-2);
    EXPECT_EQ(q6->config.seed, 0u);
    // The rule is stated where the choice is shown, with the weights that are tested.
    HomeworkResult report;
    report.sweepConfig = s;
    report.sweep = chosen;
    const std::string md = reportMarkdown(report, "demo");
    EXPECT_NE(md.find(sweepRuleStatement(SweepRule::BestLoss)), std::string::npos) << md;
    EXPECT_NE(sweepRuleStatement(SweepRule::BestLoss).find("tested"), std::string::npos);
    // The final loss, when asked for, picks the other rate and says plainly which weights
    // are tested.
    s.rule = SweepRule::FinalLoss;
    EXPECT_EQ(summarizeSweep(s, runs).chosenLr, 1e-3);
    EXPECT_NE(sweepRuleStatement(SweepRule::FinalLoss).find("best-validation weights"),
              std::string::npos);
    // A homework folder written before the rule was stored keeps the final rule it was run
    // with; one that stores it keeps it.
    EXPECT_EQ(homeworkConfigFromJson("{}").rule, SweepRule::FinalLoss);
    EXPECT_EQ(homeworkConfigFromJson(HomeworkConfig{}.toJson("demo")).rule, SweepRule::BestLoss);
}

TEST(Curve, ConfigsAndSummary) {
    CurveConfig c;
    c.sizes = {100, 200};
    c.seeds = 2;
    const auto configs = curveConfigs(c);
    ASSERT_EQ(configs.size(), 4u);
    EXPECT_EQ(configs[2].trainSize, 200);
    EXPECT_EQ(configs[3].seed, 1u);
    const auto rows = summarizeCurve(
        c, {fakeRun(0, 0, 400), fakeRun(0, 0, 600), fakeRun(0, 0, 100), fakeRun(0, 0, 100)});
    EXPECT_DOUBLE_EQ(rows[0].mseMean, 500);
    EXPECT_NEAR(rows[0].mseStd, std::sqrt(20000.0), 1e-9);
    EXPECT_DOUBLE_EQ(rows[1].mseStd, 0);
    const auto points = curvePoints(rows);
    EXPECT_DOUBLE_EQ(points[1].n, 200);
    EXPECT_DOUBLE_EQ(points[0].mean, 500);
    EXPECT_FALSE(c.validate(150).empty()); // 200 > 150 rows
    EXPECT_TRUE(c.validate(1500).empty());
}

TEST(Sweep, SummarizesOnlyTheFinishedRunsOfAStoppedJob) {
    SweepConfig s;
    s.lrs = {1e-4, 1e-3, 1e-2};
    s.seeds = 2;
    std::vector<RunResult> runs = {fakeRun(0.50, 0.40, 1), fakeRun(0.60, 0.40, 1),
                                   fakeRun(0.10, 0.09, 1), fakeRun(0.12, 0.09, 1),
                                   fakeRun(0.05, 0.02, 1), fakeRun(0.01, 0.01, 1)};
    const auto configs = sweepConfigs(s);
    for (std::size_t i = 0; i < runs.size(); ++i)
        runs[i].config = configs[i];
    runs[5].cancelled = true; // stopped mid-run: lr 1e-2 keeps one seed
    // Any order; lr 1e-4's runs are missing altogether.
    const std::vector<const RunResult*> done = {&runs[4], &runs[3], &runs[2], &runs[5], nullptr};
    const SweepSummary summary = summarizeFinishedSweep(s, done);
    ASSERT_EQ(summary.rows.size(), 2u);
    EXPECT_EQ(summary.rows[0].lr, 1e-3);
    EXPECT_EQ(summary.rows[0].runs, 2);
    EXPECT_NEAR(summary.rows[0].finalMean, 0.11, 1e-12);
    EXPECT_EQ(summary.rows[1].runs, 1);
    EXPECT_EQ(summary.chosenLr, 1e-2);
    // With every run present it agrees with the grid summary.
    std::vector<const RunResult*> all;
    for (auto& r : runs) {
        r.cancelled = false;
        all.push_back(&r);
    }
    const SweepSummary full = summarizeFinishedSweep(s, all), grid = summarizeSweep(s, runs);
    ASSERT_EQ(full.rows.size(), grid.rows.size());
    for (std::size_t i = 0; i < grid.rows.size(); ++i) {
        EXPECT_EQ(full.rows[i].finalMean, grid.rows[i].finalMean);
        EXPECT_EQ(full.rows[i].bestStd, grid.rows[i].bestStd);
    }
    EXPECT_EQ(full.chosenLr, grid.chosenLr);
}

TEST(Curve, SummarizesOnlyTheFinishedRunsOfAStoppedJob) {
    CurveConfig c;
    c.sizes = {100, 200, 500};
    c.seeds = 2;
    std::vector<RunResult> runs = {fakeRun(0, 0, 400), fakeRun(0, 0, 600), fakeRun(0, 0, 100),
                                   fakeRun(0, 0, 300), fakeRun(0, 0, 50),  fakeRun(0, 0, 70)};
    const auto configs = curveConfigs(c);
    for (std::size_t i = 0; i < runs.size(); ++i)
        runs[i].config = configs[i];
    runs[3].cancelled = true;
    const auto rows = summarizeFinishedCurve(c, {&runs[0], &runs[1], &runs[2], &runs[3]});
    ASSERT_EQ(rows.size(), 2u); // n = 500 never finished
    EXPECT_DOUBLE_EQ(rows[0].mseMean, 500);
    EXPECT_EQ(rows[1].n, 200);
    EXPECT_EQ(rows[1].runs, 1);
    EXPECT_DOUBLE_EQ(rows[1].mseMean, 100);
    // A run on the whole training split (trainSize 0) counts at its trainRows.
    RunResult whole = fakeRun(0, 0, 20);
    whole.trainRows = 500;
    EXPECT_EQ(summarizeFinishedCurve(c, {&whole}).front().n, 500);
}

TEST(Experiments, ParseNumberList) {
    EXPECT_EQ(parseNumberList("1e-5, 1e-4,1e-3"), (std::vector<double>{1e-5, 1e-4, 1e-3}));
    EXPECT_THROW(parseNumberList("1e-3,fast"), std::invalid_argument);
    EXPECT_THROW(parseNumberList(""), std::invalid_argument);
    EXPECT_THROW(parseNumberList("1e-3x"), std::invalid_argument);
}

TEST(Homework, RunsEndToEndAndReusesFinishedRuns) {
    const std::string path = test::demoDatasetPt();
    const Dataset data = loadDataset(path);
    HomeworkConfig config;
    config.base.hidden = 16;
    config.base.epochs = 8;
    config.base.evalEvery = 4;
    config.lrs = {1e-3, 1e-2};
    config.seeds = 2;
    config.sizes = {100, 300, 1000};
    const std::string dir = test::freshDir("homework");
    const HomeworkResult first = runHomework(data, config, dir, path, {});
    EXPECT_EQ(first.sweep.rows.size(), 2u);
    EXPECT_EQ(first.curve.size(), 3u);
    EXPECT_EQ(first.fits.size(), 5u);
    EXPECT_EQ(first.extrapolations.size(), 5u);
    EXPECT_EQ(first.reusedRuns, 0);
    EXPECT_EQ(first.final.config.lr, first.sweep.chosenLr);
    EXPECT_EQ(first.curveRuns[0].trainRows, 100);
    writeReport(first, dir, path);
    EXPECT_NE(readFile((fs::path(dir) / "report.md").string())
                  .find("Wall time of the session that wrote these runs"),
              std::string::npos);
    for (const char* f : {"report.md", "sweep.csv", "curve.csv", "fits.csv", "config.json",
                          "final/history.csv", "final/predictions.csv"})
        EXPECT_TRUE(fs::exists(fs::path(dir) / f)) << f;

    // Every run is on disk: a second call trains nothing and gives the same numbers.
    const HomeworkResult second = runHomework(data, config, dir, path, {});
    EXPECT_EQ(second.reusedRuns, 10);
    EXPECT_EQ(second.sweep.chosenLr, first.sweep.chosenLr);
    EXPECT_NEAR(second.curve[1].mseMean, first.curve[1].mseMean, 1e-6 * first.curve[1].mseMean);

    // A finished folder reads back without training.
    const HomeworkResult loaded = loadHomework(dir);
    EXPECT_EQ(loaded.sweep.chosenLr, first.sweep.chosenLr);
    EXPECT_EQ(loaded.train.n, 1500u);
    EXPECT_NEAR(loaded.curve[2].mseMean, first.curve[2].mseMean, 1e-6 * first.curve[2].mseMean);
    ASSERT_EQ(loaded.fits.size(), first.fits.size());
    EXPECT_EQ(loaded.fits[0].model, first.fits[0].model);
    // Its law ranking is the one the report was written with (ranking.json), not a new one.
    EXPECT_TRUE(fs::exists(fs::path(dir) / "ranking.json"));
    EXPECT_EQ(lawRankingCsv(loaded.ranking), readFile((fs::path(dir) / "fits.csv").string()));
    EXPECT_EQ(lawRankingJson(loaded.ranking), readFile((fs::path(dir) / "ranking.json").string()));
    // It tells the truth about the session that last ran there (the second: all reused).
    EXPECT_EQ(loaded.reusedRuns, 10);
    EXPECT_NEAR(loaded.seconds, second.seconds, 1e-9);
    fs::remove(fs::path(dir) / "session.json"); // an older folder: nothing is claimed
    EXPECT_LT(loadHomework(dir).seconds, 0);
    EXPECT_EQ(reportMarkdown(loadHomework(dir), path).find("Wall time"), std::string::npos);
    // Question 6 is the chosen learning rate's run with the lowest validation loss.
    for (const auto& r : first.sweepRuns) {
        if (r.config.lr == first.sweep.chosenLr) {
            EXPECT_LE(first.final.bestValLoss, r.bestValLoss);
        }
    }
    EXPECT_THROW(loadHomework(test::freshDir("not_a_homework")), std::runtime_error);

    // Other settings in the same folder are refused, not mixed in.
    HomeworkConfig other = config;
    other.base.hidden = 32;
    EXPECT_THROW(runHomework(data, other, dir, path, {}), std::invalid_argument);
}

TEST(Resumable, RetrainsOnlyMissingOrDifferentRuns) {
    const std::string path = test::demoDatasetPt();
    const Dataset data = loadDataset(path);
    std::vector<TrainConfig> configs(3);
    std::vector<std::string> dirs;
    const std::string dir = test::freshDir("resumable");
    for (int i = 0; i < 3; ++i) {
        configs[static_cast<std::size_t>(i)].hidden = 8;
        configs[static_cast<std::size_t>(i)].epochs = 3;
        configs[static_cast<std::size_t>(i)].seed = static_cast<std::uint64_t>(i);
        dirs.push_back(dir + "/run" + std::to_string(i));
    }
    int reused = -1;
    trainResumable(data, configs, dirs, path, {}, 1, &reused);
    EXPECT_EQ(reused, 0);
    fs::remove(fs::path(dirs[1]) / "summary.json"); // as if killed before it was saved
    configs[2].epochs = 4;                          // a changed setting must be retrained
    const auto again = trainResumable(data, configs, dirs, path, {}, 1, &reused);
    EXPECT_EQ(reused, 1);
    EXPECT_EQ(again[2].epochsDone, 4);
    EXPECT_TRUE(hasFinishedRun(dirs[1]));
}
