#pragma once
/// @file learning_curve_view.h
/// The interactive learning curve: test error against n on log-log axes, fits, extrapolation.

#include "qm7ui/meta_types.h"
#include "qm7ui/plot_page.h"

#include "qm7/analysis/curve_fit.h"
#include "qm7/analysis/law_ranking.h"
#include "qm7/analysis/notebook_numbers.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/train/trainer.h"

#include <atomic>
#include <functional>
#include <memory>

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
class QSplitter;
class QMouseEvent;

namespace qm7::ui {

/// What "Measure at these n" needs from the window: the data source and how it was built, the
/// curve's training settings and seeds, and a folder for the (resumable) runs.
struct MeasureContext {
    std::string source;      ///< demo, .xyz, .mat or dataset.pt ("" = nothing loaded)
    qm7::BuildOptions build; ///< how the loaded data set was built from molecules
    qm7::TrainConfig base;   ///< p, epochs, batch (the lr is the tab's)
    int seeds = 3;
    std::string dir;    ///< runs go to dir/verify/
    DatasetPtr dataset; ///< the loaded data set (the kernel-ridge-regression curve uses it)
};

class DataPanel;
class HyperparameterPanel;

/// The context of the loaded data and the current settings (seeds, p, epochs, batch);
/// runsDir/measure is the folder of the runs (a temporary folder when runsDir is empty).
MeasureContext measureContextFrom(const DataPanel& data, const HyperparameterPanel& hyper,
                                  const QString& runsDir);

/// The learning-curve tab: points with seed error bars, the laws ranked by forward validation
/// (law_ranking.h) drawn with their 95% bands (covariance + held-out error), measured points at
/// larger n, click a point (or its error bar) to exclude it, a manual A/b mode with live
/// residual and value at the target n; a notebook's own curve (its points, its chosen law) beside.
class LearningCurveView : public PlotPage {
    Q_OBJECT
  public:
    explicit LearningCurveView(QWidget* parent = nullptr);
    ~LearningCurveView() override;

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
    /// Empties the tab (other data was loaded): points, fits, measured points and the KRR curve;
    /// a running measurement or KRR curve is cancelled and joined first.
    void clearResults();
    void setPoints(const std::vector<qm7::CurvePoint>& points);
    /// Draws a ranking made elsewhere (a homework report's) as it is, without ranking again:
    /// the figure and the table show its chosen law, fit windows, forward errors and bands;
    /// every law it ranks is ticked, and its target n and fit options are set.
    void showRanking(const std::vector<qm7::CurvePoint>& points, const qm7::LawRanking& ranking);
    const std::vector<qm7::CurvePoint>& points() const { return m_points; }
    /// One curve per seed (for the single-seed forward error column); setRuns fills it.
    void setSeedCurves(const std::vector<std::vector<qm7::CurvePoint>>& curves);
    /// Test MSE measured at larger n (drawn with their own marker, never fitted).
    void setMeasured(const std::vector<qm7::CurveRow>& measured);
    const std::vector<qm7::CurveRow>& measured() const { return m_measured; }
    /// The laws ranked by forward validation, the answer first (refit() recomputes it).
    const qm7::LawRanking& ranking() const { return m_ranking; }
    /// The answer in words as shown above the table: the ranking's chosen law (the one the
    /// table marks "chosen"), never a law the table does not trust.
    QString answerText() const;

    /// Draws a notebook's learning curve beside the workbench's: its points, and its laws ranked
    /// by the same ranking (rankNotebookCurve at this tab's target n and fit options), the
    /// chosen law drawn; a line under the answer names the file, the columns and the answer.
    /// Null removes it. The session holds the curve; this keeps a pointer to draw.
    void setNotebook(std::shared_ptr<const qm7::NotebookCurve> curve);
    /// The notebook curve's ranking (empty when none is loaded).
    const qm7::LawRanking& notebookRanking() const { return m_notebookRanking; }
    /// The line about the notebook's curve ("" when none).
    QString notebookText() const;

    /// "Measure at these n": sizes to measure (empty with a reason when invalid).
    std::vector<int> measureSizes(QString* error = nullptr) const;
    void setMeasureSizesText(const QString& text);
    void setMeasureContextProvider(std::function<MeasureContext()> provider);
    /// Starts the verification runs on a thread of the job runner; false with a reason (e.g. a
    /// dataset.pt with too few rows: how many there are, how many are needed).
    bool startMeasure(QString* error = nullptr);
    bool isMeasuring() const;

    /// "Kernel ridge regression beside": the KRR baseline (krr_curve.h) at the tab's sizes and
    /// the window's seeds on a thread of the job runner, drawn beside the network's points. False
    /// with a reason (also in the status line) when it cannot start; a second press cancels.
    bool startKrr(QString* error = nullptr);
    void stopKrr();
    bool isKrrRunning() const;
    const std::vector<qm7::CurveRow>& krrRows() const { return m_krr; }
    /// Asks a running measurement to stop (finished runs are kept in the folder).
    void stopMeasure();
    /// Status line of the measurement ("" when none ran).
    QString measureStatus() const;
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
    /// A measurement ended: message says what was measured, or why it could not run.
    void measureFinished(const QString& message);

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    void refit();
    /// Checks the chosen law's box and locks it: the chosen law is always drawn.
    void markChosenLaw();
    void rebuildPlot();
    void rebuildTable();
    void onPlottableClick(QCPAbstractPlottable* plottable, int dataIndex, QMouseEvent* event);
    void onManualModelChanged();
    /// What a measurement or the KRR curve brings back from its job.
    struct CurveRowsOutcome {
        std::vector<qm7::CurveRow> rows;
        QString error;
        bool stopped = false;
    };
    void onMeasureDone(const CurveRowsOutcome& outcome);
    void drawLaws(double nLo, double nHi, double& yLo, double& yHi);
    void drawMeasured(double& yLo, double& yHi);
    void onSlidersMoved();
    std::vector<double> manualParams() const;

    std::vector<qm7::CurvePoint> m_points;
    std::vector<qm7::FitResult> m_fits;
    std::vector<std::vector<qm7::CurvePoint>> m_seedCurves;
    qm7::LawRanking m_ranking;
    std::vector<qm7::CurveRow> m_measured;
    std::function<MeasureContext()> m_measureContext;
    int m_measuredEpochs = 0, m_measuredHidden = 0; ///< settings of the running measurement
    std::vector<qm7::CurveRow> m_krr;               ///< the KRR curve (empty until computed)
    void onKrrDone(const CurveRowsOutcome& outcome);
    void drawKrr(double& yLo, double& yHi);
    void drawNotebook(double nLo, double nHi, double& yLo, double& yHi);
    void rankNotebook();
    std::shared_ptr<const qm7::NotebookCurve> m_notebook;
    qm7::LawRanking m_notebookRanking;
    QLabel* m_notebookLabel = nullptr;
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
    QLabel* m_answer;
    QSplitter* m_split = nullptr; ///< plot above, answer and table below
    QLineEdit* m_measureSizes;
    QPushButton* m_measure;
    QPushButton* m_krrButton;
    QLabel* m_measureLabel;
};

} // namespace qm7::ui
