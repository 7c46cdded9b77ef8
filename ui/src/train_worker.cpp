#include "qm7ui/train_worker.h"

#include "qm7/analysis/deep_recipe.h"
#include "qm7/analysis/homework.h"
#include "qm7/analysis/train_request.h"
#include "qm7/train/run_store.h"
#include "qm7/train/threads.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>

#include <chrono>
#include <exception>
#include <memory>
#include <mutex>

namespace qm7::ui {
namespace {

/// Turns the trainer's observer calls into coalesced signals of the worker.
class SignalObserver : public qm7::TrainObserver {
  public:
    SignalObserver(TrainWorker* worker, const TrainJob& job) : m_worker(worker), m_job(job) {}

    void onEpoch(const qm7::EpochStats& stats) override {
        m_pending.push_back(stats);
        if (due(m_lastEpochs))
            flush();
    }

    void onProgress(const qm7::Progress& progress) override {
        m_progress = progress;
        m_hasProgress = true;
        if (due(m_lastProgress))
            flushProgress();
    }

    void onRunFinished(int run, const qm7::RunResult& result) override {
        flush();
        SavedRun saved;
        // A stopped run is kept too (summary.json says "cancelled"), as Ctrl-C keeps it in the
        // command line tool: its history, predictions and best weights so far.
        if (!result.history.empty() && !m_job.runsDir.isEmpty() &&
            m_job.kind != JobKind::Homework) {
            // Saved here, on the training thread: the GUI thread never waits for the disk.
            saved.id =
                QStringLiteral("%1-%2-%3")
                    .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")),
                         jobKindName(m_job.kind))
                    .arg(run);
            while (QFileInfo::exists(QDir(m_job.runsDir).filePath(saved.id)))
                saved.id += QStringLiteral("b");
            const QString dir = QDir(m_job.runsDir).filePath(saved.id);
            try {
                if (m_deep) // a deep run's folder: model.pt of its layers (qm7::saveDeepRun)
                    qm7::saveDeepRun({*m_deep, {}}, dir.toStdString(),
                                     m_job.dataSource.toStdString());
                else
                    qm7::saveRun(result, dir.toStdString(), m_job.dataSource.toStdString());
                saved.dir = dir;
            } catch (const std::exception& e) {
                saved.error = QString::fromStdString(e.what());
            }
        }
        m_deep = nullptr;
        Q_EMIT m_worker->runFinished(run, std::make_shared<const qm7::RunResult>(result), saved);
    }

    /// The deep result of the run onRunFinished is called for next (set just before).
    void setDeepResult(const qm7::DeepResult* deep) { m_deep = deep; }

    /// Sends whatever is pending.
    void flush() {
        if (!m_pending.empty()) {
            Q_EMIT m_worker->epochs(m_pending);
            m_pending.clear();
        }
        m_lastEpochs = Clock::now();
        flushProgress();
    }

  private:
    using Clock = std::chrono::steady_clock;

    static bool due(Clock::time_point& last) {
        const auto now = Clock::now();
        if (now - last < std::chrono::milliseconds(TrainWorker::kSignalIntervalMs))
            return false;
        last = now;
        return true;
    }

    void flushProgress() {
        if (m_hasProgress)
            Q_EMIT m_worker->progressed(m_progress);
        m_hasProgress = false;
        m_lastProgress = Clock::now();
    }

    TrainWorker* m_worker;
    const TrainJob& m_job;
    const qm7::DeepResult* m_deep = nullptr;
    EpochBatch m_pending;
    qm7::Progress m_progress;
    bool m_hasProgress = false;
    Clock::time_point m_lastEpochs{};
    Clock::time_point m_lastProgress{};
};

} // namespace

TrainWorker::TrainWorker(qm7::TrainControl* control, QObject* parent)
    : QObject(parent), m_control(control) {}

void TrainWorker::run(const TrainJob& job) {
    JobResult out;
    out.id = job.id;
    out.kind = job.kind;
    SignalObserver observer(this, job);
    try {
        if (!job.data)
            throw std::invalid_argument("no data set is loaded");
        qm7::setUpNumerics();
        qm7::TrainOptions options;
        options.threads = job.threads;
        options.observer = &observer;
        options.control = m_control;
        options.augmentation = job.augmentation.get();
        if (job.kind == JobKind::Homework) {
            // Runs are saved (and reused on the next call) by core, under the homework folder.
            options.schedule = qm7::TrainOptions::Schedule::Queue;
            auto result = std::make_shared<qm7::HomeworkResult>(qm7::runHomework(
                *job.data, job.homework, job.homeworkDir.toStdString(),
                job.dataSource.toStdString(), options,
                [this](const std::string& s) { Q_EMIT stage(QString::fromStdString(s)); }));
            observer.flush();
            out.cancelled = result->cancelled;
            if (!result->cancelled)
                out.homework = std::move(result);
        }
        std::vector<qm7::RunResult> results;
        if (job.kind != JobKind::Homework) {
            // Core's one entry point: the homework's network or the deep trainer, with the
            // thread count on either path; runs are saved here (SignalObserver), not by core.
            qm7::TrainRequest request;
            request.data = job.data;
            request.configs = job.configs;
            request.network = job.network;
            request.augmentation = job.augmentation;
            request.threads = job.threads;
            request.dataSource = job.dataSource.toStdString();
            // qm7::train validates the request (TrainRequest::validate) and throws its message.
            results = qm7::train(request, options, [&observer](int, const qm7::DeepResult& deep) {
                observer.setDeepResult(&deep);
            });
        }
        observer.flush();
        for (auto& r : results) {
            out.cancelled = out.cancelled || r.cancelled;
            out.runs.push_back(std::make_shared<const qm7::RunResult>(std::move(r)));
        }
    } catch (const std::exception& e) {
        observer.flush();
        out.error = QString::fromStdString(e.what());
    }
    out.cancelled = out.cancelled || m_control->cancel.load();
    Q_EMIT finished(out);
}

} // namespace qm7::ui
