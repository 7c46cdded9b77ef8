// The Exploration tab's parallel coordinates (exploration_view.h): axes, lines coloured by
// validation error, brushing, moving an axis by its title with a marker following the mouse.
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

double ExplorationView::axisRaw(const qm7::ExplorationTrial& t, int axis) const {
    const auto a = static_cast<std::size_t>(axis);
    if (a == m_names.size())
        return t.valRmse;
    const std::string v = qm7::settingValue(t.setting, m_names[a]);
    const AxisScale& s = m_scales[a];
    if (!s.numeric)
        return static_cast<double>(std::find(s.categories.begin(), s.categories.end(), v) -
                                   s.categories.begin());
    double x = NAN;
    parseNumber(v, &x);
    return x;
}

double ExplorationView::axisValue(const qm7::ExplorationTrial& t, int axis) const {
    const AxisScale& s = m_scales[static_cast<std::size_t>(axis)];
    const double x = axisRaw(t, axis);
    if (s.hi <= s.lo)
        return 0.5;
    if (s.log)
        return (std::log(x) - std::log(s.lo)) / (std::log(s.hi) - std::log(s.lo));
    return (x - s.lo) / (s.hi - s.lo);
}

void ExplorationView::drawParallel() {
    m_parallel->clearGraphs();
    m_parallel->clearItems();
    m_dragMarker = nullptr;
    m_dragLabel = nullptr;
    m_brushMarker = nullptr;
    const int axes = static_cast<int>(m_scales.size());
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int p = 0; p < axes; ++p) {
        const int a = m_axisOrder[static_cast<std::size_t>(p)];
        ticker->addTick(p, a < static_cast<int>(m_names.size())
                               ? QString::fromStdString(m_names[static_cast<std::size_t>(a)])
                               : tr("val RMSE"));
    }
    m_parallel->xAxis->setTicker(ticker);
    m_parallel->xAxis->setRange(-0.3, std::max(1, axes - 1) + 0.3);
    QCPColorGradient gradient(QCPColorGradient::gpThermal);
    const AxisScale& val = m_scales.empty() ? AxisScale{} : m_scales.back();
    // The worst trial at 80 % of the gradient: its end is near white, invisible on the page.
    const QCPRange valRange(val.lo, val.log ? val.lo * std::pow(val.hi / val.lo, 1.25)
                                            : val.hi + 0.25 * (val.hi - val.lo) + 1e-12);
    std::vector<bool> kept(m_trials.size(), true);
    for (std::size_t i = 0; i < m_trials.size(); ++i)
        for (auto b = m_brushes.cbegin(); b != m_brushes.cend(); ++b) {
            const double x = axisRaw(m_trials[i], b.key());
            if (!(x >= b.value().first && x <= b.value().second))
                kept[i] = false;
        }
    // Filtered-out trials first, grey and beneath the others.
    for (int pass = 0; pass < 2; ++pass)
        for (std::size_t i = 0; i < m_trials.size(); ++i) {
            if (kept[i] != (pass == 1))
                continue;
            QCPGraph* g = m_parallel->addGraph();
            g->setProperty("trial", static_cast<int>(i));
            QVector<double> xs, ys;
            for (int p = 0; p < axes; ++p) {
                xs << p;
                ys << axisValue(m_trials[i], m_axisOrder[static_cast<std::size_t>(p)]);
            }
            g->setData(xs, ys, true);
            QColor c =
                kept[i] ? QColor::fromRgba(gradient.color(m_trials[i].valRmse, valRange, val.log))
                        : QColor(200, 200, 200, 120);
            if (m_trials[i].status == "stopped" && kept[i])
                c.setAlpha(110);
            g->setPen(QPen(c, kept[i] ? 1.6 : 1.0,
                           m_trials[i].status == "stopped" ? Qt::DashLine : Qt::SolidLine));
        }
    for (int p = 0; p < axes; ++p) {
        const int a = m_axisOrder[static_cast<std::size_t>(p)];
        auto* line = new QCPItemLine(m_parallel);
        line->start->setCoords(p, 0);
        line->end->setCoords(p, 1);
        line->setPen(QPen(Qt::black, 1));
        const AxisScale& s = m_scales[static_cast<std::size_t>(a)];
        for (int end = 0; end < 2; ++end) {
            auto* label = new QCPItemText(m_parallel);
            label->setObjectName(QStringLiteral("axisLabel"));
            label->position->setCoords(p, end == 0 ? -0.05 : 1.05);
            label->setFont(QFont(font().family(), 8));
            label->setText(!s.numeric ? QString::fromStdString(end == 0 ? s.categories.front()
                                                                        : s.categories.back())
                                      : axisNumber(end == 0 ? s.lo : s.hi, s.lo));
        }
        // A choice's values in between (tanh between relu and stanh), beside the axis.
        for (std::size_t k = 1; !s.numeric && k + 1 < s.categories.size(); ++k) {
            auto* label = new QCPItemText(m_parallel);
            label->setObjectName(QStringLiteral("axisLabel"));
            label->position->setCoords(p, (static_cast<double>(k) - s.lo) / (s.hi - s.lo));
            label->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
            label->setPadding(QMargins(3, 0, 1, 0));
            label->setBrush(QColor(255, 255, 255, 200));
            label->setFont(QFont(font().family(), 8));
            label->setText(QString::fromStdString(s.categories[k]));
        }
        if (m_brushes.contains(a)) {
            auto* rect = new QCPItemRect(m_parallel);
            const auto r = m_brushes.value(a);
            auto norm = [&](double x) {
                if (s.hi <= s.lo)
                    return 0.5;
                return s.log ? (std::log(std::max(x, s.lo)) - std::log(s.lo)) /
                                   (std::log(s.hi) - std::log(s.lo))
                             : (x - s.lo) / (s.hi - s.lo);
            };
            rect->topLeft->setCoords(p - 0.06, std::min(1.0, norm(r.second)));
            rect->bottomRight->setCoords(p + 0.06, std::max(0.0, norm(r.first)));
            rect->setBrush(QColor(70, 130, 180, 70));
            rect->setPen(QPen(QColor(70, 130, 180)));
        }
    }
    m_proxy->setKept(kept);
    m_parallel->replot();
}

void ExplorationView::setBrush(int axis, double lo, double hi) {
    if (axis < 0 || axis >= static_cast<int>(m_scales.size()))
        return;
    if (lo > hi)
        m_brushes.remove(axis);
    else
        m_brushes.insert(axis, {lo, hi});
    drawParallel();
}

int ExplorationView::positionOf(int axis) const {
    const auto it = std::find(m_axisOrder.begin(), m_axisOrder.end(), axis);
    return it == m_axisOrder.end() ? -1 : static_cast<int>(it - m_axisOrder.begin());
}

void ExplorationView::moveAxis(int axis, int position) {
    const int from = positionOf(axis);
    if (from < 0 || m_axisOrder.empty())
        return;
    position = std::clamp(position, 0, static_cast<int>(m_axisOrder.size()) - 1);
    m_axisOrder.erase(m_axisOrder.begin() + from);
    m_axisOrder.insert(m_axisOrder.begin() + position, axis);
    drawParallel();
}

QPoint ExplorationView::axisTitlePixel(int axis) const {
    const int p = positionOf(axis);
    // The titles are the x axis's tick labels, below the axis rect.
    return {static_cast<int>(std::lround(m_parallel->xAxis->coordToPixel(p))),
            m_parallel->axisRect()->bottom() + 12};
}

QPoint ExplorationView::axisPixel(int axis, double u) const {
    return {static_cast<int>(std::lround(m_parallel->xAxis->coordToPixel(positionOf(axis)))),
            static_cast<int>(std::lround(m_parallel->yAxis->coordToPixel(u)))};
}

void ExplorationView::brushPress(QMouseEvent* e) {
    const double x = m_parallel->xAxis->pixelToCoord(e->pos().x());
    const int p = static_cast<int>(std::lround(x));
    const bool near = std::fabs(x - p) < 0.25 && p >= 0 && p < static_cast<int>(m_axisOrder.size());
    m_pressAxis = near ? m_axisOrder[static_cast<std::size_t>(p)] : -1;
    m_dragAxis = near && e->pos().y() > m_parallel->axisRect()->bottom();
    m_pressY = m_parallel->yAxis->pixelToCoord(e->pos().y());
    if (m_dragAxis)
        m_parallel->setCursor(Qt::ClosedHandCursor);
}

double ExplorationView::dragMarkerX() const {
    return m_dragMarker ? m_dragMarker->start->coords().x() : NAN;
}

// Live feedback while the mouse is down: the moving axis follows it, a brush shows its range.
void ExplorationView::brushMove(QMouseEvent* e) {
    if (m_pressAxis < 0)
        return;
    const double x = m_parallel->xAxis->pixelToCoord(e->pos().x());
    const double y = std::clamp(m_parallel->yAxis->pixelToCoord(e->pos().y()), 0.0, 1.0);
    const QColor ink = palette().color(QPalette::Highlight);
    if (m_dragAxis) {
        if (!m_dragMarker) {
            m_dragMarker = new QCPItemLine(m_parallel);
            m_dragMarker->setPen(QPen(ink, 3));
            m_dragLabel = new QCPItemText(m_parallel);
            m_dragLabel->setColor(ink);
            m_dragLabel->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
            const auto a = static_cast<std::size_t>(m_pressAxis);
            m_dragLabel->setText(a < m_names.size() ? QString::fromStdString(m_names[a])
                                                    : tr("val RMSE"));
        }
        m_dragMarker->start->setCoords(x, 0);
        m_dragMarker->end->setCoords(x, 1);
        m_dragLabel->position->setCoords(x, 1.04);
    } else {
        if (!m_brushMarker) {
            m_brushMarker = new QCPItemRect(m_parallel);
            m_brushMarker->setPen(QPen(ink, 1));
            QColor fill = ink;
            fill.setAlpha(60);
            m_brushMarker->setBrush(fill);
        }
        const double p = positionOf(m_pressAxis);
        m_brushMarker->topLeft->setCoords(p - 0.05, std::max(y, m_pressY));
        m_brushMarker->bottomRight->setCoords(p + 0.05, std::min(y, m_pressY));
    }
    m_parallel->replot(QCustomPlot::rpQueuedReplot);
}

void ExplorationView::brushRelease(QMouseEvent* e) {
    if (m_pressAxis < 0)
        return;
    for (QCPAbstractItem* item :
         {static_cast<QCPAbstractItem*>(m_dragMarker), static_cast<QCPAbstractItem*>(m_dragLabel),
          static_cast<QCPAbstractItem*>(m_brushMarker)})
        if (item)
            m_parallel->removeItem(item);
    m_dragMarker = nullptr;
    m_dragLabel = nullptr;
    m_brushMarker = nullptr;
    m_parallel->replot(QCustomPlot::rpQueuedReplot);
    const int axis = m_pressAxis;
    m_pressAxis = -1;
    if (m_dragAxis) {
        m_dragAxis = false;
        m_parallel->unsetCursor();
        moveAxis(axis,
                 static_cast<int>(std::lround(m_parallel->xAxis->pixelToCoord(e->pos().x()))));
        return;
    }
    const double y = m_parallel->yAxis->pixelToCoord(e->pos().y());
    if (std::fabs(y - m_pressY) < 0.02) {
        setBrush(axis, 1, 0);
        return;
    }
    // Normalized positions back to the axis's own values.
    const AxisScale& s = m_scales[static_cast<std::size_t>(axis)];
    // Within a pixel of an end is the end exactly: the mouse cannot point finer, and
    // exp(log(hi)) may fall short of hi.
    const double pixel =
        std::fabs(m_parallel->yAxis->pixelToCoord(0) - m_parallel->yAxis->pixelToCoord(1));
    auto raw = [&](double u) {
        if (u <= pixel)
            return s.lo;
        if (u >= 1 - pixel)
            return s.hi;
        return s.log ? std::exp(std::log(s.lo) + u * (std::log(s.hi) - std::log(s.lo)))
                     : s.lo + u * (s.hi - s.lo);
    };
    setBrush(axis, raw(std::min(y, m_pressY)), raw(std::max(y, m_pressY)));
}

} // namespace qm7::ui
