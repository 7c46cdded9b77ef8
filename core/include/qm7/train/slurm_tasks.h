#pragma once
/// @file slurm_tasks.h
/// The tasks of the last `qm7 slurm ... --submit` into a project folder, task by task: pending
/// (with Slurm's reason), running, done, failed or cancelled. Read from the folder that qm7
/// slurm writes (slurm/jobs.txt, slurm/*-array.sbatch, slurm/logs/) and, where Slurm is there,
/// from what squeue says of those jobs. Parsing only: the caller runs squeue (the command line
/// tool with popen, the workbench with a QProcess) and hands its output in.

#include <optional>
#include <string>
#include <vector>

namespace qm7 {

/// What `qm7 slurm --submit` recorded in <project>/slurm.
struct SlurmSubmission {
    std::string slurmDir;  ///< <project>/slurm
    std::string command;   ///< sweep, curve, homework or cv
    std::string arrayId;   ///< the array job's id
    std::string afterKind; ///< "collect" or "summary": the job that runs once every task succeeded
    std::string afterId;
    int tasks = 0; ///< elements of the array (#SBATCH --array=0-N)
};

/// The submission recorded in project/slurm, or nothing when none was submitted there (no
/// slurm/jobs.txt). Throws std::runtime_error when jobs.txt or the array script is damaged.
std::optional<SlurmSubmission> readSlurmSubmission(const std::string& project);

/// The squeue command line whose output slurmTasks reads: every element of the array and the
/// dependent job, finished ones included while Slurm still lists them.
std::string squeueCommand(const SlurmSubmission& submission);

/// Started: the task has a log that tells no end and Slurm was not asked (the folder alone).
enum class SlurmTaskState { NotStarted, Pending, Running, Started, Done, Failed, Cancelled };

/// "not started", "pending", "running", "started", "done", "failed", "cancelled".
std::string slurmTaskStateName(SlurmTaskState state);

/// One element of the array (index >= 0) or the dependent job (index -1).
struct SlurmTask {
    int index = -1;
    std::string jobId; ///< "123_4", or the dependent job's id
    SlurmTaskState state = SlurmTaskState::NotStarted;
    std::string detail; ///< squeue's reason, or the line of the log that tells the end
    std::string log;    ///< the task's log file ("" when there is none yet)
};

/// Every task of the submission and the dependent job, in that order. squeue: the output of
/// squeueCommand (nothing when Slurm is not there: then the state comes from the logs alone,
/// a task without a log is "not started" and one whose log tells no end "started"). A task that
/// squeue no longer lists is done, failed or cancelled according to its log's last lines (qm7's
/// error line, or slurmstepd's CANCELLED / TIME LIMIT line).
std::vector<SlurmTask> slurmTasks(const SlurmSubmission& submission,
                                  const std::optional<std::string>& squeue);

} // namespace qm7
