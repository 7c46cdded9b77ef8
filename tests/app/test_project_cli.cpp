// Issue 13 by hand: two processes `--task 0 --tasks 2` and `--task 1 --tasks 2` on one project
// folder, then `qm7 collect`, give the same CSVs as one process; concurrent processes never
// train a run twice; collect refuses an unfinished project; qm7 slurm writes its scripts.
#include "test_support.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;
using qm7::test::cliPath;
using qm7::test::runCommand;

namespace {

const std::string kSweep = " --data demo --epochs 3 --hidden 8 --eval-every 1 --lrs 1e-3,1e-2 "
                           "--seeds 3 --threads 1";
const std::string kCurve = " --data demo --epochs 3 --hidden 8 --eval-every 1 --lr 1e-2 "
                           "--sizes 100,200,400 --seeds 2 --threads 1";
const std::string kHomework = " --data demo --epochs 3 --hidden 8 --eval-every 1 --lrs 1e-3,1e-2 "
                              "--sizes 100,200,400 --seeds 2 --threads 1 --no-figures";

std::string text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Runs the commands side by side and waits for both; returns 0 when both succeeded.
int together(const std::string& a, const std::string& b, const std::string& logs) {
    return runCommand("(" + a + " > " + logs + "/a.log 2>&1 & " + b + " > " + logs +
                      "/b.log 2>&1 & wait %1 && wait %2)");
}

/// The number of runs a log says its task trained ("..., N trained (...").
int trained(const std::string& log) {
    static const std::regex re(R"((\d+) trained \()");
    std::smatch m;
    const std::string t = text(log);
    return std::regex_search(t, m, re) ? std::stoi(m[1]) : -1;
}

void expectSameTables(const std::string& command, const std::string& settings,
                      const std::vector<std::string>& tables) {
    const std::string root = qm7::test::freshDir("project_" + command);
    const std::string one = root + "/one", project = root + "/project", out = root + "/collected";
    std::string log;
    ASSERT_EQ(runCommand(cliPath() + " " + command + settings + " --out " + one, &log), 0) << log;
    const std::string q = cliPath() + " " + command + settings + " --out " + project;
    ASSERT_EQ(together(q + " --task 0 --tasks 2", q + " --task 1 --tasks 2", root), 0)
        << text(root + "/a.log") << text(root + "/b.log");
    ASSERT_EQ(runCommand(cliPath() + " collect --project " + project + " --out " + out, &log), 0)
        << log;
    for (const auto& table : tables) {
        const std::string expected = text(one + "/" + table);
        ASSERT_FALSE(expected.empty()) << table;
        EXPECT_EQ(text(out + "/" + table), expected) << table;
    }
}

} // namespace

TEST(ProjectCli, TwoTasksThenCollectGiveTheSweepOfOneProcess) {
    expectSameTables("sweep", kSweep, {"sweep.csv"});
}

TEST(ProjectCli, TwoTasksThenCollectGiveTheCurveOfOneProcess) {
    expectSameTables("curve", kCurve, {"curve.csv", "fits.csv"});
}

TEST(ProjectCli, TwoTasksThenCollectGiveTheHomeworkOfOneProcess) {
    expectSameTables("homework", kHomework, {"sweep.csv", "curve.csv", "fits.csv"});
}

TEST(ProjectCli, ProcessesOnTheSameRunsNeverTrainOneTwice) {
    const std::string root = qm7::test::freshDir("project_same_runs");
    // Longer runs, so that the two processes overlap.
    const std::string longer = std::regex_replace(kSweep, std::regex("--epochs 3"), "--epochs 30");
    const std::string q = cliPath() + " sweep" + longer + " --out " + root + "/project";
    ASSERT_EQ(together(q + " --task 0 --tasks 1", q + " --task 0 --tasks 1", root), 0)
        << text(root + "/a.log") << text(root + "/b.log");
    const int a = trained(root + "/a.log"), b = trained(root + "/b.log");
    EXPECT_EQ(a + b, 6) << text(root + "/a.log") << text(root + "/b.log");
    for (const auto& e : fs::directory_iterator(root + "/project")) {
        if (e.is_directory()) {
            EXPECT_FALSE(fs::exists(e.path() / "claim.json")) << e.path();
        }
    }
}

TEST(ProjectCli, CollectRefusesAnUnfinishedProjectAndOtherSettings) {
    const std::string root = qm7::test::freshDir("project_unfinished");
    const std::string project = root + "/project";
    std::string log;
    ASSERT_EQ(
        runCommand(cliPath() + " sweep" + kSweep + " --out " + project + " --task 0 --tasks 3",
                   &log),
        0)
        << log;
    EXPECT_NE(log.find("left to other tasks"), std::string::npos) << log;
    EXPECT_FALSE(fs::exists(project + "/sweep.csv"));
    EXPECT_NE(runCommand(cliPath() + " collect --project " + project, &log), 0);
    EXPECT_NE(log.find("4 of 6 runs are not finished"), std::string::npos) << log;
    const std::string other = std::regex_replace(kSweep, std::regex("--epochs 3"), "--epochs 4");
    EXPECT_NE(runCommand(cliPath() + " sweep" + other + " --out " + project + " --task 1 --tasks 3",
                         &log),
              0);
    EXPECT_NE(log.find("other settings"), std::string::npos) << log;
    // Threads are not a setting of the project; a single process may change the settings.
    const std::string threads =
        std::regex_replace(kSweep, std::regex("--threads 1"), "--threads 2");
    EXPECT_EQ(
        runCommand(cliPath() + " sweep" + threads + " --out " + project + " --task 1 --tasks 3",
                   &log),
        0)
        << log;
    EXPECT_EQ(runCommand(cliPath() + " sweep" + other + " --out " + root + "/single", &log), 0);
    EXPECT_EQ(runCommand(cliPath() + " sweep" + kSweep + " --out " + root + "/single", &log), 0)
        << log;
    EXPECT_NE(
        runCommand(cliPath() + " sweep" + kSweep + " --out " + project + " --task 3 --tasks 3",
                   &log),
        0);
    EXPECT_NE(runCommand(cliPath() + " collect --project " + root + "/nothing", &log), 0);
    EXPECT_NE(log.find("not a project folder"), std::string::npos) << log;
}

TEST(ProjectCli, SlurmWritesAnArrayAndADependentCollectJob) {
    const std::string root = qm7::test::freshDir("project_slurm_scripts");
    std::string log;
    ASSERT_EQ(runCommand("cd " + root + " && " + cliPath() + " slurm sweep" + kSweep +
                             " --out project --array 4 --time 01:30 --cpus-per-task 2 "
                             "--take-over --claim-timeout 30 --sbatch-option --account=physics "
                             "--sbatch-option=--mem=2G --setup 'module load qm7'",
                         &log),
              0)
        << log;
    const std::string array = text(root + "/project/slurm/sweep-array.sbatch");
    EXPECT_NE(array.find("#SBATCH --array=0-3\n"), std::string::npos) << array;
    // The time as sbatch reads it (01:30 is 1 minute 30 seconds), said in the output.
    EXPECT_NE(array.find("#SBATCH --time=01:30\n"), std::string::npos) << array;
    EXPECT_NE(log.find("time limit of each: 1m 30s"), std::string::npos) << log;
    EXPECT_NE(array.find("#SBATCH --account=physics\n#SBATCH --mem=2G\n"), std::string::npos)
        << array;
    // The set-up line runs before qm7, which gets the claim options of the command line.
    EXPECT_NE(array.find("\nmodule load qm7\n"), std::string::npos) << array;
    EXPECT_LT(array.find("module load qm7"), array.find("exec ")) << array;
    EXPECT_NE(array.find(" --threads 1 --take-over --claim-timeout 30 --out "), std::string::npos)
        << array;
    EXPECT_NE(array.find("#SBATCH --cpus-per-task=2\n"), std::string::npos) << array;
    EXPECT_NE(array.find(" sweep --data demo"), std::string::npos) << array;
    EXPECT_NE(array.find("--out " + fs::canonical(root).string() + "/project\n"), std::string::npos)
        << array;
    const std::string collect = text(root + "/project/slurm/collect.sbatch");
    EXPECT_NE(collect.find(" collect --project "), std::string::npos) << collect;
    EXPECT_NE(collect.find("#SBATCH --account=physics\n"), std::string::npos) << collect;
    const std::string submit = text(root + "/project/slurm/submit.sh");
    EXPECT_NE(submit.find("--dependency=afterok:$array"), std::string::npos) << submit;
    EXPECT_NE(submit.find("scancel"), std::string::npos) << submit;
    EXPECT_NE(log.find("array job script:"), std::string::npos) << log;

    // The same folder for another study is refused, naming the difference, and left alone.
    const std::string before = array;
    std::string other = kSweep;
    other.replace(other.find("1e-3,1e-2"), 9, "1e-3");
    EXPECT_EQ(runCommand("cd " + root + " && " + cliPath() + " slurm sweep" + other +
                             " --out project --array 4 --time 10",
                         &log),
              2);
    EXPECT_NE(log.find("holds another study"), std::string::npos) << log;
    EXPECT_NE(log.find("--lrs 1e-3,1e-2 there, 1e-3 here"), std::string::npos) << log;
    EXPECT_EQ(runCommand("cd " + root + " && " + cliPath() + " slurm curve" + kCurve +
                             " --out project --array 4 --time 10",
                         &log),
              2);
    EXPECT_NE(log.find("it holds a sweep, this is a curve"), std::string::npos) << log;
    EXPECT_EQ(text(root + "/project/slurm/sweep-array.sbatch"), before);
    // The same study again is accepted (a rerun).
    EXPECT_EQ(runCommand("cd " + root + " && " + cliPath() + " slurm sweep" + kSweep +
                             " --out project --array 4 --time 10",
                         &log),
              0)
        << log;
    // Mistakes are caught before anything reaches the queue.
    for (const char* time : {"0", "00:00", "0-0", "1:75", "25:00:61", "1-24:00", "1h", "9999-0"}) {
        EXPECT_EQ(runCommand("cd " + root + " && " + cliPath() + " slurm sweep" + kSweep +
                                 " --out p --array 2 --cpus-per-task 1 --time " + time,
                             &log),
                  2)
            << time;
        EXPECT_NE(log.find("--time"), std::string::npos) << log;
    }
    EXPECT_EQ(runCommand("cd " + root + " && " + cliPath() +
                             " slurm sweep --data nosuch.pt --out p --array 2 --time 10",
                         &log),
              2);
    EXPECT_NE(log.find("nosuch.pt"), std::string::npos) << log;
    EXPECT_EQ(runCommand("cd " + root + " && " + cliPath() + " slurm sweep" + kSweep +
                             " --out p --array 2 --time 10 --bundle nowhere",
                         &log),
              2);
    EXPECT_NE(log.find("no executable bin/qm7"), std::string::npos) << log;
    EXPECT_EQ(runCommand("cd " + root + " && " + cliPath() + " slurm sweep" + kSweep +
                             " --out p --array 2 --time 10 --sbatch-option account",
                         &log),
              2);
    EXPECT_FALSE(fs::exists(root + "/p")) << "nothing written for a refused command";
    EXPECT_EQ(runCommand(cliPath() + " slurm train --out p --array 2 --time 00:10", &log), 2);
    EXPECT_EQ(runCommand(cliPath() + " slurm sweep --data demo --array 2 --time 00:10", &log), 2);
    EXPECT_NE(log.find("needs --out"), std::string::npos) << log;
}

TEST(ProjectCli, SlurmCvRunsFoldIInTaskIThenTheSummary) {
    const std::string root = qm7::test::freshDir("project_slurm_cv");
    std::string log;
    ASSERT_EQ(runCommand("cd " + root + " && " + cliPath() +
                             " slurm cv --from demo --model mlp --representation sorted --folds 3 "
                             "--epochs 50 --out cvrun --array 3 --time 02:00",
                         &log),
              0)
        << log;
    const std::string out = fs::canonical(root).string() + "/cvrun";
    const std::string array = text(out + "/slurm/cv-array.sbatch");
    EXPECT_NE(array.find("#SBATCH --array=0-2\n"), std::string::npos) << array;
    EXPECT_NE(array.find(" cv --from demo --model mlp --representation sorted --folds 3 "
                         "--epochs 50 --threads 1 --fold \"$SLURM_ARRAY_TASK_ID\" --out " +
                         out + "\n"),
              std::string::npos)
        << array;
    const std::string summary = text(out + "/slurm/summary.sbatch");
    EXPECT_NE(summary.find(" cv --from demo --model mlp --representation sorted --folds 3 "
                           "--epochs 50 --threads 1 --out " +
                           out + "\n"),
              std::string::npos)
        << summary;
    EXPECT_EQ(summary.find("--fold "), std::string::npos) << summary;
    const std::string submit = text(out + "/slurm/submit.sh");
    EXPECT_NE(submit.find("--dependency=afterok:$array"), std::string::npos) << submit;
    EXPECT_NE(submit.find("summary.sbatch"), std::string::npos) << submit;

    // What task 1 of the array runs, run here: fold 1 only, partition.json written once.
    std::string task = array.substr(array.find("exec "));
    task = std::regex_replace(task, std::regex("--epochs 50"), "--epochs 2 --train-size 100");
    {
        std::ofstream script(root + "/task.sh");
        script << task;
    }
    ASSERT_EQ(runCommand("SLURM_ARRAY_TASK_ID=1 sh " + root + "/task.sh", &log), 0) << log;
    EXPECT_TRUE(fs::exists(out + "/fold-1/result.json")) << log;
    EXPECT_FALSE(fs::exists(out + "/fold-0")) << log;
    EXPECT_TRUE(fs::exists(out + "/partition.json"));

    // One task per fold, and the fold is the array's; nothing is written for a refused command.
    const std::string slurmCv = "cd " + root + " && " + cliPath() + " slurm cv ";
    EXPECT_EQ(runCommand(slurmCv + "--from demo --folds 5 --out p --array 3 --time 00:10", &log),
              2);
    EXPECT_NE(log.find("must equal --folds"), std::string::npos) << log;
    EXPECT_EQ(runCommand(slurmCv + "--from demo --fold 1 --out p --array 5 --time 00:10", &log), 2);
    EXPECT_NE(log.find("leave out --fold"), std::string::npos) << log;
    for (const char* bad : {"--model nn", "--model mlp --representation bag", "--epochs x"})
        EXPECT_EQ(runCommand(slurmCv + bad + " --out p --array 5 --time 00:10", &log), 2) << bad;
    EXPECT_FALSE(fs::exists(root + "/p")) << "nothing written for a refused command";
}
