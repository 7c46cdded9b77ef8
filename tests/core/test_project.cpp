// A project folder shared by tasks: slices, atomic claims across processes, takeover of claims
// whose holder died, and trainSlice on a small synthetic data set.
#include "qm7/train/project.h"
#include "qm7/train/run_store.h"
#include "qm7/util/atomic_file.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>

#include <sys/wait.h>
#include <unistd.h>

using namespace qm7;
namespace fs = std::filesystem;

namespace {

ClaimHolder holderNamed(const std::string& id) {
    ClaimHolder h = currentHolder(0);
    h.id = id;
    h.pid = static_cast<long>(::getpid());
    return h;
}

/// Forks `n` processes that wait for a common start, call claimRun on dir with their own holder
/// and report the outcome; they stay alive until all have answered. Returns the outcomes.
std::vector<ClaimOutcome> raceClaims(const std::string& dir, int n, const ClaimPolicy& policy) {
    int go[2], answers[2], done[2];
    EXPECT_EQ(::pipe(go), 0);
    EXPECT_EQ(::pipe(answers), 0);
    EXPECT_EQ(::pipe(done), 0);
    std::vector<pid_t> children;
    for (int k = 0; k < n; ++k) {
        const pid_t pid = ::fork();
        if (pid == 0) {
            char c;
            if (::read(go[0], &c, 1) != 1)
                std::_Exit(3);
            const ClaimHolder me = holderNamed("child" + std::to_string(k));
            char result = 'E';
            try {
                result = static_cast<char>('0' + static_cast<int>(claimRun(dir, me, policy)));
            } catch (...) {
            }
            if (::write(answers[1], &result, 1) != 1)
                std::_Exit(3);
            ::read(done[0], &c, 1); // alive until the parent has every answer
            std::_Exit(0);
        }
        children.push_back(pid);
    }
    const std::string start(static_cast<std::size_t>(n), 'g');
    EXPECT_EQ(::write(go[1], start.data(), start.size()), static_cast<ssize_t>(n));
    std::vector<ClaimOutcome> outcomes;
    for (int k = 0; k < n; ++k) {
        char c = 0;
        EXPECT_EQ(::read(answers[0], &c, 1), 1);
        EXPECT_NE(c, 'E') << "claimRun threw in a child";
        outcomes.push_back(static_cast<ClaimOutcome>(c - '0'));
    }
    EXPECT_EQ(::write(done[1], start.data(), start.size()), static_cast<ssize_t>(n));
    for (pid_t pid : children)
        ::waitpid(pid, nullptr, 0);
    for (int fd : {go[0], go[1], answers[0], answers[1], done[0], done[1]})
        ::close(fd);
    return outcomes;
}

int count(const std::vector<ClaimOutcome>& v, ClaimOutcome o) {
    return static_cast<int>(std::count(v.begin(), v.end(), o));
}

/// A claim left by a process that has exited.
void leaveDeadClaim(const std::string& dir) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        claimRun(dir, holderNamed("dead"), ClaimPolicy{});
        std::_Exit(0);
    }
    ::waitpid(pid, nullptr, 0);
}

Dataset syntheticData() {
    Dataset data;
    data.d = 6;
    data.atoms = 3;
    std::mt19937 rng(7);
    std::normal_distribution<float> normal;
    auto fill = [&](Split& s, int n) {
        for (int i = 0; i < n; ++i) {
            float y = 0;
            for (int j = 0; j < data.d; ++j) {
                const float x = normal(rng);
                s.X.push_back(x);
                y += (j + 1) * x;
            }
            s.y.push_back(-1000.0f + 50.0f * y);
        }
    };
    fill(data.train, 120);
    fill(data.val, 40);
    fill(data.test, 40);
    return data;
}

std::vector<TrainConfig> smallConfigs(int n) {
    std::vector<TrainConfig> configs;
    for (int i = 0; i < n; ++i) {
        TrainConfig c;
        c.hidden = 8;
        c.epochs = 3;
        c.batchSize = 32;
        c.lr = 1e-3;
        c.seed = static_cast<std::uint64_t>(i);
        c.evalEvery = 1;
        configs.push_back(c);
    }
    return configs;
}

} // namespace

TEST(TaskSlice, EveryRunBelongsToExactlyOneTask) {
    for (int tasks : {1, 2, 3, 4, 7}) {
        for (std::size_t run = 0; run < 20; ++run) {
            int owners = 0;
            for (int t = 0; t < tasks; ++t)
                owners += TaskSlice{t, tasks}.contains(run) ? 1 : 0;
            EXPECT_EQ(owners, 1) << "run " << run << " of " << tasks << " tasks";
        }
    }
    EXPECT_FALSE(TaskSlice({2, 2}).validate().empty());
    EXPECT_FALSE(TaskSlice({0, 0}).validate().empty());
    EXPECT_TRUE(TaskSlice({1, 2}).validate().empty());
}

TEST(TaskSlice, ComesFromTheSlurmArrayEnvironment) {
    ::unsetenv("SLURM_ARRAY_TASK_ID");
    EXPECT_EQ(sliceFromEnvironment().tasks, 1);
    ::setenv("SLURM_ARRAY_TASK_ID", "7", 1);
    ::setenv("SLURM_ARRAY_TASK_MIN", "5", 1);
    ::setenv("SLURM_ARRAY_TASK_MAX", "8", 1);
    ::unsetenv("SLURM_ARRAY_TASK_COUNT");
    TaskSlice s = sliceFromEnvironment();
    EXPECT_EQ(s.task, 2);
    EXPECT_EQ(s.tasks, 4);
    ::setenv("SLURM_ARRAY_TASK_COUNT", "6", 1);
    s = sliceFromEnvironment();
    EXPECT_EQ(s.tasks, 6);
    for (const char* v : {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX",
                          "SLURM_ARRAY_TASK_COUNT"})
        ::unsetenv(v);
}

TEST(Claim, ExactlyOneOfManyProcessesWins) {
    for (int round = 0; round < 5; ++round) {
        const std::string dir = test::freshDir("claim_race") + "/run";
        const auto outcomes = raceClaims(dir, 8, ClaimPolicy{});
        EXPECT_EQ(count(outcomes, ClaimOutcome::Claimed), 1);
        EXPECT_EQ(count(outcomes, ClaimOutcome::HeldByOther), 7);
        ClaimHolder h;
        ASSERT_TRUE(readClaim(dir, h));
        EXPECT_EQ(h.id.rfind("child", 0), 0u) << h.id;
    }
}

TEST(Claim, ALiveHolderKeepsItUnlessARerunTakesOver) {
    const std::string dir = test::freshDir("claim_live") + "/run";
    const ClaimHolder me = holderNamed("me");
    // Held by this (live) process under another id: not stale.
    ClaimHolder other = currentHolder(1);
    other.id = "other";
    other.pid = static_cast<long>(::getppid());
    fs::create_directories(dir);
    writeFileAtomically(dir + "/claim.json", "{\"id\":\"other\",\"host\":\"" + other.host +
                                                 "\",\"pid\":" + std::to_string(other.pid) + "}");
    ClaimHolder seen;
    EXPECT_EQ(claimRun(dir, me, ClaimPolicy{}, &seen), ClaimOutcome::HeldByOther);
    EXPECT_EQ(seen.id, "other");
    ClaimPolicy rerun;
    rerun.takeOver = true;
    EXPECT_EQ(claimRun(dir, me, rerun), ClaimOutcome::TakenOver);
    ClaimHolder h;
    ASSERT_TRUE(readClaim(dir, h));
    EXPECT_EQ(h.id, "me");
    // Ours now: claiming again keeps it, releasing removes it.
    EXPECT_EQ(claimRun(dir, me, ClaimPolicy{}), ClaimOutcome::Claimed);
    releaseClaim(dir, holderNamed("someone else"));
    EXPECT_TRUE(fs::exists(dir + "/claim.json"));
    releaseClaim(dir, me);
    EXPECT_FALSE(fs::exists(dir + "/claim.json"));
}

TEST(Claim, ADeadHoldersClaimIsTakenOverByExactlyOne) {
    const std::string dir = test::freshDir("claim_dead") + "/run";
    leaveDeadClaim(dir);
    ClaimHolder dead;
    ASSERT_TRUE(readClaim(dir, dead));
    EXPECT_TRUE(holderIsDead(dead));
    const auto outcomes = raceClaims(dir, 8, ClaimPolicy{});
    EXPECT_EQ(count(outcomes, ClaimOutcome::TakenOver), 1);
    EXPECT_EQ(count(outcomes, ClaimOutcome::HeldByOther), 7);
    ClaimHolder h;
    ASSERT_TRUE(readClaim(dir, h));
    EXPECT_NE(h.id, "dead");
}

TEST(Claim, AClaimFromAnotherHostGoesStaleWithoutAHeartbeat) {
    const std::string dir = test::freshDir("claim_stale") + "/run";
    fs::create_directories(dir);
    writeFileAtomically(dir + "/claim.json",
                        "{\"id\":\"far\",\"host\":\"another-node\",\"pid\":1,\"since\":0}");
    const ClaimHolder me = holderNamed("me");
    ClaimPolicy patient;
    patient.staleSeconds = 600;
    EXPECT_EQ(claimRun(dir, me, patient), ClaimOutcome::HeldByOther);
    fs::last_write_time(dir + "/claim.json",
                        fs::file_time_type::clock::now() - std::chrono::hours(1));
    ClaimPolicy never;
    never.staleSeconds = 0;
    EXPECT_EQ(claimRun(dir, me, never), ClaimOutcome::HeldByOther);
    EXPECT_EQ(claimRun(dir, me, patient), ClaimOutcome::TakenOver);
    // The heartbeat keeps a claim young.
    writeFileAtomically(dir + "/claim.json",
                        "{\"id\":\"far2\",\"host\":\"another-node\",\"pid\":1,\"since\":0}");
    fs::last_write_time(dir + "/claim.json",
                        fs::file_time_type::clock::now() - std::chrono::hours(1));
    touchClaim(dir);
    EXPECT_EQ(claimRun(dir, holderNamed("third"), patient), ClaimOutcome::HeldByOther);
}

TEST(TrainSlice, TwoSlicesTrainEveryRunOnceAndSkipLiveClaims) {
    const Dataset data = syntheticData();
    const auto configs = smallConfigs(5);
    const std::string root = test::freshDir("train_slice");
    std::vector<std::string> dirs;
    for (std::size_t i = 0; i < configs.size(); ++i)
        dirs.push_back(root + "/run" + std::to_string(i));
    // Run 2 (task 0's) is held by a live process on another host.
    fs::create_directories(dirs[2]);
    writeFileAtomically(dirs[2] + "/claim.json",
                        "{\"id\":\"busy\",\"host\":\"another-node\",\"pid\":1}");
    SliceReport r0, r1;
    trainSlice(data, configs, dirs, "synthetic", {}, TaskSlice{0, 2}, ClaimPolicy{}, &r0);
    EXPECT_EQ(r0.inSlice, 3);
    EXPECT_EQ(r0.trained, 2);
    EXPECT_EQ(r0.heldByOther, 1);
    EXPECT_FALSE(hasFinishedRun(dirs[2]));
    EXPECT_TRUE(fs::exists(dirs[2] + "/claim.json"));
    const auto results =
        trainSlice(data, configs, dirs, "synthetic", {}, TaskSlice{1, 2}, ClaimPolicy{}, &r1);
    EXPECT_EQ(r1.inSlice, 2);
    EXPECT_EQ(r1.trained, 2);
    EXPECT_EQ(results[1].epochsDone, 3);
    EXPECT_EQ(results[0].epochsDone, 0) << "not in task 1's slice";
    for (int i : {0, 1, 3, 4}) {
        EXPECT_TRUE(hasFinishedRun(dirs[static_cast<std::size_t>(i)])) << i;
        EXPECT_FALSE(fs::exists(dirs[static_cast<std::size_t>(i)] + "/claim.json")) << i;
    }
    // A rerun told to take over trains the held run and reuses the rest.
    const auto before = fs::last_write_time(dirs[0] + "/summary.json");
    ClaimPolicy rerun;
    rerun.takeOver = true;
    SliceReport r2;
    trainSlice(data, configs, dirs, "synthetic", {}, TaskSlice{0, 1}, rerun, &r2);
    EXPECT_EQ(r2.trained, 1);
    EXPECT_EQ(r2.takenOver, 1);
    EXPECT_EQ(r2.reused, 4);
    EXPECT_TRUE(hasFinishedRun(dirs[2]));
    EXPECT_EQ(fs::last_write_time(dirs[0] + "/summary.json"), before);
}

TEST(ProjectFile, TheSameSettingsAreAcceptedOthersRefused) {
    const std::string dir = test::freshDir("project_file");
    writeProjectFile(dir, R"({"command":"sweep","lrs":[0.001]})");
    EXPECT_NO_THROW(writeProjectFile(dir, R"({"lrs":[0.001], "command":"sweep"})"));
    EXPECT_THROW(writeProjectFile(dir, R"({"command":"sweep","lrs":[0.01]})"),
                 std::invalid_argument);
    EXPECT_NE(readProjectFile(dir).find("sweep"), std::string::npos);
    EXPECT_THROW(readProjectFile(dir + "/nothing"), std::runtime_error);
}

TEST(Claim, AnotherNodesClaimIsDeadWhenSqueueSaysItsJobEnded) {
    // A fake squeue on PATH answers like Slurm's: a state, or "Invalid job id" with exit 1.
    const std::string bin = test::freshDir("fake_squeue");
    writeFileAtomically(bin + "/squeue", "#!/bin/sh\n"
                                         "[ \"$QM7_FAKE_STATE\" = gone ] && "
                                         "{ echo 'slurm_load_jobs error: Invalid job id "
                                         "specified'; exit 1; }\n"
                                         "[ \"$QM7_FAKE_STATE\" = down ] && exit 1\n"
                                         "echo \"$QM7_FAKE_STATE\"\n");
    fs::permissions(bin + "/squeue", fs::perms::owner_all);
    const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
    ::setenv("PATH", (bin + ":" + path).c_str(), 1);
    ::setenv("SLURM_JOB_ID", "99", 1);
    ClaimHolder far;
    far.host = "another-node";
    far.pid = 1;
    far.slurmJob = "41_2";
    const std::vector<std::pair<std::string, bool>> cases = {
        {"RUNNING", false}, {"PENDING", false}, {"CANCELLED", true}, {"FAILED", true},
        {"", true},         {"gone", true},     {"down", false}};
    for (const auto& [state, dead] : cases) {
        ::setenv("QM7_FAKE_STATE", state.c_str(), 1);
        EXPECT_EQ(holderIsDead(far), dead) << "squeue says '" << state << "'";
    }
    ::setenv("QM7_FAKE_STATE", "CANCELLED", 1);
    EXPECT_FALSE(slurmJobEnded("41; touch /tmp/x")) << "only job ids reach the shell";
    far.slurmJob = "";
    EXPECT_FALSE(holderIsDead(far)) << "no Slurm job: only the claim timeout helps";
    ::unsetenv("SLURM_JOB_ID");
    far.slurmJob = "41_2";
    EXPECT_FALSE(holderIsDead(far)) << "outside Slurm squeue is not asked";
    ::setenv("PATH", path.c_str(), 1);
    ::unsetenv("QM7_FAKE_STATE");
}
