#include "qm7ui/job_runner.h"

#include <QCoreApplication>
#include <QEvent>
#include <QThread>
#include <QtGlobal>

#include <exception>
#include <set>
#include <vector>

namespace qm7::ui {

void JobContext::post(std::function<void()> fn) const {
    if (m_closing.load())
        return;
    // The owner is alive while its job runs: its destructor closes (joins) the job first.
    QObject* owner = m_owner.data();
    if (owner)
        QMetaObject::invokeMethod(owner, std::move(fn), Qt::QueuedConnection);
}

JobRunner& JobRunner::instance() {
    static QPointer<JobRunner> runner;
    if (!runner) {
        QCoreApplication* app = QCoreApplication::instance();
        Q_ASSERT(app);
        runner = new JobRunner(app);
        connect(app, &QCoreApplication::aboutToQuit, runner.data(), &JobRunner::shutdown);
    }
    return *runner;
}

JobRunner::JobRunner(QObject* parent) : QObject(parent) {
    setObjectName(QStringLiteral("qm7-job-runner"));
}

JobRunner::~JobRunner() {
    shutdown();
}

bool JobRunner::start(QObject* owner, const QString& lane, Work work, Done done) {
    if (!owner || m_closed.count(owner) > 0 || isRunning(owner, lane))
        return false;
    auto context = std::make_shared<JobContext>();
    context->m_owner = owner;
    const int id = m_nextId++;
    QThread* thread = QThread::create([this, id, context, work = std::move(work)] {
        try {
            work(*context);
        } catch (const std::exception& e) {
            qWarning("qm7: a background job failed: %s", e.what());
        } catch (...) {
            qWarning("qm7: a background job failed");
        }
        // Queued after everything the job posted: done runs last.
        QMetaObject::invokeMethod(
            this, [this, id] { finish(id); }, Qt::QueuedConnection);
    });
    thread->setObjectName(QStringLiteral("qm7-") + lane);
    m_jobs[id] = Job{owner, lane, context, thread, std::move(done)};
    watch(owner);
    thread->start();
    Q_EMIT jobsChanged();
    return true;
}

void JobRunner::cancel(const QObject* owner, const QString& lane) {
    for (auto& [id, job] : m_jobs) {
        if (job.owner == owner && (lane.isEmpty() || job.lane == lane))
            requestStop(job);
    }
}

void JobRunner::setPaused(const QObject* owner, const QString& lane, bool paused) {
    for (auto& [id, job] : m_jobs) {
        if (job.owner == owner && job.lane == lane)
            job.context->m_control.pause = paused;
    }
}

bool JobRunner::isRunning(const QObject* owner, const QString& lane) const {
    for (const auto& [id, job] : m_jobs) {
        if (job.owner == owner && (lane.isEmpty() || job.lane == lane))
            return true;
    }
    return false;
}

void JobRunner::requestStop(Job& job) {
    job.context->m_control.pause = false; // a paused job must wake up to see the cancel
    job.context->m_control.cancel = true;
}

JobRunner::Done JobRunner::join(int id, bool closing) {
    auto it = m_jobs.find(id);
    if (it == m_jobs.end())
        return {};
    Job job = std::move(it->second);
    m_jobs.erase(it);
    if (closing)
        job.context->m_closing = true;
    job.thread->wait();
    delete job.thread;
    if (closing || !job.context->m_owner)
        return {};
    return std::move(job.done);
}

void JobRunner::finish(int id) {
    // The job's function has returned (its thread is ending); unknown ids were joined already.
    if (m_jobs.count(id) == 0)
        return;
    const Done done = join(id, false);
    Q_EMIT jobsChanged();
    if (done)
        done();
}

std::vector<int> JobRunner::cancelJobsOf(const QObject* owner) {
    std::vector<int> ids;
    for (const auto& [id, job] : m_jobs) {
        if (job.owner == owner)
            ids.push_back(id);
    }
    cancel(owner);
    return ids;
}

void JobRunner::cancelAndJoin(QObject* owner) {
    const std::vector<int> ids = cancelJobsOf(owner);
    if (ids.empty())
        return;
    std::vector<Done> dones;
    for (int id : ids)
        dones.push_back(join(id, false));
    // What the jobs posted comes before their done, as when they end by themselves.
    QCoreApplication::sendPostedEvents(owner, QEvent::MetaCall);
    Q_EMIT jobsChanged();
    for (const Done& done : dones) {
        if (done)
            done();
    }
}

void JobRunner::cancelAndJoinUnder(QObject* ancestor) {
    std::set<QObject*> owners; // an owner with jobs in several lanes is joined once
    for (const auto& [id, job] : m_jobs) {
        for (const QObject* o = job.owner; o; o = o->parent()) {
            if (o == ancestor) {
                owners.insert(const_cast<QObject*>(job.owner));
                break;
            }
        }
    }
    for (QObject* owner : owners)
        cancelAndJoin(owner);
}

void JobRunner::close(QObject* owner) {
    m_closed.insert(owner);
    watch(owner);
    closeJobs(owner);
}

void JobRunner::watch(QObject* owner) {
    // A safety net for an owner that forgets close(), and the end of its refusals.
    connect(owner, &QObject::destroyed, this, &JobRunner::onOwnerDestroyed, Qt::UniqueConnection);
}

void JobRunner::onOwnerDestroyed(QObject* owner) {
    closeJobs(owner);
    m_closed.erase(owner);
}

void JobRunner::closeJobs(const QObject* owner) {
    const std::vector<int> ids = cancelJobsOf(owner);
    if (ids.empty())
        return;
    for (int id : ids)
        join(id, true);
    Q_EMIT jobsChanged();
}

void JobRunner::shutdown() {
    std::vector<int> ids;
    for (auto& [id, job] : m_jobs) {
        requestStop(job);
        ids.push_back(id);
    }
    for (int id : ids)
        join(id, true);
    if (!ids.empty())
        Q_EMIT jobsChanged();
}

} // namespace qm7::ui
