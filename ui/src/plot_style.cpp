#include "qm7ui/plot_style.h"

#include <qcustomplot.h>

#include <array>
#include <cmath>

namespace qm7::ui {

QColor paletteColor(int i) {
    // Okabe-Ito, reordered so the first colours differ most.
    static const std::array<QColor, 8> colors = {
        QColor(0, 114, 178), QColor(213, 94, 0),   QColor(0, 158, 115), QColor(204, 121, 167),
        QColor(230, 159, 0), QColor(86, 180, 233), QColor(0, 0, 0),     QColor(150, 150, 40)};
    const auto n = static_cast<int>(colors.size());
    return colors[static_cast<std::size_t>(((i % n) + n) % n)];
}

QColor faded(const QColor& color, int alpha) {
    QColor c = color;
    c.setAlpha(alpha);
    return c;
}

void stylePlot(QCustomPlot* plot) {
    QFont tickFont = plot->font();
    tickFont.setPointSizeF(9);
    QFont labelFont = plot->font();
    labelFont.setPointSizeF(10);
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis, plot->xAxis2, plot->yAxis2}) {
        axis->setTickLabelFont(tickFont);
        axis->setLabelFont(labelFont);
        axis->grid()->setSubGridVisible(false);
        axis->grid()->setPen(QPen(QColor(220, 220, 220), 1, Qt::DotLine));
    }
    plot->legend->setFont(tickFont);
    plot->legend->setBrush(QColor(255, 255, 255, 220));
    plot->legend->setBorderPen(QPen(QColor(180, 180, 180)));
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->setNoAntialiasingOnDrag(true);
    plot->setAntialiasedElements(QCP::aePlottables | QCP::aeItems);
}

void setLogAxis(QCPAxis* axis, bool log) {
    if (log) {
        axis->setScaleType(QCPAxis::stLogarithmic);
        auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
        ticker->setLogBase(10);
        ticker->setSubTickCount(8);
        axis->setTicker(ticker);
        axis->setNumberFormat(QStringLiteral("gb")); // 0.5, 1, 10, 1·10⁴ with no duplicates
        axis->setNumberPrecision(3);
    } else {
        axis->setScaleType(QCPAxis::stLinear);
        axis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        axis->setNumberFormat(QStringLiteral("g"));
        axis->setNumberPrecision(6);
    }
}

QString formatNumber(double value, int digits) {
    if (!std::isfinite(value))
        return QStringLiteral("—");
    return QString::number(value, 'g', digits);
}

} // namespace qm7::ui
