#pragma once
/// @file learning_curve_view.h
/// The interactive learning curve: test error against n on log-log axes, fits, extrapolation.

#include "qm7ui/meta_types.h"
#include "qm7ui/plot_page.h"

#include "qm7/analysis/curve_fit.h"

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QCPAbstractPlottable;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSlider;
class QSpinBox;
class QTableWidget;
class QMouseEvent;

namespace qm7::ui {

/// Test MSE (kcal²/mol²) per training size, mean ± std over seeds, from a curve job's runs.
std::vector<qm7::CurvePoint> curvePointsFromRuns(const std::vector<RunResultPtr>& runs,
                                                 int fullTrainRows);

/// The learning-curve tab: points with seed error bars, model fits overlaid with a parameter
/// table, click a point to exclude it, a manual A/b mode with live residual, and a target n.
class LearningCurveView : public PlotPage {
    Q_OBJECT
  public:
    explicit LearningCurveView(QWidget* parent = nullptr);

    QString pageName() const override { return QStringLiteral("learning_curve"); }
    QList<QPair<QString, QWidget*>> plots() const override;
    QString csv() const override;
    QList<QPair<QString, QString>> csvFiles() const override;

    /// Training sizes to run (empty with a reason when invalid).
    std::vector<int> sizes(QString* error = nullptr) const;
    void setSizesText(const QString& text);
    QString sizesText() const;
    /// The learning rate the curve is trained with.
    double learningRate() const;
    void setLearningRate(double lr);

    void setRuns(const std::vector<RunResultPtr>& runs, int fullTrainRows);
    void setPoints(const std::vector<qm7::CurvePoint>& points);
    /// Shows fits made elsewhere (e.g. a homework's) without refitting: their models are
    /// ticked and options set, so that a later refit gives the same fits.
    void showFits(const std::vector<qm7::CurvePoint>& points,
                  const std::vector<qm7::FitResult>& fits, const qm7::FitOptions& options);
    const std::vector<qm7::CurvePoint>& points() const { return m_points; }
    /// Excludes or includes a point and refits.
    void setExcluded(int index, bool excluded);

    /// Which models are fitted and drawn.
    void setModelChecked(qm7::CurveModel model, bool checked);
    std::vector<qm7::CurveModel> checkedModels() const;
    const std::vector<qm7::FitResult>& fits() const { return m_fits; }
    void setTargetN(int n);
    int targetN() const;
    /// Manual mode: draws A and b from the sliders for the chosen model with its residual.
    void setManual(bool on, qm7::CurveModel model = qm7::CurveModel::Power);
    void setManualParams(double a, double b);
    /// RMS residual of the manual curve, NaN when manual mode is off.
    double manualResidualValue() const { return m_manualResidual; }
    QCustomPlot* plot() const { return m_plot; }
    /// Log-space and weighting choices of the fits.
    qm7::FitOptions fitOptions() const;

  Q_SIGNALS:
    void runRequested();

  private:
    void refit();
    void rebuildPlot();
    void rebuildTable();
    void onPlottableClick(QCPAbstractPlottable* plottable, int dataIndex, QMouseEvent* event);
    void onManualModelChanged();
    void onSlidersMoved();
    std::vector<double> manualParams() const;

    std::vector<qm7::CurvePoint> m_points;
    std::vector<qm7::FitResult> m_fits;
    double m_manualResidual;
    double m_manualA = 1000, m_manualB = 0.5, m_manualC = 0;
    bool m_updatingSliders = false;
    double m_aLoLog = 0, m_aHiLog = 6; ///< A slider range, log10
    double m_bLo = 0, m_bHi = 2;       ///< b slider range

    QCustomPlot* m_plot;
    QLineEdit* m_sizes;
    QLineEdit* m_lr;
    QPushButton* m_run;
    QListWidget* m_models;
    QCheckBox* m_logSpace;
    QCheckBox* m_weighted;
    QSpinBox* m_target;
    QTableWidget* m_table;
    QCheckBox* m_manual;
    QComboBox* m_manualModel;
    QSlider* m_sliderA;
    QSlider* m_sliderB;
    QLabel* m_manualLabel;
    QLabel* m_hint;
};

} // namespace qm7::ui
