// "Measure at these n": the Learning curve tab delegates the verification runs to core
// (curve_verify.h) on a thread of the job runner and draws the measured points when they end.
#include "qm7ui/learning_curve_view.h"

#include "qm7ui/data_panel.h"
#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/job_runner.h"
#include "qm7ui/plot_style.h"

#include "qm7/analysis/curve_verify.h"
#include "qm7/analysis/experiments.h"

#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

#include <algorithm>
#include <cmath>

namespace qm7::ui {
namespace {
const QString kMeasureLane = QStringLiteral("measure");
} // namespace

MeasureContext measureContextFrom(const DataPanel& data, const HyperparameterPanel& hyper,
                                  const QString& runsDir) {
    MeasureContext ctx;
    if (data.dataset())
        ctx.source = data.source().toStdString();
    ctx.dataset = data.dataset();
    try {
        ctx.build.representation.kind =
            qm7::parseRepresentation(hyper.representation().toStdString());
    } catch (const std::exception&) {
        // The default representation (Coulomb matrix) stays.
    }
    ctx.base = hyper.baseConfig();
    ctx.seeds = hyper.seedCount();
    const QString root =
        runsDir.isEmpty() ? QDir::tempPath() + QStringLiteral("/qm7-workbench") : runsDir;
    ctx.dir = QDir(root).filePath(QStringLiteral("measure")).toStdString();
    return ctx;
}

std::vector<int> LearningCurveView::measureSizes(QString* error) const {
    QString e;
    const auto values = parseNumberList(m_measureSizes->text(), &e);
    std::vector<int> out;
    for (double v : values) {
        if (e.isEmpty() && (v < 2 || v != std::floor(v) || v > 1e8))
            e = tr("sizes to measure must be whole numbers of at least 2");
        out.push_back(static_cast<int>(v));
    }
    if (e.isEmpty() && out.empty())
        e = tr("enter the sizes to measure, e.g. 2000, 3000, 4000");
    if (error)
        *error = e;
    return e.isEmpty() ? out : std::vector<int>{};
}

void LearningCurveView::setMeasureSizesText(const QString& text) {
    m_measureSizes->setText(text);
}

void LearningCurveView::setMeasureContextProvider(std::function<MeasureContext()> provider) {
    m_measureContext = std::move(provider);
}

QString LearningCurveView::measureStatus() const {
    return m_measureLabel->text();
}

bool LearningCurveView::startMeasure(QString* error) {
    QString why;
    const std::vector<int> sizes = measureSizes(&why);
    MeasureContext ctx;
    if (m_measureContext)
        ctx = m_measureContext();
    if (why.isEmpty() && isMeasuring())
        why = tr("a measurement is running");
    if (why.isEmpty() && ctx.source.empty())
        why = tr("no data set is loaded");
    if (why.isEmpty() && !(learningRate() > 0))
        why = tr("the learning rate must be a number > 0");
    if (why.isEmpty()) {
        // Before any training: can the source supply the molecules? (A dataset.pt holds only
        // its own training split: the message says how many rows it has and how many it needs.)
        const int largest = *std::max_element(sizes.begin(), sizes.end());
        why = QString::fromStdString(qm7::verificationProblem(ctx.source, largest, ctx.build));
    }
    if (!why.isEmpty()) {
        m_measureLabel->setText(tr("Cannot measure: %1").arg(why));
        if (error)
            *error = why;
        Q_EMIT measureFinished(m_measureLabel->text());
        return false;
    }
    ctx.base.lr = learningRate();
    m_measuredEpochs = ctx.base.epochs;
    m_measuredHidden = ctx.base.hidden;
    auto outcome = std::make_shared<CurveRowsOutcome>();
    const bool started = JobRunner::instance().start(
        this, kMeasureLane,
        [ctx, sizes, outcome](JobContext& job) {
            try {
                qm7::TrainOptions options;
                options.control = &job.control();
                outcome->rows = qm7::runVerification(ctx.source, ctx.base, sizes, ctx.seeds,
                                                     ctx.dir, options, ctx.build);
            } catch (const std::exception& e) {
                outcome->error = QString::fromStdString(e.what());
            }
            outcome->stopped = job.cancelled();
        },
        [this, outcome] { onMeasureDone(*outcome); });
    if (!started)
        return false;
    m_measureLabel->setText(tr("Measuring at n = %1 (%2 trainings, %3 seeds each)…")
                                .arg(m_measureSizes->text())
                                .arg(sizes.size() * static_cast<std::size_t>(ctx.seeds))
                                .arg(ctx.seeds));
    m_measure->setText(tr("Stop measuring"));
    return true;
}

void LearningCurveView::stopMeasure() {
    JobRunner::instance().cancel(this, kMeasureLane);
}

bool LearningCurveView::isMeasuring() const {
    return JobRunner::instance().isRunning(this, kMeasureLane);
}

void LearningCurveView::onMeasureDone(const CurveRowsOutcome& outcome) {
    const std::vector<qm7::CurveRow>& rows = outcome.rows;
    const QString& error = outcome.error;
    const bool stopped = outcome.stopped;
    m_measure->setText(tr("Measure at these n"));
    if (!error.isEmpty()) {
        m_measureLabel->setText(tr("Cannot measure: %1").arg(error));
    } else {
        setMeasured(rows);
        QStringList parts;
        parts << tr("at lr %1, %2 epochs, p = %3")
                     .arg(learningRate())
                     .arg(m_measuredEpochs)
                     .arg(m_measuredHidden);
        for (const auto& r : rows)
            parts << tr("n = %1: %2 ± %3")
                         .arg(r.n)
                         .arg(formatNumber(r.mseMean, 4), formatNumber(r.mseStd, 2));
        m_measureLabel->setText((stopped ? tr("Stopped; measured ") : tr("Measured ")) +
                                parts.join(QStringLiteral("; ")) + tr(" kcal²/mol²"));
    }
    Q_EMIT measureFinished(m_measureLabel->text());
}

void LearningCurveView::clearResults() {
    // A measurement or a KRR curve of the previous data must not land after the clear.
    JobRunner::instance().cancelAndJoin(this);
    m_krr.clear();
    m_measured.clear();
    m_seedCurves.clear();
    setPoints({});
    m_measureLabel->clear();
}

LearningCurveView::~LearningCurveView() {
    JobRunner::instance().close(this); // measured runs stay in their folder
}

} // namespace qm7::ui
