// The learning-curve figure of several models on log-log axes, and its headless rendering.
#include "qm7ui/model_curves_plot.h"

#include "qm7ui/plot_export.h"
#include "qm7ui/plot_style.h"
#include "qm7ui/report_renderer.h"

#include "qcustomplot.h"

#include <QDir>

#include <algorithm>
#include <cmath>

namespace qm7::ui {

namespace {

/// One marker shape per model, so the figure reads in grey too.
QCPScatterStyle::ScatterShape shapeFor(int i) {
    static const QCPScatterStyle::ScatterShape shapes[] = {
        QCPScatterStyle::ssCircle,           QCPScatterStyle::ssSquare,
        QCPScatterStyle::ssTriangle,         QCPScatterStyle::ssDiamond,
        QCPScatterStyle::ssTriangleInverted, QCPScatterStyle::ssCross};
    return shapes[i % 6];
}

} // namespace

QString modelCurveLegend(const qm7::ModelCurve& curve) {
    const QString label = QString::fromStdString(curve.label);
    if (!curve.fit.ok)
        return label;
    return QStringLiteral("%1 (slope %2)").arg(label, fixedNumber(curve.slope(), 2));
}

void drawModelCurves(QCustomPlot* plot, const std::vector<qm7::ModelCurve>& curves) {
    plot->clearPlottables();
    plot->clearItems();
    setLogAxis(plot->xAxis, true);
    setLogAxis(plot->yAxis, true);
    plot->xAxis->setLabel(QObject::tr("training molecules n"));
    plot->yAxis->setLabel(QObject::tr("test MAE (kcal/mol)"));
    double nLo = INFINITY, nHi = 0, yLo = INFINITY, yHi = 0;
    int index = 0;
    for (const qm7::ModelCurve& c : curves) {
        QVector<double> xs, ys;
        for (const qm7::ModelCurvePoint& p : c.points) {
            if (p.result.failed() || !(p.result.test.mae > 0))
                continue;
            xs << p.result.trainRows;
            ys << p.result.test.mae;
            nLo = std::min(nLo, xs.back());
            nHi = std::max(nHi, xs.back());
            yLo = std::min(yLo, ys.back());
            yHi = std::max(yHi, ys.back());
        }
        const QColor color = paletteColor(index);
        QCPGraph* g = plot->addGraph();
        g->setObjectName(QString::fromStdString(c.key));
        g->setData(xs, ys, true);
        g->setPen(QPen(color, 2));
        g->setScatterStyle(QCPScatterStyle(shapeFor(index), QPen(color, 2), Qt::white, 9));
        g->setName(modelCurveLegend(c));
        if (c.fit.ok && xs.size() >= 2) {
            QVector<double> fx, fy;
            const double a = std::log(xs.front()), b = std::log(xs.back());
            for (int k = 0; k <= 20; ++k) {
                const double n = std::exp(a + (b - a) * k / 20);
                fx << n;
                fy << qm7::evaluateCurve(qm7::CurveModel::Power, c.fit.params, n);
            }
            QCPGraph* fit = plot->addGraph();
            fit->setObjectName(QString::fromStdString(c.key) + QStringLiteral("-fit"));
            fit->setData(fx, fy, true);
            fit->setPen(QPen(faded(color, 200), 1.2, Qt::DashLine));
            fit->removeFromLegend();
        }
        ++index;
    }
    plot->legend->setVisible(!curves.empty());
    if (curves.empty()) {
        auto* hint = new QCPItemText(plot);
        hint->setObjectName(QStringLiteral("emptyHint"));
        hint->position->setType(QCPItemPosition::ptAxisRectRatio);
        hint->position->setCoords(0.5, 0.5);
        hint->setText(QObject::tr("No learning curves in this folder yet.\nPress Run, or run "
                                  "`qm7 invariance --curve --out FOLDER`."));
        hint->setTextAlignment(Qt::AlignCenter);
        hint->setColor(QColor(110, 110, 110));
        plot->xAxis->setRange(50, 10000);
        plot->yAxis->setRange(0.5, 50);
    } else {
        plot->xAxis->setRange(nLo / 1.4, nHi * 1.4);
        plot->yAxis->setRange(yLo / 1.5, yHi * 1.5);
    }
    plot->replot();
}

int renderCurvesCommand(const QString& dir, QString* message) {
    std::vector<qm7::ModelCurve> curves;
    try {
        curves = qm7::collectModelCurves(dir.toStdString());
    } catch (const std::exception& e) {
        if (message)
            *message = QString::fromStdString(e.what());
        return 2;
    }
    if (curves.empty()) {
        if (message)
            *message = QStringLiteral("%1 holds no learning-curve points (run `qm7 invariance "
                                      "--curve --out %1` first)")
                           .arg(dir);
        return 2;
    }
    QCustomPlot plot;
    plot.resize(kReportFigureSize);
    stylePlot(&plot);
    placeLegendOutside(&plot, Qt::TopEdge);
    drawModelCurves(&plot, curves);
    fitLegendColumns(&plot, 2);
    const QString figures = QDir(dir).filePath(QStringLiteral("figures"));
    if (!QDir().mkpath(figures)) {
        if (message)
            *message = QStringLiteral("cannot create %1").arg(figures);
        return 1;
    }
    QString error;
    for (const QString& suffix : {QStringLiteral("png"), QStringLiteral("svg")}) {
        const QString path = QDir(figures).filePath(QStringLiteral("learning_curves.") + suffix);
        if (!exportPlot(&plot, path, kReportFigureSize, kReportFigureDpi, &error)) {
            if (message)
                *message = error;
            return 1;
        }
    }
    if (message)
        *message = QStringLiteral("wrote %1/learning_curves.png and .svg").arg(figures);
    return 0;
}

} // namespace qm7::ui
