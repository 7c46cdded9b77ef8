#pragma once
/// @file plot_style.h
/// One look for every plot: colours, fonts, axis styling.

#include <QColor>
#include <QString>

class QCustomPlot;
class QCPAxis;

namespace qm7::ui {

/// The i-th colour of a colour-blind-friendly palette (cycles).
QColor paletteColor(int i);

/// A lighter, translucent version of a colour for per-seed lines and bands.
QColor faded(const QColor& color, int alpha = 90);

/// Fonts, margins and interactions shared by every QCustomPlot of the workbench.
void stylePlot(QCustomPlot* plot);

/// Puts a log ticker (10^k labels) on an axis, or a plain one.
void setLogAxis(QCPAxis* axis, bool log);

/// A number with a sensible number of digits for tables and tooltips.
QString formatNumber(double value, int digits = 4);

} // namespace qm7::ui
