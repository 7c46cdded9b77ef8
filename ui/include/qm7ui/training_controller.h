#pragma once
/// @file training_controller.h
/// Starts, pauses and stops the window's training jobs; each runs on a thread of the job runner
/// (job_runner.h), which joins it when the controller goes.

#include "qm7ui/meta_types.h"

#include <QObject>

namespace qm7::ui {

/// The GUI-side handle of the training jobs. Signals arrive queued on the GUI thread.
class TrainingController : public QObject {
    Q_OBJECT
  public:
    explicit TrainingController(QObject* parent = nullptr);
    /// Cancels a running job and joins its thread.
    ~TrainingController() override;

    /// Starts a job; returns false (and does nothing) while another job is running.
    bool start(TrainJob job);
    /// Pauses or resumes the trainer between steps.
    void setPaused(bool paused);
    /// Asks the trainer to stop; finished() follows with the partial results.
    void stop();
    bool isRunning() const;
    bool isPaused() const { return m_paused && isRunning(); }
    /// The id the next job will get.
    int nextJobId() const { return m_nextId; }
    /// Cancels and waits for the running job (used on close); its finished() is emitted.
    void shutdown();

  Q_SIGNALS:
    void started(int jobId);
    void epochs(const qm7::ui::EpochBatch& batch);
    void progressed(const qm7::Progress& progress);
    void runFinished(int run, const qm7::ui::RunResultPtr& result, const qm7::ui::SavedRun& saved);
    void finished(const qm7::ui::JobResult& result);
    void stage(const QString& text);

  private:
    bool m_paused = false;
    int m_nextId = 1;
};

} // namespace qm7::ui
