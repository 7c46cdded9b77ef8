// qm7 train with deep networks (--layers, --activation, --optimizer, --paper), run as a user runs
// it: the run folder, resuming, the homework's path left alone, and bad options.
#include "test_support.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool demoAbsent(const std::string& out) {
    return out.find("demo data (qm7.xyz.gz) was not found") != std::string::npos;
}

} // namespace

TEST(TrainDeepCli, PaperRecipeWritesADeepRunAndResumes) {
    const std::string dir = qm7::test::freshDir("train_deep_paper");
    const std::string cmd = qm7::test::cliPath() +
                            " train --data demo --paper --split 300,100,100 --steps 120 "
                            "--eval-every 5 --draws 2 --out " +
                            dir;
    std::string out;
    const int rc = qm7::test::runCommand(cmd, &out);
    if (demoAbsent(out))
        GTEST_SKIP() << "the bundled demo data is absent";
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("test MAE"), std::string::npos) << out;
    EXPECT_NE(out.find("400,100"), std::string::npos) << out;
    for (const char* f : {"config.json", "history.csv", "predictions.csv", "summary.json",
                          "model.pt", "expansion.json", "checkpoint.bin"})
        EXPECT_TRUE(fs::exists(fs::path(dir) / f)) << f;
    const std::string config = slurp(fs::path(dir) / "config.json");
    EXPECT_NE(config.find("\"kind\": \"deep\""), std::string::npos) << config;
    EXPECT_NE(config.find("\"stanh\""), std::string::npos) << config;
    EXPECT_NE(config.find("\"sgd\""), std::string::npos) << config;
    const std::string predictions = slurp(fs::path(dir) / "predictions.csv");
    EXPECT_EQ(std::count(predictions.begin(), predictions.end(), '\n'), 101) << predictions;
    // The same command again finds the finished checkpoint: nothing is trained twice.
    std::string again;
    ASSERT_EQ(qm7::test::runCommand(cmd, &again), 0) << again;
    EXPECT_NE(again.find("resumed"), std::string::npos) << again;
}

TEST(TrainDeepCli, DeeperNetworkOnFixedInputsAndTheHomeworkPathUntouched) {
    const std::string deep = qm7::test::freshDir("train_deep_fixed");
    std::string out;
    const int rc = qm7::test::runCommand(qm7::test::cliPath() +
                                             " train --data demo --layers 8,4 --activation tanh "
                                             "--epochs 2 --out " +
                                             deep,
                                         &out);
    if (demoAbsent(out))
        GTEST_SKIP() << "the bundled demo data is absent";
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(slurp(fs::path(deep) / "config.json").find("\"kind\": \"deep\""), std::string::npos);
    // One ReLU layer with Adam (the homework's network) stays on the homework's trainer.
    const std::string hw = qm7::test::freshDir("train_deep_homework");
    ASSERT_EQ(qm7::test::runCommand(qm7::test::cliPath() +
                                        " train --data demo --layers 16 --hidden 16 --epochs 1 "
                                        "--out " +
                                        hw,
                                    &out),
              0)
        << out;
    EXPECT_EQ(slurp(fs::path(hw) / "config.json").find("\"kind\": \"deep\""), std::string::npos);
}

TEST(TrainDeepCli, BadOptionsGetAClearMessage) {
    const std::string dir = qm7::test::freshDir("train_deep_bad");
    struct Case {
        std::string args, expect;
    };
    for (const Case& c : {Case{"--layers 8,x", "--layers"}, Case{"--activation sigmoid", "sigmoid"},
                          Case{"--optimizer rmsprop", "rmsprop"},
                          Case{"--paper --data nothing.pt", "nothing.pt"}}) {
        std::string out;
        const int rc = qm7::test::runCommand(
            qm7::test::cliPath() + " train --epochs 1 " + c.args + " --out " + dir, &out);
        EXPECT_EQ(rc, 2) << c.args << "\n" << out;
        EXPECT_NE(out.find(c.expect), std::string::npos) << c.args << "\n" << out;
        EXPECT_EQ(out.find("terminate called"), std::string::npos) << out;
    }
}
