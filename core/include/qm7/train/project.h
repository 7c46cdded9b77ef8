#pragma once
/// @file project.h
/// A project folder shared by several processes (the tasks of a Slurm job array, or processes
/// started by hand): each task trains a deterministic slice of the runs, and a run is claimed
/// before it is trained by creating <run>/claim.json exclusively (O_CREAT|O_EXCL, atomic on
/// local and network file systems), so that no two tasks train the same run. A claim whose
/// holder died (same host and its pid is gone, or no heartbeat for a while) or that a rerun is
/// told to take over is taken over. Finished runs (summary.json) are reused as usual.

#include "qm7/train/trainer.h"

#include <string>
#include <vector>

namespace qm7 {

/// Which runs this process trains: run i belongs to task i % tasks.
struct TaskSlice {
    int task = 0;
    int tasks = 1;
    bool contains(std::size_t run) const {
        return tasks <= 1 || static_cast<int>(run % static_cast<std::size_t>(tasks)) == task;
    }
    std::string validate() const; ///< "" when usable
};

/// The slice from a Slurm array job's environment: SLURM_ARRAY_TASK_ID, and
/// SLURM_ARRAY_TASK_COUNT (or SLURM_ARRAY_TASK_MAX - SLURM_ARRAY_TASK_MIN + 1); the task id is
/// made relative to SLURM_ARRAY_TASK_MIN. {0, 1} outside an array job.
TaskSlice sliceFromEnvironment();

/// Who holds a claim.
struct ClaimHolder {
    std::string id; ///< random, one per process: tells claims apart
    std::string host;
    long pid = 0;
    std::string slurmJob; ///< SLURM_JOB_ID[_ARRAY_TASK_ID] or ""
    int task = 0;
    long long since = 0; ///< seconds since the epoch
};

/// This process as a claim holder.
ClaimHolder currentHolder(int task);

enum class ClaimOutcome { Claimed, TakenOver, HeldByOther };

struct ClaimPolicy {
    bool takeOver = false;     ///< take over every claim not held by this process (reruns)
    double staleSeconds = 600; ///< a claim not refreshed for this long is stale (0 = never)
};

/// Claims the run folder dir (created if needed) by creating dir/claim.json exclusively.
/// An existing claim is taken over when it is stale: its holder is dead (holderIsDead), it was
/// not refreshed for policy.staleSeconds, or policy.takeOver. Of several takers of one stale
/// claim only the one that creates the marker .takeover-<claim id> exclusively goes on and
/// replaces claim.json atomically. `holder` receives the claim's holder when another holds it.
ClaimOutcome claimRun(const std::string& dir, const ClaimHolder& me, const ClaimPolicy& policy,
                      ClaimHolder* holder = nullptr);

/// Refreshes the claim's time stamp (the heartbeat that keeps it from going stale).
void touchClaim(const std::string& dir);

/// Removes dir/claim.json if this process holds it.
void releaseClaim(const std::string& dir, const ClaimHolder& me);

/// Reads dir/claim.json; false when there is none or it is unreadable.
bool readClaim(const std::string& dir, ClaimHolder& holder);

/// True when the holder is certainly gone: on this host, its pid does not exist; on another
/// host, inside a Slurm job, squeue no longer shows its Slurm job as pending or running.
bool holderIsDead(const ClaimHolder& holder);

/// True when squeue shows the Slurm job (e.g. "41" or "41_2") ended or no longer knows it;
/// false when it runs or waits, or when squeue cannot tell.
bool slurmJobEnded(const std::string& job);

/// What a task did.
struct SliceReport {
    int inSlice = 0;     ///< runs of this task's slice
    int reused = 0;      ///< already finished
    int trained = 0;     ///< trained now and saved
    int takenOver = 0;   ///< of those trained, claims taken over from a dead holder
    int heldByOther = 0; ///< skipped: another live task is training them
    int cancelled = 0;   ///< claimed but not finished (Ctrl-C)
};

/// Trains the runs of `slice` that are not finished yet and that this process can claim, into
/// dirs (see trainResumable), releasing each claim once its run is saved; claims of runs left
/// unfinished (Ctrl-C) are released too. Returns results for every config: those of the slice
/// that finished (trained or reused) are set, the others have epochsDone == 0.
std::vector<RunResult> trainSlice(const Dataset& data, const std::vector<TrainConfig>& configs,
                                  const std::vector<std::string>& dirs,
                                  const std::string& dataSource, const TrainOptions& options,
                                  const TaskSlice& slice, const ClaimPolicy& policy,
                                  SliceReport* report = nullptr);

/// The project this process works in. While a ProjectScope is alive, trainResumable (used by
/// every multi-run command: sweep, curve, homework, cross-validation) trains through it.
struct ProjectContext {
    TaskSlice slice;
    ClaimPolicy policy;
    bool trainNothing = false; ///< collect: every run must be finished already
    bool finishAll = false;    ///< after the slice, help with unclaimed runs and wait for the rest
    SliceReport report;        ///< summed over the calls
    int unfinished = 0;        ///< runs of the last call left to other tasks
};

/// Installs a context for this process until the scope ends (not nested, not per thread).
class ProjectScope {
  public:
    explicit ProjectScope(ProjectContext& context);
    ~ProjectScope();
    ProjectScope(const ProjectScope&) = delete;
    ProjectScope& operator=(const ProjectScope&) = delete;
};
ProjectContext* currentProject();

/// What trainResumable does inside a project: trainSlice with the context's slice (and, with
/// finishAll, the other runs as they become free); with trainNothing, loads the finished runs
/// and throws std::runtime_error naming what is missing. Results as trainSlice's.
std::vector<RunResult> trainInProject(ProjectContext& context, const Dataset& data,
                                      const std::vector<TrainConfig>& configs,
                                      const std::vector<std::string>& dirs,
                                      const std::string& dataSource, const TrainOptions& options);

/// The state of one run folder of a project (for a viewer).
struct RunStatus {
    std::string dir;
    enum class State { Finished, Running, Abandoned, Empty } state = State::Empty;
    ClaimHolder holder; ///< for Running / Abandoned
};

/// The run folders directly inside folder (those with config.json or claim.json), by name.
std::vector<RunStatus> scanRuns(const std::string& folder);

/// project.json: what a project folder holds (command and options), written by every task.
/// Throws std::invalid_argument when dir already holds a project.json with other content,
/// unless replaceOther (a single process may change a folder's settings; tasks may not).
void writeProjectFile(const std::string& dir, const std::string& json, bool replaceOther = false);
std::string readProjectFile(const std::string& dir);

} // namespace qm7
