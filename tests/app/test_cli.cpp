// The qm7 command line tool, run as a user runs it.
#include "test_support.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using qm7::test::cliPath;
using qm7::test::runCommand;

namespace {
std::string dataset() {
    return qm7::test::sharedData("dataset.pt");
}

int runQm7(const std::string& args, std::string* out = nullptr) {
    return runCommand(cliPath() + " " + args, out);
}
} // namespace

TEST(Cli, VersionPrintsVersionAndRevision) {
    std::string out;
    ASSERT_EQ(runQm7("--version", &out), 0) << out;
    EXPECT_NE(out.find("qm7 0."), std::string::npos) << out;
    EXPECT_NE(out.find("(git "), std::string::npos) << out;
    EXPECT_NE(out.find("LibTorch 1."), std::string::npos) << out;
}

TEST(Cli, InfoPrintsSizesAndStatistics) {
    QM7_SKIP_WITHOUT_SHARED("dataset.pt");
    std::string out;
    ASSERT_EQ(runQm7("info " + dataset(), &out), 0) << out;
    EXPECT_NE(out.find("d               276"), std::string::npos) << out;
    EXPECT_NE(out.find("N (atoms)       23"), std::string::npos) << out;
    EXPECT_NE(out.find("train      1500"), std::string::npos) << out;
    EXPECT_NE(out.find("float32"), std::string::npos) << out;
}

TEST(Cli, TrainWritesTheRunFolder) {
    QM7_SKIP_WITHOUT_SHARED("dataset.pt");
    const std::string dir = qm7::test::freshDir("cli_train");
    std::string out;
    ASSERT_EQ(
        runQm7("train --data " + dataset() + " --epochs 3 --hidden 16 --eval-every 1 --out " + dir,
               &out),
        0)
        << out;
    EXPECT_NE(out.find("test RMSE"), std::string::npos) << out;
    for (const char* f :
         {"config.json", "history.csv", "predictions.csv", "summary.json", "model.pt"})
        EXPECT_TRUE(fs::exists(fs::path(dir) / f)) << f;
    std::ifstream config(fs::path(dir) / "config.json");
    const auto j = nlohmann::json::parse(config);
    EXPECT_EQ(j.at("hidden"), 16);
    EXPECT_EQ(j.at("epochs"), 3);
    std::ifstream history(fs::path(dir) / "history.csv");
    std::string line;
    int lines = 0;
    while (std::getline(history, line))
        ++lines;
    EXPECT_EQ(lines, 4); // header + 3 epochs
    std::ifstream predictions(fs::path(dir) / "predictions.csv");
    lines = 0;
    while (std::getline(predictions, line))
        ++lines;
    EXPECT_EQ(lines, 1001);
    // No temporary files are left behind.
    for (const auto& entry : fs::directory_iterator(dir))
        EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
}

struct BadArgs {
    const char* name;
    std::string args;
    const char* expected;
};

void PrintTo(const BadArgs& b, std::ostream* os) {
    *os << b.args;
}

class CliBadArguments : public ::testing::TestWithParam<BadArgs> {};

TEST_P(CliBadArguments, ExitWithCodeTwoAndAMessage) {
    QM7_SKIP_WITHOUT_SHARED("dataset.pt");
    std::string args = GetParam().args;
    const auto at = args.find("DATA");
    if (at != std::string::npos)
        args.replace(at, 4, dataset());
    std::string out;
    EXPECT_EQ(runQm7(args, &out), 2) << out;
    EXPECT_NE(out.find(GetParam().expected), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(
    AllCases, CliBadArguments,
    ::testing::Values(BadArgs{"NegativeEpochs", "train --data DATA --epochs -5", "epochs"},
                      BadArgs{"ZeroLearningRate", "train --data DATA --lr 0", "learning rate"},
                      BadArgs{"NotANumber", "train --data DATA --lr fast", "--lr"},
                      BadArgs{"MissingFile", "train --data /nonexistent/data.pt", "no such file"},
                      BadArgs{"UnwritableOut", "train --data DATA --epochs 1 --out /proc/qm7-out",
                              "output folder"},
                      BadArgs{"MissingOut", "homework --data DATA", "--out"},
                      BadArgs{"InfoOnText", "info /etc/hostname", "not a PyTorch file"},
                      BadArgs{"UnknownCommand", "frobnicate", "frobnicate"}),
    [](const auto& param) { return std::string(param.param.name); });

// Ctrl-C stops training cleanly and keeps what was written.
TEST(Cli, InterruptKeepsAFinishedRunFolder) {
    QM7_SKIP_WITHOUT_SHARED("dataset.pt");
    const std::string dir = qm7::test::freshDir("cli_interrupt");
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const std::string data = dataset();
        ::execl(cliPath().c_str(), "qm7", "train", "--data", data.c_str(), "--epochs", "100000",
                "--hidden", "32", "--eval-every", "1", "--out", dir.c_str(),
                static_cast<char*>(nullptr));
        std::_Exit(127);
    }
    // Wait until some epochs are done, then press Ctrl-C.
    std::this_thread::sleep_for(std::chrono::seconds(4));
    ::kill(pid, SIGINT);
    int status = 0;
    const auto start = std::chrono::steady_clock::now();
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        ASSERT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30))
            << "qm7 train did not stop after Ctrl-C";
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 130);
    EXPECT_TRUE(fs::exists(fs::path(dir) / "summary.json"));
    EXPECT_TRUE(fs::exists(fs::path(dir) / "model.pt"));
    std::ifstream summary(fs::path(dir) / "summary.json");
    const auto j = nlohmann::json::parse(summary);
    EXPECT_TRUE(j.at("cancelled").get<bool>());
    EXPECT_GT(j.at("epochs_done").get<int>(), 0);
}
