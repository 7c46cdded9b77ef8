// The one report writer: report.md and the CSV tables from runs, rounding, bands.
#include "qm7/analysis/report.h"
#include "qm7/util/atomic_file.h"
#include "test_support.h"

#include <algorithm>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <regex>

using namespace qm7;
namespace fs = std::filesystem;

namespace {

/// A finished run with the numbers a report reads.
RunResult fakeRun(double lr, std::uint64_t seed, int trainSize, double val, double rmse) {
    RunResult r;
    r.config.lr = lr;
    r.config.seed = seed;
    r.config.trainSize = trainSize;
    r.config.hidden = 64;
    r.trainRows = trainSize;
    r.bestValLoss = val;
    r.finalValLoss = val * 1.1;
    r.test.rmse = rmse;
    r.test.mae = 0.8 * rmse;
    r.test.mse = rmse * rmse;
    r.testTrue = {-1000.0f, -1500.0f};
    r.testPred = {-1000.0f - static_cast<float>(rmse), -1500.0f + static_cast<float>(rmse)};
    r.epochsDone = 10;
    r.bestEpoch = 10;
    return r;
}

struct Session {
    std::vector<RunResult> sweep, curve;
    HomeworkInputs inputs;
    Session() {
        inputs.sweep.lrs = {1e-4, 1e-3, 1e-2};
        inputs.sweep.seeds = 2;
        for (double lr : inputs.sweep.lrs)
            for (std::uint64_t s = 0; s < 2; ++s)
                sweep.push_back(
                    fakeRun(lr, s, 0, lr == 1e-3 ? 0.1 + 0.05 * double(1 - s) : 0.5, 10 + s));
        inputs.curve.sizes = {100, 200, 500, 1000};
        inputs.curve.seeds = 2;
        inputs.curve.base.lr = 1e-3;
        for (int n : inputs.curve.sizes)
            for (std::uint64_t s = 0; s < 2; ++s)
                curve.push_back(fakeRun(1e-3, s, n, 0.1,
                                        400.0 / std::sqrt(n) * (1 + 0.05 * s + 0.1 * std::sin(n))));
        for (const auto& r : sweep)
            inputs.sweepRuns.push_back(&r);
        for (const auto& r : curve)
            inputs.curveRuns.push_back(&r);
        inputs.d = 276;
        inputs.atoms = 23;
        inputs.train.n = 1500;
        inputs.train.mean = -1535.7;
        inputs.train.std = 224.0;
    }
};

} // namespace

TEST(Report, FormatsValuesToTheirStandardError) {
    EXPECT_EQ(formatWithError(194985, 258195), "1.9e5 ± 2.6e5");
    EXPECT_EQ(formatWithError(3.456, 0.123), "3.46 ± 0.12");
    EXPECT_EQ(formatWithError(1234.5, 56.7), "1235 ± 57");
    EXPECT_EQ(formatWithError(0.01234, 0.00056), "0.01234 ± 0.00056");
    EXPECT_EQ(formatWithError(90123, 18765), "9.0e4 ± 1.9e4");
    EXPECT_EQ(formatWithError(168200.0000026, 3.5e-10), "1.68200e5 ± 3.5e-10"); // six digits
    EXPECT_EQ(formatWithError(86171.3, INFINITY), "8.62e4 ± inf");
    EXPECT_EQ(formatWithError(2.0, 0.996), "2.0 ± 1.0"); // 0.996 rounds up a digit
    EXPECT_EQ(formatWithError(5e-5, 1e-6), "5.00e-5 ± 1.0e-6");
    EXPECT_EQ(formatWithError(-0.001, 0.5), "0.00 ± 0.50"); // no "-0.00"
    EXPECT_EQ(formatWithError(12.0, 0.0), "12.0 ± 0");
    EXPECT_EQ(formatWithError(12.0, INFINITY), "12.0 ± inf");
}

TEST(Report, ExtrapolatesWithStudentsT) {
    std::vector<CurvePoint> points;
    for (double n : {100.0, 200.0, 500.0, 1000.0})
        points.push_back({n, 5000 * std::pow(n, -0.6) * (n == 200 ? 1.1 : 1.0), 50, false});
    const FitResult fit = fitCurve(CurveModel::Power, points);
    ASSERT_TRUE(fit.ok);
    ASSERT_EQ(fit.dof, 2);
    const Extrapolation t = extrapolate95(fit, 4000);
    const Extrapolation z = extrapolate(fit, 4000, 1.96);
    ASSERT_TRUE(t.ok && z.ok);
    // In log space the band is exp(±k sd): its log-width grows with k exactly.
    const double ratio = std::log(t.upper / t.value) / std::log(z.upper / z.value);
    EXPECT_NEAR(ratio, studentTQuantile(0.95, 2) / 1.96, 1e-9);
    EXPECT_NEAR(studentTQuantile(0.95, 2), 4.303, 1e-3);
}

TEST(Report, AnswersEveryQuestionFromASessionsRuns) {
    Session session;
    session.inputs.representations = {
        summarizeRepresentation("cm", 276, session.inputs.curveRuns),
        summarizeRepresentation("sorted", 276, {&session.sweep[2], &session.sweep[3]})};
    session.inputs.seconds = 12.4;
    session.inputs.reusedRuns = 3;
    const HomeworkResult r = homeworkFromRuns(session.inputs);
    EXPECT_EQ(r.sweep.chosenLr, 1e-3);
    // Question 6: the chosen lr's run with the lowest validation loss (seed 1 here), not seed 0.
    EXPECT_EQ(r.final.config.lr, 1e-3);
    EXPECT_EQ(r.final.config.seed, 1u);
    ASSERT_EQ(r.curve.size(), 4u);
    ASSERT_FALSE(r.fits.empty());
    const std::string md = reportMarkdown(r, "demo");
    for (const char* heading : {"## 1-2. Data", "## 3. Batches", "## 4. Network and initialization",
                                "## 5. Learning rate", "## 6. Test set (lr 0.001, seed 1)",
                                "## 7. Learning curve", "## 8. Permutation"})
        EXPECT_NE(md.find(heading), std::string::npos) << heading << "\n" << md;
    EXPECT_NE(md.find("reshuffles its training set every epoch"), std::string::npos);
    EXPECT_NE(md.find("U(-1/√d, 1/√d)"), std::string::npos);
    EXPECT_NE(md.find("| sorted | 276 | 2 |"), std::string::npos) << md;
    // True to the session: 14 runs, 3 of them reused.
    EXPECT_NE(md.find("12 s (11 runs trained, 3 reused from an earlier session)"),
              std::string::npos)
        << md;
    // Fitted parameters are rounded to their standard error: no six-digit numbers.
    const std::regex longNumber("= -?[0-9]{5,}");
    EXPECT_FALSE(std::regex_search(md, longNumber)) << md;
    EXPECT_EQ(md.find("-0.00"), std::string::npos);
}

TEST(Report, LeavesOutWhatTheSessionDidNotDo) {
    Session session;
    session.inputs.curveRuns.clear();
    const HomeworkResult r = homeworkFromRuns(session.inputs);
    const std::string md = reportMarkdown(r, "demo");
    EXPECT_NE(md.find("## 5. Learning rate"), std::string::npos);
    EXPECT_EQ(md.find("## 7."), std::string::npos);
    EXPECT_EQ(md.find("## 8."), std::string::npos);
    EXPECT_EQ(md.find("Wall time"), std::string::npos); // unknown: not claimed
    EXPECT_EQ(md.find("95% band"), std::string::npos);
    // The chosen rate is the middle one here; at an end of the range the report says so.
    EXPECT_EQ(md.find("optimum may lie beyond"), std::string::npos);
    session.inputs.sweep.lrs = {1e-3, 1e-2};
    session.inputs.sweepRuns.erase(session.inputs.sweepRuns.begin(),
                                   session.inputs.sweepRuns.begin() + 2);
    EXPECT_NE(reportMarkdown(homeworkFromRuns(session.inputs), "demo")
                  .find("smallest rate tried: the optimum may lie beyond the range"),
              std::string::npos);
}

TEST(Report, BandNoteOnlyWhereABandIsShown) {
    Session session;
    // Two sizes: the two-parameter fits have no degrees of freedom, hence no band.
    session.inputs.curve.sizes = {100, 1000};
    session.inputs.curveRuns = {&session.curve[0], &session.curve[1], &session.curve[6],
                                &session.curve[7]};
    const HomeworkResult r = homeworkFromRuns(session.inputs);
    for (const auto& e : r.extrapolations)
        EXPECT_FALSE(e.ok);
    const std::string md = reportMarkdown(r, "demo");
    // No law can be validated on held-out sizes with two sizes: no band in any cell, no answer.
    EXPECT_FALSE(std::regex_search(md, std::regex("\\[[-0-9.e+]+, [-0-9.e+]+\\]"))) << md;
    EXPECT_EQ(md.find("Bands: "), std::string::npos) << md;
    const std::string csv = lawRankingCsv(r.ranking);
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 6) << csv; // a header and five laws
    // With four sizes there are bands, and the note saying what they cover comes with them.
    const std::string full = reportMarkdown(homeworkFromRuns(Session().inputs), "demo");
    EXPECT_TRUE(std::regex_search(full, std::regex("\\[[-0-9.e+]+, [-0-9.e+]+\\]"))) << full;
    EXPECT_NE(full.find("Bands: "), std::string::npos) << full;
}

TEST(Report, WritesEveryTableAtomically) {
    Session session;
    session.inputs.representations = {
        summarizeRepresentation("eigen", 23, session.inputs.curveRuns)};
    const std::string dir = test::freshDir("report_tables");
    writeReport(homeworkFromRuns(session.inputs), dir, "demo", {"figures/parity.png"});
    for (const char* f : {"report.md", "sweep.csv", "curve.csv", "fits.csv", "representations.csv"})
        EXPECT_TRUE(fs::exists(fs::path(dir) / f)) << f;
    for (const auto& e : fs::directory_iterator(dir))
        EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();
    EXPECT_EQ(readFile(dir + "/representations.csv").substr(0, 22), "representation,d,runs,");
    EXPECT_NE(readFile(dir + "/representations.csv").find("\neigen,23,8,"), std::string::npos);
    EXPECT_NE(readFile(dir + "/report.md").find("![figures/parity.png](figures/parity.png)"),
              std::string::npos);
}
