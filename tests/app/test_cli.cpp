// The qm7 command line tool, run as a user runs it.
#include "test_support.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using qm7::test::cliPath;
using qm7::test::runCommand;

namespace {
std::string dataset() {
    return qm7::test::demoDatasetPt();
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
    std::string out;
    ASSERT_EQ(runQm7("info " + dataset(), &out), 0) << out;
    EXPECT_NE(out.find("d               276"), std::string::npos) << out;
    EXPECT_NE(out.find("N (atoms)       23"), std::string::npos) << out;
    EXPECT_NE(out.find("train      1500"), std::string::npos) << out;
    EXPECT_NE(out.find("float32"), std::string::npos) << out;
}

TEST(Cli, TrainWritesTheRunFolder) {
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
                      BadArgs{"InfoOnText", "info /etc/hostname", "unknown kind of file"},
                      BadArgs{"UnknownCommand", "frobnicate", "frobnicate"}),
    [](const auto& param) { return std::string(param.param.name); });

// `info` takes every source the other commands take.
TEST(Cli, InfoTakesEveryDataSource) {
    for (const std::string& source : {std::string("demo"), qm7::test::demoXyz(), dataset()}) {
        std::string out;
        ASSERT_EQ(runQm7("info " + source, &out), 0) << source << ": " << out;
        EXPECT_NE(out.find("d               276"), std::string::npos) << out;
        EXPECT_NE(out.find("train      1500"), std::string::npos) << out;
    }
}

namespace {
/// Runs qm7 with args, its output into a file; returns the exit code, the wall time and the
/// CPU time (user + system, all its threads) of the process.
int timedQm7(const std::vector<std::string>& args, const std::string& log, double* wall,
             double* cpu) {
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        std::vector<char*> argv{const_cast<char*>("qm7")};
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(cliPath().c_str(), argv.data());
        std::_Exit(127);
    }
    int status = 0;
    rusage usage{};
    ::wait4(pid, &status, 0, &usage);
    *wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    *cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string textOf(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
} // namespace

// --threads is the training thread count, for several runs too: --threads 1 uses one core.
TEST(Cli, SweepWithOneThreadUsesOneCore) {
    const std::string dir = qm7::test::freshDir("cli_threads");
    const std::vector<std::string> common = {
        "sweep",    "--data", dataset(),  "--lrs", "1e-3,1e-2",    "--seeds", "2",
        "--epochs", "40",     "--hidden", "256",   "--eval-every", "20"};
    auto run = [&](const std::string& threads, double* wall, double* cpu) {
        std::vector<std::string> args = common;
        for (const std::string& a :
             {std::string("--out"), dir + "/t" + threads, std::string("--threads"), threads})
            args.push_back(a);
        return timedQm7(args, dir + "/log" + threads, wall, cpu);
    };
    double wall = 0, cpu = 0;
    ASSERT_EQ(run("1", &wall, &cpu), 0) << textOf(dir + "/log1");
    EXPECT_NE(textOf(dir + "/log1").find("trained on 1 thread\n"), std::string::npos)
        << textOf(dir + "/log1");
    // One core busy at most (loading LibTorch and the data is single-threaded too).
    EXPECT_LT(cpu, 1.15 * wall + 0.2) << "CPU " << cpu << " s in " << wall << " s";
    std::cout << "--threads 1: CPU " << cpu << " s, wall " << wall << " s\n";
    // Two threads for four runs: the trainer says so (the CPU time depends on the machine's load).
    ASSERT_EQ(run("2", &wall, &cpu), 0) << textOf(dir + "/log2");
    EXPECT_NE(textOf(dir + "/log2").find("trained on 2 threads"), std::string::npos)
        << textOf(dir + "/log2");
    std::cout << "--threads 2: CPU " << cpu << " s, wall " << wall << " s\n";
}

// --representation applies to a dataset.pt too: its rows are converted, and the run folder's
// config.json says which features the run trained on; what cannot be rebuilt is refused.
TEST(Cli, TrainOnADatasetPtInAnotherRepresentation) {
    const std::string dir = qm7::test::freshDir("cli_representation");
    auto representationOf = [](const std::string& run) {
        std::ifstream config(fs::path(run) / "config.json");
        return nlohmann::json::parse(config).at("representation").get<std::string>();
    };
    std::string out;
    ASSERT_EQ(runQm7("train --data " + dataset() +
                         " --representation eigen --epochs 2 --hidden 16 --eval-every 1 --out " +
                         dir + "/eigen",
                     &out),
              0)
        << out;
    EXPECT_NE(out.find("eigen, d=23"), std::string::npos) << out;
    EXPECT_EQ(representationOf(dir + "/eigen"), "eigen");
    ASSERT_EQ(runQm7("train --data " + dataset() +
                         " --representation sorted --layers 8,4 --epochs 1 --threads 1 --out " +
                         dir + "/deep",
                     &out),
              0)
        << out;
    EXPECT_EQ(representationOf(dir + "/deep"), "sorted");
    // The plain run says so too.
    ASSERT_EQ(
        runQm7("train --data " + dataset() + " --epochs 1 --hidden 8 --out " + dir + "/cm", &out),
        0)
        << out;
    EXPECT_EQ(representationOf(dir + "/cm"), "cm");
    // Randomly sorted matrices drawn from the file's rows, every epoch.
    ASSERT_EQ(runQm7("train --data " + dataset() +
                         " --representation random-sorted --epochs 1 --hidden 8 --out " + dir +
                         "/random",
                     &out),
              0)
        << out;
    EXPECT_EQ(representationOf(dir + "/random"), "random-sorted");
    EXPECT_EQ(runQm7("train --data " + dataset() +
                         " --representation random-sorted --layers 8,4 --epochs 1 --out " + dir +
                         "/random-deep",
                     &out),
              2)
        << out;
    EXPECT_NE(out.find("randomly sorted"), std::string::npos) << out;
    EXPECT_EQ(runQm7("train --data " + dataset() + " --representation spectral --epochs 1 --out " +
                         dir + "/bad",
                     &out),
              2)
        << out;
    EXPECT_NE(out.find("spectral"), std::string::npos) << out;
}

// Ctrl-C stops training cleanly and keeps what was written.
TEST(Cli, InterruptKeepsAFinishedRunFolder) {
    const std::string dir = qm7::test::freshDir("cli_interrupt");
    fs::remove(dir + "/../cli_interrupt.log"); // a previous run's progress is not this one's
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const std::string data = dataset();
        // Its progress goes to a file the parent reads to know that training has begun.
        const int log =
            ::open((dir + "/../cli_interrupt.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (log >= 0) {
            ::dup2(log, STDOUT_FILENO);
            ::dup2(log, STDERR_FILENO);
        }
        ::execl(cliPath().c_str(), "qm7", "train", "--data", data.c_str(), "--epochs", "100000",
                "--hidden", "32", "--eval-every", "1", "--out", dir.c_str(),
                static_cast<char*>(nullptr));
        std::_Exit(127);
    }
    // Wait until epochs are being counted (on a busy machine loading the program alone can take
    // seconds: a fixed wait pressed Ctrl-C before qm7 had installed its handler), then Ctrl-C.
    const auto launched = std::chrono::steady_clock::now();
    for (;;) {
        std::ifstream progress(dir + "/../cli_interrupt.log");
        const std::string text((std::istreambuf_iterator<char>(progress)),
                               std::istreambuf_iterator<char>());
        if (text.find(" epoch ") != std::string::npos)
            break;
        if (std::chrono::steady_clock::now() - launched > std::chrono::seconds(120)) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            FAIL() << "qm7 train printed no epoch within 120 s:\n" << text;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
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
