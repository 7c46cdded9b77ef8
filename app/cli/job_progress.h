#pragma once
/// @file job_progress.h
/// Progress of a job of many runs on the terminal: runs done of all, steps, ETA.

#include "cli_common.h"

#include <mutex>

namespace qm7::cli {

class JobProgress : public TrainObserver {
  public:
    explicit JobProgress(std::string label) : m_bar(std::move(label)) {}
    void onProgress(const Progress& p) override {
        m_bar.update(p.stepsDone, p.stepsTotal,
                     "runs " + std::to_string(p.runsFinished) + "/" + std::to_string(p.runsTotal) +
                         " done");
    }
    void finish() { m_bar.finish(); }

  private:
    ProgressBar m_bar;
};

} // namespace qm7::cli
