#pragma once
/// @file plot_export.h
/// Writes a plot (QCustomPlot or QChartView) as PNG, SVG or PDF, and text files, atomically.

#include <QSize>
#include <QString>

class QWidget;

namespace qm7::ui {

/// Image formats a plot can be exported to.
enum class ImageFormat { Png, Svg, Pdf };

/// The format from a file name's suffix (png, svg, pdf); Png when unknown.
ImageFormat imageFormatFor(const QString& path);

/// Renders plot (a QCustomPlot or a QChartView) to path. pixels is the image size; for PNG,
/// dpi scales fonts and lines (96 = screen size) and is stored in the file. For SVG and PDF
/// pixels is the page size at 96 dpi. Writes atomically; on failure returns false and sets error.
bool exportPlot(QWidget* plot, const QString& path, QSize pixels, int dpi, QString* error);

/// Writes text (UTF-8) to path atomically (QSaveFile).
bool writeTextFile(const QString& path, const QString& text, QString* error);

/// Quotes a CSV field when needed.
QString csvField(const QString& text);

} // namespace qm7::ui
