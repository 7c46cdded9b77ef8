#pragma once
/// @file project_monitor.h
/// A window on a project folder that other processes (a cluster's job array) are filling: the
/// runs already finished and those in progress (claimed by a task: host, pid, Slurm job), updated
/// as files appear. A QFileSystemWatcher watches the folders of runs and the runs not finished
/// yet, not the whole tree. When the folder holds a Slurm submission (qm7 slurm ... --submit), a
/// second table shows each task of the array and the collect job: pending with Slurm's reason,
/// running, done, failed with its log's line or cancelled; squeue is asked every 10 seconds
/// (in its own process, never blocking the window) where it is installed, and the folder alone
/// is read otherwise.

#include "qm7/train/slurm_tasks.h"

#include <QString>
#include <QStringList>
#include <QWidget>

class QFileSystemWatcher;
class QLabel;
class QProcess;
class QTableWidget;
class QTimer;

namespace qm7::ui {

class ProjectMonitor : public QWidget {
    Q_OBJECT
  public:
    explicit ProjectMonitor(const QString& folder, QWidget* parent = nullptr);
    ~ProjectMonitor() override;

    /// Asks for a folder and opens a monitor on it in its own window.
    static void openDialog(QWidget* parent);

    int finishedRuns() const { return m_finished; }
    int runningRuns() const { return m_running; }
    int abandonedRuns() const { return m_abandoned; }
    /// The paths being watched (for tests: folders and unfinished runs only).
    QStringList watchedPaths() const;
    /// The tasks of the folder's Slurm submission as last shown (empty without one).
    const std::vector<qm7::SlurmTask>& slurmTasks() const { return m_tasks; }
    QTableWidget* taskTable() const { return m_taskTable; }
    /// The line above the tasks: the jobs, and where their states come from.
    QString taskSummary() const;

  public slots:
    void refresh();

  signals:
    void updated(int finished, int running, int abandoned);
    /// The tasks table was filled again (after squeue answered, or from the folder alone).
    void tasksUpdated();

  private:
    void refreshTasks();
    void showTasks(const std::optional<std::string>& squeue, const QString& note);

    QString m_folder;
    QFileSystemWatcher* m_watcher;
    QTimer* m_coalesce; ///< one refresh for a burst of file events
    QLabel* m_summary;
    QTableWidget* m_table;
    int m_finished = 0, m_running = 0, m_abandoned = 0;
    QLabel* m_taskSummary;
    QTableWidget* m_taskTable;
    QProcess* m_squeue; ///< the running squeue, if any
    QTimer* m_taskPoll; ///< asks squeue again every 10 s while a submission is there
    std::optional<qm7::SlurmSubmission> m_submission;
    std::vector<qm7::SlurmTask> m_tasks;
};

} // namespace qm7::ui
