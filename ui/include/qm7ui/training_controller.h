#pragma once
/// @file training_controller.h
/// Owns the training thread and its worker; start, pause, stop; joins the thread on destruction.

#include "qm7ui/meta_types.h"

#include <QObject>
#include <QThread>

namespace qm7::ui {

class TrainWorker;

/// The GUI-side handle of the training thread. Signals arrive queued on the GUI thread.
class TrainingController : public QObject {
    Q_OBJECT
  public:
    explicit TrainingController(QObject* parent = nullptr);
    /// Cancels any running job, then stops and joins the thread.
    ~TrainingController() override;

    /// Starts a job; returns false (and does nothing) while another job is running.
    bool start(TrainJob job);
    /// Pauses or resumes the trainer between steps.
    void setPaused(bool paused);
    /// Asks the trainer to stop; finished() follows with the partial results.
    void stop();
    bool isRunning() const { return m_running; }
    bool isPaused() const { return m_control.pause.load(); }
    /// The id the next job will get.
    int nextJobId() const { return m_nextId; }
    /// Cancels and waits for the thread to finish (used on close).
    void shutdown();

  Q_SIGNALS:
    void started(int jobId);
    void epochs(const qm7::ui::EpochBatch& batch);
    void progressed(const qm7::Progress& progress);
    void runFinished(int run, const qm7::ui::RunResultPtr& result, const qm7::ui::SavedRun& saved);
    void finished(const qm7::ui::JobResult& result);
    void stage(const QString& text);

  private:
    void onWorkerFinished(const JobResult& result);

    QThread m_thread;
    qm7::TrainControl m_control;
    TrainWorker* m_worker = nullptr;
    bool m_running = false;
    int m_nextId = 1;
};

} // namespace qm7::ui
