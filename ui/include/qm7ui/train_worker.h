#pragma once
/// @file train_worker.h
/// The QObject that runs the core trainer on its own thread and reports by queued signals.

#include "qm7ui/meta_types.h"

#include <QObject>

namespace qm7::ui {

/// Lives on the training thread; run() calls qm7::trainMany and adapts its observer to signals.
class TrainWorker : public QObject {
    Q_OBJECT
  public:
    /// control is owned by the caller and outlives the worker.
    explicit TrainWorker(qm7::TrainControl* control, QObject* parent = nullptr);

    /// Least time between two epoch or progress signals (throttling at the source).
    static constexpr int kSignalIntervalMs = 33;

  public Q_SLOTS:
    /// Trains every config of the job; emits epochs, progress, runFinished, then finished.
    void run(const qm7::ui::TrainJob& job);

  Q_SIGNALS:
    void epochs(const qm7::ui::EpochBatch& batch);
    void progressed(const qm7::Progress& progress);
    /// A run ended; finished runs are already saved in the job's runsDir (see saved).
    void runFinished(int run, const qm7::ui::RunResultPtr& result, const qm7::ui::SavedRun& saved);
    void finished(const qm7::ui::JobResult& result);
    /// A homework job entered a stage ("sweep: 8 runs", ...).
    void stage(const QString& text);

  private:
    qm7::TrainControl* m_control;
};

} // namespace qm7::ui
