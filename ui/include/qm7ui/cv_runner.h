#pragma once
/// @file cv_runner.h
/// The Cross-validation tab's job: a worker that reads the molecules and runs core's
/// cross-validation study (qm7::runCvStudy) on a thread of the job runner (job_runner.h), and the
/// GUI-side handle that starts, cancels and joins it. Signals arrive queued on the GUI thread.

#include "qm7/analysis/cv_study.h"

#include <QMetaType>
#include <QObject>
#include <QString>

namespace qm7::ui {

/// One cross-validation: the molecules ("demo", an .xyz or a .mat) and the study.
struct CvJob {
    QString source;
    qm7::CvStudyConfig study;
};

/// How a cross-validation ended.
struct CvOutcome {
    int folds = 0; ///< finished folds
    qm7::MeanStd mae, rmse, seconds;
    bool cancelled = false;
    QString error; ///< empty unless it failed
};

/// Lives on the job's thread; run() reports by signals.
class CvWorker : public QObject {
    Q_OBJECT
  public:
    /// control is owned by the caller and outlives the worker.
    explicit CvWorker(qm7::TrainControl* control, QObject* parent = nullptr);

    /// Least time between two progress signals (throttling at the source).
    static constexpr int kSignalIntervalMs = 100;

  public Q_SLOTS:
    void run(const qm7::ui::CvJob& job);

  Q_SIGNALS:
    /// The molecules are read and the partition known: origin ("seeded", "P of qm7.mat").
    void partitionReady(int molecules, const QString& origin);
    void foldStarted(int fold, int train, int val, int test);
    /// done of total units of the running fold (KRR grid points, epochs, steps); text says which.
    void foldProgress(int fold, double done, double total, const QString& text);
    void foldDone(const qm7::FoldResult& result, bool fromDisk);
    void finished(const qm7::ui::CvOutcome& outcome);

  private:
    qm7::TrainControl* m_control;
};

/// Starts the study on the job runner; its destruction cancels and joins the study.
class CvRunner : public QObject {
    Q_OBJECT
  public:
    explicit CvRunner(QObject* parent = nullptr);
    /// Cancels a running study (the paper network writes its checkpoint) and joins the thread.
    ~CvRunner() override;

    /// Starts a study; false while another one runs.
    bool start(const CvJob& job);
    /// Asks the study to stop: the running fold stops between steps or grid points.
    void cancel();
    bool isRunning() const;

  Q_SIGNALS:
    void partitionReady(int molecules, const QString& origin);
    void foldStarted(int fold, int train, int val, int test);
    void foldProgress(int fold, double done, double total, const QString& text);
    void foldDone(const qm7::FoldResult& result, bool fromDisk);
    void finished(const qm7::ui::CvOutcome& outcome);
};

} // namespace qm7::ui

Q_DECLARE_METATYPE(qm7::FoldResult)
Q_DECLARE_METATYPE(qm7::ui::CvJob)
Q_DECLARE_METATYPE(qm7::ui::CvOutcome)
