#pragma once
/// @file plot_style.h
/// One look for every plot: colours, fonts, axis styling.

#include <QColor>
#include <Qt>
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

/// Puts a readable log ticker on an axis (labelled 1-2-5 ticks on short ranges, one number
/// format per axis), or a plain one.
void setLogAxis(QCPAxis* axis, bool log);

/// Moves the legend out of the axes, to the right of them or above them, so it never covers
/// data.
void placeLegendOutside(QCustomPlot* plot, Qt::Edge edge = Qt::RightEdge);

/// Lays a legend above the axes out in at most maxColumns columns, fewer when its widest item
/// would not fit the plot's width that many times (no entry cut at the edge).
void fitLegendColumns(QCustomPlot* plot, int maxColumns);

/// A number with a sensible number of digits for tables and tooltips.
QString formatNumber(double value, int digits = 4);

/// A learning rate in one format everywhere (legends, tables, labels): "1e-3", "3e-4",
/// "2.5e-4".
QString lrText(double lr);

/// A representation's name in words ("Coulomb matrix", "eigenspectrum") from its short name
/// (cm, sorted, eigen, random-sorted); an unknown name is returned as it is.
QString representationTitle(const QString& name);

/// A duration for tables and progress lines: "0.6 s", "3 min 05 s", "1 h 02 min"; "-" when not
/// a number or negative.
QString durationText(double seconds);

/// value with a fixed number of decimals, never "-0.00".
QString fixedNumber(double value, int decimals);

/// text without the minus of a number that rounds to zero ("-0.00" -> "0.00").
QString noNegativeZero(const QString& text);

} // namespace qm7::ui
