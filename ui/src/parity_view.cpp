#include "qm7ui/parity_view.h"

#include "qm7ui/plot_style.h"

#include "qm7/train/metrics.h"
#include "qm7/util/series.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QSignalBlocker>
#include <QLabel>
#include <QToolTip>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <cmath>

namespace qm7::ui {

ParityView::ParityView(QWidget* parent) : PlotPage(parent) {
    m_parity = new QCustomPlot(this);
    m_parity->setObjectName(QStringLiteral("parityPlot"));
    m_residuals = new QCustomPlot(this);
    m_residuals->setObjectName(QStringLiteral("residualPlot"));
    stylePlot(m_parity);
    stylePlot(m_residuals);
    m_parity->setInteractions(QCP::Interactions());
    m_parity->setMouseTracking(true);
    m_parity->xAxis->setLabel(tr("true energy (kcal/mol)"));
    m_parity->yAxis->setLabel(tr("predicted energy (kcal/mol)"));
    m_residuals->xAxis->setLabel(tr("predicted − true (kcal/mol)"));
    m_residuals->yAxis->setLabel(tr("test molecules"));
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("parityTitle"));
    m_title->setWordWrap(true);
    m_picker = new QComboBox(this);
    m_picker->setObjectName(QStringLiteral("parityRun"));
    m_picker->setToolTip(tr("Another run of the last job"));
    m_picker->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_picker->hide();
    auto* header = new QHBoxLayout;
    header->addWidget(m_title, 1);
    header->addWidget(m_picker);
    auto* plots = new QHBoxLayout;
    plots->addWidget(m_parity, 3);
    plots->addWidget(m_residuals, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addLayout(plots, 1);
    connect(m_parity, &QCustomPlot::mouseMove, this, &ParityView::onMouseMove);
    // Equal axes: one kcal/mol is as long on y as on x. The shorter side keeps the data's range
    // and the longer one widens around it, so both always contain every point (also when the
    // plot is rendered at another size for export: exportPlot replots at that size first).
    connect(m_parity, &QCustomPlot::beforeReplot, this, [this] {
        if (!m_run || m_run->testTrue.empty())
            return;
        m_parity->xAxis->setRange(m_range);
        m_parity->yAxis->setRange(m_range);
        for (auto phase : {QCPLayoutElement::upPreparation, QCPLayoutElement::upMargins,
                           QCPLayoutElement::upLayout})
            m_parity->plotLayout()->update(phase);
        const QRect r = m_parity->axisRect()->rect();
        if (r.width() <= 0 || r.height() <= 0)
            return;
        const double center = m_range.center();
        const double half = m_range.size() / 2;
        if (r.width() > r.height()) {
            const double w = half * r.width() / r.height();
            m_parity->xAxis->setRange(center - w, center + w);
        } else {
            const double h = half * r.height() / r.width();
            m_parity->yAxis->setRange(center - h, center + h);
        }
    });
    connect(m_picker, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int i) {
        if (i >= 0 && i < static_cast<int>(m_choices.size())) {
            m_run = m_choices[static_cast<std::size_t>(i)];
            m_label = m_picker->itemText(i);
            rebuild();
        }
    });
    rebuild();
}

QList<QPair<QString, QWidget*>> ParityView::plots() const {
    return {{QStringLiteral("parity"), m_parity}, {QStringLiteral("residuals"), m_residuals}};
}

void ParityView::setRun(const RunResultPtr& run, const QString& label) {
    setRuns({run}, {label}, 0);
}

void ParityView::setRuns(const std::vector<RunResultPtr>& runs, const QStringList& labels,
                         int current) {
    m_choices = runs;
    {
        const QSignalBlocker block(m_picker);
        m_picker->clear();
        for (std::size_t i = 0; i < runs.size(); ++i)
            m_picker->addItem(i < static_cast<std::size_t>(labels.size())
                                  ? labels[static_cast<int>(i)]
                                  : QString());
        m_picker->setCurrentIndex(current);
    }
    m_picker->setVisible(runs.size() > 1);
    const bool valid = current >= 0 && current < static_cast<int>(runs.size());
    m_run = valid ? runs[static_cast<std::size_t>(current)] : nullptr;
    m_label = valid && current < labels.size() ? labels[current] : QString();
    rebuild();
}

void ParityView::rebuild() {
    m_parity->clearGraphs();
    m_parity->clearItems();
    m_residuals->clearPlottables();
    m_residuals->clearItems();
    if (!m_run || m_run->testTrue.empty()) {
        m_title->setText(tr("Test predictions of a finished run appear here: press Start, or "
                            "select a run in the Runs tab."));
        m_parity->legend->setVisible(false);
        m_residuals->legend->setVisible(false);
        m_parity->replot();
        m_residuals->replot();
        return;
    }
    const bool withReference = showsReference();
    m_parity->legend->setVisible(withReference);
    m_residuals->legend->setVisible(withReference);
    m_title->setText(
        tr("<b>Test set, %1 molecules: %2</b>").arg(m_run->testTrue.size()).arg(m_label));
    const auto& t = m_run->testTrue;
    const auto& p = m_run->testPred;
    QVector<double> x(t.begin(), t.end()), y(p.begin(), p.end());
    QCPGraph* g = m_parity->addGraph();
    g->setData(x, y);
    g->setLineStyle(QCPGraph::lsNone);
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, faded(paletteColor(0), 120),
                                       faded(paletteColor(0), 90), 4));
    g->setName(m_label);
    const auto [lo, hi] = withReference ? qm7::range<float>({&t, &p, &m_reference->testPred})
                                        : qm7::range<float>({&t, &p});
    const double pad = 0.04 * (hi - lo + 1);
    m_range = QCPRange(lo - pad, hi + pad);
    auto* diagonal = new QCPItemStraightLine(m_parity);
    diagonal->point1->setCoords(lo, lo);
    diagonal->point2->setCoords(hi, hi);
    diagonal->setPen(QPen(QColor(60, 60, 60), 1.2, Qt::DashLine));
    auto* box = new QCPItemText(m_parity);
    box->setPositionAlignment(Qt::AlignTop | Qt::AlignLeft);
    box->position->setType(QCPItemPosition::ptAxisRectRatio);
    box->position->setCoords(0.03, 0.03);
    box->setTextAlignment(Qt::AlignLeft);
    box->setText(metricsText());
    box->setPadding(QMargins(6, 4, 6, 4));
    box->setBrush(QColor(255, 255, 255, 230));
    box->setPen(QPen(QColor(160, 160, 160)));
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    mono.setPointSizeF(9);
    box->setFont(mono);

    // Residual histogram, symmetric around 0.
    std::vector<double> residuals(t.size());
    double extent = 1;
    for (std::size_t i = 0; i < t.size(); ++i) {
        residuals[i] = double(p[i]) - double(t[i]);
        extent = std::max(extent, std::abs(residuals[i]));
        if (withReference) // one range and one set of bins for both
            extent = std::max(extent, std::abs(double(m_reference->testPred[i]) - double(t[i])));
    }
    const int bins = 41;
    const qm7::Histogram h = qm7::histogram(residuals, bins, -extent, extent);
    auto* bars = new QCPBars(m_residuals->xAxis, m_residuals->yAxis);
    QVector<double> keys, counts;
    int maxCount = 1;
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
        keys.push_back(h.binCenter(i));
        counts.push_back(h.counts[i]);
        maxCount = std::max(maxCount, h.counts[i]);
    }
    bars->setData(keys, counts, true);
    bars->setWidth(h.binWidth());
    // Beside a reference (drawn in the second colour) the run keeps the first colour.
    const QColor barColor = paletteColor(withReference ? 0 : 1);
    bars->setBrush(faded(barColor, withReference ? 110 : 140));
    bars->setPen(QPen(barColor, 0.8));
    bars->setName(m_label);
    m_residuals->xAxis->setRange(-extent, extent);
    auto* zero = new QCPItemStraightLine(m_residuals);
    zero->point1->setCoords(0, 0);
    zero->point2->setCoords(0, 1);
    zero->setPen(QPen(QColor(60, 60, 60), 1, Qt::DashLine));
    if (withReference)
        drawReference(extent, bins, maxCount);
    else
        m_residuals->yAxis->setRange(0, maxCount * 1.1);
    m_parity->replot();
    m_residuals->replot();
}

void ParityView::onMouseMove(QMouseEvent* event) {
    if (!m_run || m_parity->graphCount() == 0)
        return;
    const QPointF pos = event->position();
    double best = 10;
    int index = -1;
    const auto& t = m_run->testTrue;
    const auto& p = m_run->testPred;
    for (std::size_t i = 0; i < t.size(); ++i) {
        const double dx = m_parity->xAxis->coordToPixel(t[i]) - pos.x();
        const double dy = m_parity->yAxis->coordToPixel(p[i]) - pos.y();
        const double d = std::hypot(dx, dy);
        if (d < best) {
            best = d;
            index = static_cast<int>(i);
        }
    }
    if (index < 0) {
        QToolTip::hideText();
        return;
    }
    const auto i = static_cast<std::size_t>(index);
    QToolTip::showText(event->globalPosition().toPoint(),
                       tr("test molecule #%1\ntrue %2 kcal/mol\npredicted %3 kcal/mol\n"
                          "error %4 kcal/mol")
                           .arg(index)
                           .arg(t[i], 0, 'f', 1)
                           .arg(p[i], 0, 'f', 1)
                           .arg(double(p[i]) - double(t[i]), 0, 'f', 1),
                       m_parity);
}

QString ParityView::title() const {
    return m_title->text();
}

QString ParityView::csv() const {
    if (!m_run)
        return {};
    const bool withReference = showsReference();
    QString out = QStringLiteral("index,true_kcal_mol,predicted_kcal_mol,error_kcal_mol");
    out += withReference
               ? QStringLiteral(",reference_predicted_kcal_mol,reference_error_kcal_mol\n")
               : QStringLiteral("\n");
    for (std::size_t i = 0; i < m_run->testTrue.size(); ++i) {
        out += QStringLiteral("%1,%2,%3,%4")
                   .arg(i)
                   .arg(m_run->testTrue[i], 0, 'g', 9)
                   .arg(m_run->testPred[i], 0, 'g', 9)
                   .arg(double(m_run->testPred[i]) - double(m_run->testTrue[i]), 0, 'g', 9);
        if (withReference)
            out +=
                QStringLiteral(",%1,%2")
                    .arg(m_reference->testPred[i], 0, 'g', 9)
                    .arg(double(m_reference->testPred[i]) - double(m_run->testTrue[i]), 0, 'g', 9);
        out += QLatin1Char('\n');
    }
    return out;
}

} // namespace qm7::ui
