#include "qm7ui/project_monitor.h"

#include "qm7/train/project.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QHeaderView>
#include <QLabel>
#include <QProcess>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <map>

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
      m_summary(new QLabel(this)), m_table(new QTableWidget(0, 3, this)),
      m_taskSummary(new QLabel(this)), m_taskTable(new QTableWidget(0, 4, this)),
      m_squeue(new QProcess(this)), m_taskPoll(new QTimer(this)) {
    setWindowTitle(tr("Project %1").arg(m_folder));
    m_table->setHorizontalHeaderLabels({tr("Run"), tr("State"), tr("Task")});
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_taskTable->setObjectName(QStringLiteral("slurmTasks"));
    m_taskTable->setHorizontalHeaderLabels(
        {tr("Task"), tr("Slurm job"), tr("State"), tr("Detail")});
    m_taskTable->horizontalHeader()->setStretchLastSection(true);
    m_taskTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_taskTable->verticalHeader()->hide();
    m_taskSummary->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_table, 3);
    layout->addWidget(m_taskSummary);
    layout->addWidget(m_taskTable, 2);
    m_taskSummary->hide();
    m_taskTable->hide();
    m_taskPoll->setInterval(10000);
    connect(m_taskPoll, &QTimer::timeout, this, &ProjectMonitor::refreshTasks);
    connect(m_squeue, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        const QString out = QString::fromLocal8Bit(m_squeue->readAllStandardOutput());
        const QString err = QString::fromLocal8Bit(m_squeue->readAllStandardError()).trimmed();
        if (status == QProcess::NormalExit && code == 0)
            showTasks(out.toStdString(), tr("states from squeue and the task logs"));
        else if (err.contains(QLatin1String("Invalid job id")))
            showTasks(std::string(), tr("Slurm no longer lists these jobs: states from the task "
                                        "logs"));
        else
            showTasks(std::nullopt,
                      tr("squeue failed (%1): states from the project folder alone").arg(err));
    });
    connect(m_squeue, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            showTasks(std::nullopt, tr("squeue did not start: states from the project folder "
                                       "alone"));
    });
    m_coalesce->setSingleShot(true);
    m_coalesce->setInterval(150);
    connect(m_coalesce, &QTimer::timeout, this, &ProjectMonitor::refresh);
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, m_coalesce,
            qOverload<>(&QTimer::start));
    resize(760, 560);
    refresh();
}

ProjectMonitor::~ProjectMonitor() {
    // A squeue still running is stopped here, while this object is whole: its finished signal
    // must not reach a half-destroyed monitor.
    m_squeue->disconnect(this);
    if (m_squeue->state() != QProcess::NotRunning) {
        m_squeue->kill();
        m_squeue->waitForFinished(2000);
    }
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
    // The task logs of a Slurm submission: a task that starts or ends writes there.
    if (const QString logs = QDir(m_folder).filePath(QStringLiteral("slurm/logs"));
        QFileInfo(logs).isDir())
        wanted << logs;
    // Watch exactly the folders of runs, the unfinished runs and the task logs.
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
    refreshTasks();
}

void ProjectMonitor::refreshTasks() {
    try {
        m_submission = readSlurmSubmission(m_folder.toStdString());
    } catch (const std::exception& e) {
        m_submission.reset();
        m_tasks.clear();
        m_taskTable->setRowCount(0);
        m_taskSummary->setText(tr("The Slurm submission of this folder cannot be read: %1")
                                   .arg(QString::fromStdString(e.what())));
        m_taskSummary->show();
        emit tasksUpdated();
        return;
    }
    m_taskSummary->setVisible(m_submission.has_value());
    m_taskTable->setVisible(m_submission.has_value());
    if (!m_submission) {
        m_taskPoll->stop();
        m_tasks.clear();
        return;
    }
    if (QStandardPaths::findExecutable(QStringLiteral("squeue")).isEmpty()) {
        m_taskPoll->stop();
        showTasks(std::nullopt, tr("squeue is not installed here: states from the project "
                                   "folder alone"));
        return;
    }
    if (!m_taskPoll->isActive())
        m_taskPoll->start();
    if (m_squeue->state() == QProcess::NotRunning)
        m_squeue->start(
            QStringLiteral("/bin/sh"),
            {QStringLiteral("-c"), QString::fromStdString(squeueCommand(*m_submission))});
}

void ProjectMonitor::showTasks(const std::optional<std::string>& squeue, const QString& note) {
    if (!m_submission)
        return;
    m_tasks = qm7::slurmTasks(*m_submission, squeue);
    std::map<SlurmTaskState, int> count;
    m_taskTable->setRowCount(static_cast<int>(m_tasks.size()));
    QString dependent;
    for (int row = 0; row < static_cast<int>(m_tasks.size()); ++row) {
        const SlurmTask& t = m_tasks[static_cast<std::size_t>(row)];
        const QString state = QString::fromStdString(slurmTaskStateName(t.state));
        if (t.index >= 0)
            ++count[t.state];
        else
            dependent = state;
        const QString name = t.index >= 0 ? tr("task %1").arg(t.index)
                                          : QString::fromStdString(m_submission->afterKind);
        const QStringList cells{name, QString::fromStdString(t.jobId), state,
                                QString::fromStdString(t.detail)};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (t.state == SlurmTaskState::Failed || t.state == SlurmTaskState::Cancelled)
                item->setForeground(QColor(0xb0, 0x00, 0x20));
            if (c == 3 && !t.log.empty())
                item->setToolTip(tr("log: %1").arg(QString::fromStdString(t.log)));
            m_taskTable->setItem(row, c, item);
        }
    }
    QStringList parts;
    for (const auto& [state, n] : count)
        parts << QStringLiteral("%1 %2").arg(n).arg(
            QString::fromStdString(slurmTaskStateName(state)));
    QString text = tr("Slurm: qm7 %1, array job %2 (%3 tasks: %4)")
                       .arg(QString::fromStdString(m_submission->command),
                            QString::fromStdString(m_submission->arrayId))
                       .arg(m_submission->tasks)
                       .arg(parts.join(QStringLiteral(", ")));
    if (!m_submission->afterId.empty())
        text += tr(", %1 job %2 %3")
                    .arg(QString::fromStdString(m_submission->afterKind),
                         QString::fromStdString(m_submission->afterId), dependent);
    m_taskSummary->setText(text + QStringLiteral("; ") + note);
    emit tasksUpdated();
}

QString ProjectMonitor::taskSummary() const {
    return m_taskSummary->text();
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
