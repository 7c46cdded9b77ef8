// qm7 cv and qm7 predict, run as a user runs them: a quick KRR cross-validation on demo
// molecules, then predictions for molecules of its test fold and for molecules it must refuse.
#include "qm7/analysis/cross_validation.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/chem/molecule.h"
#include "qm7/chem/representation.h"
#include "qm7/chem/xyz_reader.h"
#include "qm7/train/trainer.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;

namespace {

/// A KRR fold 0 trained on 600 demo molecules (fast); "" when the demo data is absent.
std::string quickCv(const std::string& name, std::string* output = nullptr) {
    if (qm7::demoDataPath().empty())
        return "";
    const std::string dir = qm7::test::freshDir(name);
    std::string out;
    const int rc = qm7::test::runCommand(qm7::test::cliPath() +
                                             " cv --from demo --fold 0 --train-size 600 "
                                             "--sigmas 2000,8000 --lambdas 1e-8 --out " +
                                             dir,
                                         &out);
    EXPECT_EQ(rc, 0) << out;
    if (output)
        *output = out;
    return dir;
}

/// The predicted energy printed for a molecule name, NaN when absent.
double predictedFor(const std::string& out, const std::string& name) {
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string index, n;
        int atoms = 0;
        double e = NAN;
        if (ls >> index >> n >> atoms >> e && n == name)
            return e;
    }
    return NAN;
}

} // namespace

TEST(CvCli, KrrTablePartitionAndResume) {
    std::string out;
    const std::string dir = quickCv("cv_cli_krr", &out);
    if (dir.empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    EXPECT_NE(out.find("seeded"), std::string::npos) << out;
    EXPECT_NE(out.find("mean "), std::string::npos) << out;
    EXPECT_NE(out.find("3.51"), std::string::npos) << out; // the paper's anchor beside ours
    EXPECT_TRUE(fs::exists(fs::path(dir) / "partition.json"));
    EXPECT_TRUE(fs::exists(fs::path(dir) / "fold-0" / "result.json"));
    std::ifstream csv(fs::path(dir) / "cv.csv");
    std::string header, row;
    std::getline(csv, header);
    EXPECT_EQ(header, "fold,model,status,train,val,test,test_mae,test_rmse,val_mae,seconds,chosen");
    std::getline(csv, row);
    EXPECT_EQ(row.rfind("0,krr,ok,600,", 0), 0u) << row;
    EXPECT_NE(out.find("val MAE"), std::string::npos) << out;
    EXPECT_NE(out.find("validation MAE"), std::string::npos) << out;
    // The same command again reads the finished fold instead of fitting it again.
    std::string again;
    ASSERT_EQ(qm7::test::runCommand(qm7::test::cliPath() +
                                        " cv --from demo --fold 0 --train-size 600 --sigmas "
                                        "2000,8000 --lambdas 1e-8 --out " +
                                        dir,
                                    &again),
              0)
        << again;
    EXPECT_NE(again.find("(from disk)"), std::string::npos) << again;
    // Other settings (the grid) do not reuse it: the fold is trained again, and the user told.
    ASSERT_EQ(qm7::test::runCommand(qm7::test::cliPath() +
                                        " cv --from demo --fold 0 --train-size 600 --sigmas "
                                        "4000 --lambdas 1e-8 --out " +
                                        dir,
                                    &again),
              0)
        << again;
    EXPECT_EQ(again.find("(from disk)"), std::string::npos) << again;
    EXPECT_NE(again.find("sigmas 2000,8000, now 4000"), std::string::npos) << again;
    // Another model cannot write over the finished fold.
    EXPECT_EQ(qm7::test::runCommand(qm7::test::cliPath() +
                                        " cv --from demo --model mlp --fold 0 --out " + dir,
                                    &again),
              2)
        << again;
    EXPECT_NE(again.find("holds a krr result"), std::string::npos) << again;
    // A different number of folds does not fit the saved partition.
    EXPECT_EQ(qm7::test::runCommand(
                  qm7::test::cliPath() + " cv --from demo --folds 4 --fold 0 --out " + dir, &again),
              2)
        << again;
}

TEST(CvCli, FoldsFromTheLayoutMatOfTheDemoMolecules) {
    QM7_SKIP_WITHOUT_SHARED("qm7-layout.mat");
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("cv_cli_layout");
    std::string out;
    ASSERT_EQ(qm7::test::runCommand(qm7::test::cliPath() + " cv --from demo --folds-from " +
                                        qm7::test::sharedData("qm7-layout.mat") +
                                        " --fold 2 --train-size 300 --sigmas 4000 --lambdas "
                                        "1e-8 --out " +
                                        dir,
                                    &out),
              0)
        << out;
    EXPECT_NE(out.find("P of qm7-layout.mat"), std::string::npos) << out;
    EXPECT_NE(out.find("1 molecule(s) of demo are in no fold"), std::string::npos) << out;
    EXPECT_NE(out.find("   2    300   568  1420 "), std::string::npos) << out; // P's fold 2
}

TEST(CvCli, BadArgumentsExitWithTwo) {
    const std::string dir = qm7::test::freshDir("cv_cli_bad");
    for (const std::string& args :
         std::vector<std::string>{"--fold 5", "--folds 1", "--model svm", "--kernel cosine",
                                  "--from " + dir + "/no.xyz", "--val-fraction 1.5 --fold 0",
                                  "--representation random-sorted", "--representation bag"}) {
        std::string out;
        EXPECT_EQ(
            qm7::test::runCommand(qm7::test::cliPath() + " cv " + args + " --out " + dir, &out), 2)
            << args << "\n"
            << out;
    }
}

TEST(PredictCli, DemoMoleculesWithinTheFoldsTestError) {
    const std::string dir = quickCv("predict_cli_demo");
    if (dir.empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::vector<qm7::Molecule> demo = qm7::readXyz(qm7::demoDataPath());
    // Three molecules of fold 0's test part (of at least 10 atoms), with the fold's own predictions
    // for them.
    std::ifstream csv(fs::path(dir) / "fold-0" / "cv_predictions.csv");
    std::string line;
    std::getline(csv, line);
    std::vector<qm7::Molecule> three;
    std::vector<double> foldPred;
    while (three.size() < 3 && std::getline(csv, line)) {
        int index = 0;
        double truth = 0, pred = 0;
        ASSERT_EQ(std::sscanf(line.c_str(), "%d,%lf,%lf", &index, &truth, &pred), 3) << line;
        // Typical QM7 sizes: the first molecules of the set (CH4, C2H2, ...) are outliers of
        // their own that a small training set predicts poorly.
        if (demo[static_cast<std::size_t>(index)].atoms() < 10)
            continue;
        three.push_back(demo[static_cast<std::size_t>(index)]);
        foldPred.push_back(pred);
    }
    std::ifstream result(fs::path(dir) / "fold-0" / "result.json");
    std::stringstream rs;
    rs << result.rdbuf();
    const std::string text = rs.str();
    const auto at = text.find("\"test_rmse\":");
    ASSERT_NE(at, std::string::npos) << text;
    const double rmse = std::stod(text.substr(at + 12));
    ASSERT_GT(rmse, 0.0);

    const std::string xyz = dir + "/three.xyz";
    qm7::test::writeXyz(xyz, three);
    std::string out;
    ASSERT_EQ(qm7::test::runCommand(
                  qm7::test::cliPath() + " predict --run " + dir + "/fold-0 --from " + xyz, &out),
              0)
        << out;
    for (std::size_t i = 0; i < three.size(); ++i) {
        const double e = predictedFor(out, three[i].name);
        ASSERT_FALSE(std::isnan(e)) << three[i].name << "\n" << out;
        EXPECT_NEAR(e, foldPred[i], 0.01) << out;         // the same model as the fold's
        EXPECT_NEAR(e, three[i].energy, 3 * rmse) << out; // within the fold's test error
    }
}

TEST(PredictCli, PaperNetworkFoldPredictsWithASpread) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("predict_cli_paper");
    std::string out;
    ASSERT_EQ(qm7::test::runCommand(qm7::test::cliPath() +
                                        " cv --from demo --model paper --fold 0 --train-size 200 "
                                        "--steps 200 --eval-steps 100 --out " +
                                        dir,
                                    &out),
              0)
        << out;
    EXPECT_NE(out.find("steps 200"), std::string::npos) << out;
    EXPECT_TRUE(fs::exists(fs::path(dir) / "fold-0" / "checkpoint.bin"));
    std::vector<qm7::Molecule> demo = qm7::readXyz(qm7::demoDataPath());
    demo.resize(3);
    const std::string xyz = dir + "/three.xyz";
    qm7::test::writeXyz(xyz, demo, "2\nname=bad\nSi 0 0 0\nH 1.5 0 0\n");
    ASSERT_EQ(qm7::test::runCommand(qm7::test::cliPath() + " predict --draws 5 --run " + dir +
                                        "/fold-0 --from " + xyz,
                                    &out),
              2)
        << out;
    EXPECT_NE(out.find("over 5 random sortings"), std::string::npos) << out;
    EXPECT_NE(out.find("cannot predict"), std::string::npos) << out;
    // Randomly sorted inputs: a molecule with several atoms of a kind gets a spread > 0.
    std::istringstream in(out);
    std::string line;
    bool spread = false;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string index, name;
        int atoms = 0;
        double e = 0, s = 0;
        if (ls >> index >> name >> atoms >> e >> s && name == demo[1].name)
            spread = s > 0;
    }
    EXPECT_TRUE(spread) << out;
}

TEST(PredictCli, RandomSortedNetworkAveragesDraws) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("predict_cli_random_sorted");
    std::string out;
    ASSERT_EQ(qm7::test::runCommand(qm7::test::cliPath() +
                                        " cv --from demo --model mlp --representation "
                                        "random-sorted --fold 0 --train-size 300 --epochs 3 "
                                        "--hidden 16 --out " +
                                        dir,
                                    &out),
              0)
        << out;
    EXPECT_NE(out.find("random-sorted, p 16"), std::string::npos) << out;
    std::vector<qm7::Molecule> demo = qm7::readXyz(qm7::demoDataPath());
    const std::vector<qm7::Molecule> one = {demo[1]}; // ethane: six H, two C
    const std::string xyz = dir + "/one.xyz";
    qm7::test::writeXyz(xyz, one);
    for (const std::string draws : {"1", "8"}) {
        ASSERT_EQ(qm7::test::runCommand(qm7::test::cliPath() + " predict --draws " + draws +
                                            " --run " + dir + "/fold-0 --from " + xyz,
                                        &out),
                  0)
            << out;
        EXPECT_NE(out.find("randomly sorted Coulomb matrices"), std::string::npos) << out;
        std::istringstream in(out);
        std::string line;
        double spread = -1;
        while (std::getline(in, line)) {
            std::istringstream ls(line);
            std::string index, name;
            int atoms = 0;
            double e = 0;
            std::string s;
            if (ls >> index >> name >> atoms >> e >> s && name == one[0].name)
                spread = s == "-" ? -1 : std::stod(s);
        }
        if (draws == "1")
            EXPECT_EQ(spread, -1) << out; // one draw: no spread
        else
            EXPECT_GT(spread, 0) << out; // eight orders of equal atoms: predictions differ
    }
}

namespace {

/// Runs predict on a good demo molecule plus one bad frame; checks the refusal message.
void expectRefused(const std::string& name, const std::string& badFrame,
                   const std::string& expected) {
    const std::string dir = quickCv(name);
    if (dir.empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    std::vector<qm7::Molecule> demo = qm7::readXyz(qm7::demoDataPath());
    demo.resize(1);
    const std::string xyz = dir + "/mixed.xyz";
    qm7::test::writeXyz(xyz, demo, badFrame);
    std::string out;
    EXPECT_EQ(qm7::test::runCommand(
                  qm7::test::cliPath() + " predict --run " + dir + "/fold-0 --from " + xyz, &out),
              2)
        << out;
    EXPECT_NE(out.find("cannot predict: "), std::string::npos) << out;
    EXPECT_NE(out.find(expected), std::string::npos) << out;
    EXPECT_FALSE(std::isnan(predictedFor(out, demo[0].name))) << out; // the good one still has
    EXPECT_TRUE(std::isnan(predictedFor(out, "bad"))) << out;         // a number, the bad not
}

} // namespace

TEST(PredictCli, RefusesAnElementNeverSeen) {
    expectRefused("predict_cli_element", "2\nname=bad\nSi 0 0 0\nH 1.5 0 0\n",
                  "element Si (Z = 14) never occurred");
}

TEST(PredictCli, RefusesMoreAtomsThanThePadding) {
    std::string frame = "24\nname=bad\n";
    for (int i = 0; i < 24; ++i)
        frame += "H " + std::to_string(1.1 * i) + " 0 0\n";
    expectRefused("predict_cli_atoms", frame, "24 atoms, more than the 23");
}

TEST(PredictCli, RefusesTwoAtomsAtOnePlace) {
    expectRefused("predict_cli_coincident", "3\nname=bad\nC 0 0 0\nH 1.1 0 0\nH 1.1 0 0\n",
                  "atoms 2 and 3 are at the same place");
}

TEST(PredictCli, ARunWithoutAModelIsAClearError) {
    const std::string dir = qm7::test::freshDir("predict_cli_norun");
    std::string out;
    std::ofstream(dir + "/m.xyz") << "1\nname=x\nH 0 0 0\n";
    EXPECT_EQ(qm7::test::runCommand(qm7::test::cliPath() + " predict --run " + dir + " --from " +
                                        dir + "/m.xyz",
                                    &out),
              2)
        << out;
    EXPECT_NE(out.find("no model.json"), std::string::npos) << out;
}

TEST(PredictCli, HomeworkNetworkRunOnTheDemoPredictsItsTestMoleculesAndMarksFittedOnes) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("predict_cli_network");
    const std::string run = dir + "/run";
    std::string out;
    ASSERT_EQ(qm7::test::runCommand(
                  qm7::test::cliPath() +
                      " train --data demo --hidden 16 --epochs 8 --lr 1e-2 --eval-every 2 "
                      "--train-size 200 --seed 2 --threads 1 --out " +
                      run,
                  &out),
              0)
        << out;
    // The split every command builds from the demo: the rows of predictions.csv are its test set.
    const std::vector<qm7::Molecule> demo = qm7::readXyz(qm7::demoDataPath());
    const qm7::MoleculeSplits split = qm7::splitMolecules(demo, qm7::BuildOptions{});
    std::ifstream csv(fs::path(run) / "predictions.csv");
    std::string line;
    std::getline(csv, line);
    std::vector<qm7::Molecule> mine;
    std::vector<double> runPred;
    for (std::size_t i = 0; mine.size() < 3 && std::getline(csv, line); ++i) {
        int index = 0;
        double truth = 0, pred = 0;
        ASSERT_EQ(std::sscanf(line.c_str(), "%d,%lf,%lf", &index, &truth, &pred), 3) << line;
        mine.push_back(split.test[static_cast<std::size_t>(index)]);
        runPred.push_back(pred);
    }
    const std::vector<int> fitted = qm7::trainingRows(1500, 200, 2);
    const qm7::Molecule trained = split.train[static_cast<std::size_t>(fitted[0])];
    mine.push_back(trained);
    const std::string xyz = dir + "/mine.xyz";
    qm7::test::writeXyz(xyz, mine);
    ASSERT_EQ(qm7::test::runCommand(
                  qm7::test::cliPath() + " predict --run " + run + " --from " + xyz, &out),
              0)
        << out;
    EXPECT_NE(out.find("one-hidden-layer network (p = 16, Coulomb matrices"), std::string::npos)
        << out;
    for (std::size_t i = 0; i < runPred.size(); ++i)
        EXPECT_NEAR(predictedFor(out, mine[i].name), runPred[i], 0.006) << out;
    EXPECT_NE(out.find("training set: a fitted value, not a prediction"), std::string::npos) << out;
    EXPECT_NE(out.find("1 of 4 molecule(s) are in the run's training set"), std::string::npos)
        << out;

    // The same run said to be trained on a dataset.pt: refused with the reason.
    {
        std::ifstream in(fs::path(run) / "config.json");
        std::stringstream text;
        text << in.rdbuf();
        std::string config = text.str();
        const auto at = config.find("\"data\": \"demo\"");
        ASSERT_NE(at, std::string::npos) << config;
        config.replace(at, 14, "\"data\": \"dataset.pt\"");
        std::ofstream(fs::path(run) / "config.json") << config;
    }
    EXPECT_EQ(qm7::test::runCommand(
                  qm7::test::cliPath() + " predict --run " + run + " --from " + xyz, &out),
              2)
        << out;
    EXPECT_NE(out.find("trained on a dataset.pt"), std::string::npos) << out;
    EXPECT_NE(out.find("train on molecules instead"), std::string::npos) << out;
}

// A Bag of Bonds fold keeps its layout: qm7 predict gives the fold's own predictions, the same
// for the molecule with its atoms relabelled, and refuses a molecule its bags cannot hold.
TEST(PredictCli, BagOfBondsFoldPredictsWithItsLayout) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("predict_cli_bob");
    std::string out;
    ASSERT_EQ(qm7::test::runCommand(qm7::test::cliPath() +
                                        " cv --from demo --representation bob --fold 0 "
                                        "--train-size 600 --sigmas 2000,8000 --lambdas 1e-8 "
                                        "--out " +
                                        dir,
                                    &out),
              0)
        << out;
    EXPECT_NE(out.find("bob, laplacian"), std::string::npos) << out;
    EXPECT_NE(out.find("Hansen et al., J. Phys. Chem. Lett. 6, 2326"), std::string::npos) << out;
    ASSERT_TRUE(fs::exists(fs::path(dir) / "fold-0" / qm7::kBagLayoutFile));
    const std::vector<qm7::Molecule> demo = qm7::readXyz(qm7::demoDataPath());
    std::ifstream csv(fs::path(dir) / "fold-0" / "cv_predictions.csv");
    std::string line;
    std::getline(csv, line);
    std::getline(csv, line);
    int index = 0;
    double truth = 0, pred = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%d,%lf,%lf", &index, &truth, &pred), 3) << line;
    qm7::Molecule molecule = demo[static_cast<std::size_t>(index)];
    qm7::Molecule permuted = qm7::permuteAtoms(molecule, qm7::randomAtomOrder(molecule.atoms(), 9));
    molecule.name = "original";
    permuted.name = "permuted";
    qm7::Molecule huge; // 23 hydrogens: more than any QM7 molecule holds, within 23 atoms
    huge.name = "huge";
    for (int i = 0; i < 23; ++i) {
        huge.Z.push_back(1);
        huge.R.insert(huge.R.end(), {1.5 * i, 0.0, 0.0});
    }
    const std::string xyz = dir + "/some.xyz";
    qm7::test::writeXyz(xyz, {molecule, permuted, huge});
    qm7::test::runCommand(qm7::test::cliPath() + " predict --run " + dir + "/fold-0 --from " + xyz,
                          &out);
    EXPECT_NEAR(predictedFor(out, "original"), pred, 0.01) << out;
    EXPECT_NEAR(predictedFor(out, "permuted"), pred, 0.01) << out;
    EXPECT_TRUE(std::isnan(predictedFor(out, "huge"))) << out;
    EXPECT_NE(out.find("Bag of Bonds layout"), std::string::npos) << out;
}

// qm7 train on Bag of Bonds built from the demo molecules, then qm7 predict with the run.
TEST(PredictCli, ANetworkTrainedOnBagOfBondsPredicts) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("predict_cli_bob_train");
    std::string out;
    ASSERT_EQ(qm7::test::runCommand(qm7::test::cliPath() +
                                        " train --data demo --representation bob --epochs 20 "
                                        "--hidden 100 --out " +
                                        dir + "/run",
                                    &out),
              0)
        << out;
    EXPECT_NE(out.find("bob"), std::string::npos) << out;
    const std::vector<qm7::Molecule> demo = qm7::readXyz(qm7::demoDataPath());
    std::vector<qm7::Molecule> some(demo.begin() + 3000, demo.begin() + 3003);
    const std::string xyz = dir + "/some.xyz";
    qm7::test::writeXyz(xyz, some);
    ASSERT_EQ(qm7::test::runCommand(
                  qm7::test::cliPath() + " predict --run " + dir + "/run --from " + xyz, &out),
              0)
        << out;
    for (const qm7::Molecule& m : some)
        EXPECT_FALSE(std::isnan(predictedFor(out, m.name))) << m.name << "\n" << out;
}
