#include "qm7ui/plot_style.h"

#include "qm7/chem/representation.h"

#include <QObject>
#include <qcustomplot.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>

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

namespace {

/// "⁻⁵" for -5.
QString superscript(int k) {
    static const QString digits = QStringLiteral("⁰¹²³⁴⁵⁶⁷⁸⁹");
    QString out = k < 0 ? QStringLiteral("⁻") : QString();
    for (QChar c : QString::number(std::abs(k)))
        out += digits[c.digitValue()];
    return out;
}

/// Log ticks that stay readable: 1, 2, 5 x 10^k when the range spans two decades or less,
/// 10^k (every other decade or sparser beyond eight) otherwise; every tick labelled, in one
/// format per axis (plain decimals, or m·10^k when a tick is below 0.001 or above 10^5).
class ReadableLogTicker : public QCPAxisTicker {
  protected:
    QVector<double> createTickVector(double, const QCPRange& range) override {
        QVector<double> ticks;
        const double lo = range.lower > 0 ? range.lower : range.upper * 1e-6;
        const double hi = range.upper;
        if (!(lo > 0) || !(hi > lo))
            return ticks;
        const int k0 = static_cast<int>(std::floor(std::log10(lo)));
        const int k1 = static_cast<int>(std::ceil(std::log10(hi)));
        const int decades = k1 - k0;
        std::vector<double> mantissas = {1};
        if (decades <= 1)
            mantissas = {1, 1.5, 2, 3, 5, 7};
        else if (decades <= 2)
            mantissas = {1, 2, 5};
        else if (decades <= 3)
            mantissas = {1, 3};
        const int step = decades > 8 ? (decades + 7) / 8 : 1;
        for (int k = k0; k <= k1; k += step) {
            for (double m : mantissas) {
                const double v = m * std::pow(10.0, k);
                if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
                    ticks << v;
            }
        }
        m_power = false;
        for (double v : ticks)
            m_power = m_power || v < 1e-3 || v >= 1e5;
        return ticks;
    }
    QVector<double> createSubTickVector(int, const QVector<double>&) override { return {}; }
    QString getTickLabel(double tick, const QLocale&, QChar, int) override {
        if (!m_power)
            return QString::number(tick, 'g', 6);
        const int k = static_cast<int>(std::floor(std::log10(tick) + 1e-9));
        const double m = tick / std::pow(10.0, k);
        const QString power = QStringLiteral("10") + superscript(k);
        return std::abs(m - 1) < 1e-6 ? power
                                      : QString::number(m, 'g', 2) + QStringLiteral("·") + power;
    }

  private:
    bool m_power = false;
};

} // namespace

void setLogAxis(QCPAxis* axis, bool log) {
    if (log) {
        axis->setScaleType(QCPAxis::stLogarithmic);
        axis->setTicker(QSharedPointer<ReadableLogTicker>::create());
    } else {
        axis->setScaleType(QCPAxis::stLinear);
        axis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        axis->setNumberFormat(QStringLiteral("g"));
        axis->setNumberPrecision(6);
    }
}

void placeLegendOutside(QCustomPlot* plot, Qt::Edge edge) {
    QCPLegend* legend = plot->legend;
    legend->setVisible(true);
    if (auto* inset = plot->axisRect()->insetLayout(); inset->elements(false).contains(legend))
        inset->take(legend);
    QCPLayoutGrid* layout = plot->plotLayout();
    if (edge == Qt::TopEdge) {
        layout->insertRow(0);
        layout->addElement(0, 0, legend);
        legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
        legend->setWrap(3);
        layout->setRowStretchFactor(0, 0.001);
        // An empty legend's own maximum width (its margins) capped the column of the axes:
        // empty axes shrank to a 50 px strip. The legend row takes the plot's width anyway.
        legend->setMaximumSize(100000, QWIDGETSIZE_MAX); // below QWIDGETSIZE_MAX with margins
    } else {
        auto* column = new QCPLayoutGrid;
        layout->addElement(0, 1, column);
        column->addElement(0, 0, legend);
        column->addElement(1, 0, new QCPLayoutElement(plot)); // pushes the legend to the top
        column->setRowStretchFactor(0, 0.001);
        layout->setColumnStretchFactor(1, 0.001);
    }
    legend->setMargins(QMargins(6, 4, 6, 4));
}

void fitLegendColumns(QCustomPlot* plot, int maxColumns) {
    QCPLegend* legend = plot->legend;
    int widest = 0;
    for (int i = 0; i < legend->itemCount(); ++i) {
        if (const QCPAbstractLegendItem* item = legend->item(i)) // the grid has empty cells
            widest = std::max(widest, item->minimumOuterSizeHint().width());
    }
    const QMargins m = legend->margins();
    const int room = plot->width() - m.left() - m.right() - 8;
    int columns = std::max(1, maxColumns);
    while (columns > 1 && columns * (widest + legend->columnSpacing()) > room)
        --columns;
    legend->setWrap(columns);
}

QString durationText(double s) {
    if (!std::isfinite(s) || s < 0)
        return QStringLiteral("-");
    if (s < 60)
        return QStringLiteral("%1 s").arg(s, 0, 'f', 1);
    const long long t = std::llround(s);
    if (t < 3600)
        return QStringLiteral("%1 min %2 s").arg(t / 60).arg(t % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 h %2 min").arg(t / 3600).arg(t / 60 % 60, 2, 10, QLatin1Char('0'));
}

QString formatNumber(double value, int digits) {
    if (!std::isfinite(value))
        return QStringLiteral("—");
    return noNegativeZero(QString::number(value, 'g', digits));
}

QString lrText(double lr) {
    if (!std::isfinite(lr) || lr <= 0)
        return formatNumber(lr, 3);
    const int k = static_cast<int>(std::floor(std::log10(lr) + 1e-9));
    const double m = lr / std::pow(10.0, k);
    const QString mantissa = std::abs(m - 1) < 1e-9 ? QString() : QString::number(m, 'g', 3);
    return mantissa + (mantissa.isEmpty() ? QStringLiteral("1e%1") : QStringLiteral("e%1")).arg(k);
}

QString representationTitle(const QString& name) {
    try {
        return QString::fromStdString(
            qm7::representationTitle(qm7::parseRepresentation(name.toStdString())));
    } catch (const std::exception&) {
        return name; // e.g. the paper recipe's "expanded-random-sorted"
    }
}

QString fixedNumber(double value, int decimals) {
    if (!std::isfinite(value))
        return QStringLiteral("—");
    return noNegativeZero(QString::number(value, 'f', decimals));
}

QString noNegativeZero(const QString& text) {
    if (!text.startsWith(QLatin1Char('-')))
        return text;
    for (QChar c : text.mid(1)) {
        if (c.isDigit() && c != QLatin1Char('0'))
            return text;
        if (c == QLatin1Char('e') || c == QLatin1Char('E'))
            break;
    }
    return text.mid(1);
}

} // namespace qm7::ui
