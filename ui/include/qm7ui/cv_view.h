#pragma once
/// @file cv_view.h
/// The Cross-validation tab: kernel ridge regression (one click), the one-hidden-layer network
/// or the paper's network over K folds of the loaded molecules, a table that fills fold by fold
/// (finished folds in the results folder shown at once, not trained again), mean ± std, and
/// the published anchors beside; progress with ETA, cancel, rerun continues. "Compare
/// representations" opens the comparison of every representation on these folds (cv_compare.h);
/// "Learning curves" the learning curves of several models (model_curves_view.h).

#include "qm7ui/cv_runner.h"

#include <QElapsedTimer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableWidget;

namespace qm7::ui {

class CvCompareView;
class ModelCurvesView;
class DataPanel;

/// Runs core's cross-validation study on its own thread and shows it live.
class CvView : public QWidget {
    Q_OBJECT
  public:
    explicit CvView(QWidget* parent = nullptr);
    ~CvView() override;

    /// The molecules: "demo", an .xyz or .mat path; a dataset.pt or "" cannot be cross-validated
    /// (the tab says why and how to load molecules).
    void setSource(const QString& source);
    QString source() const { return m_source; }
    /// Where results folders go when none was chosen before (QSettings "cv/dir").
    void setDefaultFolder(const QString& dir);
    /// The folder holding the results folders (remembered in QSettings "cv/dir").
    void setOutputFolder(const QString& dir);
    QString outputFolder() const;
    /// The results folder of the current settings: <output>/cv-<model>-<source>-k<folds>[-n<n>].
    QString resultsDir() const;
    /// The folder of "Compare representations": <output>/compare-<source>-k<folds>[-n<n>].
    QString compareDir() const;
    /// The comparison window (created hidden on first use; its epochs and paper checkbox keep
    /// their values between runs).
    CvCompareView* compareView();
    /// "Compare representations": shows the comparison window with these molecules, folds and
    /// training size and starts it (unless it runs already).
    CvCompareView* compare();
    /// The folder of "Learning curves": <output>/learning-curves-<source>.
    QString curvesDir() const;
    /// "Learning curves…": shows the window of the learning curves of models (created on first
    /// use), reading curvesDir(); it trains only when its Run is pressed.
    ModelCurvesView* learningCurves();

    void setModel(qm7::CvModel model);
    qm7::CvModel model() const;
    /// The input of kernel ridge regression and the one-hidden-layer network (sorted Coulomb
    /// matrices or Bag of Bonds); the paper's network always takes randomly sorted, expanded
    /// matrices and the choice is disabled for it.
    void setRepresentation(qm7::Representation representation);
    qm7::Representation representation() const;
    void setFolds(int folds);
    /// Training molecules per fold, 0 = all.
    void setTrainSize(int n);

    /// Starts the cross-validation; false with the reason in error (and on the tab) otherwise.
    bool run(QString* error = nullptr);
    void cancel();
    bool isRunning() const { return m_runner->isRunning(); }

    /// The text of the message line (errors, hints, the outcome).
    QString message() const;
    QTableWidget* table() const { return m_table; }
    QProgressBar* progressBar() const { return m_progress; }

  Q_SIGNALS:
    /// A fold's row got its numbers (trained now or read from disk).
    void foldShown(int fold, bool fromDisk);
    /// The run ended (finished, cancelled or failed).
    void finished(const qm7::ui::CvOutcome& outcome);

  private:
    void buildTable();
    void showFromDisk();
    void showFold(const qm7::FoldResult& result, bool fromDisk);
    void updateMean();
    void updateControls();
    void setMessage(const QString& text, bool error = false);
    void onFoldStarted(int fold, int train, int val, int test);
    void onFoldProgress(int fold, double done, double total, const QString& text);
    void onFinished(const CvOutcome& outcome);
    qm7::CvStudyConfig studyConfig() const;
    bool usesRepresentation() const;
    /// "demo", or the molecules file's name without folder and suffix: in results folders' names
    QString sourceStem() const;
    QString folderName(const QString& kind) const;

    CvRunner* m_runner;
    QString m_source;
    QComboBox* m_model;
    QComboBox* m_representation;
    QSpinBox* m_folds;
    QSpinBox* m_trainSize;
    QLabel* m_sourceLabel;
    QLineEdit* m_folder;
    QPushButton* m_browse;
    QLabel* m_resultsLabel;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QPushButton* m_compareButton;
    CvCompareView* m_compare = nullptr;
    QPushButton* m_curvesButton;
    ModelCurvesView* m_curves = nullptr;
    QProgressBar* m_progress;
    QLabel* m_progressText;
    QLabel* m_message;
    QTableWidget* m_table;
    std::vector<qm7::FoldResult> m_done; ///< by fold; fold < 0 = not done
    int m_runningFold = -1;
    QElapsedTimer m_foldClock;
    double m_etaDone = -1, m_etaMs = 0; ///< the first progress sample of the running fold
};

/// Adds the Cross-validation tab to tabs: its source follows data's, its results go under
/// projectDir unless another folder was chosen before.
CvView* addCrossValidationTab(QTabWidget* tabs, DataPanel* data, const QString& projectDir);

} // namespace qm7::ui
