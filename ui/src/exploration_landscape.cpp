// The Exploration tab's heatmap of two settings and profile of one (exploration_view.h).
#include "qm7ui/exploration_view.h"

#include "exploration_common.h"

#include "qm7ui/exploration_run_form.h"
#include "qm7ui/plot_export.h"
#include "qm7ui/plot_style.h"

#include "qm7/train/run_store.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace qm7::ui {

using namespace exploration;

void ExplorationView::drawHeatmap() {
    m_heat->clearPlottables();
    m_heat->clearItems();
    for (auto* e : m_heat->plotLayout()->elements(false))
        if (qobject_cast<QCPColorScale*>(e))
            m_heat->plotLayout()->remove(e);
    m_heat->plotLayout()->simplify();
    const std::string x = m_heatX->currentText().toStdString();
    const std::string y = m_heatY->currentText().toStdString();
    if (m_trials.empty() || x.empty() || y.empty()) {
        m_heatmap = {};
        m_heat->replot();
        return;
    }
    m_heatmap = qm7::settingHeatmap(m_trials, x, y);
    const int nx = static_cast<int>(m_heatmap.xValues.size());
    const int ny = static_cast<int>(m_heatmap.yValues.size());
    auto* map = new QCPColorMap(m_heat->xAxis, m_heat->yAxis);
    map->data()->setSize(nx, ny);
    map->data()->setRange(QCPRange(0, std::max(1, nx - 1)), QCPRange(0, std::max(1, ny - 1)));
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (int j = 0; j < ny; ++j)
        for (int i = 0; i < nx; ++i) {
            const double v =
                m_heatmap.mean[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)];
            map->data()->setCell(i, j, std::isfinite(v) ? v : 0);
            if (!std::isfinite(v))
                map->data()->setAlpha(i, j, 0);
            else {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
                auto* label = new QCPItemText(m_heat);
                label->position->setCoords(i, j);
                label->setText(formatNumber(v, 3));
                label->setFont(QFont(font().family(), 8));
                label->setProperty("value", v);
            }
        }
    auto* scale = new QCPColorScale(m_heat);
    m_heat->plotLayout()->addElement(0, 1, scale);
    scale->setLabel(tr("mean val RMSE (kcal/mol)"));
    map->setColorScale(scale); // before the range: the scale's own range would replace it
    map->setGradient(QCPColorGradient(QCPColorGradient::gpThermal));
    if (lo <= hi)
        map->setDataRange(QCPRange(lo, hi > lo ? hi : lo + 1e-9));
    // Each cell's number in black on light cells, white on dark ones.
    QCPColorGradient cells(QCPColorGradient::gpThermal); // color() is not const
    for (int k = 0; k < m_heat->itemCount(); ++k)
        if (auto* label = qobject_cast<QCPItemText*>(m_heat->item(k))) {
            const QColor c = QColor::fromRgb(
                cells.color(label->property("value").toDouble(), map->dataRange(), false));
            label->setColor(c.lightnessF() < 0.5 ? Qt::white : Qt::black);
        }
    map->setInterpolate(false);
    auto tick = [](const std::vector<std::string>& values) {
        auto t = QSharedPointer<QCPAxisTickerText>::create();
        for (std::size_t k = 0; k < values.size(); ++k)
            t->addTick(static_cast<double>(k), QString::fromStdString(values[k]));
        return t;
    };
    m_heat->xAxis->setTicker(tick(m_heatmap.xValues));
    m_heat->yAxis->setTicker(tick(m_heatmap.yValues));
    m_heat->xAxis->setLabel(QString::fromStdString(x));
    m_heat->yAxis->setLabel(QString::fromStdString(y));
    m_heat->xAxis->setRange(-0.5, nx - 0.5);
    m_heat->yAxis->setRange(-0.5, ny - 0.5);
    m_heat->replot();
}

void ExplorationView::drawProfile() {
    m_profile->clearPlottables();
    const std::string name = m_profileSetting->currentText().toStdString();
    const auto points = qm7::settingProfile(m_trials, name);
    if (points.empty()) {
        m_profile->replot();
        return;
    }
    const auto a =
        static_cast<std::size_t>(std::find(m_names.begin(), m_names.end(), name) - m_names.begin());
    const bool numeric = a < m_scales.size() && m_scales[a].numeric;
    const bool logX = numeric && m_scales[a].log;
    setLogAxis(m_profile->xAxis, logX);
    setLogAxis(m_profile->yAxis, true);
    QVector<double> xs, mean, err, sx, sy;
    for (const auto& p : points) {
        xs << p.x;
        mean << p.mean;
        err << p.std;
    }
    for (const auto& t : m_trials)
        if (t.status == "finished")
            for (const auto& p : points)
                if (qm7::settingValue(t.setting, name) == p.value) {
                    sx << p.x;
                    sy << t.valRmse;
                }
    auto* seeds = m_profile->addGraph();
    seeds->setData(sx, sy);
    seeds->setLineStyle(QCPGraph::lsNone);
    seeds->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, faded(paletteColor(0)),
                                           faded(paletteColor(0)), 4));
    seeds->setName(tr("each trial"));
    auto* line = m_profile->addGraph();
    line->setData(xs, mean, true);
    line->setPen(QPen(paletteColor(0), 2));
    line->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
    line->setName(tr("mean ± std over the other settings and seeds"));
    if (!numeric) // choices without an order: no line between them
        line->setLineStyle(QCPGraph::lsNone);
    auto* bars = new QCPErrorBars(m_profile->xAxis, m_profile->yAxis);
    bars->setDataPlottable(line);
    bars->setData(err);
    bars->removeFromLegend();
    if (!numeric) {
        auto t = QSharedPointer<QCPAxisTickerText>::create();
        for (const auto& p : points)
            t->addTick(p.x, QString::fromStdString(p.value));
        m_profile->xAxis->setTicker(t);
    }
    m_profile->xAxis->setLabel(QString::fromStdString(name));
    m_profile->yAxis->setLabel(tr("validation RMSE (kcal/mol)"));
    m_profile->legend->setVisible(true);
    fitLegendColumns(m_profile, 2);
    m_profile->rescaleAxes();
    const QCPRange xr = m_profile->xAxis->range();
    if (logX)
        m_profile->xAxis->setRange(xr.lower / 1.5, xr.upper * 1.5);
    else
        m_profile->xAxis->setRange(xr.lower - 0.5, xr.upper + 0.5);
    const QCPRange yr = m_profile->yAxis->range();
    m_profile->yAxis->setRange(yr.lower / 1.2, yr.upper * 1.2);
    m_profile->replot();
}

void ExplorationView::setHeatmapSettings(const QString& x, const QString& y) {
    const QSignalBlocker bx(m_heatX), by(m_heatY);
    m_heatX->setCurrentText(x);
    m_heatY->setCurrentText(y);
    drawHeatmap();
}

void ExplorationView::setProfileSetting(const QString& name) {
    m_profileSetting->setCurrentText(name);
}

} // namespace qm7::ui
