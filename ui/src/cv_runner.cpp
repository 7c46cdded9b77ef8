// The Cross-validation tab's thread: reads the molecules, runs qm7::runCvStudy and turns its
// observer calls into throttled queued signals.
#include "qm7ui/cv_runner.h"

#include "qm7ui/job_runner.h"

#include "qm7/train/threads.h"

#include <QElapsedTimer>

#include <exception>

namespace qm7::ui {

namespace {

const QString kLane = QStringLiteral("cross-validation");

/// Adapts the study's observer to the worker's signals (progress at most every 100 ms).
class SignalStudyObserver : public qm7::CvStudyObserver {
  public:
    SignalStudyObserver(CvWorker* worker, int epochs) : m_worker(worker), m_epochs(epochs) {
        m_clock.start();
    }
    void onPartition(const qm7::CvPartition& p, int) override {
        QString origin = QString::fromStdString(p.origin);
        if (p.origin == "seeded")
            origin += QStringLiteral(" %1").arg(p.seed);
        Q_EMIT m_worker->partitionReady(p.molecules, origin);
    }
    void onFoldStart(int fold, const qm7::FoldSplit& s) override {
        m_fold = fold;
        m_last = -1e9;
        Q_EMIT m_worker->foldStarted(fold, static_cast<int>(s.train.size()),
                                     static_cast<int>(s.val.size()),
                                     static_cast<int>(s.test.size()));
    }
    void onKrrProgress(int done, int total) override {
        progress(done, total,
                 QObject::tr("grid point %1 of %2 (sigma, lambda)").arg(done).arg(total),
                 done == total);
    }
    void onEpoch(const qm7::EpochStats& s) override {
        progress(s.epoch, m_epochs, QObject::tr("epoch %1 of %2").arg(s.epoch).arg(m_epochs),
                 s.epoch == m_epochs);
    }
    void onDeepEval(const qm7::DeepStats& s) override { m_valMae = s.valMae; }
    void onDeepProgress(long long step, long long total, double) override {
        QString text = QObject::tr("step %L1 of %L2").arg(step).arg(total);
        if (m_valMae > 0)
            text += QObject::tr(", validation MAE %1 kcal/mol").arg(m_valMae, 0, 'f', 2);
        progress(static_cast<double>(step), static_cast<double>(total), text, step == total);
    }
    void onFoldDone(const qm7::FoldResult& r, bool fromDisk) override {
        Q_EMIT m_worker->foldDone(r, fromDisk);
    }

  private:
    void progress(double done, double total, const QString& text, bool last) {
        const qint64 now = m_clock.elapsed();
        if (!last && now - m_last < CvWorker::kSignalIntervalMs)
            return;
        m_last = now;
        Q_EMIT m_worker->foldProgress(m_fold, done, total, text);
    }

    CvWorker* m_worker;
    int m_epochs;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    int m_fold = 0;
    double m_valMae = 0;
};

} // namespace

CvWorker::CvWorker(qm7::TrainControl* control, QObject* parent)
    : QObject(parent), m_control(control) {}

void CvWorker::run(const CvJob& job) {
    CvOutcome outcome;
    try {
        qm7::setUpNumerics();
        const qm7::MoleculeSource source = qm7::readMolecules(job.source.toStdString());
        SignalStudyObserver observer(this, job.study.settings.mlp.epochs);
        const qm7::CvStudyResult study = qm7::runCvStudy(source, job.study, &observer, m_control);
        outcome.folds = static_cast<int>(study.folds.size());
        outcome.mae = study.mae;
        outcome.rmse = study.rmse;
        outcome.seconds = study.seconds;
        outcome.cancelled = study.cancelled;
    } catch (const std::exception& e) {
        outcome.error = QString::fromStdString(e.what());
    }
    Q_EMIT finished(outcome);
}

CvRunner::CvRunner(QObject* parent) : QObject(parent) {
    qRegisterMetaType<qm7::FoldResult>();
    qRegisterMetaType<CvJob>();
    qRegisterMetaType<CvOutcome>();
}

CvRunner::~CvRunner() {
    // The paper network writes its checkpoint when cancelled; the join waits for it.
    JobRunner::instance().close(this);
}

bool CvRunner::isRunning() const {
    return JobRunner::instance().isRunning(this, kLane);
}

bool CvRunner::start(const CvJob& job) {
    auto outcome = std::make_shared<CvOutcome>();
    outcome->cancelled = true; // until the worker says otherwise
    return JobRunner::instance().start(
        this, kLane,
        [this, job, outcome](JobContext& context) {
            CvWorker worker(&context.control());
            connect(&worker, &CvWorker::partitionReady, this, &CvRunner::partitionReady,
                    Qt::QueuedConnection);
            connect(&worker, &CvWorker::foldStarted, this, &CvRunner::foldStarted,
                    Qt::QueuedConnection);
            connect(&worker, &CvWorker::foldProgress, this, &CvRunner::foldProgress,
                    Qt::QueuedConnection);
            connect(&worker, &CvWorker::foldDone, this, &CvRunner::foldDone, Qt::QueuedConnection);
            connect(
                &worker, &CvWorker::finished, &worker,
                [outcome](const CvOutcome& o) { *outcome = o; }, Qt::DirectConnection);
            worker.run(job);
        },
        [this, outcome] { Q_EMIT finished(*outcome); });
}

void CvRunner::cancel() {
    JobRunner::instance().cancel(this, kLane);
}

} // namespace qm7::ui
