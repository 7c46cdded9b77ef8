#include "qm7ui/training_controller.h"

#include "qm7ui/train_worker.h"

namespace qm7::ui {

TrainingController::TrainingController(QObject* parent) : QObject(parent) {
    registerMetaTypes();
    m_worker = new TrainWorker(&m_control);
    m_worker->moveToThread(&m_thread);
    m_thread.setObjectName(QStringLiteral("qm7-training"));
    connect(m_worker, &TrainWorker::epochs, this, &TrainingController::epochs,
            Qt::QueuedConnection);
    connect(m_worker, &TrainWorker::progressed, this, &TrainingController::progressed,
            Qt::QueuedConnection);
    connect(m_worker, &TrainWorker::runFinished, this, &TrainingController::runFinished,
            Qt::QueuedConnection);
    connect(m_worker, &TrainWorker::stage, this, &TrainingController::stage, Qt::QueuedConnection);
    connect(m_worker, &TrainWorker::finished, this, &TrainingController::onWorkerFinished,
            Qt::QueuedConnection);
    m_thread.start();
}

TrainingController::~TrainingController() {
    shutdown();
}

void TrainingController::shutdown() {
    m_control.cancel = true;
    m_control.pause = false;
    if (m_thread.isRunning()) {
        m_thread.quit();
        m_thread.wait();
    }
    delete m_worker; // its thread has ended: safe to delete from here
    m_worker = nullptr;
    m_running = false;
}

bool TrainingController::start(TrainJob job) {
    if (m_running || !m_worker)
        return false;
    job.id = m_nextId++;
    m_control.cancel = false;
    m_control.pause = false;
    m_running = true;
    TrainWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker, job] { worker->run(job); }, Qt::QueuedConnection);
    Q_EMIT started(job.id);
    return true;
}

void TrainingController::setPaused(bool paused) {
    m_control.pause = paused;
}

void TrainingController::stop() {
    m_control.pause = false;
    m_control.cancel = true;
}

void TrainingController::onWorkerFinished(const JobResult& result) {
    m_running = false;
    Q_EMIT finished(result);
}

} // namespace qm7::ui
