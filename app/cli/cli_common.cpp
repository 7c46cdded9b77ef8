#include "cli_common.h"

#include "qm7/train/threads.h"

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <fstream>
#include <iostream>
#include <sstream>

#include <unistd.h>

namespace fs = std::filesystem;

namespace qm7::cli {

namespace {
std::atomic<int> g_interrupts{0};
TrainControl g_control;

extern "C" void onInterrupt(int) {
    // A second Ctrl-C leaves at once; the first asks the trainer to stop and save.
    if (g_interrupts.fetch_add(1) > 0)
        std::_Exit(kInterrupted);
    g_control.cancel.store(true);
}
} // namespace

TrainControl& interruptControl() {
    static const bool installed = [] {
        struct sigaction sa {};
        sa.sa_handler = onInterrupt;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);
        return true;
    }();
    (void)installed;
    return g_control;
}

bool interrupted() {
    return g_interrupts.load() > 0;
}

std::string formatDuration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0)
        return "--";
    const long s = std::lround(seconds);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ldh %02ldm", s / 3600, (s / 60) % 60);
    else if (s >= 60)
        std::snprintf(buf, sizeof buf, "%ldm %02lds", s / 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%lds", s);
    return buf;
}

ProgressBar::ProgressBar(std::string label)
    : m_label(std::move(label)), m_start(std::chrono::steady_clock::now()),
      m_lastDraw(m_start - std::chrono::seconds(1)), m_tty(::isatty(STDERR_FILENO) != 0) {}

void ProgressBar::update(long long done, long long total, const std::string& extra) {
    const auto now = std::chrono::steady_clock::now();
    // Redraw at most 10 times a second on a terminal, every 5 s into a log file.
    const auto interval = m_tty ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
    if (now - m_lastDraw < interval && done < total)
        return;
    m_lastDraw = now;
    const double elapsed = std::chrono::duration<double>(now - m_start).count();
    const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0;
    const double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : NAN;
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(fraction * kWidth);
    std::ostringstream line;
    line << m_label << " [" << std::string(static_cast<std::size_t>(filled), '#')
         << std::string(static_cast<std::size_t>(kWidth - filled), '.') << "] " << std::fixed
         << std::setprecision(1) << 100 * fraction << "%  " << formatDuration(elapsed)
         << " elapsed, ETA " << formatDuration(eta);
    if (!extra.empty())
        line << "  " << extra;
    std::cerr << (m_tty ? "\r\033[K" : "") << line.str() << (m_tty ? "" : "\n") << std::flush;
    m_drawn = true;
}

void ProgressBar::finish() {
    if (m_drawn && m_tty)
        std::cerr << "\n";
    m_drawn = false;
}

void ensureWritableDir(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
        throw UsageError("cannot create the output folder " + dir +
                         (ec ? " (" + ec.message() + ")" : std::string(" (a file is in the way)")));
    const fs::path probe = fs::path(dir) / ".qm7-write-test";
    {
        std::ofstream out(probe);
        if (!out)
            throw UsageError("the output folder " + dir +
                             " is not writable; choose another "
                             "with --out");
    }
    fs::remove(probe, ec);
}

void ensureReadableFile(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw UsageError(path + ": no such file");
    if (fs::is_directory(path, ec))
        throw UsageError(path + ": is a folder, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw UsageError(path + ": cannot be read (permissions?)");
}

void addTrainingOptions(CLI::App* sub, TrainConfig& config, int& threads) {
    sub->add_option("--lr", config.lr, "Adam learning rate")->capture_default_str();
    sub->add_option("--epochs", config.epochs, "Passes over the training set")
        ->capture_default_str();
    sub->add_option("--hidden", config.hidden, "Hidden width p")->capture_default_str();
    sub->add_option("--batch", config.batchSize, "Minibatch size")->capture_default_str();
    sub->add_option("--eval-every", config.evalEvery, "Evaluate losses every k epochs")
        ->capture_default_str();
    sub->add_option("--threads", threads, "Training threads (0 = all cores)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
}

void addSliceOptions(CLI::App* sub, SliceOptions& slice) {
    sub->add_option("--task", slice.task,
                    "Train slice K (runs i with i % tasks == K) into the shared --out folder "
                    "(default: SLURM_ARRAY_TASK_ID)");
    sub->add_option("--tasks", slice.tasks, "Number of slices (default: the Slurm array's size)");
    sub->add_flag("--take-over", slice.takeOver,
                  "Take over runs claimed by other tasks (a rerun after a job was cancelled)");
    sub->add_option("--claim-timeout", slice.claimTimeout,
                    "Seconds without a heartbeat after which another task's claim is stale")
        ->capture_default_str();
}

void setUpNumerics() {
    qm7::setUpNumerics();
    const std::string warning = blasWarning();
    if (!warning.empty())
        std::cerr << warning << "\n";
}

} // namespace qm7::cli

#include "qm7/io/dataset.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/chem/molecule.h"

namespace qm7::cli {

Dataset loadData(const std::string& path) {
    if (path != "demo")
        ensureReadableFile(path);
    const bool building = sourceKind(path) != SourceKind::TorchDataset;
    if (building)
        std::cerr << "building the data set from " << path << " (split 1500/500/1000, seed 0, "
                  << "Coulomb matrices)...\n";
    try {
        return loadDataSource(path);
    } catch (const DatasetError& e) {
        throw UsageError(e.what());
    } catch (const MoleculeError& e) {
        throw UsageError(e.what());
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
}

} // namespace qm7::cli
