#include "qm7ui/histogram_view.h"

#include "qm7ui/plot_style.h"

#include "qm7/util/series.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QSpinBox>
#include <QValueAxis>
#include <QVBoxLayout>

namespace qm7::ui {
namespace {
const char* const kSplitNames[] = {"train", "validation", "test"};
}

HistogramView::HistogramView(QWidget* parent) : PlotPage(parent) {
    m_view = new QChartView(new QChart, this);
    m_view->setObjectName(QStringLiteral("histogramChart"));
    m_view->setRenderHint(QPainter::Antialiasing);
    m_bins = new QSpinBox(this);
    m_bins->setObjectName(QStringLiteral("bins"));
    m_bins->setRange(5, 200);
    m_bins->setValue(40);
    m_units = new QComboBox(this);
    m_units->setObjectName(QStringLiteral("histogramUnits"));
    m_units->addItem(tr("kcal/mol"));
    m_units->addItem(tr("normalized (train mean and std)"));
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Bins:"), this));
    controls->addWidget(m_bins);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("Labels:"), this));
    controls->addWidget(m_units);
    controls->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(m_view, 1);
    connect(m_bins, qOverload<int>(&QSpinBox::valueChanged), this, &HistogramView::rebuild);
    connect(m_units, qOverload<int>(&QComboBox::currentIndexChanged), this,
            &HistogramView::rebuild);
    rebuild();
}

QList<QPair<QString, QWidget*>> HistogramView::plots() const {
    return {{QStringLiteral("energy_histogram"), m_view}};
}

void HistogramView::setDataset(const DatasetPtr& data) {
    m_data = data;
    rebuild();
}

void HistogramView::setBins(int bins) {
    m_bins->setValue(bins);
}
int HistogramView::bins() const {
    return m_bins->value();
}
void HistogramView::setNormalized(bool normalized) {
    m_units->setCurrentIndex(normalized ? 1 : 0);
}
bool HistogramView::normalized() const {
    return m_units->currentIndex() == 1;
}

std::vector<float> HistogramView::labels(int split) const {
    if (!m_data)
        return {};
    const qm7::Split* s[] = {&m_data->train, &m_data->val, &m_data->test};
    const std::vector<float>& y = s[split]->y;
    if (!normalized())
        return y;
    return qm7::LabelScaler::fit(m_data->train.y).normalize(y);
}

void HistogramView::rebuild() {
    QChart* chart = m_view->chart();
    chart->removeAllSeries();
    chart->setTitle(m_data ? tr("Atomization energies by split") : tr("No data loaded"));
    // The two axes are made once and reused: a removed axis stays drawn in Qt Charts, so
    // switching units used to leave the old energy axis under the new one.
    auto* ax = qobject_cast<QValueAxis*>(chart->axes(Qt::Horizontal).value(0));
    auto* ay = qobject_cast<QValueAxis*>(chart->axes(Qt::Vertical).value(0));
    if (!ax) {
        ax = new QValueAxis;
        chart->addAxis(ax, Qt::AlignBottom);
    }
    if (!ay) {
        ay = new QValueAxis;
        chart->addAxis(ay, Qt::AlignLeft);
    }
    ax->setTitleText(normalized() ? tr("energy (normalized, dimensionless)")
                                  : tr("atomization energy (kcal/mol)"));
    ay->setTitleText(tr("molecules per bin"));
    ax->setLabelFormat(normalized() ? QStringLiteral("%.1f") : QStringLiteral("%.0f"));
    ay->setLabelFormat(QStringLiteral("%d"));
    if (!m_data)
        return;
    const std::vector<float> ys[] = {labels(0), labels(1), labels(2)};
    const auto [lo, hi] = qm7::range<float>({&ys[0], &ys[1], &ys[2]});
    int maxCount = 1;
    for (int k = 0; k < 3; ++k) {
        if (ys[k].empty())
            continue;
        const qm7::Histogram h = qm7::histogram(ys[k], bins(), lo, hi);
        const qm7::LabelStats st = qm7::labelStats(ys[k]);
        auto* upper = new QLineSeries;
        for (std::size_t i = 0; i < h.counts.size(); ++i) {
            const double left = h.lo + i * h.binWidth();
            upper->append(left, h.counts[i]);
            upper->append(left + h.binWidth(), h.counts[i]);
            maxCount = std::max(maxCount, h.counts[i]);
        }
        auto* lower = new QLineSeries;
        lower->append(h.lo, 0);
        lower->append(h.hi, 0);
        auto* area = new QAreaSeries(upper, lower);
        const QColor color = paletteColor(k);
        area->setName(tr("%1: n = %2\nmean %3, std %4")
                          .arg(tr(kSplitNames[k]))
                          .arg(st.n)
                          .arg(fixedNumber(st.mean, normalized() ? 2 : 1))
                          .arg(fixedNumber(st.std, normalized() ? 2 : 1)));
        // Only the training split is filled; validation and test are outlines, so every split
        // stays visible where they overlap.
        area->setBrush(k == 0 ? QBrush(faded(color, 70)) : QBrush(Qt::NoBrush));
        area->setPen(QPen(color, k == 0 ? 1.5 : 2.2, k == 2 ? Qt::DashLine : Qt::SolidLine));
        chart->addSeries(area);
        area->attachAxis(ax);
        area->attachAxis(ay);
        // An outline's swatch carries its colour (an unfilled swatch would be blank).
        for (QLegendMarker* marker : chart->legend()->markers(area))
            marker->setBrush(k == 0 ? faded(color, 70) : color);
    }
    ax->setRange(lo, hi);
    ay->setRange(0, maxCount * 1.12);
    ax->applyNiceNumbers();
    ay->applyNiceNumbers();
    // Train mean (solid) and mean +- std (dashed): the label normalization.
    const qm7::LabelStats train = qm7::labelStats(ys[0]);
    const double marks[] = {train.mean, train.mean - train.std, train.mean + train.std};
    for (int m = 0; m < 3; ++m) {
        auto* line = new QLineSeries;
        line->append(marks[m], 0);
        line->append(marks[m], maxCount * 1.12);
        line->setPen(
            QPen(QColor(40, 40, 40), m == 0 ? 2 : 1.2, m == 0 ? Qt::SolidLine : Qt::DashLine));
        line->setName(m == 0 ? tr("train mean") : tr("train mean ± std"));
        chart->addSeries(line);
        line->attachAxis(ax);
        line->attachAxis(ay);
        // Lines are shown as lines in the legend, not as squares.
        chart->legend()->markers(line).front()->setShape(QLegend::MarkerShapeFromSeries);
        if (m == 2)
            chart->legend()->markers(line).front()->setVisible(false);
    }
    chart->legend()->setAlignment(Qt::AlignRight);
    // New axes and series: repaint the whole scene, not only the changed legend.
    m_view->scene()->invalidate();
    m_view->viewport()->update();
}

QString HistogramView::csv() const {
    if (!m_data)
        return {};
    const std::vector<float> ys[] = {labels(0), labels(1), labels(2)};
    const auto [lo, hi] = qm7::range<float>({&ys[0], &ys[1], &ys[2]});
    QString out = QStringLiteral("bin_lo,bin_hi,train,validation,test\n");
    qm7::Histogram h[3];
    for (int k = 0; k < 3; ++k)
        h[k] = qm7::histogram(ys[k], bins(), lo, hi);
    for (std::size_t i = 0; i < h[0].counts.size(); ++i) {
        const double left = h[0].lo + i * h[0].binWidth();
        out += QStringLiteral("%1,%2,%3,%4,%5\n")
                   .arg(left, 0, 'g', 10)
                   .arg(left + h[0].binWidth(), 0, 'g', 10)
                   .arg(h[0].counts[i])
                   .arg(h[1].counts[i])
                   .arg(h[2].counts[i]);
    }
    return out;
}

} // namespace qm7::ui
