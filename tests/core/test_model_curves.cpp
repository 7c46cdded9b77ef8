// The learning-curve figure of several models (model_curves.h): sizes and models parsed and
// checked, each point a one-fold study that learned from exactly n molecules, the slope equal to
// a least-squares line through log n and log MAE worked out here, points read back from disk,
// curves.csv from the one writer, and the invariant network's budget at small sizes.
#include "qm7/analysis/model_curves.h"

#include "qm7/io/csv_table.h"
#include "qm7/util/atomic_file.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

namespace fs = std::filesystem;

namespace {

qm7::MoleculeSource demo1000() {
    qm7::MoleculeSource s;
    s.molecules = qm7::test::demoMolecules();
    s.molecules.resize(1000);
    return s;
}

qm7::ModelCurvesConfig krrCurves(const std::string& out) {
    qm7::ModelCurvesConfig c;
    c.out = out;
    c.sourceName = "demo";
    c.sizes = {50, 100, 200, 400};
    c.models = {qm7::parseCurveModel("krr-sorted"), qm7::parseCurveModel("krr-bob")};
    return c;
}

/// Slope of the least-squares line through (ln x, ln y).
double logLogSlope(const std::vector<double>& x, const std::vector<double>& y) {
    double mx = 0, my = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        mx += std::log(x[i]) / x.size();
        my += std::log(y[i]) / y.size();
    }
    double sxy = 0, sxx = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxy += (std::log(x[i]) - mx) * (std::log(y[i]) - my);
        sxx += (std::log(x[i]) - mx) * (std::log(x[i]) - mx);
    }
    return sxy / sxx;
}

struct Points : qm7::ModelCurvesObserver {
    void onPoint(const qm7::CurveModelSpec&, int, int, int t) override {
        ++points;
        total = t;
    }
    void onFoldStart(int, const qm7::FoldSplit& split) override {
        trained.push_back(static_cast<int>(split.train.size()));
    }
    void onFoldDone(const qm7::FoldResult&, bool fromDisk) override { disk += fromDisk ? 1 : 0; }
    int points = 0, total = 0, disk = 0;
    std::vector<int> trained;
};

} // namespace

TEST(ModelCurves, SizesAndModelsAreParsedAndChecked) {
    EXPECT_EQ(qm7::parseCurveSizes("100, 300,1000 all"), (std::vector<int>{100, 300, 1000, 0}));
    EXPECT_THROW(qm7::parseCurveSizes("100,3e2"), std::invalid_argument);
    EXPECT_THROW(qm7::parseCurveSizes("-5"), std::invalid_argument);
    qm7::ModelCurvesConfig c;
    EXPECT_EQ(qm7::validateModelCurves(c), "");
    c.sizes = {300, 100};
    EXPECT_NE(qm7::validateModelCurves(c).find("must increase"), std::string::npos);
    c.sizes = {0, 100};
    EXPECT_NE(qm7::validateModelCurves(c).find("last"), std::string::npos);
    c.sizes = {1};
    EXPECT_NE(qm7::validateModelCurves(c).find("at least 2"), std::string::npos);
    c.sizes = {};
    EXPECT_NE(qm7::validateModelCurves(c), "");
    c.sizes = {100};
    c.models = {qm7::parseCurveModel("krr-bob"), qm7::parseCurveModel("krr-bob")};
    EXPECT_NE(qm7::validateModelCurves(c).find("twice"), std::string::npos);
    c.models.clear();
    EXPECT_NE(qm7::validateModelCurves(c), "");

    for (const qm7::CurveModelSpec& spec : qm7::defaultCurveModels()) {
        const qm7::CurveModelSpec back = qm7::parseCurveModel(qm7::curveModelKey(spec));
        EXPECT_EQ(back.model, spec.model);
        EXPECT_EQ(qm7::curveModelKey(back), qm7::curveModelKey(spec));
    }
    EXPECT_EQ(qm7::curveModelKey(qm7::parseCurveModel("mlp")), "mlp-sorted");
    EXPECT_THROW(qm7::parseCurveModel("krr-random-sorted"), std::invalid_argument);
    EXPECT_THROW(qm7::parseCurveModel("svm"), std::invalid_argument);
}

TEST(ModelCurves, EachPointLearnsFromItsSizeAndTheSlopeIsTheLogLogLine) {
    const std::string out = qm7::test::freshDir("model_curves_krr");
    const qm7::ModelCurvesConfig config = krrCurves(out);
    Points seen;
    const qm7::ModelCurvesResult result = qm7::runModelCurves(demo1000(), config, &seen);
    ASSERT_FALSE(result.cancelled);
    EXPECT_EQ(seen.total, 8);
    EXPECT_EQ(seen.trained, (std::vector<int>{50, 100, 200, 400, 50, 100, 200, 400}));
    ASSERT_EQ(result.curves.size(), 2u);
    EXPECT_EQ(result.curves[0].key, "krr-sorted");
    EXPECT_EQ(result.curves[1].key, "krr-bob");
    for (const qm7::ModelCurve& c : result.curves) {
        ASSERT_EQ(c.points.size(), 4u);
        std::vector<double> n, mae;
        for (std::size_t i = 0; i < c.points.size(); ++i) {
            const qm7::FoldResult& r = c.points[i].result;
            EXPECT_EQ(r.trainRows, config.sizes[i]);
            EXPECT_EQ(c.points[i].size, config.sizes[i]);
            // sigma and lambda chosen on validation, no refit with it: n is what it learned
            EXPECT_NE(r.fingerprint.find("refit no"), std::string::npos) << r.fingerprint;
            n.push_back(r.trainRows);
            mae.push_back(r.test.mae);
        }
        // More molecules, smaller errors: four points of a falling curve.
        EXPECT_LT(mae.back(), mae.front()) << c.key;
        ASSERT_TRUE(c.fit.ok) << c.fit.message;
        EXPECT_NEAR(c.slope(), logLogSlope(n, mae), 1e-6) << c.key;
        EXPECT_LT(c.slope(), 0);
    }
    // Bag of Bonds learns faster than sorted Coulomb matrices at 400 molecules.
    EXPECT_LT(result.curves[1].points.back().result.test.mae,
              result.curves[0].points.back().result.test.mae);

    // curves.csv: what was collected, from the one writer, read back with the CSV reader.
    const std::string csvPath = (fs::path(out) / "curves.csv").string();
    EXPECT_EQ(qm7::readFile(csvPath), qm7::modelCurvesCsv(result.curves));
    const qm7::CsvTable table = qm7::readCsvTable(csvPath);
    ASSERT_EQ(table.rows.size(), 8u);
    EXPECT_EQ(table.header[4], "test_mae");
    double first = 0;
    ASSERT_TRUE(qm7::csvNumber(table.rows[0][4], first));
    EXPECT_NEAR(first, result.curves[0].points[0].result.test.mae, 1e-6);
    EXPECT_EQ(table.rows[0][1], "KRR, sorted CM");

    // A rerun reads every point and gives the same curves.
    Points again;
    const qm7::ModelCurvesResult reread = qm7::runModelCurves(demo1000(), config, &again);
    EXPECT_TRUE(again.trained.empty());
    EXPECT_EQ(again.disk, 8);
    EXPECT_EQ(qm7::modelCurvesCsv(reread.curves), qm7::modelCurvesCsv(result.curves));
    EXPECT_NE(qm7::modelCurvesMarkdown(reread.curves).find("| KRR, Bag of Bonds | 400 |"),
              std::string::npos);
}

TEST(ModelCurves, CancelStopsAndADamagedPointIsNamed) {
    const std::string out = qm7::test::freshDir("model_curves_cancel");
    qm7::TrainControl control;
    control.cancel = true;
    const qm7::ModelCurvesResult r =
        qm7::runModelCurves(demo1000(), krrCurves(out), nullptr, &control);
    EXPECT_TRUE(r.cancelled);
    EXPECT_TRUE(r.curves.empty());

    EXPECT_TRUE(qm7::collectModelCurves(out + "/absent").empty());
    fs::create_directories(fs::path(out) / "krr-bob-n100" / "fold-0");
    qm7::writeFileAtomically((fs::path(out) / "krr-bob-n100" / "fold-0" / "result.json").string(),
                             "{\"fold\": 0, \"model\": ");
    try {
        qm7::collectModelCurves(out);
        FAIL() << "a damaged result.json must be named";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("krr-bob-n100"), std::string::npos) << e.what();
    }
}

TEST(ModelCurves, TheInvariantNetworkMakesEnoughStepsAtSmallSizes) {
    qm7::ModelCurvesConfig c;
    c.out = "curves";
    const qm7::CurveModelSpec invariant = qm7::parseCurveModel("invariant");
    // 100 molecules in batches of 32 are 4 steps per epoch: 4000 steps need 1000 epochs,
    // validated every 12 epochs (about 80 validations, as at full size).
    const qm7::CvStudyConfig small = qm7::modelCurveStudy(c, invariant, 100);
    EXPECT_EQ(small.settings.invariant.epochs, 1000);
    EXPECT_EQ(small.settings.invariant.evalEvery, 12);
    EXPECT_EQ(small.trainSize, 100);
    EXPECT_EQ(small.onlyFold, 0);
    EXPECT_EQ(fs::path(small.out).filename().string(), "invariant-n100");
    // 3000 molecules: 94 steps per epoch, 80 epochs are 7520 steps: the recipe as it is.
    const qm7::CvStudyConfig large = qm7::modelCurveStudy(c, invariant, 3000);
    EXPECT_EQ(large.settings.invariant.epochs, 80);
    EXPECT_EQ(large.settings.invariant.evalEvery, 1);
    const qm7::CvStudyConfig all = qm7::modelCurveStudy(c, invariant, 0);
    EXPECT_EQ(all.settings.invariant.epochs, 80);
    EXPECT_EQ(fs::path(all.out).filename().string(), "invariant-nall");
    // The paper's network: the configured steps at every size.
    c.paperSteps = 1234;
    EXPECT_EQ(qm7::modelCurveStudy(c, qm7::parseCurveModel("paper"), 100).settings.paper.steps,
              1234);
}
