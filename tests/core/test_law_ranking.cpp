// The learning-curve laws ranked by forward validation (law_ranking.h) and the verification
// data at larger n (curve_verify.h).
#include "qm7/analysis/curve_verify.h"
#include "qm7/analysis/law_ranking.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/train/trainer.h"

#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <unistd.h>

using namespace qm7;

namespace {

/// Seed curves drawn from a law with multiplicative (log-normal) noise, and their mean curve.
struct Draw {
    std::vector<CurvePoint> mean;
    std::vector<std::vector<CurvePoint>> seeds;
};

Draw drawCurves(CurveModel model, const std::vector<double>& params,
                const std::vector<double>& sizes, int seeds, double noise, std::mt19937_64& rng) {
    std::normal_distribution<double> normal(0.0, noise);
    Draw d;
    d.seeds.resize(seeds);
    for (double n : sizes) {
        const double truth = evaluateCurve(model, params, n);
        std::vector<double> values;
        for (int s = 0; s < seeds; ++s) {
            values.push_back(truth * std::exp(normal(rng)));
            d.seeds[s].push_back(CurvePoint{n, values.back(), 0.0, false});
        }
        double m = 0, v = 0;
        for (double x : values)
            m += x / seeds;
        for (double x : values)
            v += (x - m) * (x - m) / (seeds - 1);
        d.mean.push_back(CurvePoint{n, m, std::sqrt(v), false});
    }
    return d;
}

struct Picks {
    int ranking = 0, aic = 0, draws = 0;
    std::map<std::string, int> rankingPicks, aicPicks;
};

Picks countPicks(CurveModel truth, const std::vector<double>& params,
                 const std::vector<double>& sizes, double noise, int draws) {
    std::mt19937_64 rng(12345);
    Picks p;
    for (int i = 0; i < draws; ++i) {
        const Draw d = drawCurves(truth, params, sizes, 3, noise, rng);
        const LawRanking r = rankLaws(d.mean, d.seeds, 4000);
        const std::string answer = r.answer() ? curveModelFormula(r.answer()->model) : "none";
        ++p.rankingPicks[answer];
        ++p.aicPicks[r.aicPick];
        p.ranking += answer == curveModelFormula(truth);
        p.aic += r.aicPick == curveModelFormula(truth);
        ++p.draws;
    }
    std::printf("true law %-14s: forward validation picks it in %d of %d draws, AIC in %d\n",
                curveModelFormula(truth).c_str(), p.ranking, p.draws, p.aic);
    for (const auto& [law, count] : p.rankingPicks)
        std::printf("    forward validation picked %-16s %3d times\n", law.c_str(), count);
    for (const auto& [law, count] : p.aicPicks)
        std::printf("    AIC picked                %-16s %3d times\n", law.c_str(), count);
    return p;
}

const std::vector<double> kHomeworkSizes = {100, 200, 500, 1000};
constexpr int kDraws = 40;
constexpr double kNoise = 0.05; // 5 % seed-to-seed spread, about what 1000 epochs give

} // namespace

TEST(LawRanking, PicksThePowerLawFromNoisyPowerLawCurves) {
    const Picks p = countPicks(CurveModel::Power, {3.0e5, 0.8}, kHomeworkSizes, kNoise, kDraws);
    EXPECT_GE(p.ranking * 10, p.draws * 6) << "a clear majority (60 %) expected";
}

TEST(LawRanking, PicksTheExponentialFromNoisyExponentialCurves) {
    const Picks p =
        countPicks(CurveModel::Exponential, {2.0e4, 0.002}, kHomeworkSizes, kNoise, kDraws);
    EXPECT_GE(p.ranking * 10, p.draws * 6) << "a clear majority (60 %) expected";
}

TEST(LawRanking, PicksPowerPlusConstantFromTheHomeworkSizesWhenTheFloorIsClear) {
    const Picks p =
        countPicks(CurveModel::PowerOffset, {1.0e6, 1.5, 200.0}, kHomeworkSizes, kNoise, kDraws);
    EXPECT_GE(p.ranking * 10, p.draws * 6) << "a clear majority (60 %) expected";
    // For the log: a floor that barely shows (A n^-1 + 300 up to n = 1500) is not found from
    // single-seed curves with 5 % noise; a three-parameter law needs more sizes or seeds.
    countPicks(CurveModel::PowerOffset, {2.0e5, 1.0, 300.0}, {100, 200, 500, 1000, 1500}, kNoise,
               kDraws);
}

TEST(LawRanking, SteepeningCurveIsFollowedByItsLargestSizes) {
    // A curve still bending out of its small-data regime toward its asymptotic power law, as
    // the demo's (local log-log slopes 0.33, 0.76, 1.25): e = A (n + 300)^-1.3, local slope
    // 1.3 n / (n + 300). Fitted on every size a power law averages the slopes and overshoots
    // n = 4000; forward validation should choose the fit without the smallest size, and its
    // prediction should be the closer one.
    auto truth = [](double n) { return 1.5e7 * std::pow(n + 300, -1.3); };
    std::mt19937_64 rng(777);
    std::normal_distribution<double> normal(0.0, kNoise);
    int windowed = 0, closer = 0, withinTwo = 0;
    for (int i = 0; i < kDraws; ++i) {
        std::vector<std::vector<CurvePoint>> seeds(3);
        std::vector<CurvePoint> mean;
        for (double n : kHomeworkSizes) {
            double m = 0;
            for (auto& s : seeds) {
                s.push_back(CurvePoint{n, truth(n) * std::exp(normal(rng)), 0.0, false});
                m += s.back().mean / 3;
            }
            double v = 0;
            for (auto& s : seeds)
                v += (s.back().mean - m) * (s.back().mean - m) / 2;
            mean.push_back(CurvePoint{n, m, std::sqrt(v), false});
        }
        const LawRanking r = rankLaws(mean, seeds, 4000);
        ASSERT_NE(r.answer(), nullptr);
        const LawScore& a = *r.answer();
        windowed += a.window > 0;
        const double err = std::fabs(std::log(a.band.value / truth(4000)));
        const FitResult all = fitCurve(a.model, mean);
        const double allErr =
            std::fabs(std::log(evaluateCurve(a.model, all.params, 4000) / truth(4000)));
        closer += err < allErr;
        withinTwo += err < std::log(2.0);
        if (a.window > 0) {
            EXPECT_EQ(a.windowFrom, 200);
            EXPECT_EQ(a.window, 3);
            EXPECT_NE(lawLabel(a).find("on n ≥ 200"), std::string::npos) << lawLabel(a);
            EXPECT_LE(a.forwardError, a.otherWindowForwardError);
            EXPECT_TRUE(a.allSizes.ok);
        }
    }
    std::printf(
        "steepening curve: fit without the smallest size chosen in %d of %d draws; the answer "
        "closer to the truth at n = 4000 than the same law on every size in %d, within "
        "2x in %d\n",
        windowed, kDraws, closer, withinTwo);
    EXPECT_GE(windowed * 10, kDraws * 6);
    EXPECT_GE(closer * 10, kDraws * 6);
    EXPECT_GE(withinTwo * 10, kDraws * 6);
}

TEST(LawRanking, StraightPowerLawKeepsEveryLawOnItsOwnSizesInTheCsv) {
    // Nothing to steepen: the CSV still says for each law which sizes it was fitted on.
    std::mt19937_64 rng(5);
    const Draw d = drawCurves(CurveModel::Power, {1e5, 0.5}, kHomeworkSizes, 3, kNoise, rng);
    const LawRanking r = rankLaws(d.mean, d.seeds, 4000);
    const std::string csv = lawRankingCsv(r);
    EXPECT_EQ(csv.rfind("rank,model,formula,fit_from_n,ok,", 0), 0u) << csv;
    for (const LawScore& s : r.laws) {
        EXPECT_EQ(s.window > 0, lawLabel(s) != curveModelFormula(s.model));
        if (s.window == 0) {
            EXPECT_EQ(s.fit.points, s.allSizes.points);
        }
    }
}

TEST(LawRanking, NeverAnswersWithANonPositivePrediction) {
    // A straight line that crosses zero before n = 4000: it fits well but cannot be the answer.
    std::mt19937_64 rng(7);
    for (int i = 0; i < 10; ++i) {
        const Draw d = drawCurves(CurveModel::Linear, {3000.0, 1.5}, kHomeworkSizes, 3, 0.02, rng);
        const LawRanking r = rankLaws(d.mean, d.seeds, 4000);
        for (const LawScore& s : r.laws) {
            if (evaluateCurve(s.model, s.fit.params, 4000) <= 0 || !s.fit.ok) {
                EXPECT_FALSE(s.usable) << curveModelFormula(s.model);
            }
        }
        if (const LawScore* a = r.answer()) {
            EXPECT_GT(a->band.value, 0);
            EXPECT_TRUE(std::isfinite(a->band.value));
            EXPECT_LE(a->band.lower, a->band.value);
            EXPECT_GE(a->band.upper, a->band.value);
            EXPECT_NE(a->model, CurveModel::Linear);
        }
    }
}

TEST(LawRanking, BandCarriesTheHeldOutErrorAndGrowsWithDistance) {
    std::mt19937_64 rng(3);
    const Draw d = drawCurves(CurveModel::Power, {3.0e5, 0.8}, kHomeworkSizes, 3, 0.1, rng);
    const LawRanking r = rankLaws(d.mean, d.seeds, 4000);
    ASSERT_NE(r.answer(), nullptr);
    const LawScore& a = *r.answer();
    ASSERT_TRUE(a.paramBand.ok);
    EXPECT_GT(a.forwardError, 0);
    // Wider than the covariance band: it includes how wrong the law was on held-out sizes.
    EXPECT_LT(a.band.lower, a.paramBand.lower);
    EXPECT_GT(a.band.upper, a.paramBand.upper);
    const Extrapolation near = predictWithHeldOutBand(a, 2000),
                        far = predictWithHeldOutBand(a, 8000);
    EXPECT_LT(std::log(near.upper / near.lower), std::log(far.upper / far.lower));
}

TEST(LawRanking, MarkdownNamesTheChosenLawAndMarksMeasuredPoints) {
    std::mt19937_64 rng(5);
    const Draw d = drawCurves(CurveModel::Power, {3.0e5, 0.8}, kHomeworkSizes, 3, 0.05, rng);
    const LawRanking r = rankLaws(d.mean, d.seeds, 4000);
    ASSERT_NE(r.answer(), nullptr);
    CurveRow inside;
    inside.n = 4000;
    inside.mseMean = r.answer()->band.value;
    inside.mseStd = 1;
    inside.runs = 3;
    const std::string md = lawRankingMarkdown(r, {inside}, {});
    EXPECT_NE(md.find("**Answer.** The learning curve follows **" +
                      curveModelFormula(r.answer()->model) + "**"),
              std::string::npos)
        << md;
    EXPECT_NE(md.find("within a factor of 2"), std::string::npos) << md;
    EXPECT_NE(md.find("kcal²/mol²"), std::string::npos);
    const std::string csv = lawRankingCsv(r);
    EXPECT_NE(csv.find("forward_ln_error"), std::string::npos);
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + static_cast<long>(r.laws.size()));
}

TEST(LawRanking, ShortRealRunNeverNamesAnUnusablePrediction) {
    const std::string demo = demoDataPath();
    ASSERT_FALSE(demo.empty()) << "the bundled demo molecules are missing";
    const Dataset data = loadDataSource(demo);
    std::vector<TrainConfig> configs;
    for (int n : {50, 100, 200, 400})
        for (int seed = 0; seed < 2; ++seed) {
            TrainConfig c;
            c.hidden = 16;
            c.epochs = 8;
            c.batchSize = 50;
            c.evalEvery = 4;
            c.seed = static_cast<std::uint64_t>(seed);
            c.trainSize = n;
            configs.push_back(c);
        }
    TrainOptions options;
    options.threads = 1;
    const std::vector<RunResult> runs = trainMany(data, configs, options);
    CurveConfig curve{configs.front(), {50, 100, 200, 400}, 2};
    const auto rows = summarizeCurve(curve, runs);
    const LawRanking r = rankLaws(curvePoints(rows), perSeedCurves(runs), 4000);
    const std::string md = lawRankingMarkdown(r, {}, {});
    for (const LawScore& s : r.laws) {
        const bool finitePositive = std::isfinite(s.band.value) && s.band.value > 0;
        if (!finitePositive || !std::isfinite(s.forwardError)) {
            EXPECT_FALSE(s.usable) << curveModelFormula(s.model);
        }
    }
    if (const LawScore* a = r.answer()) {
        EXPECT_TRUE(std::isfinite(a->band.value) && a->band.value > 0);
        EXPECT_TRUE(std::isfinite(a->forwardError));
    } else {
        EXPECT_NE(md.find("**No answer.**"), std::string::npos) << md;
    }
    std::printf("%s\n", md.c_str());
}

TEST(CurveVerify, MoleculesOutsideValidationAndTestExtendTheTrainingSplit) {
    const std::string demo = demoDataPath();
    ASSERT_FALSE(demo.empty());
    const BuildResult base = loadDataSourceDetailed(demo);
    const Dataset big = verificationData(demo, 4000);
    const std::size_t d = static_cast<std::size_t>(base.data.d);
    EXPECT_EQ(big.d, base.data.d);
    EXPECT_GE(big.train.rows(), 4000u);
    const std::size_t all =
        base.molecules.train.size() + base.molecules.val.size() + base.molecules.test.size();
    const MoleculeSource ms = readMolecules(demo);
    EXPECT_EQ(big.train.rows() + big.val.rows() + big.test.rows(), ms.molecules.size());
    EXPECT_LE(all, ms.molecules.size());
    // Validation and test are untouched; the training split comes first, in order.
    EXPECT_EQ(big.val.X, base.data.val.X);
    EXPECT_EQ(big.test.X, base.data.test.X);
    EXPECT_EQ(big.val.y, base.data.val.y);
    ASSERT_GE(big.train.X.size(), base.data.train.X.size());
    EXPECT_TRUE(
        std::equal(base.data.train.X.begin(), base.data.train.X.end(), big.train.X.begin()));
    EXPECT_EQ(big.train.X.size(), big.train.rows() * d);
    // No row of the extension is a test row (labels and features both equal).
    for (std::size_t i = base.data.train.rows(); i < big.train.rows(); i += 97)
        for (std::size_t j = 0; j < big.test.rows(); ++j)
            ASSERT_FALSE(big.train.y[i] == big.test.y[j] &&
                         std::equal(big.train.X.begin() + i * d, big.train.X.begin() + (i + 1) * d,
                                    big.test.X.begin() + j * d))
                << "training row " << i << " is test row " << j;
    // More than there are: the message says how many there are and how many are needed.
    const std::string why = verificationProblem(demo, 100000);
    EXPECT_NE(why.find(std::to_string(big.train.rows())), std::string::npos) << why;
    EXPECT_NE(why.find("100000"), std::string::npos) << why;
    EXPECT_EQ(verificationProblem(demo, 4000), "");
}

TEST(CurveVerify, DatasetPtWithTooFewRowsSaysHowManyAndHowManyNeeded) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const std::string dir = test::freshDir("law-ranking-pt-" + std::to_string(::getpid()));
    std::string out;
    ASSERT_EQ(test::runPython("make_datasets.py", {dir}, &out), 0) << out;
    const std::string pt = dir + "/good.pt"; // 60 training rows
    const std::string why = verificationProblem(pt, 2000);
    EXPECT_NE(why.find("has 60 training rows"), std::string::npos) << why;
    EXPECT_NE(why.find("needs 2000"), std::string::npos) << why;
    EXPECT_THROW(verificationData(pt, 2000), std::invalid_argument);
    EXPECT_EQ(verificationProblem(pt, 50), "");
}

TEST(LawRanking, RankingJsonReadsBackTheSameRanking) {
    // ranking.json (written beside fits.csv) is what a report rendered later draws: read back,
    // it writes the same fits.csv and markdown, non-finite errors included.
    std::mt19937_64 rng(5);
    const Draw d = drawCurves(CurveModel::Power, {3.0e5, 0.8}, kHomeworkSizes, 3, kNoise, rng);
    LawRanking r = rankLaws(d.mean, d.seeds, 4000);
    ASSERT_FALSE(r.laws.empty());
    r.laws.back().forwardError = std::numeric_limits<double>::infinity();
    r.laws.back().otherWindowForwardError = std::numeric_limits<double>::quiet_NaN();
    const LawRanking back = lawRankingFromJson(lawRankingJson(r));
    EXPECT_EQ(lawRankingCsv(back), lawRankingCsv(r));
    EXPECT_EQ(lawRankingMarkdown(back, {}, {}), lawRankingMarkdown(r, {}, {}));
    EXPECT_EQ(lawRankingJson(back), lawRankingJson(r));
    EXPECT_EQ(back.chosen, r.chosen);
    EXPECT_TRUE(std::isinf(back.laws.back().forwardError));
    EXPECT_TRUE(std::isnan(back.laws.back().otherWindowForwardError));
    ASSERT_EQ(back.laws.front().fit.covariance.size(), r.laws.front().fit.covariance.size());
    const Extrapolation a = predictWithHeldOutBand(back.laws.front(), 8000),
                        b = predictWithHeldOutBand(r.laws.front(), 8000);
    EXPECT_EQ(a.lower, b.lower);
    EXPECT_EQ(a.upper, b.upper);
    // It belongs to its own curve, target and options only.
    EXPECT_TRUE(rankingMatches(back, d.mean, 4000, FitOptions{}));
    EXPECT_FALSE(rankingMatches(back, d.mean, 5000, FitOptions{}));
    FitOptions linear;
    linear.logSpace = false;
    EXPECT_FALSE(rankingMatches(back, d.mean, 4000, linear));
    std::vector<CurvePoint> other = d.mean;
    other[1].mean *= 1.01;
    EXPECT_FALSE(rankingMatches(back, other, 4000, FitOptions{}));
    other = d.mean;
    other[0].excluded = true;
    EXPECT_FALSE(rankingMatches(back, other, 4000, FitOptions{}));
    EXPECT_THROW(lawRankingFromJson("{\"format\": \"qm7 law ranking\"}"), std::runtime_error);
    EXPECT_THROW(lawRankingFromJson("not json"), std::runtime_error);
}
