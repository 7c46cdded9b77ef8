#include "qm7ui/training_controller.h"

#include "qm7ui/job_runner.h"
#include "qm7ui/train_worker.h"

#include <memory>

namespace qm7::ui {
namespace {
const QString kLane = QStringLiteral("training");
} // namespace

TrainingController::TrainingController(QObject* parent) : QObject(parent) {
    registerMetaTypes();
}

TrainingController::~TrainingController() {
    JobRunner::instance().close(this);
}

void TrainingController::shutdown() {
    JobRunner::instance().cancelAndJoin(this);
}

bool TrainingController::isRunning() const {
    return JobRunner::instance().isRunning(this, kLane);
}

bool TrainingController::start(TrainJob job) {
    if (isRunning())
        return false;
    job.id = m_nextId;
    auto result = std::make_shared<JobResult>();
    result->id = job.id;
    result->kind = job.kind;
    result->cancelled = true; // until the worker says otherwise
    const bool started = JobRunner::instance().start(
        this, kLane,
        [this, job, result](JobContext& context) {
            // The worker lives on the job's thread; its signals reach the GUI thread queued.
            TrainWorker worker(&context.control());
            connect(&worker, &TrainWorker::epochs, this, &TrainingController::epochs,
                    Qt::QueuedConnection);
            connect(&worker, &TrainWorker::progressed, this, &TrainingController::progressed,
                    Qt::QueuedConnection);
            connect(&worker, &TrainWorker::runFinished, this, &TrainingController::runFinished,
                    Qt::QueuedConnection);
            connect(&worker, &TrainWorker::stage, this, &TrainingController::stage,
                    Qt::QueuedConnection);
            connect(
                &worker, &TrainWorker::finished, &worker,
                [result](const JobResult& r) { *result = r; }, Qt::DirectConnection);
            worker.run(job);
        },
        [this, result] { Q_EMIT finished(*result); });
    if (!started)
        return false;
    ++m_nextId;
    m_paused = false;
    Q_EMIT this->started(job.id);
    return true;
}

void TrainingController::setPaused(bool paused) {
    m_paused = paused;
    JobRunner::instance().setPaused(this, kLane, paused);
}

void TrainingController::stop() {
    m_paused = false;
    JobRunner::instance().cancel(this, kLane);
}

} // namespace qm7::ui
