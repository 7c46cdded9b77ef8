#pragma once
/// @file fold_progress.h
/// A progress bar on stderr for each fold a cross-validation trains: the network's epochs or
/// steps, or kernel ridge regression's grid points. The commands that run many studies (the
/// comparison of representations, the learning curves of models) derive their lines from it.

#include "cli_common.h"

#include "qm7/analysis/model_curves.h"

#include <memory>
#include <string>

namespace qm7::cli {

class FoldProgress : public ModelCurvesObserver {
  public:
    /// epochs: the one-hidden-layer network's, for its bar's total
    explicit FoldProgress(int epochs) : m_epochs(epochs) {}
    /// The next fold's bar is labelled so.
    void setLabel(std::string label) { m_label = std::move(label); }
    const std::string& label() const { return m_label; }

    void onFoldStart(int, const FoldSplit&) override {
        m_bar = std::make_unique<ProgressBar>(m_label);
    }
    void onKrrProgress(int done, int total) override {
        if (m_bar)
            m_bar->update(done, total, "kernel grid");
    }
    void onEpoch(const EpochStats& s) override {
        if (m_bar)
            m_bar->update(s.epoch, m_epochs, "epoch " + std::to_string(s.epoch));
    }
    void onDeepProgress(long long step, long long total, double) override {
        if (m_bar)
            m_bar->update(step, total, "step " + std::to_string(step));
    }
    /// Ends the running bar.
    void finish() {
        if (m_bar)
            m_bar->finish();
        m_bar.reset();
    }

  private:
    std::string m_label;
    int m_epochs;
    std::unique_ptr<ProgressBar> m_bar;
};

} // namespace qm7::cli
