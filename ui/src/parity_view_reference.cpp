// The parity tab's reference run: its (true, predicted) test pairs drawn under the shown run's
// as hollow circles in the second colour, its residuals as an outline over the run's histogram
// on the same bins, a legend above each plot, and both runs' metrics in the box.
#include "qm7ui/parity_view.h"

#include "qm7ui/plot_style.h"

#include "qm7/train/metrics.h"
#include "qm7/util/series.h"

#include <QEvent>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace qm7::ui {

namespace {

/// Lays a plot's legend out in two columns while they fit its width, on every resize and
/// before the plot's own resize handler replots (the equal axes then see the final layout).
class LegendFitter : public QObject {
  public:
    explicit LegendFitter(QCustomPlot* plot) : QObject(plot), m_plot(plot) {}
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (watched == m_plot && event->type() == QEvent::Resize && m_plot->legend->visible())
            fitLegendColumns(m_plot, 2);
        return QObject::eventFilter(watched, event);
    }

  private:
    QCustomPlot* m_plot;
};

} // namespace

void ParityView::setReferenceRun(const RunResultPtr& run, const QString& label) {
    m_reference = run;
    m_referenceLabel = label;
    rebuild();
}

bool ParityView::showsReference() const {
    // The same test rows: the pairs are compared point by point.
    return m_run && m_reference && !m_run->testTrue.empty() &&
           m_reference->testTrue == m_run->testTrue &&
           m_reference->testPred.size() == m_reference->testTrue.size();
}

QString ParityView::metricsText() const {
    const qm7::Metrics m = qm7::computeMetrics(m_run->testTrue, m_run->testPred);
    if (!showsReference())
        return tr("RMSE  %1 kcal/mol\nMAE   %2 kcal/mol\nR²    %3\nmax |error| %4 kcal/mol\n"
                  "dashed: y = x")
            .arg(fixedNumber(m.rmse, 2), fixedNumber(m.mae, 2), fixedNumber(m.r2, 4),
                 fixedNumber(m.maxError, 1));
    const qm7::Metrics r = qm7::computeMetrics(m_reference->testTrue, m_reference->testPred);
    // Two aligned columns (monospace font): the run's and the reference's.
    const auto row = [](const QString& name, const QString& a, const QString& b) {
        return name.leftJustified(12) + a.rightJustified(8) + b.rightJustified(11) + '\n';
    };
    return row(QString(), tr("yours"), tr("reference")) +
           row(tr("RMSE"), fixedNumber(m.rmse, 2), fixedNumber(r.rmse, 2)) +
           row(tr("MAE"), fixedNumber(m.mae, 2), fixedNumber(r.mae, 2)) +
           row(tr("R²"), fixedNumber(m.r2, 4), fixedNumber(r.r2, 4)) +
           row(tr("max |error|"), fixedNumber(m.maxError, 1), fixedNumber(r.maxError, 1)) +
           tr("kcal/mol; dashed: y = x");
}

void ParityView::drawReference(double extent, int bins, int maxCount) {
    if (!m_legendsPlaced) { // above the axes: never over the points
        for (QCustomPlot* plot : {m_parity, m_residuals}) {
            placeLegendOutside(plot, Qt::TopEdge);
            plot->installEventFilter(new LegendFitter(plot));
        }
        m_legendsPlaced = true;
    }
    const QColor color = paletteColor(1);
    const auto& t = m_reference->testTrue;
    const auto& p = m_reference->testPred;

    // Under the run's points: the run stays readable where both lie on the diagonal.
    QCPGraph* g = m_parity->addGraph();
    g->setObjectName(QStringLiteral("reference"));
    g->setData(QVector<double>(t.begin(), t.end()), QVector<double>(p.begin(), p.end()));
    g->setLineStyle(QCPGraph::lsNone);
    g->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(faded(color, 170), 1.0), Qt::NoBrush, 5));
    g->setName(m_referenceLabel);
    const QString under = QStringLiteral("reference");
    if (!m_parity->layer(under))
        m_parity->addLayer(under, m_parity->layer(QStringLiteral("main")), QCustomPlot::limBelow);
    g->setLayer(under);

    std::vector<double> residuals(t.size());
    for (std::size_t i = 0; i < t.size(); ++i)
        residuals[i] = double(p[i]) - double(t[i]);
    const qm7::Histogram h = qm7::histogram(residuals, bins, -extent, extent);
    // A step outline around the bins (each bin's top, joined by verticals), 0 at both ends.
    QVector<double> x, y;
    const double w = h.binWidth();
    x << h.binCenter(0) - w / 2;
    y << 0;
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
        x << h.binCenter(i) - w / 2 << h.binCenter(i) + w / 2;
        y << h.counts[i] << h.counts[i];
        maxCount = std::max(maxCount, h.counts[i]);
    }
    x << h.binCenter(h.counts.size() - 1) + w / 2;
    y << 0;
    auto* outline = new QCPCurve(m_residuals->xAxis, m_residuals->yAxis);
    outline->setObjectName(QStringLiteral("reference"));
    outline->setData(x, y);
    outline->setPen(QPen(color, 2.0));
    outline->setName(m_referenceLabel);
    m_residuals->yAxis->setRange(0, maxCount * 1.1);

    for (QCustomPlot* plot : {m_parity, m_residuals}) {
        plot->legend->setVisible(true);
        fitLegendColumns(plot, 2);
    }
}

} // namespace qm7::ui
