#include "qm7ui/project_monitor.h"

#include "qm7/train/project.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace qm7::ui {

namespace {

/// Folders that hold run folders: the project itself and the homework's sweep/ and curve/.
QStringList runFolders(const QString& folder) {
    QStringList folders{folder};
    for (const char* sub : {"sweep", "curve"}) {
        const QString path = QDir(folder).filePath(QString::fromLatin1(sub));
        if (QFileInfo(path).isDir())
            folders << path;
    }
    return folders;
}

QString stateName(RunStatus::State s) {
    switch (s) {
    case RunStatus::State::Finished:
        return ProjectMonitor::tr("finished");
    case RunStatus::State::Running:
        return ProjectMonitor::tr("in progress");
    case RunStatus::State::Abandoned:
        return ProjectMonitor::tr("stopped (a rerun takes it over)");
    case RunStatus::State::Empty:
        break;
    }
    return {};
}

} // namespace

ProjectMonitor::ProjectMonitor(const QString& folder, QWidget* parent)
    : QWidget(parent), m_folder(QDir(folder).absolutePath()),
      m_watcher(new QFileSystemWatcher(this)), m_coalesce(new QTimer(this)),
      m_summary(new QLabel(this)), m_table(new QTableWidget(0, 3, this)) {
    setWindowTitle(tr("Project %1").arg(m_folder));
    m_table->setHorizontalHeaderLabels({tr("Run"), tr("State"), tr("Task")});
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_table);
    m_coalesce->setSingleShot(true);
    m_coalesce->setInterval(150);
    connect(m_coalesce, &QTimer::timeout, this, &ProjectMonitor::refresh);
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, m_coalesce,
            qOverload<>(&QTimer::start));
    resize(640, 420);
    refresh();
}

QStringList ProjectMonitor::watchedPaths() const {
    return m_watcher->directories();
}

void ProjectMonitor::refresh() {
    QStringList wanted;
    std::vector<RunStatus> runs;
    for (const QString& f : runFolders(m_folder)) {
        wanted << f;
        for (auto& r : scanRuns(f.toStdString())) {
            if (r.state != RunStatus::State::Finished)
                wanted << QString::fromStdString(r.dir); // to see summary.json or claim.json come
            runs.push_back(std::move(r));
        }
    }
    // Watch exactly the folders of runs and the unfinished runs.
    const QStringList watched = m_watcher->directories();
    for (const QString& w : watched)
        if (!wanted.contains(w))
            m_watcher->removePath(w);
    for (const QString& w : wanted)
        if (!watched.contains(w) && QFileInfo(w).isDir())
            m_watcher->addPath(w);

    m_finished = m_running = m_abandoned = 0;
    m_table->setRowCount(static_cast<int>(runs.size()));
    const QDir base(m_folder);
    for (int row = 0; row < static_cast<int>(runs.size()); ++row) {
        const RunStatus& r = runs[static_cast<std::size_t>(row)];
        QString where;
        if (r.state == RunStatus::State::Finished) {
            ++m_finished;
        } else if (r.state == RunStatus::State::Running) {
            ++m_running;
        } else {
            ++m_abandoned;
        }
        if (r.state != RunStatus::State::Finished && !r.holder.host.empty())
            where =
                tr("task %1 on %2, pid %3%4")
                    .arg(r.holder.task)
                    .arg(QString::fromStdString(r.holder.host))
                    .arg(r.holder.pid)
                    .arg(r.holder.slurmJob.empty()
                             ? QString()
                             : tr(", Slurm job %1").arg(QString::fromStdString(r.holder.slurmJob)));
        m_table->setItem(
            row, 0, new QTableWidgetItem(base.relativeFilePath(QString::fromStdString(r.dir))));
        m_table->setItem(row, 1, new QTableWidgetItem(stateName(r.state)));
        m_table->setItem(row, 2, new QTableWidgetItem(where));
    }
    m_summary->setText(tr("%1 runs finished, %2 in progress, %3 stopped; updated as files appear")
                           .arg(m_finished)
                           .arg(m_running)
                           .arg(m_abandoned));
    emit updated(m_finished, m_running, m_abandoned);
}

void ProjectMonitor::openDialog(QWidget* parent) {
    const QString dir =
        QFileDialog::getExistingDirectory(parent, tr("Project folder that a cluster is filling"));
    if (dir.isEmpty())
        return;
    auto* monitor = new ProjectMonitor(dir, parent);
    monitor->setWindowFlag(Qt::Window);
    monitor->setAttribute(Qt::WA_DeleteOnClose);
    monitor->show();
}

} // namespace qm7::ui
