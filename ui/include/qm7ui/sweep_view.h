#pragma once
/// @file sweep_view.h
/// The learning-rate sweep: mean ± std of the validation loss over seeds against lr.

#include "qm7ui/meta_types.h"
#include "qm7ui/plot_page.h"

class QCustomPlot;
class QComboBox;
class QLineEdit;
class QPushButton;
class QTableWidget;
class QLabel;

namespace qm7::ui {

/// One learning rate of a sweep: the spread of its runs' validation losses over seeds.
struct SweepRow {
    double lr = 0;
    int seeds = 0;
    double finalMean = 0, finalStd = 0; ///< final validation loss (normalized)
    double bestMean = 0, bestStd = 0;   ///< best validation loss (normalized)
    double testRmseMean = 0;            ///< kcal/mol
};

/// Groups a sweep's runs by learning rate (sorted ascending).
std::vector<SweepRow> summarizeSweep(const std::vector<RunResultPtr>& runs);

/// The sweep tab: the lr grid to run, the plot on a log lr axis, the chosen lr, and the table.
class SweepView : public PlotPage {
    Q_OBJECT
  public:
    explicit SweepView(QWidget* parent = nullptr);

    QString pageName() const override { return QStringLiteral("lr_sweep"); }
    QList<QPair<QString, QWidget*>> plots() const override;
    QString csv() const override;

    /// The learning rates to sweep (empty with error when the field is invalid).
    std::vector<double> learningRates(QString* error = nullptr) const;
    void setLearningRates(const QString& text);
    QString learningRatesText() const;
    void setRuns(const std::vector<RunResultPtr>& runs);
    const std::vector<RunResultPtr>& runs() const { return m_runs; }
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
    std::vector<SweepRow> m_rows;
    QCustomPlot* m_plot;
    QTableWidget* m_table;
    QLineEdit* m_lrs;
    QComboBox* m_rule;
    QPushButton* m_run;
    QLabel* m_choice;
};

} // namespace qm7::ui
