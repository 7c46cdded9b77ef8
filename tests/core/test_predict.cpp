// Predictions for new molecules with run folders (qm7/analysis/predict.h): demo molecules written
// to an .xyz and read back, predicted by a kernel ridge regression fold and by a small deep run on
// randomly sorted, expanded Coulomb matrices; molecules the models must refuse get their reason.
#include "qm7/analysis/deep_recipe.h"
#include "qm7/analysis/predict.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {

/// Frames every model must refuse: an element QM7 lacks, 24 atoms, two atoms at one place.
std::string badFrames() {
    std::string s = "2\nname=silane_part\nSi 0 0 0\nH 1.5 0 0\n";
    s += "24\nname=long_chain\n";
    for (int i = 0; i < 24; ++i)
        s += "H " + std::to_string(1.1 * i) + " 0 0\n";
    s += "3\nname=clash\nC 0 0 0\nH 1.1 0 0\nH 1.1 0 0\n";
    return s;
}

void expectRefusals(const std::vector<qm7::PredictedMolecule>& p, std::size_t first) {
    ASSERT_EQ(p.size(), first + 3);
    EXPECT_EQ(p[first].name, "silane_part");
    EXPECT_NE(p[first].reason.find("element Si (Z = 14)"), std::string::npos) << p[first].reason;
    EXPECT_EQ(p[first + 1].atoms, 24);
    EXPECT_NE(p[first + 1].reason.find("24 atoms, more than the 23"), std::string::npos)
        << p[first + 1].reason;
    EXPECT_NE(p[first + 2].reason.find("atoms 2 and 3 are at the same place"), std::string::npos)
        << p[first + 2].reason;
    for (std::size_t i = first; i < p.size(); ++i) {
        EXPECT_FALSE(p[i].predicted());
        EXPECT_TRUE(std::isnan(p[i].energy));
    }
}

TEST(Predict, KrrFoldPredictsDemoMoleculesFromAnXyzAndRefusesBadOnes) {
    const qm7::test::QuickFold fold = qm7::test::quickKrrFold("predict_krr");
    if (fold.dir.empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    ASSERT_GT(fold.testRmse, 0.0);
    // Five test molecules of typical size (the smallest QM7 molecules are outliers of their own).
    std::vector<qm7::Molecule> five;
    std::vector<float> foldPred;
    for (std::size_t i = 0; i < fold.test.size() && five.size() < 5; ++i) {
        if (fold.test[i].atoms() >= 10) {
            five.push_back(fold.test[i]);
            foldPred.push_back(fold.testPred[i]);
        }
    }
    ASSERT_EQ(five.size(), 5u);
    const std::string xyz = fold.dir + "/new.xyz";
    qm7::test::writeXyz(xyz, five, badFrames());
    const std::vector<qm7::Molecule> read = qm7::readMoleculesToPredict(xyz);
    ASSERT_EQ(read.size(), 8u);

    const qm7::MoleculePredictor predictor(fold.dir);
    EXPECT_FALSE(predictor.randomDraws());
    EXPECT_EQ(predictor.description(), "krr model (sorted Coulomb matrices)");
    const auto p = predictor.predict(read);
    for (std::size_t i = 0; i < five.size(); ++i) {
        SCOPED_TRACE(five[i].name);
        EXPECT_EQ(p[i].name, five[i].name);
        EXPECT_EQ(p[i].atoms, five[i].atoms());
        ASSERT_TRUE(p[i].predicted()) << p[i].reason;
        ASSERT_TRUE(std::isfinite(p[i].energy));
        EXPECT_TRUE(std::isnan(p[i].spread));        // sorted matrices: one deterministic input
        EXPECT_NEAR(p[i].energy, foldPred[i], 0.01); // the fold's own model
        EXPECT_NEAR(p[i].energy, five[i].energy, 3 * fold.testRmse); // within its test error
        EXPECT_NEAR(p[i].reference, five[i].energy, 1e-3);
    }
    expectRefusals(p, five.size());
}

TEST(Predict, DeepRunOnExpandedInputsGivesASpreadAndRefusesBadOnes) {
    const auto& demo = qm7::test::demoMolecules();
    if (demo.empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    qm7::MoleculeSplits splits;
    splits.train.assign(demo.begin() + 100, demo.begin() + 300);
    splits.val.assign(demo.begin() + 300, demo.begin() + 350);
    splits.test.assign(demo.begin() + 350, demo.begin() + 400);
    qm7::DeepConfig c;
    c.layers = {16};
    c.steps = 200;
    c.evalEvery = 100;
    c.evalDraws = 2;
    const qm7::DeepRun run = qm7::trainPaperRecipe(splits, c);
    const std::string dir = qm7::test::freshDir("predict_deep");
    qm7::saveDeepRun(run, dir, "demo");
    const std::vector<qm7::Molecule> two = {demo[1], demo[360]}; // ethane and a test molecule
    qm7::test::writeXyz(dir + "/new.xyz", two, badFrames());

    const qm7::MoleculePredictor predictor(dir);
    EXPECT_TRUE(predictor.randomDraws());
    EXPECT_NE(predictor.description(5).find("over 5 random sortings"), std::string::npos);
    const auto p = predictor.predict(qm7::readMoleculesToPredict(dir + "/new.xyz"), 5);
    for (std::size_t i = 0; i < two.size(); ++i) {
        ASSERT_TRUE(p[i].predicted()) << p[i].reason;
        EXPECT_TRUE(std::isfinite(p[i].energy));
        // 200 steps: far from converged, but on the scale of QM7's energies (-800 .. -2200).
        EXPECT_NEAR(p[i].energy, two[i].energy, 900) << two[i].name;
    }
    EXPECT_GT(p[0].spread, 0.0); // six equal H atoms: the random sortings differ
    expectRefusals(p, two.size());
    EXPECT_THROW(predictor.predict(two, 0), std::invalid_argument);
}

TEST(Predict, FoldersThatCannotPredictSayWhy) {
    const std::string dir = qm7::test::freshDir("predict_norun");
    try {
        qm7::MoleculePredictor predictor(dir);
        FAIL() << "an empty folder loaded";
    } catch (const qm7::PredictError& e) {
        EXPECT_NE(std::string(e.what()).find("no model.json"), std::string::npos) << e.what();
    }
    EXPECT_THROW(qm7::MoleculePredictor(dir + "/absent"), qm7::PredictError);
    std::ofstream(dir + "/model.json") << "{\"model\": \"krr\"";
    try {
        qm7::MoleculePredictor predictor(dir);
        FAIL() << "a damaged model.json loaded";
    } catch (const qm7::PredictError& e) {
        EXPECT_NE(std::string(e.what()).find("is damaged"), std::string::npos) << e.what();
    }
}

} // namespace
