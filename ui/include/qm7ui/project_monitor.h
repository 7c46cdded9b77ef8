#pragma once
/// @file project_monitor.h
/// A window on a project folder that other processes (a cluster's job array) are filling: the
/// runs already finished and those in progress (claimed by a task: host, pid, Slurm job), updated
/// as files appear. A QFileSystemWatcher watches the folders of runs and the runs not finished
/// yet, not the whole tree, and nothing is polled.

#include <QString>
#include <QStringList>
#include <QWidget>

class QFileSystemWatcher;
class QLabel;
class QTableWidget;
class QTimer;

namespace qm7::ui {

class ProjectMonitor : public QWidget {
    Q_OBJECT
  public:
    explicit ProjectMonitor(const QString& folder, QWidget* parent = nullptr);

    /// Asks for a folder and opens a monitor on it in its own window.
    static void openDialog(QWidget* parent);

    int finishedRuns() const { return m_finished; }
    int runningRuns() const { return m_running; }
    int abandonedRuns() const { return m_abandoned; }
    /// The paths being watched (for tests: folders and unfinished runs only).
    QStringList watchedPaths() const;

  public slots:
    void refresh();

  signals:
    void updated(int finished, int running, int abandoned);

  private:
    QString m_folder;
    QFileSystemWatcher* m_watcher;
    QTimer* m_coalesce; ///< one refresh for a burst of file events
    QLabel* m_summary;
    QTableWidget* m_table;
    int m_finished = 0, m_running = 0, m_abandoned = 0;
};

} // namespace qm7::ui
