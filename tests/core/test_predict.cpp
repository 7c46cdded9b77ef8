// Predictions for new molecules with run folders (qm7/analysis/predict.h): demo molecules written
// to an .xyz and read back, predicted by a kernel ridge regression fold, by a small deep run on
// randomly sorted, expanded Coulomb matrices and by small runs of the homework's network trained
// on the demo molecules (Coulomb matrices, sorted, eigenspectra); molecules the models must
// refuse get their reason, molecules the run was fitted on are marked, runs that cannot predict
// molecules say why.
#include "qm7/analysis/deep_recipe.h"
#include "qm7/analysis/predict.h"
#include "qm7/chem/augmentation.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/chem/xyz_reader.h"
#include "qm7/train/run_store.h"
#include "qm7/train/threads.h"
#include "qm7/train/trainer.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

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

namespace {

/// A small run of the homework's network (p = 24, 300 of the 1500 training rows, 12 epochs) on the
/// demo molecules built as every command builds them (split 1500/500/1000, seed 0), saved with
/// its data source as config.json records it.
struct NetworkRun {
    std::string dir;
    qm7::BuildResult built;
    qm7::RunResult run; ///< as read back from the folder (predictions.csv)
};

NetworkRun trainNetworkRun(const std::string& name, qm7::Representation representation,
                           const std::string& source, bool augmented = false) {
    qm7::setUpNumerics(); // as qm7 predict and the workbench do: single-threaded BLAS
    NetworkRun r;
    qm7::BuildOptions options;
    options.representation.kind = representation;
    r.built = qm7::buildDatasetDetailed(qm7::test::demoMolecules(), options);
    qm7::TrainConfig config;
    config.hidden = 24;
    config.epochs = 12;
    config.lr = 1e-2; // predictions that differ from molecule to molecule by tens of kcal/mol
    config.evalEvery = 4;
    config.trainSize = 300;
    config.seed = 5;
    qm7::TrainOptions threads;
    threads.threads = 1;
    // As the workbench trains randomly sorted matrices: drawn afresh every epoch.
    const qm7::RandomSortedAugmentation augmentation(r.built);
    if (augmented)
        threads.augmentation = &augmentation;
    r.dir = qm7::test::freshDir(name);
    qm7::saveRun(qm7::train(r.built.data, config, threads), r.dir, source);
    r.run = qm7::loadRun(r.dir);
    return r;
}

/// Test molecules of at least 8 atoms, with the run's own predictions (predictions.csv).
void someTestMolecules(const NetworkRun& r, std::size_t count, std::vector<qm7::Molecule>& out,
                       std::vector<float>& pred) {
    const auto& test = r.built.molecules.test;
    for (std::size_t i = 0; i < test.size() && out.size() < count; ++i)
        if (test[i].atoms() >= 8) {
            out.push_back(test[i]);
            pred.push_back(r.run.testPred[i]);
        }
}

void expectOwnPredictions(const std::vector<qm7::PredictedMolecule>& p,
                          const std::vector<qm7::Molecule>& molecules,
                          const std::vector<float>& pred) {
    ASSERT_GE(p.size(), pred.size());
    for (std::size_t i = 0; i < pred.size(); ++i) {
        SCOPED_TRACE(molecules[i].name);
        ASSERT_TRUE(p[i].predicted()) << p[i].reason;
        EXPECT_EQ(p[i].name, molecules[i].name);
        EXPECT_NEAR(p[i].energy, pred[i], 1e-4 * std::fabs(pred[i]));
        EXPECT_TRUE(std::isnan(p[i].spread));
        EXPECT_EQ(p[i].role, qm7::DataRole::Test);
        EXPECT_FALSE(p[i].fitted());
    }
}

std::string errorOf(const std::string& dir) {
    try {
        qm7::MoleculePredictor predictor(dir);
    } catch (const qm7::PredictError& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST(Predict, HomeworkNetworkRunOnTheDemoGivesItsOwnTestPredictionsAndMarksFittedMolecules) {
    if (qm7::test::demoMolecules().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const NetworkRun r =
        trainNetworkRun("predict_network_cm", qm7::Representation::CoulombMatrix, "demo");
    std::vector<qm7::Molecule> mine;
    std::vector<float> pred;
    someTestMolecules(r, 5, mine, pred);
    ASSERT_EQ(mine.size(), 5u);
    const qm7::MoleculeSplits& s = r.built.molecules;
    const std::vector<int> fitted = qm7::trainingRows(1500, 300, 5);
    std::vector<bool> used(1500, false);
    for (int i : fitted)
        used[static_cast<std::size_t>(i)] = true;
    int unused = 0;
    while (used[static_cast<std::size_t>(unused)])
        ++unused;
    const std::set<int> inSplits = [&] {
        std::set<int> all(s.trainIndex.begin(), s.trainIndex.end());
        all.insert(s.valIndex.begin(), s.valIndex.end());
        all.insert(s.testIndex.begin(), s.testIndex.end());
        return all;
    }();
    int outside = 0;
    while (inSplits.count(outside))
        ++outside;
    const auto& demo = qm7::test::demoMolecules();
    // A fitted molecule with its atoms in another order, moved and turned: still the same one.
    qm7::Molecule turned = s.train[static_cast<std::size_t>(fitted[1])];
    std::vector<int> order(static_cast<std::size_t>(turned.atoms()));
    for (std::size_t a = 0; a < order.size(); ++a)
        order[a] = static_cast<int>(order.size() - 1 - a);
    turned = qm7::permuteAtoms(turned, order);
    for (int a = 0; a < turned.atoms(); ++a) {
        double* x = &turned.R[static_cast<std::size_t>(3 * a)];
        const double y = x[1];
        x[1] = -x[2] + 3.0; // a quarter turn about x, then a shift
        x[2] = y - 1.0;
        x[0] += 2.0;
    }
    turned.name = "turned";
    mine.insert(mine.end(), {s.train[static_cast<std::size_t>(fitted[0])], turned,
                             s.train[static_cast<std::size_t>(unused)], s.val[3],
                             demo[static_cast<std::size_t>(outside)]});
    const std::string xyz = r.dir + "/mine.xyz";
    qm7::test::writeXyz(xyz, mine, badFrames());

    const qm7::MoleculePredictor predictor(r.dir);
    EXPECT_TRUE(predictor.knowsItsMolecules());
    EXPECT_FALSE(predictor.randomDraws());
    EXPECT_NE(predictor.description().find("one-hidden-layer network (p = 24, Coulomb matrices"),
              std::string::npos)
        << predictor.description();
    const auto p = predictor.predict(qm7::readMoleculesToPredict(xyz));
    ASSERT_EQ(p.size(), mine.size() + 3);
    expectOwnPredictions(p, mine, pred);
    for (std::size_t i = 5; i < mine.size(); ++i)
        ASSERT_TRUE(p[i].predicted()) << p[i].reason;
    EXPECT_EQ(p[5].role, qm7::DataRole::Training);
    EXPECT_TRUE(p[5].fitted());
    EXPECT_EQ(p[5].sourceIndex, s.trainIndex[static_cast<std::size_t>(fitted[0])]);
    EXPECT_EQ(p[6].name, "turned");
    EXPECT_TRUE(p[6].fitted());
    EXPECT_EQ(p[7].role, qm7::DataRole::Unused);
    EXPECT_FALSE(p[7].fitted());
    EXPECT_EQ(p[8].role, qm7::DataRole::Validation);
    EXPECT_EQ(p[9].role, qm7::DataRole::New);
    EXPECT_EQ(p[9].sourceIndex, -1);
    EXPECT_NE(qm7::dataRoleText(p[5].role).find("a fitted value, not a prediction"),
              std::string::npos);
    expectRefusals(p, mine.size());
}

TEST(Predict, SortedAndEigenspectrumRunsPredictTheirTestMolecules) {
    if (qm7::test::demoMolecules().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    for (const auto& [representation, words] :
         {std::pair{qm7::Representation::Sorted, "sorted Coulomb matrices"},
          std::pair{qm7::Representation::Eigenspectrum, "Coulomb matrix eigenspectra"}}) {
        SCOPED_TRACE(words);
        // Saved with the demo's path: a run trained on an .xyz.
        const NetworkRun r =
            trainNetworkRun("predict_network_" + qm7::representationName(representation),
                            representation, qm7::test::demoXyz());
        std::vector<qm7::Molecule> mine;
        std::vector<float> pred;
        someTestMolecules(r, 6, mine, pred);
        qm7::test::writeXyz(r.dir + "/mine.xyz", mine);
        // config.json does not name the representation: the one that gives the run's test
        // predictions is found.
        const qm7::MoleculePredictor predictor(r.dir);
        EXPECT_NE(predictor.description().find(words), std::string::npos)
            << predictor.description();
        expectOwnPredictions(predictor.predict(qm7::readMoleculesToPredict(r.dir + "/mine.xyz")),
                             mine, pred);
    }
}

TEST(Predict, RandomlySortedRunsAverageDrawsNearTheirOwnTestPredictions) {
    if (qm7::test::demoMolecules().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    for (const bool augmented : {false, true}) {
        SCOPED_TRACE(augmented ? "sortings drawn every epoch" : "one stored sorting");
        const NetworkRun r = trainNetworkRun("predict_network_random",
                                             qm7::Representation::RandomSorted, "demo", augmented);
        std::vector<qm7::Molecule> mine;
        std::vector<float> pred;
        someTestMolecules(r, 4, mine, pred);
        const qm7::MoleculePredictor predictor(r.dir);
        EXPECT_TRUE(predictor.randomDraws());
        EXPECT_NE(predictor.description(40).find("randomly sorted Coulomb matrices"),
                  std::string::npos)
            << predictor.description(40);
        const auto p = predictor.predict(mine, 40);
        for (std::size_t i = 0; i < mine.size(); ++i) {
            SCOPED_TRACE(mine[i].name);
            ASSERT_TRUE(p[i].predicted()) << p[i].reason;
            EXPECT_EQ(p[i].role, qm7::DataRole::Test);
            ASSERT_TRUE(std::isfinite(p[i].spread));
            // Other draws than the run's: near its own prediction, within the draws' spread.
            EXPECT_NEAR(p[i].energy, pred[i], 3 * p[i].spread + 1.0);
        }
    }
}

TEST(Predict, ARecordedRepresentationIsCheckedAgainstTheRunsTestPredictions) {
    if (qm7::test::demoMolecules().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const NetworkRun r =
        trainNetworkRun("predict_network_recorded", qm7::Representation::Sorted, "demo");
    const std::string config = r.dir + "/config.json";
    nlohmann::json j = nlohmann::json::parse(std::ifstream(config));
    j["representation"] = "sorted";
    std::ofstream(config) << j.dump(2);
    std::vector<qm7::Molecule> mine;
    std::vector<float> pred;
    someTestMolecules(r, 3, mine, pred);
    expectOwnPredictions(qm7::MoleculePredictor(r.dir).predict(mine), mine, pred);
    // A wrong record (or molecules that changed) cannot give the run's predictions: refused.
    j["representation"] = "cm";
    std::ofstream(config) << j.dump(2);
    const std::string why = errorOf(r.dir);
    EXPECT_NE(why.find("do not give this run's inputs again"), std::string::npos) << why;
}

TEST(Predict, NetworkRunsThatCannotPredictMoleculesSayWhy) {
    if (qm7::test::demoMolecules().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const NetworkRun r =
        trainNetworkRun("predict_network_refusals", qm7::Representation::CoulombMatrix, "demo");
    const auto copy = [&](const std::string& name) {
        const std::string dir = qm7::test::freshDir(name);
        fs::copy(r.dir, dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
        return dir;
    };
    const auto setData = [](const std::string& dir, const std::string& data) {
        nlohmann::json j = nlohmann::json::parse(std::ifstream(dir + "/config.json"));
        j["data"] = data;
        std::ofstream(dir + "/config.json") << j.dump(2);
    };
    // Trained on a dataset.pt: no geometry to build inputs from.
    std::string dir = copy("predict_network_pt");
    setData(dir, "/somewhere/dataset.pt");
    std::string why = errorOf(dir);
    EXPECT_NE(why.find("trained on a dataset.pt"), std::string::npos) << why;
    EXPECT_NE(why.find("geometry is unknown"), std::string::npos) << why;
    EXPECT_NE(why.find("train on molecules instead"), std::string::npos) << why;
    // The molecules it was trained on are gone.
    dir = copy("predict_network_gone");
    setData(dir, dir + "/gone.xyz");
    why = errorOf(dir);
    EXPECT_NE(why.find("no longer there"), std::string::npos) << why;
    // No model.pt, a garbled one, one of another network, a damaged config.json.
    dir = copy("predict_network_nomodel");
    fs::remove(dir + "/model.pt");
    why = errorOf(dir);
    EXPECT_NE(why.find("has no model.pt"), std::string::npos) << why;
    dir = copy("predict_network_garbled");
    {
        std::string bytes;
        {
            std::ifstream in(dir + "/model.pt", std::ios::binary);
            std::stringstream ss;
            ss << in.rdbuf();
            bytes = ss.str();
        }
        bytes.resize(bytes.size() / 2);
        std::ofstream(dir + "/model.pt", std::ios::binary) << bytes;
    }
    why = errorOf(dir);
    EXPECT_NE(why.find("model.pt"), std::string::npos) << why;
    EXPECT_NE(why.find("not a model file"), std::string::npos) << why;
    dir = copy("predict_network_text");
    std::ofstream(dir + "/model.pt") << "weights";
    why = errorOf(dir);
    EXPECT_NE(why.find("not a model file"), std::string::npos) << why;
    dir = copy("predict_network_config");
    std::ofstream(dir + "/config.json") << "{\"data\": ";
    why = errorOf(dir);
    EXPECT_NE(why.find("config.json is damaged"), std::string::npos) << why;
    dir = copy("predict_network_nodata");
    std::ofstream(dir + "/config.json") << "{\"hidden\": 24}";
    why = errorOf(dir);
    EXPECT_NE(why.find("does not say which data"), std::string::npos) << why;
}

TEST(Predict, MoleculesAreNamedByTheirCommentLine) {
    const std::string dir = qm7::test::freshDir("predict_names");
    std::ofstream(dir + "/names.xyz") << "2\nname=0001 energy=-417.0\nH 0 0 0\nH 0 0 0.74\n"
                                         "2\n  my hydrogen  \nH 0 0 0\nH 0 0 0.74\n"
                                         "2\n\nH 0 0 0\nH 0 0 0.74\n"
                                         "2\n-42.5 kcal/mol\nH 0 0 0\nH 0 0 0.74\n"
                                         "2\nenergy=-3\nH 0 0 0\nH 0 0 0.74\n";
    const auto ms = qm7::readMoleculesToPredict(dir + "/names.xyz");
    ASSERT_EQ(ms.size(), 5u);
    EXPECT_EQ(ms[0].name, "0001");
    EXPECT_EQ(ms[1].name, "my hydrogen");
    EXPECT_EQ(ms[2].name, "3");
    EXPECT_EQ(ms[3].name, "4"); // a comment that is an energy names nothing
    EXPECT_DOUBLE_EQ(ms[3].energy, -42.5);
    EXPECT_EQ(ms[4].name, "5");
}
