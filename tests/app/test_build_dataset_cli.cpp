// qm7 build-dataset, run as a user runs it; its output loads in Python.
#include "test_support.h"

#include "qm7/io/dataset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using qm7::test::cliPath;
using qm7::test::runCommand;

namespace {

int runQm7(const std::string& args, std::string* out = nullptr) {
    return runCommand(cliPath() + " " + args, out);
}

} // namespace

TEST(BuildDatasetCli, DemoToDatasetLoadsInCoreAndPython) {
    const std::string dir = qm7::test::freshDir("build_dataset_demo");
    const std::string out = dir + "/demo.pt";
    std::string text;
    ASSERT_EQ(runQm7("build-dataset --from demo --seed 3 --out " + out, &text), 0) << text;
    EXPECT_NE(text.find("1500 / 500 / 1000 molecules"), std::string::npos) << text;
    EXPECT_NE(text.find("d = 276 (cm, N = 23)"), std::string::npos) << text;
    EXPECT_NE(text.find("388.023"), std::string::npos) << text;
    const qm7::Dataset data = qm7::loadDataset(out);
    EXPECT_EQ(data.d, 276);
    EXPECT_EQ(data.train.rows(), 1500u);
    // No temporary files left beside the output.
    int files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        (void)entry;
        ++files;
    }
    EXPECT_EQ(files, 1);

    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    ASSERT_EQ(
        qm7::test::runPython("check_built_dataset.py", {out, "276", "1500", "500", "1000"}, &text),
        0)
        << text;
    EXPECT_NE(text.find("ok"), std::string::npos) << text;
}

TEST(BuildDatasetCli, XyzWithEveryRepresentationLoadsInPython) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const std::string dir = qm7::test::freshDir("build_dataset_reps");
    for (const std::string& rep :
         {std::string("sorted"), std::string("eigen"), std::string("random-sorted")}) {
        const std::string out = dir + "/" + rep + ".pt";
        std::string text;
        ASSERT_EQ(runQm7("build-dataset --from " + qm7::test::demoXyz() +
                             " --split 300,100,200 --representation " + rep + " --out " + out,
                         &text),
                  0)
            << text;
        const std::string d = rep == "eigen" ? "23" : "276";
        ASSERT_EQ(
            qm7::test::runPython("check_built_dataset.py", {out, d, "300", "100", "200"}, &text), 0)
            << rep << ": " << text;
        EXPECT_EQ(qm7::loadDataset(out).representation, rep);
    }
}

TEST(BuildDatasetCli, OfficialFoldsFromMat) {
    QM7_SKIP_WITHOUT_SHARED("qm7-layout.mat");
    const std::string dir = qm7::test::freshDir("build_dataset_folds");
    std::string text;
    ASSERT_EQ(runQm7("build-dataset --from " + qm7::test::sharedData("qm7-layout.mat") +
                         " --folds --test-fold 2 --out " + dir + "/folds.pt",
                     &text),
              0)
        << text;
    EXPECT_NE(text.find("4260 / 1420 / 1420"), std::string::npos) << text;
    EXPECT_NE(text.find("test = fold 2, validation = fold 3"), std::string::npos) << text;
}

TEST(BuildDatasetCli, BadInputExitsWithTwoAndAClearMessage) {
    const std::string dir = qm7::test::freshDir("build_dataset_bad");
    std::ofstream(dir + "/bad.xyz") << "2\nenergy=-1\nC 0 0 0\nQq 1 0 0\n";
    std::ofstream(dir + "/notes.txt") << "hello\n";
    struct Case {
        std::string args, message;
    };
    const std::vector<Case> cases = {
        {"--from " + dir + "/missing.xyz --out " + dir + "/o.pt", "missing.xyz"},
        {"--from " + dir + "/bad.xyz --out " + dir + "/o.pt",
         "bad.xyz:4 (molecule 1): unknown element 'Qq'"},
        {"--from " + dir + "/notes.txt --out " + dir + "/o.pt", "unknown kind of file"},
        {"--from demo --representation bag --out " + dir + "/o.pt", "unknown representation"},
        {"--from demo --split 1,2 --out " + dir + "/o.pt", "expected three values"},
        {"--from demo --split 6000,1000,1000 --out " + dir + "/o.pt", "only 7101"},
        {"--from demo --folds --out " + dir + "/o.pt", "--folds needs the official qm7.mat"},
        {"--from demo --atoms 5 --out " + dir + "/o.pt", "padding size of 5"},
        {"--from demo --out /proc/qm7-cannot-write/o.pt", "qm7-cannot-write"},
    };
    for (const Case& c : cases) {
        std::string text;
        EXPECT_EQ(runQm7("build-dataset " + c.args, &text), 2) << c.args << "\n" << text;
        EXPECT_NE(text.find(c.message), std::string::npos) << c.args << "\n" << text;
    }
    EXPECT_FALSE(fs::exists(dir + "/o.pt"));
}
