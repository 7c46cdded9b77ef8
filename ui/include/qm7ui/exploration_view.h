#pragma once
/// @file exploration_view.h
/// The Exploration tab: the trials of a `qm7 sweep --grid/--sample` folder (its trials.csv) as a
/// sortable, filterable table; parallel coordinates (one line per trial coloured by validation
/// error; drag along an axis to keep only the trials inside that range, click it to clear; drag
/// an axis's title sideways to move the axis);
/// a heatmap of the mean validation error over two chosen settings; one setting's profile with
/// its seed spread; the best setting chosen on validation (test error beside it, never used to
/// choose) and one sentence per setting. A Run form starts an exploration on the loaded data. Every
/// number comes from core (exploration.h). Trials selected in the table ask for their loss curves
/// (lossCurvesRequested: the window shows them on the Loss curves tab, through the session).

#include "qm7ui/meta_types.h"
#include "qm7ui/plot_page.h"

#include "qm7/analysis/exploration.h"

#include <QMap>
#include <QPair>
#include <vector>

class QComboBox;
class QCPItemLine;
class QCPItemRect;
class QCPItemText;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QStandardItemModel;
class QTabWidget;
class QTableView;
class QMouseEvent;

namespace qm7::ui {

class ExplorationRunForm;
class TrialFilterModel;

class ExplorationView : public PlotPage {
    Q_OBJECT
  public:
    explicit ExplorationView(QWidget* parent = nullptr);

    QString pageName() const override { return QStringLiteral("exploration"); }
    QList<QPair<QString, QWidget*>> plots() const override;
    QString csv() const override;
    QList<QPair<QString, QString>> csvFiles() const override;

    /// Shows trials (replacing any shown).
    void setTrials(std::vector<qm7::ExplorationTrial> trials);
    const std::vector<qm7::ExplorationTrial>& trials() const { return m_trials; }
    /// Reads a sweep folder's trials.csv (or the file itself); false with *error on failure.
    bool openTrials(const QString& path, QString* error);
    /// The sweep folder of the trials shown ("" when they were given by setTrials).
    QString folder() const { return m_folder; }

    /// The run names of the trials selected in the table, in the table's order.
    QStringList selectedRuns() const;
    /// Reads the selected trials' runs from the sweep folder and emits lossCurvesRequested;
    /// false with *error when none is selected or a run cannot be read.
    bool showSelectedLossCurves(QString* error = nullptr);

    /// The table's source model: one row per trial, in the order of trials().
    QStandardItemModel* model() const { return m_model; }
    /// Rows the table shows after the text filter and the brushes.
    int visibleTrialCount() const;
    /// Brushes parallel-coordinate axis `axis` to the range [lo, hi] of its own values
    /// (axis = setting index, the last axis is the validation RMSE); lo > hi clears it.
    void setBrush(int axis, double lo, double hi);
    /// The parallel coordinates' axes from left to right, as axis indices (settings in order,
    /// then the validation RMSE); brushes stay with their axis when it moves.
    const std::vector<int>& axisOrder() const { return m_axisOrder; }
    /// Moves axis `axis` to position `position` (0 = leftmost), the others keeping their order.
    void moveAxis(int axis, int position);
    /// The x pixel of an axis and the y pixel of its title in the parallel-coordinates plot.
    QPoint axisTitlePixel(int axis) const;
    /// Pixel of value `u` (0 = bottom, 1 = top of the axis) on axis `axis` of that plot.
    QPoint axisPixel(int axis, double u) const;
    void setTextFilter(const QString& text);
    /// The settings drawn on the heatmap's x and y axes and the profile's.
    void setHeatmapSettings(const QString& x, const QString& y);
    void setProfileSetting(const QString& name);
    /// The heatmap's cells (core's settingHeatmap of the trials).
    const qm7::Heatmap& heatmap() const { return m_heatmap; }
    QString summaryText() const;
    /// The Run form above the plots (exploration_run_form.h): its trials fill the table as they
    /// finish, and its trials.csv is opened when the exploration ends.
    ExplorationRunForm* runForm() const { return m_runForm; }
    /// While an axis's title is dragged: the x coordinate (axis positions 0, 1, ...) of the
    /// marker that follows the mouse; NaN when no axis is dragged.
    double dragMarkerX() const;

  Q_SIGNALS:
    /// The finished runs of the selected trials, to be shown on the Loss curves tab.
    void lossCurvesRequested(const std::vector<qm7::ui::RunResultPtr>& runs,
                             const QStringList& labels);

  private:
    void rebuildTable();
    void drawParallel();
    void drawHeatmap();
    void drawProfile();
    void applyFilters();
    double axisValue(const qm7::ExplorationTrial& t, int axis) const; ///< normalized 0..1
    double axisRaw(const qm7::ExplorationTrial& t, int axis) const;
    void brushPress(QMouseEvent* e);
    void brushRelease(QMouseEvent* e);
    void brushMove(QMouseEvent* e);
    void addRunTrial(const qm7::ExplorationTrial& trial);
    int positionOf(int axis) const;

    std::vector<qm7::ExplorationTrial> m_trials;
    QString m_folder;
    std::vector<std::string> m_names;
    struct AxisScale {
        bool numeric = true, log = false;
        double lo = 0, hi = 1;
        std::vector<std::string> categories;
    };
    std::vector<AxisScale> m_scales;            ///< per setting, then the validation RMSE
    QMap<int, QPair<double, double>> m_brushes; ///< raw value ranges per axis
    qm7::Heatmap m_heatmap;
    std::vector<int> m_axisOrder;
    int m_pressAxis = -1;
    bool m_dragAxis = false; ///< the press was on an axis's title: a release moves the axis
    double m_pressY = 0;

    QStandardItemModel* m_model;
    TrialFilterModel* m_proxy;
    QTableView* m_table;
    QLineEdit* m_filter;
    QCustomPlot* m_parallel;
    QCustomPlot* m_heat;
    QCustomPlot* m_profile;
    QComboBox* m_heatX;
    QComboBox* m_heatY;
    QComboBox* m_profileSetting;
    QLabel* m_summary;
    QLabel* m_source;
    ExplorationRunForm* m_runForm;
    std::vector<qm7::ExplorationTrial> m_runTrials; ///< trials of the running exploration
    QCPItemLine* m_dragMarker = nullptr;            ///< follows the mouse while an axis moves
    QCPItemText* m_dragLabel = nullptr;             ///< the moving axis's name, beside the marker
    QCPItemRect* m_brushMarker = nullptr;           ///< the range being brushed
};

/// Adds the Exploration tab to tabs (opened on a sweep folder's trials.csv).
ExplorationView* addExplorationTab(QTabWidget* tabs);

} // namespace qm7::ui
