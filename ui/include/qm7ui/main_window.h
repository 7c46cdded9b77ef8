#pragma once
/// @file main_window.h
/// The workbench window: data, hyperparameters, run controls, plot tabs, runs table.

#include "qm7ui/meta_types.h"

#include <QJsonObject>
#include <QMainWindow>

class QAction;
class QLabel;
class QProgressBar;
class QPushButton;
class QTabWidget;

namespace qm7::ui {

class DataPanel;
class JobBuilder;
class HyperparameterPanel;
class TrainingController;
class LossPlot;
class HistogramView;
class ParityView;
class SweepView;
class LearningCurveView;
class RunsTable;
class PlotPage;
class Session;

/// The main window of qm7-workbench. Training runs on the controller's thread.
class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    /// projectDir holds the runs (created when missing); empty = the default in app data.
    explicit MainWindow(const QString& projectDir = QString(), QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Loads a data source ("demo", a dataset.pt, .xyz, .mat); false with a message on error.
    bool loadData(const QString& source, QString* error = nullptr);
    /// Loads a data source on a background thread (the window stays responsive); the data
    /// panel's datasetChanged or loadFailed follows. False while another load runs.
    bool loadDataInBackground(const QString& source);
    /// Loads the default data (demo, else the shared course file, else nothing).
    void loadDefaultData();

    /// Starts a job from the current settings; false (with the reason in the status bar) when
    /// settings are invalid, no data is loaded or a job is already running.
    bool startTraining();
    bool startSweep();
    bool startLearningCurve();
    /// Runs the whole homework (qm7::runHomework, resumable) into dir on the training thread
    /// with the sweep's lrs, the curve's sizes and target n and the settings on the left; when
    /// it finishes, renders its figures and writes report.md there, as
    /// `qm7-workbench --render-report dir` does.
    bool startHomework(const QString& dir);
    void stopTraining();
    void setPaused(bool paused);
    bool isTraining() const;

    /// Writes every figure (PNG, SVG, PDF), the tabs' CSVs and, through core's one writer
    /// (qm7::writeReport), sweep.csv, curve.csv, fits.csv and report.md into dir.
    bool exportAll(const QString& dir, QString* error = nullptr);
    /// This session's sweep and learning-curve runs as a report (qm7::homeworkFromRuns).
    qm7::HomeworkResult sessionReport() const;
    QJsonObject sessionState() const;
    void applySessionState(const QJsonObject& state);
    bool saveSession(const QString& path, QString* error = nullptr) const;
    bool loadSession(const QString& path, QString* error = nullptr);

    /// Where a file dialog opens: the folder last used for key (QSettings, e.g. "export/dir")
    /// when it still exists, else the project folder.
    QString startFolder(const QString& key) const;

    /// The text the status bar shows (for tests).
    QString statusText() const;
    QString lastError() const { return m_lastError; }

    DataPanel* dataPanel() const { return m_data; }
    HyperparameterPanel* hyperparameters() const { return m_hyper; }
    TrainingController* controller() const { return m_controller; }
    LossPlot* lossPlot() const { return m_loss; }
    HistogramView* histogramView() const { return m_histogram; }
    ParityView* parityView() const { return m_parity; }
    SweepView* sweepView() const { return m_sweep; }
    LearningCurveView* learningCurveView() const { return m_curve; }
    RunsTable* runsTable() const { return m_runs; }
    /// The loaded data and the results derived from it (session.h).
    Session* session() const { return m_session; }
    QTabWidget* tabs() const { return m_tabs; }

  Q_SIGNALS:
    /// A job ended (finished, stopped or failed).
    void jobFinished(const qm7::ui::JobResult& result);

  protected:
    void closeEvent(QCloseEvent* event) override;

  private:
    void buildActions();
    void buildLayout();
    JobBuilder jobBuilder() const;
    /// Records why a job cannot start (what: " the sweep", ...), shows it; returns false.
    bool refuse(const QString& what, const QString& error);
    bool startJob(JobKind kind, std::vector<qm7::TrainConfig> configs);
    void onDatasetChanged(const DatasetPtr& data);
    /// Empties every tab of results (other data was loaded).
    void clearResults();
    void onEpochs(const EpochBatch& batch);
    void onProgress(const qm7::Progress& progress);
    void onStage(const QString& text);
    void onRunFinished(int run, const RunResultPtr& result, const SavedRun& saved);
    void warn(const QString& title, const QString& text);
    void onJobFinished(const JobResult& result);
    /// Shows the question-6 run of a job's runs on the Parity tab, the others in its picker.
    void showParityOf(const std::vector<RunResultPtr>& runs);
    void onOverlayChanged();
    void onCurrentRunChanged();
    void updateControls();
    void showStatus(const QString& text);
    void exportCurrentPlot();
    void exportCurrentCsv();
    void exportAllDialog();
    void homeworkDialog();
    void finishHomework(const JobResult& result);
    void openProjectDialog();
    void saveSessionDialog();
    void loadSessionDialog();
    void showAbout();
    void readSettings();
    void writeSettings() const;
    PlotPage* currentPage() const;
    QList<PlotPage*> pages() const;

    TrainingController* m_controller;
    Session* m_session;
    DataPanel* m_data;
    HyperparameterPanel* m_hyper;
    LossPlot* m_loss;
    HistogramView* m_histogram;
    ParityView* m_parity;
    SweepView* m_sweep;
    LearningCurveView* m_curve;
    RunsTable* m_runs;
    QTabWidget* m_tabs;
    QPushButton* m_startButton;
    QPushButton* m_pauseButton;
    QPushButton* m_stopButton;
    QProgressBar* m_progressBar;
    QLabel* m_statusLabel;
    QAction* m_startAction = nullptr;
    QAction* m_pauseAction = nullptr;
    QAction* m_stopAction = nullptr;

    JobKind m_jobKind = JobKind::Train;
    std::vector<qm7::TrainConfig> m_jobConfigs;
    std::vector<RunResultPtr> m_jobRuns;
    qm7::CurveConfig m_curveConfig; ///< the running learning curve's settings
    QString m_jobSource;
    QString m_homeworkDir;
    qm7::HomeworkConfig m_homework; ///< the running homework's settings
    double m_homeworkLr = 0;        ///< its chosen lr, once the sweep is done
    QString m_stage;                ///< the homework's current stage, shown before the progress
    int m_lastEpoch = 0;
    int m_totalEpochs = 0;
    QString m_lastError;
    QString m_status;
};

/// Help > Tutorial: docs/TUTORIAL.md with its pictures (built into the program) in a window.
void showTutorial(QWidget* parent);

} // namespace qm7::ui
