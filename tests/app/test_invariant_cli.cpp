// qm7 cv, qm7 train and qm7 predict with the invariant network, run as a user runs them: short
// runs on demo molecules, their folders, predictions equal to the run's own, refusals.
#include "qm7/chem/dataset_builder.h"
#include "qm7/chem/molecule.h"
#include "qm7/chem/xyz_reader.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace fs = std::filesystem;

namespace {

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

TEST(InvariantCli, CvFoldWritesItsRunAndPredictGivesTheFoldsPredictions) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("invariant_cli_cv");
    // The first 400 demo molecules: a fold of 80 test molecules keeps the test short.
    const std::vector<qm7::Molecule> demo = qm7::readXyz(qm7::demoDataPath());
    const std::string small = dir + "/first400.xyz";
    qm7::test::writeXyz(small, std::vector<qm7::Molecule>(demo.begin(), demo.begin() + 400));
    const std::string command = qm7::test::cliPath() + " cv --from " + small +
                                " --model invariant --fold 0 --train-size 250 "
                                "--steps 40 --threads 2 --out " +
                                dir + "/cv";
    std::string out;
    ASSERT_EQ(qm7::test::runCommand(command, &out), 0) << out;
    for (const char* file : {"result.json", "model.pt", "model.json", "history.csv",
                             "checkpoint.bin", "cv_predictions.csv"})
        EXPECT_TRUE(fs::exists(fs::path(dir) / "cv" / "fold-0" / file)) << file;
    std::ifstream csv(fs::path(dir) / "cv" / "cv.csv");
    std::string header, row;
    std::getline(csv, header);
    std::getline(csv, row);
    EXPECT_EQ(row.rfind("0,invariant,ok,250,", 0), 0u) << row;
    // Again: the finished fold is read back, not trained.
    std::string again;
    ASSERT_EQ(qm7::test::runCommand(command, &again), 0) << again;
    EXPECT_NE(again.find("(from disk)"), std::string::npos) << again;

    std::ifstream preds(fs::path(dir) / "cv" / "fold-0" / "cv_predictions.csv");
    std::string line;
    std::getline(preds, line);
    std::vector<qm7::Molecule> three;
    std::vector<double> foldPred;
    while (three.size() < 3 && std::getline(preds, line)) {
        int index = 0;
        double truth = 0, pred = 0;
        ASSERT_EQ(std::sscanf(line.c_str(), "%d,%lf,%lf", &index, &truth, &pred), 3) << line;
        three.push_back(demo[static_cast<std::size_t>(index)]);
        foldPred.push_back(pred);
    }
    qm7::Molecule bromine = three[0];
    bromine.name = "bromine";
    bromine.Z[0] = 35;
    std::vector<qm7::Molecule> input = three;
    input.push_back(bromine);
    const std::string xyz = dir + "/four.xyz";
    qm7::test::writeXyz(xyz, input);
    ASSERT_EQ(qm7::test::runCommand(qm7::test::cliPath() + " predict --run " + dir +
                                        "/cv/fold-0 --from " + xyz,
                                    &out),
              2)
        << out;
    // 2: one molecule could not be predicted (named, with its reason); the others are.
    EXPECT_NE(out.find("invariant network"), std::string::npos) << out;
    for (std::size_t i = 0; i < three.size(); ++i) {
        const double e = predictedFor(out, three[i].name);
        ASSERT_FALSE(std::isnan(e)) << three[i].name << "\n" << out;
        EXPECT_NEAR(e, foldPred[i], 0.01) << out; // the same model as the fold's
    }
    EXPECT_NE(out.find("Br (Z = 35)"), std::string::npos) << out;
}

TEST(InvariantCli, TrainWritesARunThatPredicts) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("invariant_cli_train");
    std::string out;
    ASSERT_EQ(qm7::test::runCommand(qm7::test::cliPath() +
                                        " train --data demo --model invariant --epochs 2 "
                                        "--split 200,100,100 --threads 2 --out " +
                                        dir + "/run",
                                    &out),
              0)
        << out;
    EXPECT_NE(out.find("test MAE"), std::string::npos) << out;
    for (const char* file : {"model.pt", "model.json", "history.csv"})
        EXPECT_TRUE(fs::exists(fs::path(dir) / "run" / file)) << file;
    std::vector<qm7::Molecule> one = {qm7::readXyz(qm7::demoDataPath())[4000]};
    qm7::test::writeXyz(dir + "/one.xyz", one);
    ASSERT_EQ(qm7::test::runCommand(qm7::test::cliPath() + " predict --run " + dir +
                                        "/run --from " + dir + "/one.xyz",
                                    &out),
              0)
        << out;
    EXPECT_FALSE(std::isnan(predictedFor(out, one[0].name))) << out;
}

TEST(InvariantCli, BadChoicesExitWithTwo) {
    std::string out;
    EXPECT_EQ(qm7::test::runCommand(qm7::test::cliPath() +
                                        " train --data demo --model schnet --out " +
                                        qm7::test::freshDir("invariant_cli_bad") + "/a",
                                    &out),
              2)
        << out;
    EXPECT_NE(out.find("invariant"), std::string::npos) << out;
    EXPECT_EQ(qm7::test::runCommand(qm7::test::cliPath() +
                                        " cv --from demo --model invariant --epochs 0 --out " +
                                        qm7::test::freshDir("invariant_cli_bad2") + "/b",
                                    &out),
              2)
        << out;
    EXPECT_NE(out.find("epochs"), std::string::npos) << out;
    std::string help;
    qm7::test::runCommand(qm7::test::cliPath() + " cv --help", &help);
    EXPECT_NE(help.find("invariant"), std::string::npos) << help;
}
