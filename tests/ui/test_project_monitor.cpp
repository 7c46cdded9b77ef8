// The project monitor follows a folder that other processes fill: runs claimed by a task show as
// in progress, runs with their summary as finished, runs of a dead task as stopped, all through
// file-system events; finished runs are no longer watched.

#include "qm7ui/project_monitor.h"

#include "qm7/util/atomic_file.h"
#include "test_support.h"

#include <QDir>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>
#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {

std::string hostName() {
    char buf[256] = {};
    ::gethostname(buf, sizeof buf - 1);
    return buf;
}

void claim(const std::string& dir, long pid) {
    fs::create_directories(dir);
    qm7::writeFileAtomically(dir + "/claim.json", "{\"id\":\"x\",\"host\":\"" + hostName() +
                                                      "\",\"pid\":" + std::to_string(pid) +
                                                      ",\"slurm_job\":\"41_2\",\"task\":2}");
}

void finish(const std::string& dir) {
    qm7::writeFileAtomically(dir + "/model.pt", "weights");
    qm7::writeFileAtomically(dir + "/summary.json", "{\"cancelled\": false}");
    fs::remove(dir + "/claim.json");
}

/// Lets events run until value() == expected or 5 s passed; returns value().
template <class F> int waitFor(F value, int expected) {
    for (int i = 0; i < 250 && value() != expected; ++i)
        QTest::qWait(20);
    return value();
}

} // namespace

TEST(ProjectMonitor, FollowsRunsAsTasksClaimAndFinishThem) {
    const std::string root = qm7::test::freshDir("project_monitor");
    qm7::ui::ProjectMonitor monitor(QString::fromStdString(root));
    EXPECT_EQ(monitor.finishedRuns() + monitor.runningRuns(), 0);

    claim(root + "/lr1e-03-seed0", static_cast<long>(::getppid()));
    ASSERT_EQ(waitFor([&] { return monitor.runningRuns(); }, 1), 1);
    EXPECT_TRUE(monitor.watchedPaths().contains(QString::fromStdString(root + "/lr1e-03-seed0")));

    finish(root + "/lr1e-03-seed0");
    ASSERT_EQ(waitFor([&] { return monitor.finishedRuns(); }, 1), 1);
    EXPECT_EQ(monitor.runningRuns(), 0);
    EXPECT_FALSE(monitor.watchedPaths().contains(QString::fromStdString(root + "/lr1e-03-seed0")))
        << "finished runs are not watched any more";

    // A run whose task died (a pid that does not exist on this host) shows as stopped.
    claim(root + "/lr1e-02-seed0", 999999999L);
    ASSERT_EQ(waitFor([&] { return monitor.abandonedRuns(); }, 1), 1);

    // The homework's sweep/ folder is picked up when it appears.
    claim(root + "/sweep/lr1e-03-seed1", static_cast<long>(::getppid()));
    ASSERT_EQ(waitFor([&] { return monitor.runningRuns(); }, 1), 1);
    finish(root + "/sweep/lr1e-03-seed1");
    ASSERT_EQ(waitFor([&] { return monitor.finishedRuns(); }, 2), 2);
}

namespace {

/// PATH without squeue for the life of the object: the monitor reads the folder alone.
struct WithoutSqueue {
    QByteArray saved = qgetenv("PATH");
    WithoutSqueue() { qputenv("PATH", QByteArray("/nonexistent-qm7-test-path")); }
    ~WithoutSqueue() { qputenv("PATH", saved); }
};

QString taskCell(const qm7::ui::ProjectMonitor& m, int row, int column) {
    const QTableWidgetItem* item = m.taskTable()->item(row, column);
    return item ? item->text() : QString();
}

} // namespace

TEST(ProjectMonitor, ASlurmSubmissionShowsEachTaskFromItsLogWithoutSlurm) {
    const std::string root = qm7::test::freshDir("project_monitor_slurm");
    const fs::path slurm = fs::path(root) / "slurm";
    fs::create_directories(slurm / "logs");
    qm7::writeFileAtomically((slurm / "study.json").string(),
                             R"({"command": "sweep", "args": ["--lrs", "1e-3"]})");
    qm7::writeFileAtomically((slurm / "sweep-array.sbatch").string(),
                             "#!/bin/sh\n#SBATCH --array=0-2\nexec qm7 sweep\n");
    qm7::writeFileAtomically((slurm / "logs" / "qm7-sweep-77_0.out").string(), "run 1 of 3\n");
    qm7::writeFileAtomically((slurm / "logs" / "qm7-sweep-77_1.out").string(),
                             "qm7 sweep: --data /x.pt: no such file\n");
    WithoutSqueue noSlurm;
    qm7::ui::ProjectMonitor monitor(QString::fromStdString(root));
    EXPECT_TRUE(monitor.slurmTasks().empty()) << "no submission yet: no tasks";
    EXPECT_TRUE(monitor.taskTable()->isHidden());

    // The submission is recorded: the tasks appear with what their logs tell.
    QSignalSpy updated(&monitor, &qm7::ui::ProjectMonitor::tasksUpdated);
    qm7::writeFileAtomically((slurm / "jobs.txt").string(), "array 77\ncollect 78\n");
    monitor.refresh();
    ASSERT_EQ(monitor.slurmTasks().size(), 4u) << "three tasks and the collect job";
    EXPECT_FALSE(monitor.taskTable()->isHidden());
    EXPECT_EQ(monitor.taskTable()->rowCount(), 4);
    EXPECT_EQ(taskCell(monitor, 0, 2), QStringLiteral("started"));
    EXPECT_EQ(taskCell(monitor, 1, 2), QStringLiteral("failed"));
    EXPECT_TRUE(taskCell(monitor, 1, 3).contains(QStringLiteral("no such file")));
    EXPECT_EQ(taskCell(monitor, 2, 2), QStringLiteral("not started"));
    EXPECT_EQ(taskCell(monitor, 3, 0), QStringLiteral("collect"));
    EXPECT_TRUE(monitor.taskSummary().contains(QStringLiteral("folder alone")))
        << monitor.taskSummary().toStdString();
    EXPECT_TRUE(monitor.taskSummary().contains(QStringLiteral("array job 77")));

    // Task 2 starts and is cancelled: its log appears and the row follows, by file events.
    qm7::writeFileAtomically(
        (slurm / "logs" / "qm7-sweep-77_2.out").string(),
        "slurmstepd: error: *** JOB 80 ON node1 CANCELLED AT 2026-12-04T16:00:00 ***\n");
    ASSERT_EQ(waitFor(
                  [&] {
                      return monitor.slurmTasks().size() > 2 &&
                             monitor.slurmTasks()[2].state == qm7::SlurmTaskState::Cancelled;
                  },
                  1),
              1)
        << taskCell(monitor, 2, 2).toStdString();
    EXPECT_EQ(taskCell(monitor, 2, 2), QStringLiteral("cancelled"));
}
