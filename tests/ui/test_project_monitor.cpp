// The project monitor follows a folder that other processes fill: runs claimed by a task show as
// in progress, runs with their summary as finished, runs of a dead task as stopped, all through
// file-system events; finished runs are no longer watched.

#include "qm7ui/project_monitor.h"

#include "qm7/util/atomic_file.h"
#include "test_support.h"

#include <QDir>
#include <QSignalSpy>
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
