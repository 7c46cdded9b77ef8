#pragma once
/// @file slurm_support.h
/// Pieces of `qm7 slurm` that do not write scripts: --time read as sbatch reads it, the study an
/// --out folder already holds, and the job ids of the last submission (slurm/jobs.txt).

#include <string>
#include <vector>

namespace qm7::cli {

/// A time limit in one of sbatch's forms: "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S"
/// (so "01:00" is one minute, as sbatch reads it). Throws UsageError for another form, a
/// field out of range, zero, or more than a year.
struct SlurmTime {
    std::string text; ///< as given: what goes into #SBATCH --time=
    long long seconds = 0;
};
SlurmTime parseSlurmTime(const std::string& text);

/// "" when (command, args) is the study stored as (storedCommand, storedArgs); otherwise what
/// differs, e.g. "a sweep, not a curve" or "--lrs 1e-3,1e-2 there, 1e-3 here".
std::string studyDifference(const std::string& storedCommand,
                            const std::vector<std::string>& storedArgs, const std::string& command,
                            const std::vector<std::string>& args);

/// Runs a shell command; returns its exit status and puts stdout+stderr into output.
int runCaptured(const std::string& command, std::string& output);

/// The jobs of the last submission into a project's slurm folder: "array ID", "collect ID"
/// (or "summary ID") lines of dir/jobs.txt.
void recordJobs(const std::string& dir, const std::string& arrayId, const std::string& afterName,
                const std::string& afterId);

/// Cancels (scancel) the dependent job of the last submission when it is still in the queue
/// (after a scancel of its array it would stay PENDING forever); returns the lines that say so.
std::vector<std::string> cancelPreviousDependentJob(const std::string& dir);

} // namespace qm7::cli
