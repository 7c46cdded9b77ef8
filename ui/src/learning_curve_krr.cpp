// "KRR beside": the Learning curve tab delegates the kernel-ridge-regression baseline to core
// (krr_curve.h) on a thread of the job runner; learning_curve_draw.cpp draws the rows it brings.
#include "qm7ui/learning_curve_view.h"

#include "qm7ui/job_runner.h"
#include "qm7ui/plot_style.h"

#include "qm7/analysis/krr_curve.h"

#include <QLabel>
#include <QPushButton>

#include <algorithm>

namespace qm7::ui {
namespace {
const QString kKrrLane = QStringLiteral("krr");
} // namespace

bool LearningCurveView::startKrr(QString* error) {
    QString why;
    const std::vector<int> n = sizes(&why);
    MeasureContext ctx;
    if (m_measureContext)
        ctx = m_measureContext();
    qm7::KrrCurveConfig config;
    config.sizes = n;
    config.seeds = std::max(1, ctx.seeds);
    if (why.isEmpty() && isKrrRunning())
        why = tr("kernel ridge regression is running");
    if (why.isEmpty() && !ctx.dataset)
        why = tr("no data set is loaded: open a dataset.pt or load molecules first");
    if (why.isEmpty())
        why = QString::fromStdString(qm7::validateKrrCurve(config, *ctx.dataset));
    if (!why.isEmpty()) {
        m_measureLabel->setText(tr("Cannot run kernel ridge regression: %1").arg(why));
        if (error)
            *error = why;
        Q_EMIT measureFinished(m_measureLabel->text());
        return false;
    }
    m_measureLabel->setText(
        tr("Kernel ridge regression at n = %1 (%2 seeds)…").arg(sizesText()).arg(config.seeds));
    const DatasetPtr data = ctx.dataset;
    auto outcome = std::make_shared<CurveRowsOutcome>();
    const bool started = JobRunner::instance().start(
        this, kKrrLane,
        [this, data, config, outcome](JobContext& job) {
            try {
                outcome->rows = qm7::krrLearningCurve(
                    *data, config,
                    [this, &job](int done, int total) {
                        job.post([this, done, total] {
                            m_measureLabel->setText(
                                tr("Kernel ridge regression: %1 of %2 fits done…")
                                    .arg(done)
                                    .arg(total));
                        });
                    },
                    &job.control().cancel);
            } catch (const std::exception& e) {
                outcome->error = QString::fromStdString(e.what());
            }
            outcome->stopped = job.cancelled();
        },
        [this, outcome] { onKrrDone(*outcome); });
    if (started)
        m_krrButton->setText(tr("Stop KRR"));
    return started;
}

void LearningCurveView::stopKrr() {
    JobRunner::instance().cancel(this, kKrrLane);
}

bool LearningCurveView::isKrrRunning() const {
    return JobRunner::instance().isRunning(this, kKrrLane);
}

void LearningCurveView::onKrrDone(const CurveRowsOutcome& outcome) {
    const std::vector<qm7::CurveRow>& rows = outcome.rows;
    const QString& error = outcome.error;
    const bool stopped = outcome.stopped;
    m_krrButton->setText(tr("KRR beside"));
    if (!error.isEmpty()) {
        m_measureLabel->setText(tr("Kernel ridge regression failed: %1").arg(error));
    } else {
        m_krr = rows;
        QStringList parts;
        for (const auto& r : rows)
            parts << tr("n = %1: MSE %2, MAE %3 kcal/mol")
                         .arg(r.n)
                         .arg(formatNumber(r.mseMean, 4), formatNumber(r.maeMean, 3));
        m_measureLabel->setText(
            (stopped ? tr("Stopped; kernel ridge regression ") : tr("Kernel ridge regression ")) +
            parts.join(QStringLiteral("; ")));
        rebuildPlot();
    }
    Q_EMIT measureFinished(m_measureLabel->text());
}

} // namespace qm7::ui
