// The Learning curve tab's notebook curve: the student's points and their chosen law, ranked by
// core's rankNotebookCurve at the tab's own target n and fit options, drawn in crimson beside the
// workbench's curve, and the line under the answer that names the file, columns and answer.
#include "qm7ui/learning_curve_view.h"

#include "qm7ui/plot_style.h"

#include <QFileInfo>
#include <QLabel>
#include <qcustomplot.h>

#include <cmath>

namespace qm7::ui {

namespace {

// Crimson: no law, the measured points nor the KRR curve use it (plot_style.cpp).
const QColor kNotebook(170, 0, 60);

QString metricName(qm7::CurveMetric metric) {
    return metric == qm7::CurveMetric::Mae ? QObject::tr("test MAE (kcal/mol, not MSE)")
                                           : QObject::tr("test MSE");
}

} // namespace

void LearningCurveView::setNotebook(std::shared_ptr<const qm7::NotebookCurve> curve) {
    m_notebook = std::move(curve);
    rankNotebook();
    rebuildPlot();
    rebuildTable(); // the answer line says which curve it is about
}

void LearningCurveView::rankNotebook() {
    m_notebookRanking = m_notebook ? qm7::rankNotebookCurve(*m_notebook, targetN(), fitOptions())
                                   : qm7::LawRanking{};
    if (m_notebookLabel) {
        m_notebookLabel->setText(notebookText());
        m_notebookLabel->setVisible(m_notebook != nullptr);
    }
}

QString LearningCurveView::notebookText() const {
    if (!m_notebook)
        return {};
    const QString file = QFileInfo(QString::fromStdString(m_notebook->file)).fileName();
    QStringList ranked;
    for (std::size_t i = 0; i < m_notebookRanking.laws.size() && ranked.size() < 3; ++i) {
        const qm7::LawScore& law = m_notebookRanking.laws[i];
        if (law.usable)
            ranked << tr("%1. %2 (forward error %3)")
                          .arg(ranked.size() + 1)
                          .arg(QString::fromStdString(qm7::lawLabel(law)),
                               QString::fromStdString(qm7::lnErrorText(law.forwardError)));
    }
    QString text = tr("<b>Your notebook's curve (%1, crimson diamonds):</b> %2. Ranked by the same "
                      "forward validation as the workbench's: %3.")
                       .arg(file.toHtmlEscaped(),
                            QString::fromStdString(m_notebook->columnsUsed).toHtmlEscaped(),
                            ranked.isEmpty() ? tr("no law predicts its held-out sizes")
                                             : ranked.join(QStringLiteral(", ")));
    if (const qm7::LawScore* a = m_notebookRanking.answer()) {
        const qm7::Extrapolation& e = a->band;
        const bool mae = m_notebook->metric == qm7::CurveMetric::Mae;
        text += tr(" Answer: %1, at n = %2: <b>%3 %4</b> [%5, %6].")
                    .arg(QString::fromStdString(qm7::lawLabel(*a)))
                    .arg(targetN())
                    .arg(formatNumber(e.value, 4), mae ? tr("kcal/mol (MAE)") : tr("kcal²/mol²"),
                         formatNumber(e.lower, 3), formatNumber(e.upper, 3));
    }
    return text;
}

void LearningCurveView::drawNotebook(double nLo, double nHi, double& yLo, double& yHi) {
    if (!m_notebook)
        return;
    QVector<double> xs, ys, es;
    for (const auto& p : m_notebook->points) {
        xs << p.n;
        ys << p.mean;
        es << p.std;
        yLo = std::min(yLo, std::max(p.mean - p.std, p.mean / 3));
        yHi = std::max(yHi, p.mean + p.std);
    }
    if (const qm7::LawScore* a = m_notebookRanking.answer()) {
        QVector<double> gx, gy;
        for (int i = 0; i <= 120; ++i) {
            const double n = std::exp(std::log(nLo / 1.3) +
                                      (std::log(nHi * 1.3) - std::log(nLo / 1.3)) * i / 120);
            const double v = qm7::evaluateCurve(a->model, a->fit.params, n);
            if (std::isfinite(v) && v > 0) {
                gx << n;
                gy << v;
            }
        }
        QCPGraph* law = m_plot->addGraph();
        law->setObjectName(QStringLiteral("notebookLaw"));
        law->setData(gx, gy, true);
        law->setPen(QPen(kNotebook, 2.2, Qt::DashLine));
        law->setName(tr("your notebook: %1 (chosen; forward error %2)")
                         .arg(QString::fromStdString(qm7::lawLabel(*a)),
                              QString::fromStdString(qm7::lnErrorText(a->forwardError))));
        // Its prediction at the target with the held-out band, just left of the target line.
        const qm7::Extrapolation& e = a->band;
        if (e.ok && std::isfinite(e.value) && e.value > 0) {
            QCPGraph* point = m_plot->addGraph();
            point->setData(QVector<double>{targetN() * std::exp(-0.07)}, QVector<double>{e.value});
            point->setLineStyle(QCPGraph::lsNone);
            point->setScatterStyle(
                QCPScatterStyle(QCPScatterStyle::ssDiamond, kNotebook, kNotebook, 9));
            point->removeFromLegend();
            auto* bars = new QCPErrorBars(m_plot->xAxis, m_plot->yAxis);
            bars->setDataPlottable(point);
            bars->setData(QVector<double>{e.value - e.lower}, QVector<double>{e.upper - e.value});
            bars->setPen(QPen(kNotebook, 1.5));
            bars->removeFromLegend();
            yLo = std::min(yLo, e.lower);
            yHi = std::max(yHi, e.upper);
        }
    }
    QCPGraph* pts = m_plot->addGraph();
    pts->setObjectName(QStringLiteral("notebookPoints"));
    pts->setData(xs, ys, true);
    pts->setLineStyle(QCPGraph::lsNone);
    pts->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssDiamond, QPen(kNotebook, 2), QColor(250, 205, 215), 11));
    pts->setName(
        tr("your notebook: %1, mean ± std over seeds").arg(metricName(m_notebook->metric)));
    auto* bars = new QCPErrorBars(m_plot->xAxis, m_plot->yAxis);
    bars->setDataPlottable(pts);
    bars->setData(es);
    bars->setPen(QPen(kNotebook, 1.5));
    bars->removeFromLegend();
}

} // namespace qm7::ui
