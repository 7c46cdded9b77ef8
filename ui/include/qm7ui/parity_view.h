#pragma once
/// @file parity_view.h
/// Predicted against true test energies with y = x, metrics, and a residual histogram; optionally
/// a second run on the same test rows (a reference) drawn over them in a second colour, with a
/// legend above each plot.

#include "qm7ui/meta_types.h"
#include "qm7ui/plot_page.h"

#include <QStringList>
#include <qcustomplot.h>

#include <vector>

class QComboBox;
class QLabel;
class QMouseEvent;

namespace qm7::ui {

/// The parity tab for one run's test predictions (kcal/mol).
class ParityView : public PlotPage {
    Q_OBJECT
  public:
    explicit ParityView(QWidget* parent = nullptr);

    QString pageName() const override { return QStringLiteral("parity"); }
    QList<QPair<QString, QWidget*>> plots() const override;
    QString csv() const override;

    /// Shows a run's test predictions; label names it in the title.
    void setRun(const RunResultPtr& run, const QString& label);
    /// Offers runs in a picker (shown when there are several) and shows runs[current].
    void setRuns(const std::vector<RunResultPtr>& runs, const QStringList& labels, int current);
    /// A reference run on the same test rows, drawn with the shown run (hollow orange circles on
    /// the parity plot, an orange outline over the residual histogram) and named in the legends
    /// as label; null removes it. Ignored while its test rows differ from the shown run's.
    void setReferenceRun(const RunResultPtr& run, const QString& label);
    RunResultPtr referenceRun() const { return m_reference; }
    /// The reference drawn (its rows match the shown run's).
    bool showsReference() const;
    QCustomPlot* residualPlot() const { return m_residuals; }
    /// The picker of runs (hidden with one run).
    QComboBox* runPicker() const { return m_picker; }
    /// The title above the plots.
    QString title() const;
    RunResultPtr run() const { return m_run; }
    QCustomPlot* parityPlot() const { return m_parity; }

  private:
    void rebuild();
    /// The reference's points and residuals over the shown run's (parity_view_reference.cpp);
    /// extent, bins: the residual histogram's; maxCount: its highest bar.
    void drawReference(double extent, int bins, int maxCount);
    /// The metrics box's text: the shown run's metrics, and the reference's beside them.
    QString metricsText() const;
    void onMouseMove(QMouseEvent* event);

    RunResultPtr m_run;
    QString m_label;
    RunResultPtr m_reference;
    QString m_referenceLabel;
    bool m_legendsPlaced = false;
    QCustomPlot* m_parity;
    QCustomPlot* m_residuals;
    QLabel* m_title;
    QComboBox* m_picker;
    std::vector<RunResultPtr> m_choices;
    QCPRange m_range;
};

} // namespace qm7::ui
