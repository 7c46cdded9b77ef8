#include "qm7ui/loss_plot.h"

#include "qm7ui/plot_style.h"

#include "qm7/util/series.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QToolTip>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <cmath>
#include <map>

namespace qm7::ui {

LossPlot::LossPlot(QWidget* parent) : PlotPage(parent) {
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("lossPlot"));
    stylePlot(m_plot);
    m_plot->xAxis->setLabel(tr("epoch"));
    placeLegendOutside(m_plot, Qt::RightEdge); // never over the curves
    m_plot->setMouseTracking(true);

    m_logY = new QCheckBox(tr("Log y"), this);
    m_logY->setObjectName(QStringLiteral("logY"));
    m_logY->setChecked(true);
    m_smoothing = new QSlider(Qt::Horizontal, this);
    m_smoothing->setObjectName(QStringLiteral("smoothing"));
    m_smoothing->setRange(0, 99);
    m_smoothing->setValue(0);
    m_smoothing->setToolTip(tr("Exponential moving average, debiased as in TensorBoard"));
    m_smoothingValue = new QLabel(QStringLiteral("0.00"), this);
    m_smoothingValue->setMinimumWidth(32);
    m_units = new QComboBox(this);
    m_units->setObjectName(QStringLiteral("units"));
    m_units->addItem(tr("MSE, normalized labels"));
    m_units->addItem(tr("RMSE, kcal/mol"));

    auto* controls = new QHBoxLayout;
    controls->addWidget(m_logY);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("Smoothing:"), this));
    controls->addWidget(m_smoothing, 1);
    controls->addWidget(m_smoothingValue);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("Units:"), this));
    controls->addWidget(m_units);
    controls->addStretch();
    m_notebookLabel = new QLabel(this);
    m_notebookLabel->setObjectName(QStringLiteral("notebookLosses"));
    m_notebookLabel->setWordWrap(true);
    m_notebookLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_notebookLabel->hide();
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(m_plot, 1);
    layout->addWidget(m_notebookLabel);

    m_replotTimer.setSingleShot(true);
    m_replotTimer.setInterval(33);
    connect(&m_replotTimer, &QTimer::timeout, this, &LossPlot::rebuild);
    connect(m_logY, &QCheckBox::toggled, this, &LossPlot::scheduleReplot);
    connect(m_units, qOverload<int>(&QComboBox::currentIndexChanged), this,
            &LossPlot::scheduleReplot);
    connect(m_smoothing, &QSlider::valueChanged, this, [this](int v) {
        m_smoothingValue->setText(QString::number(v / 100.0, 'f', 2));
        scheduleReplot();
    });
    connect(m_plot, &QCustomPlot::mouseMove, this, &LossPlot::onMouseMove);
    rebuild();
}

QList<QPair<QString, QWidget*>> LossPlot::plots() const {
    return {{QStringLiteral("loss_curves"), m_plot}};
}

QString LossPlot::groupOf(const qm7::TrainConfig& config) {
    QString g = QStringLiteral("lr %1").arg(lrText(config.lr));
    if (config.trainSize > 0)
        g += QStringLiteral(", n %1").arg(config.trainSize);
    if (config.hidden != 1000)
        g += QStringLiteral(", p %1").arg(config.hidden);
    return g;
}

void LossPlot::beginLive(const std::vector<qm7::TrainConfig>& configs) {
    m_series.clear();
    for (const auto& c : configs) {
        Series s;
        s.group = groupOf(c);
        s.label = QStringLiteral("%1, seed %2").arg(s.group).arg(c.seed);
        m_series.push_back(std::move(s));
    }
    scheduleReplot();
}

void LossPlot::appendEpochs(const EpochBatch& batch) {
    for (const auto& e : batch) {
        if (!e.evaluated || e.run < 0)
            continue;
        while (e.run >= static_cast<int>(m_series.size())) { // runs not announced by beginLive
            Series extra;
            extra.group = tr("run %1").arg(m_series.size());
            extra.label = extra.group;
            m_series.push_back(std::move(extra));
        }
        Series& s = m_series[static_cast<std::size_t>(e.run)];
        s.epoch.push_back(e.epoch);
        s.trainLoss.push_back(e.trainLoss);
        s.valLoss.push_back(e.valLoss);
        s.trainRmse.push_back(e.trainRmse);
        s.valRmse.push_back(e.valRmse);
    }
    scheduleReplot();
}

void LossPlot::showRuns(const std::vector<RunResultPtr>& runs, const QStringList& labels) {
    m_series.clear();
    for (std::size_t i = 0; i < runs.size(); ++i) {
        Series s;
        s.group = groupOf(runs[i]->config);
        s.label =
            i < static_cast<std::size_t>(labels.size()) ? labels[static_cast<int>(i)] : s.group;
        for (const auto& e : runs[i]->history) {
            s.epoch.push_back(e.epoch);
            s.trainLoss.push_back(e.trainLoss);
            s.valLoss.push_back(e.valLoss);
            s.trainRmse.push_back(e.trainRmse);
            s.valRmse.push_back(e.valRmse);
        }
        m_series.push_back(std::move(s));
    }
    scheduleReplot();
}

void LossPlot::replotNow() {
    m_replotTimer.stop();
    rebuild();
    m_plot->replot(QCustomPlot::rpImmediateRefresh);
}

void LossPlot::clear() {
    m_series.clear();
    rebuild(); // at once: an emptied tab never shows the old curves, even for a frame
}

void LossPlot::setLogY(bool log) {
    m_logY->setChecked(log);
}
void LossPlot::setSmoothing(double weight) {
    m_smoothing->setValue(qRound(weight * 100));
}
void LossPlot::setUnits(Units units) {
    m_units->setCurrentIndex(static_cast<int>(units));
}
bool LossPlot::logY() const {
    return m_logY->isChecked();
}
double LossPlot::smoothing() const {
    return m_smoothing->value() / 100.0;
}
LossPlot::Units LossPlot::units() const {
    return static_cast<Units>(m_units->currentIndex());
}

const std::vector<double>& LossPlot::trainValues(const Series& s) const {
    return units() == Units::RmseKcal ? s.trainRmse : s.trainLoss;
}
const std::vector<double>& LossPlot::valValues(const Series& s) const {
    return units() == Units::RmseKcal ? s.valRmse : s.valLoss;
}

QString LossPlot::yLabel() const {
    return units() == Units::RmseKcal ? tr("RMSE (kcal/mol)")
                                      : tr("MSE loss (normalized labels, dimensionless)");
}

void LossPlot::scheduleReplot() {
    if (!m_replotTimer.isActive())
        m_replotTimer.start();
}

int LossPlot::pointCount() const {
    int n = 0;
    for (int i = 0; i < m_plot->graphCount(); ++i)
        n += m_plot->graph(i)->dataCount();
    return n;
}

void LossPlot::rebuild() {
    ++m_replots;
    m_plot->clearGraphs();
    m_plot->clearItems();
    setLogAxis(m_plot->yAxis, logY());
    m_plot->yAxis->setLabel(yLabel());
    const double w = smoothing();

    // Group runs (same lr, n, p): per-seed lines thin and faded, the mean over seeds bold.
    std::map<QString, std::vector<const Series*>> groups;
    std::vector<QString> order;
    for (const auto& s : m_series) {
        if (groups.find(s.group) == groups.end())
            order.push_back(s.group);
        groups[s.group].push_back(&s);
    }
    const bool perSeedVisible = m_series.size() > groups.size();
    auto addGraph = [&](const std::vector<double>& x, const std::vector<double>& y, const QPen& pen,
                        const QString& name, bool inLegend) {
        QCPGraph* g = m_plot->addGraph();
        const std::vector<double> ys = debiasedEma(y, w);
        QVector<double> kx(x.begin(), x.end()), ky(ys.begin(), ys.end());
        g->setData(kx, ky, true);
        g->setPen(pen);
        g->setName(name);
        if (!inLegend)
            g->removeFromLegend();
        return g;
    };
    int colorIndex = 0;
    bool seedLegendShown = false;
    for (const QString& key : order) {
        const QColor color = paletteColor(colorIndex++);
        const auto& members = groups[key];
        if (perSeedVisible && members.size() > 1) {
            for (const Series* s : members) {
                const bool legend = !seedLegendShown;
                QCPGraph* g = addGraph(s->epoch, valValues(*s), QPen(faded(color, 110), 1),
                                       tr("single seeds (thin)"), legend);
                g->setProperty("label", s->label + tr(", validation"));
                addGraph(s->epoch, trainValues(*s), QPen(faded(color, 110), 1, Qt::DashLine),
                         QString(), false)
                    ->setProperty("label", s->label + tr(", train"));
                seedLegendShown = true;
            }
        }
        // Mean over seeds at the epochs every member reached.
        std::size_t common = members.front()->epoch.size();
        for (const Series* s : members)
            common = std::min(common, s->epoch.size());
        std::vector<double> x(common), tr_(common), va(common);
        for (std::size_t i = 0; i < common; ++i) {
            std::vector<double> a, b;
            for (const Series* s : members) {
                a.push_back(trainValues(*s)[i]);
                b.push_back(valValues(*s)[i]);
            }
            x[i] = members.front()->epoch[i];
            tr_[i] = meanStd(a).mean;
            va[i] = meanStd(b).mean;
        }
        const QString suffix =
            members.size() > 1 ? tr(" (mean of %1 seeds)").arg(members.size()) : QString();
        addGraph(x, tr_, QPen(color, 2, Qt::DashLine), tr("train, %1%2").arg(key, suffix), true)
            ->setProperty("label", tr("train, %1%2").arg(key, suffix));
        addGraph(x, va, QPen(color, 2.2), tr("validation, %1%2").arg(key, suffix), true)
            ->setProperty("label", tr("validation, %1%2").arg(key, suffix));
    }
    drawNotebook();
    m_plot->legend->setVisible(m_plot->graphCount() > 0);
    if (m_plot->graphCount() == 0) {
        auto* hint = new QCPItemText(m_plot);
        hint->position->setType(QCPItemPosition::ptAxisRectRatio);
        hint->position->setCoords(0.5, 0.5);
        hint->setText(tr("Press Start (Ctrl+R) to train: the curves appear here live."));
        hint->setColor(QColor(120, 120, 120));
        m_plot->xAxis->setRange(0, 10);
        m_plot->yAxis->setRange(logY() ? 0.01 : 0, 1);
    } else {
        bool found = false;
        QCPRange xr = m_plot->graph(0)->getKeyRange(found);
        m_plot->rescaleAxes();
        if (found && xr.upper <= xr.lower)
            m_plot->xAxis->setRange(xr.lower - 1, xr.upper + 1);
        m_plot->yAxis->scaleRange(1.08, m_plot->yAxis->range().center());
        if (logY()) {
            QCPRange yr = m_plot->yAxis->range();
            m_plot->yAxis->setRange(yr.lower / 1.3, yr.upper * 1.3);
        }
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void LossPlot::onMouseMove(QMouseEvent* event) {
    const QPointF pos = event->position();
    double best = 12.0; // pixels
    QString text;
    for (int i = 0; i < m_plot->graphCount(); ++i) {
        QCPGraph* g = m_plot->graph(i);
        for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
            const double px = m_plot->xAxis->coordToPixel(it->key);
            const double py = m_plot->yAxis->coordToPixel(it->value);
            const double dist = std::hypot(px - pos.x(), py - pos.y());
            if (dist < best) {
                best = dist;
                text = QStringLiteral("%1\nepoch %2: %3 %4")
                           .arg(g->property("label").toString())
                           .arg(it->key)
                           .arg(formatNumber(it->value))
                           .arg(units() == Units::RmseKcal ? tr("kcal/mol") : QString());
            }
        }
    }
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), text, m_plot);
}

QString LossPlot::csv() const {
    if (m_series.empty() && !m_notebook)
        return {};
    QString out = QStringLiteral(
        "run,label,epoch,train_mse_normalized,val_mse_normalized,train_rmse_kcal,val_rmse_kcal\n");
    for (std::size_t r = 0; r < m_series.size(); ++r) {
        const Series& s = m_series[r];
        for (std::size_t i = 0; i < s.epoch.size(); ++i) {
            out += QStringLiteral("%1,\"%2\",%3,%4,%5,%6,%7\n")
                       .arg(r)
                       .arg(s.label)
                       .arg(s.epoch[i])
                       .arg(s.trainLoss[i], 0, 'g', 10)
                       .arg(s.valLoss[i], 0, 'g', 10)
                       .arg(s.trainRmse[i], 0, 'g', 10)
                       .arg(s.valRmse[i], 0, 'g', 10);
        }
    }
    if (m_notebook) { // the notebook's losses in its own units; no RMSE columns
        const auto cell = [](const std::vector<double>& v, std::size_t i) {
            return i < v.size() && std::isfinite(v[i]) ? QString::number(v[i], 'g', 10) : QString();
        };
        for (std::size_t i = 0; i < m_notebook->epoch.size(); ++i)
            out += QStringLiteral("notebook,\"your notebook\",%1,%2,%3,,\n")
                       .arg(m_notebook->epoch[i])
                       .arg(cell(m_notebook->train, i), cell(m_notebook->val, i));
    }
    return out;
}

} // namespace qm7::ui
