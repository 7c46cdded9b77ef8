// The tasks of a Slurm submission read from a project folder as qm7 slurm leaves it (jobs.txt,
// study.json, the array script, the task logs) and from squeue's lines: every state, Slurm's
// reason for a pending task, the log line that tells why a task failed, the folder alone when
// Slurm is not there, and a damaged jobs.txt named in the message. (The cluster test reads a real
// squeue through qm7 slurm-status.)
#include "qm7/train/slurm_tasks.h"

#include "test_support.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace qm7;

namespace {

void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
}

/// A project whose 4-task sweep array (job 120) and collect job (121) were submitted.
fs::path submittedProject(const std::string& name) {
    const fs::path p = qm7::test::freshDir(name);
    write(p / "slurm" / "jobs.txt", "array 120\ncollect 121\n");
    write(p / "slurm" / "study.json", R"({"command": "sweep", "args": ["--lrs", "1e-3"]})");
    write(p / "slurm" / "sweep-array.sbatch",
          "#!/bin/sh\n#SBATCH --job-name=qm7-sweep\n#SBATCH --array=0-3\nexec qm7 sweep\n");
    return p;
}

const SlurmTask& task(const std::vector<SlurmTask>& tasks, int index) {
    for (const SlurmTask& t : tasks)
        if (t.index == index)
            return t;
    throw std::runtime_error("no task " + std::to_string(index));
}

} // namespace

TEST(SlurmTasks, AFolderWithoutASubmissionHasNone) {
    EXPECT_FALSE(readSlurmSubmission(qm7::test::freshDir("slurm_none")).has_value());
}

TEST(SlurmTasks, TheSubmissionIsReadFromWhatQm7SlurmWrote) {
    const auto s = readSlurmSubmission(submittedProject("slurm_read").string());
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->command, "sweep");
    EXPECT_EQ(s->arrayId, "120");
    EXPECT_EQ(s->afterKind, "collect");
    EXPECT_EQ(s->afterId, "121");
    EXPECT_EQ(s->tasks, 4);
    EXPECT_NE(squeueCommand(*s).find("-j 120,121"), std::string::npos) << squeueCommand(*s);
}

TEST(SlurmTasks, SqueueAndTheLogsGiveEachTaskItsState) {
    const fs::path p = submittedProject("slurm_states");
    const fs::path logs = p / "slurm" / "logs";
    write(logs / "qm7-sweep-120_0.out", "trained 3 runs\n");
    write(logs / "qm7-sweep-120_1.out", "run 4 of 6\n");
    write(logs / "qm7-sweep-120_2.out",
          "run 1 of 6\nqm7 sweep: /data/x.pt: no such file (give --data a dataset.pt)\n");
    // Task 3 is still pending behind the others; the collect job waits for the array.
    const std::string squeue = "120_1|RUNNING|None\n"
                               "120_3|PENDING|Resources\n"
                               "121|PENDING|Dependency\n";
    const auto s = readSlurmSubmission(p.string());
    const std::vector<SlurmTask> tasks = slurmTasks(*s, squeue);
    ASSERT_EQ(tasks.size(), 5u) << "four tasks and the collect job";
    EXPECT_EQ(task(tasks, 0).state, SlurmTaskState::Done);
    EXPECT_EQ(task(tasks, 1).state, SlurmTaskState::Running);
    EXPECT_EQ(task(tasks, 2).state, SlurmTaskState::Failed);
    EXPECT_NE(task(tasks, 2).detail.find("no such file"), std::string::npos)
        << task(tasks, 2).detail;
    EXPECT_EQ(task(tasks, 3).state, SlurmTaskState::Pending);
    EXPECT_EQ(task(tasks, 3).detail, "Resources");
    EXPECT_EQ(task(tasks, -1).state, SlurmTaskState::Pending);
    EXPECT_EQ(task(tasks, -1).detail, "Dependency");
    EXPECT_EQ(task(tasks, -1).jobId, "121");
    EXPECT_EQ(slurmTaskStateName(task(tasks, 2).state), "failed");
}

TEST(SlurmTasks, CancelledAndTimedOutTasksAreToldFromTheirLogs) {
    const fs::path p = submittedProject("slurm_ends");
    const fs::path logs = p / "slurm" / "logs";
    write(logs / "qm7-sweep-120_0.out",
          "run 2 of 6\nslurmstepd: error: *** JOB 122 ON node1 CANCELLED AT 2026-12-04T16:00:00 "
          "***\n");
    write(logs / "qm7-sweep-120_1.out",
          "run 2 of 6\nslurmstepd: error: *** JOB 123 ON node1 CANCELLED AT 2026-12-04T16:00:00 "
          "DUE TO TIME LIMIT ***\n");
    // Grouped pending elements, as squeue prints them without --array.
    const auto tasks = slurmTasks(*readSlurmSubmission(p.string()),
                                  std::string("120_[2-3%1]|PENDING|JobArrayTaskLimit\n"
                                              "121|PENDING|DependencyNeverSatisfied\n"));
    EXPECT_EQ(task(tasks, 0).state, SlurmTaskState::Cancelled);
    EXPECT_EQ(task(tasks, 1).state, SlurmTaskState::Failed);
    EXPECT_NE(task(tasks, 1).detail.find("time limit"), std::string::npos);
    EXPECT_EQ(task(tasks, 2).state, SlurmTaskState::Pending);
    EXPECT_EQ(task(tasks, 3).state, SlurmTaskState::Pending);
    EXPECT_EQ(task(tasks, -1).detail, "DependencyNeverSatisfied");
}

TEST(SlurmTasks, WithoutSlurmTheFolderAloneTellsWhatItCan) {
    const fs::path p = submittedProject("slurm_folder_only");
    write(p / "slurm" / "logs" / "qm7-sweep-120_0.out", "run 1 of 6\n");
    write(p / "slurm" / "logs" / "qm7-sweep-120_1.out", "qm7 sweep: out of memory\n");
    const auto tasks = slurmTasks(*readSlurmSubmission(p.string()), std::nullopt);
    EXPECT_EQ(task(tasks, 0).state, SlurmTaskState::Started);
    EXPECT_EQ(task(tasks, 1).state, SlurmTaskState::Failed);
    EXPECT_EQ(task(tasks, 2).state, SlurmTaskState::NotStarted);
    EXPECT_EQ(task(tasks, -1).state, SlurmTaskState::NotStarted);
}

TEST(SlurmTasks, ADamagedJobsFileIsNamed) {
    const fs::path p = submittedProject("slurm_damaged");
    write(p / "slurm" / "jobs.txt", "array 12x\n");
    try {
        readSlurmSubmission(p.string());
        FAIL() << "a damaged jobs.txt was read";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("jobs.txt"), std::string::npos) << e.what();
    }
}
