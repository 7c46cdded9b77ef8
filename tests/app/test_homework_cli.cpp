// qm7 homework, killed midway and run again, continues where it stopped and gives the same
// numbers as a run that was never interrupted.
#include "test_support.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using qm7::test::cliPath;
using qm7::test::runCommand;

namespace {

const char* kSettings = " --epochs 60 --hidden 48 --eval-every 10 --lrs 1e-3,1e-2 --seeds 2 "
                        "--sizes 100,300,1000 --threads 1 --no-figures";

int finishedRuns(const std::string& dir) {
    int n = 0;
    if (!fs::exists(dir))
        return 0;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.path().filename() == "summary.json" && e.path().parent_path().filename() != "final")
            ++n;
    return n;
}

std::string fileText(const std::string& path) {
    std::string out;
    runCommand("cat '" + path + "'", &out);
    return out;
}

} // namespace

TEST(HomeworkCli, KilledMidwayThenResumedGivesTheSameReport) {
    QM7_SKIP_WITHOUT_SHARED("dataset.pt");
    const std::string data = qm7::test::sharedData("dataset.pt");
    const std::string whole = qm7::test::freshDir("hw_whole");
    const std::string resumed = qm7::test::freshDir("hw_resumed");
    std::string out;
    ASSERT_EQ(
        runCommand(cliPath() + " homework --data " + data + " --out " + whole + kSettings, &out), 0)
        << out;
    EXPECT_NE(out.find("chosen learning rate"), std::string::npos) << out;

    // Start the same homework and kill it (SIGKILL: no chance to clean up) after some runs.
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const std::string cmd = cliPath() + " homework --data " + data + " --out " + resumed +
                                kSettings + " > /dev/null 2>&1";
        ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
        std::_Exit(127);
    }
    const auto start = std::chrono::steady_clock::now();
    while (finishedRuns(resumed) < 2) {
        ASSERT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(120));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    const int before = finishedRuns(resumed);
    ASSERT_LT(before, 10) << "the homework finished before it could be killed";
    EXPECT_FALSE(fs::exists(fs::path(resumed) / "report.md"));

    ASSERT_EQ(
        runCommand(cliPath() + " homework --data " + data + " --out " + resumed + kSettings, &out),
        0)
        << out;
    EXPECT_NE(out.find(std::to_string(before) + " runs reused"), std::string::npos) << out;
    EXPECT_EQ(fileText(resumed + "/sweep.csv"), fileText(whole + "/sweep.csv"));
    EXPECT_EQ(fileText(resumed + "/curve.csv"), fileText(whole + "/curve.csv"));
    EXPECT_EQ(fileText(resumed + "/fits.csv"), fileText(whole + "/fits.csv"));
}

TEST(HomeworkCli, BadListsExitWithCodeTwo) {
    QM7_SKIP_WITHOUT_SHARED("dataset.pt");
    const std::string data = qm7::test::sharedData("dataset.pt");
    std::string out;
    EXPECT_EQ(
        runCommand(cliPath() + " homework --data " + data + " --out /tmp/qm7-x --lrs 1e-3,abc",
                   &out),
        2)
        << out;
    EXPECT_NE(out.find("'abc' is not a number"), std::string::npos) << out;
    EXPECT_EQ(runCommand(cliPath() + " curve --data " + data + " --out /tmp/qm7-x --sizes 100,5000",
                         &out),
              2)
        << out;
    EXPECT_NE(out.find("exceeds"), std::string::npos) << out;
}
