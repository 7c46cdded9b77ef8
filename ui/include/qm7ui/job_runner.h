#pragma once
/// @file job_runner.h
/// The one runner of the workbench's background jobs: training, Measure at these n, KRR beside,
/// cross-validation, the comparison, predictions and data loading. It owns every job's thread.
/// A job belongs to an owner (a window, tab or dialog) and a lane (one job per owner and lane).
/// The owner's destructor calls close(this): its jobs are cancelled and joined, and jobs it
/// would start afterwards (say from a signal emitted while its widgets are torn down) are
/// refused. Closing a window or a dialog calls cancelAndJoin(). When the application quits, the
/// runner cancels and joins whatever still runs. No thread outlives the object that started it.

#include "qm7/train/trainer.h"

#include <QObject>
#include <QPointer>
#include <QString>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

class QThread;

namespace qm7::ui {

/// What a job's function gets: the cancel and pause flags that core's loops check, and post(),
/// which runs a function on the GUI thread in the owner's context.
class JobContext {
  public:
    qm7::TrainControl& control() { return m_control; }
    bool cancelled() const { return m_control.cancel.load(); }
    /// Queues fn to run on the GUI thread with the owner as context; dropped once the owner is
    /// closing or gone. Never blocks.
    void post(std::function<void()> fn) const;

  private:
    friend class JobRunner;
    qm7::TrainControl m_control;
    QPointer<QObject> m_owner;
    std::atomic<bool> m_closing{false};
};

class JobRunner : public QObject {
    Q_OBJECT
  public:
    using Work = std::function<void(JobContext&)>;
    using Done = std::function<void()>;

    /// The application's runner (created on first use as a child of the QCoreApplication; it
    /// cancels and joins every job when the application is about to quit or is destroyed).
    static JobRunner& instance();

    explicit JobRunner(QObject* parent = nullptr);
    /// Cancels and joins every job.
    ~JobRunner() override;

    /// Runs work on a new thread named "qm7-<lane>". When work returns, after everything it
    /// posted, done runs on the GUI thread (unless the owner was closed or destroyed). False
    /// (and nothing runs) when the owner is closed or already runs a job in this lane.
    bool start(QObject* owner, const QString& lane, Work work, Done done = {});
    /// Asks the owner's jobs (of lane, or all when lane is empty) to stop; done follows.
    void cancel(const QObject* owner, const QString& lane = {});
    void setPaused(const QObject* owner, const QString& lane, bool paused);
    bool isRunning(const QObject* owner, const QString& lane = {}) const;
    /// Cancels the owner's jobs and waits for their threads; what they posted is delivered,
    /// then their done. The owner stays usable.
    void cancelAndJoin(QObject* owner);
    /// cancelAndJoin() for every owner that is ancestor or lies below it (a window and its tabs
    /// and dialogs).
    void cancelAndJoinUnder(QObject* ancestor);
    /// For the owner's destructor: cancels and joins its jobs without calling done, and refuses
    /// its later start() calls until the object is gone.
    void close(QObject* owner);
    /// Cancels and joins every job (the application quits).
    void shutdown();
    /// Jobs whose thread has not been joined yet.
    int runningJobs() const { return static_cast<int>(m_jobs.size()); }

  Q_SIGNALS:
    /// A job started or ended.
    void jobsChanged();

  private:
    struct Job {
        const QObject* owner = nullptr;
        QString lane;
        std::shared_ptr<JobContext> context;
        QThread* thread = nullptr;
        Done done;
    };
    void finish(int id);
    /// Sets the job's cancel flag (and clears pause, so that a paused job sees it).
    static void requestStop(Job& job);
    void watch(QObject* owner);
    void onOwnerDestroyed(QObject* owner);
    /// Asks the owner's jobs to stop; returns their ids.
    std::vector<int> cancelJobsOf(const QObject* owner);
    /// Cancels and joins the owner's jobs without their done.
    void closeJobs(const QObject* owner);
    /// Cancels, waits for and forgets job id; returns its done (empty when the owner is gone).
    Done join(int id, bool closing);

    std::map<int, Job> m_jobs;
    std::set<const QObject*> m_closed;
    int m_nextId = 1;
};

} // namespace qm7::ui
