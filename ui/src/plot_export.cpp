#include "qm7ui/plot_export.h"

#include <QChartView>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QImage>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <qcustomplot.h>

#include <cmath>

namespace qm7::ui {
namespace {

/// Draws the plot into painter on a logical area of size logical (painter may be scaled).
bool renderInto(QWidget* widget, QCPPainter& painter, QSize logical) {
    if (auto* plot = qobject_cast<QCustomPlot*>(widget)) {
        // Lay out and replot at the export size first: ranges that depend on the axes' shape
        // (the parity plot's equal axes) are computed for the figure, not for the window.
        const QRect old = plot->viewport();
        plot->setViewport(QRect(QPoint(0, 0), logical));
        plot->replot(QCustomPlot::rpQueuedRefresh);
        plot->toPainter(&painter, logical.width(), logical.height());
        plot->setViewport(old);
        plot->replot(QCustomPlot::rpQueuedRefresh);
        return true;
    }
    if (auto* view = qobject_cast<QChartView*>(widget)) {
        QChart* chart = view->chart();
        const QSizeF old = chart->size();
        chart->resize(QSizeF(logical));
        view->scene()->render(&painter, QRectF(QPointF(0, 0), QSizeF(logical)),
                              QRectF(chart->pos(), chart->size()));
        chart->resize(old);
        return true;
    }
    return false;
}

bool commit(QSaveFile& file, const QString& path, QString* error) {
    if (!file.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool openSaveFile(QSaveFile& file, const QString& path, QString* error) {
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace

ImageFormat imageFormatFor(const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("svg"))
        return ImageFormat::Svg;
    if (suffix == QLatin1String("pdf"))
        return ImageFormat::Pdf;
    return ImageFormat::Png;
}

bool exportPlot(QWidget* plot, const QString& path, QSize pixels, int dpi, QString* error) {
    if (!plot || pixels.width() < 16 || pixels.height() < 16 || dpi < 24 || dpi > 2400) {
        if (error)
            *error = QStringLiteral("invalid export size or DPI");
        return false;
    }
    QSaveFile file(path);
    if (!openSaveFile(file, path, error))
        return false;
    bool ok = false;
    switch (imageFormatFor(path)) {
    case ImageFormat::Png: {
        const double scale = dpi / 96.0;
        const QSize logical(qMax(1, qRound(pixels.width() / scale)),
                            qMax(1, qRound(pixels.height() / scale)));
        QImage image(pixels, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::white);
        {
            // Paint at screen resolution, scaled: fonts are measured and drawn at the same size
            // as on screen (an image at the target DPI would grow point-sized text twice).
            QCPPainter painter(&image);
            painter.setRenderHint(QPainter::Antialiasing);
            painter.scale(pixels.width() / double(logical.width()),
                          pixels.height() / double(logical.height()));
            ok = renderInto(plot, painter, logical);
        }
        const int dotsPerMeter = qRound(dpi / 0.0254);
        image.setDotsPerMeterX(dotsPerMeter);
        image.setDotsPerMeterY(dotsPerMeter);
        ok = ok && image.save(&file, "PNG");
        break;
    }
    case ImageFormat::Svg: {
        QSvgGenerator svg;
        svg.setOutputDevice(&file);
        svg.setSize(pixels);
        svg.setViewBox(QRect(QPoint(0, 0), pixels));
        svg.setResolution(96);
        svg.setTitle(QFileInfo(path).completeBaseName());
        svg.setDescription(QStringLiteral("QM7 Workbench plot"));
        QCPPainter painter;
        painter.begin(&svg);
        painter.setMode(QCPPainter::pmVectorized);
        painter.setMode(QCPPainter::pmNoCaching);
        ok = renderInto(plot, painter, pixels);
        painter.end();
        break;
    }
    case ImageFormat::Pdf: {
        QPdfWriter pdf(&file);
        pdf.setResolution(96);
        pdf.setPageSize(QPageSize(QSizeF(pixels.width() * 72.0 / 96, pixels.height() * 72.0 / 96),
                                  QPageSize::Point));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setCreator(QStringLiteral("QM7 Workbench"));
        QCPPainter painter;
        painter.begin(&pdf);
        painter.setMode(QCPPainter::pmVectorized);
        painter.setMode(QCPPainter::pmNoCaching);
        ok = renderInto(plot, painter, pixels);
        painter.end();
        break;
    }
    }
    if (!ok) {
        file.cancelWriting();
        if (error)
            *error = QStringLiteral("cannot render the plot to %1").arg(path);
        return false;
    }
    return commit(file, path, error);
}

bool writeTextFile(const QString& path, const QString& text, QString* error) {
    QSaveFile file(path);
    if (!openSaveFile(file, path, error))
        return false;
    const QByteArray bytes = text.toUtf8();
    if (file.write(bytes) != bytes.size()) {
        file.cancelWriting();
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return commit(file, path, error);
}

QString csvField(const QString& text) {
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) &&
        !text.contains(QLatin1Char('\n')))
        return text;
    QString quoted = text;
    quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

} // namespace qm7::ui
