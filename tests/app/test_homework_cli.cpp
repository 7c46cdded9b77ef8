// qm7 homework, killed midway and run again, continues where it stopped and gives the same
// numbers as a run that was never interrupted.
#include "test_support.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>
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
    const std::string data = qm7::test::demoDatasetPt();
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
    const std::string data = qm7::test::demoDatasetPt();
    std::string out;
    EXPECT_EQ(runCommand(cliPath() + " homework --data " + data + " --out " +
                             qm7::test::freshDir("hw_bad") + " --lrs 1e-3,abc",
                         &out),
              2)
        << out;
    EXPECT_NE(out.find("'abc' is not a number"), std::string::npos) << out;
    EXPECT_EQ(runCommand(cliPath() + " curve --data " + data + " --out " +
                             qm7::test::freshDir("hw_bad") + " --sizes 100,5000",
                         &out),
              2)
        << out;
    EXPECT_NE(out.find("exceeds"), std::string::npos) << out;
}

namespace {
const char* kTiny = " --epochs 2 --hidden 8 --eval-every 1 --lrs 1e-3 --seeds 1 "
                    "--sizes 100,200,400 --threads 1";
}

// Without qm7-workbench the figures cannot be drawn: a clear error, and the tables are there.
TEST(HomeworkCli, MissingWorkbenchIsAClearError) {
    const std::string dir = qm7::test::freshDir("hw_no_workbench");
    std::string out;
    EXPECT_EQ(runCommand("QM7_WORKBENCH=" + dir + "/none/qm7-workbench " + cliPath() +
                             " homework --data " + qm7::test::demoDatasetPt() + " --out " + dir +
                             "/out" + kTiny,
                         &out),
              1)
        << out;
    EXPECT_NE(out.find("cannot render the figures: qm7-workbench not found"), std::string::npos)
        << out;
    EXPECT_NE(out.find("--no-figures"), std::string::npos) << out;
    EXPECT_TRUE(fs::exists(dir + "/out/report.md"));
    EXPECT_TRUE(fs::exists(dir + "/out/fits.csv"));
}

// The renderer is started directly (no shell): any folder name reaches it unchanged.
TEST(HomeworkCli, FiguresAreRenderedWithoutAShell) {
    const std::string base = qm7::test::freshDir("hw_spawn");
    const std::string tools = base + "/it's tools";
    fs::create_directories(tools);
    const std::string fake = tools + "/qm7-workbench";
    {
        std::ofstream script(fake);
        script << "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$(dirname "
                  "\"$0\")/args.txt\"\nprintf '%s\\n' \"$QT_QPA_PLATFORM\" >> \"$(dirname "
                  "\"$0\")/args.txt\"\n";
    }
    fs::permissions(fake, fs::perms::owner_all);
    const std::string out = base + "/a dir's $(touch pwned) `x`";
    std::string text;
    const std::string quoted = "'" + std::string("a dir'\\''s $(touch pwned) `x`") + "'";
    ASSERT_EQ(runCommand("cd '" + base + "' && QM7_WORKBENCH=\"$PWD/it's tools/qm7-workbench\" " +
                             cliPath() + " homework --data " + qm7::test::demoDatasetPt() +
                             " --out " + quoted + kTiny,
                         &text),
              0)
        << text;
    std::ifstream args(tools + "/args.txt");
    std::vector<std::string> lines;
    for (std::string line; std::getline(args, line);)
        lines.push_back(line);
    ASSERT_EQ(lines.size(), 3u) << text;
    EXPECT_EQ(lines[0], "--render-report");
    EXPECT_EQ(lines[1], "a dir's $(touch pwned) `x`"); // as given, relative to the folder
    EXPECT_TRUE(fs::exists(out + "/report.md"));
    EXPECT_EQ(lines[2], "offscreen");
    EXPECT_FALSE(fs::exists(base + "/pwned"));
}
