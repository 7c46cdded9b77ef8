#pragma once
/// @file cli_common.h
/// Shared pieces of the CLI: the subcommand registry, exit codes, progress, Ctrl-C.

#include "qm7/train/trainer.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace qm7::cli {

/// Exit codes: 0 ok, 1 failure while running, 2 bad arguments or unusable input, 130 Ctrl-C.
enum ExitCode { kOk = 0, kFailed = 1, kBadInput = 2, kInterrupted = 130 };

/// A subcommand: its CLI11 node and what runs when it was chosen.
struct Command {
    CLI::App* app = nullptr;
    std::function<int()> run;
};

/// Thrown by commands for bad user input: printed as "qm7: <message>", exit code 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Ctrl-C sets control.cancel (and a second Ctrl-C exits at once). Installed by commands
/// that train; returns the control object that the trainer should check.
TrainControl& interruptControl();

/// True when Ctrl-C was pressed.
bool interrupted();

/// A one-line terminal progress bar with ETA, redrawn at most ~10 times a second on stderr.
class ProgressBar {
  public:
    explicit ProgressBar(std::string label);
    /// done of total units; extra is appended (current losses, ...).
    void update(long long done, long long total, const std::string& extra = "");
    void finish();

  private:
    std::string m_label;
    std::chrono::steady_clock::time_point m_start, m_lastDraw;
    bool m_drawn = false;
    bool m_tty = false;
};

/// "1h 02m", "3m 05s", "12s".
std::string formatDuration(double seconds);

/// Makes dir (and parents) and checks that a file can be written in it; throws UsageError.
void ensureWritableDir(const std::string& dir);

/// Throws UsageError unless path names a readable file.
void ensureReadableFile(const std::string& path);

/// Adds the shared training options (--lr, --epochs, --hidden, --batch, --eval-every,
/// --threads) to a subcommand, writing into config and threads (training threads, 0 = all).
void addTrainingOptions(CLI::App* sub, TrainConfig& config, int& threads);

/// Issue 13: which slice of a multi-run command's runs this process trains into the shared
/// project folder (--out), and how it treats runs claimed by other tasks. -1 = from Slurm.
struct SliceOptions {
    int task = -1;
    int tasks = -1;
    bool takeOver = false;
    double claimTimeout = 600;
};

/// Adds --task, --tasks, --take-over and --claim-timeout to a multi-run command.
void addSliceOptions(CLI::App* sub, SliceOptions& slice);

/// Sets up the numeric libraries (qm7::setUpNumerics) and warns on stderr when the trainer runs
/// on the reference BLAS.
void setUpNumerics();

} // namespace qm7::cli

namespace qm7 {
struct Dataset;
}

namespace qm7::cli {

/// Loads the data set named on the command line; unusable input becomes a UsageError.
Dataset loadData(const std::string& path);

} // namespace qm7::cli
