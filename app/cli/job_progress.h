#pragma once
/// @file job_progress.h
/// Progress of a job of many runs on the terminal: runs done of all, steps, ETA; and the
/// thread count the trainer reports.

#include "cli_common.h"

#include <mutex>

namespace qm7::cli {

class JobProgress : public TrainObserver {
  public:
    explicit JobProgress(std::string label) : m_bar(std::move(label)) {}
    void onProgress(const Progress& p) override {
        m_threads = p.threads;
        m_bar.update(p.stepsDone, p.stepsTotal,
                     "runs " + std::to_string(p.runsFinished) + "/" + std::to_string(p.runsTotal) +
                         " done");
    }
    void finish() { m_bar.finish(); }
    /// The threads the trainer reported using (0 before the first progress report).
    int threads() const { return m_threads; }

  private:
    int m_threads = 0;
    ProgressBar m_bar;
};

} // namespace qm7::cli
