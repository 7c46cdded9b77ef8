#pragma once
/// @file sweep_view.h
/// The learning-rate sweep: mean ± std of the validation loss over seeds against lr.

#include "qm7ui/meta_types.h"
#include "qm7ui/plot_page.h"

#include "qm7/analysis/experiments.h"

#include <QString>

class QCustomPlot;
class QComboBox;
class QPushButton;
class QTableWidget;
class QLabel;

namespace qm7::ui {

/// Summarizes a sweep's finished runs by learning rate (sorted ascending) with core's
/// qm7::summarizeFinishedSweep; runs that are null or cancelled are skipped.
std::vector<qm7::SweepRow> summarizeSweep(const std::vector<RunResultPtr>& runs);

/// "The optimum may lie beyond the range" when the chosen lr is the largest or smallest of
/// several tried, else empty.
QString edgeWarning(const qm7::SweepSummary& summary);

/// The sweep tab (its lrs are the Hyperparameters' learning rates), the plot on a log lr axis, the
/// chosen lr, and the table.
class SweepView : public PlotPage {
    Q_OBJECT
  public:
    explicit SweepView(QWidget* parent = nullptr);

    QString pageName() const override { return QStringLiteral("lr_sweep"); }
    QList<QPair<QString, QWidget*>> plots() const override;
    QString csv() const override;

    /// Shows a sweep's finished runs (any order; lrs taken from the runs).
    void setRuns(const std::vector<RunResultPtr>& runs);
    const std::vector<RunResultPtr>& runs() const { return m_runs; }
    /// Shows a sweep's runs (e.g. a homework's) on its grid of lrs, with its rule.
    void setSweep(const qm7::SweepConfig& config, const std::vector<RunResultPtr>& runs);
    /// What is shown: core's summary of the finished runs under the rule chosen here.
    const qm7::SweepSummary& summary() const { return m_summary; }
    /// The chosen lr (lowest mean final or best validation loss), 0 when none.
    double chosenLr() const;
    /// Rule for the choice: true = best validation loss, false = final.
    void setUseBest(bool best);
    bool useBest() const;
    QPushButton* runButton() const { return m_run; }

  Q_SIGNALS:
    void runRequested();
    void chosenLrChanged(double lr);

  private:
    void rebuild();

    std::vector<RunResultPtr> m_runs;
    std::vector<double> m_grid; ///< the sweep's lrs; empty = the lrs of the runs
    qm7::SweepSummary m_summary;
    QCustomPlot* m_plot;
    QTableWidget* m_table;
    QComboBox* m_rule;
    QPushButton* m_run;
    QLabel* m_choice;
};

} // namespace qm7::ui
