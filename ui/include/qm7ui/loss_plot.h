#pragma once
/// @file loss_plot.h
/// Live train and validation loss curves, per seed and their mean, and a notebook's own losses
/// (read from its CSV) beside them.

#include "qm7ui/meta_types.h"
#include "qm7ui/plot_page.h"

#include "qm7/analysis/notebook_numbers.h"

#include <QTimer>

#include <memory>

class QCustomPlot;
class QCheckBox;
class QComboBox;
class QSlider;
class QLabel;
class QMouseEvent;

namespace qm7::ui {

/// The loss-curves tab: one curve per run and per group (same lr and n) the mean over seeds.
class LossPlot : public PlotPage {
    Q_OBJECT
  public:
    /// What the y axis shows.
    enum class Units { NormalizedMse, RmseKcal };

    explicit LossPlot(QWidget* parent = nullptr);

    QString pageName() const override { return QStringLiteral("loss_curves"); }
    QList<QPair<QString, QWidget*>> plots() const override;
    QString csv() const override;

    /// Starts live curves for a new job: one empty series per config.
    void beginLive(const std::vector<qm7::TrainConfig>& configs);
    /// Appends evaluated epochs; the plot redraws at most ~30 times a second.
    void appendEpochs(const EpochBatch& batch);
    /// Shows finished runs (e.g. the runs selected in the runs table).
    void showRuns(const std::vector<RunResultPtr>& runs, const QStringList& labels);
    void clear();
    /// Draws a notebook's train/val losses beside the runs (black, with markers, "your notebook:
    /// train/val" in the legend) and says under the plot which columns were used; null removes
    /// them. The session holds them; this keeps a pointer to draw.
    void setNotebook(std::shared_ptr<const qm7::NotebookLosses> losses);
    /// The line under the plot about the notebook's losses ("" when none).
    QString notebookText() const;
    /// Redraws now instead of at the next throttled tick (before an export).
    void replotNow();

    void setLogY(bool log);
    void setSmoothing(double weight);
    void setUnits(Units units);
    bool logY() const;
    double smoothing() const;
    Units units() const;

    /// Number of points drawn in all graphs (for tests).
    int pointCount() const;
    /// Number of redraws so far (for tests of the throttling).
    int replotCount() const { return m_replots; }
    QCustomPlot* plot() const { return m_plot; }

  private:
    struct Series {
        QString label;
        QString group;
        std::vector<double> epoch, trainLoss, valLoss, trainRmse, valRmse;
    };

    void scheduleReplot();
    void rebuild();
    void onMouseMove(QMouseEvent* event);
    static QString groupOf(const qm7::TrainConfig& config);
    const std::vector<double>& trainValues(const Series& s) const;
    const std::vector<double>& valValues(const Series& s) const;
    QString yLabel() const;
    void drawNotebook();

    QCustomPlot* m_plot;
    QCheckBox* m_logY;
    QSlider* m_smoothing;
    QLabel* m_smoothingValue;
    QComboBox* m_units;
    QTimer m_replotTimer;
    std::vector<Series> m_series;
    std::shared_ptr<const qm7::NotebookLosses> m_notebook;
    QLabel* m_notebookLabel;
    int m_replots = 0;
};

} // namespace qm7::ui
