#include "qm7ui/report_renderer.h"

#include "qm7ui/exploration_view.h"
#include "qm7ui/histogram_view.h"
#include "qm7ui/learning_curve_view.h"
#include "qm7ui/loss_plot.h"
#include "qm7ui/parity_view.h"
#include "qm7ui/plot_export.h"
#include "qm7ui/plot_style.h"
#include "qm7ui/sweep_view.h"

#include "qm7/chem/dataset_builder.h"

#include <QDir>
#include <QFileInfo>

#include <exception>
#include <memory>
#include <stdexcept>

namespace qm7::ui {
namespace {

/// Writes one plot widget as dir/figures/stem.png and .svg; returns the PNG's relative path.
std::string writeFigure(QWidget* plot, const QString& dir, const QString& stem) {
    const QDir figures(QDir(dir).filePath(QStringLiteral("figures")));
    for (const char* suffix : {".png", ".svg"}) {
        QString error;
        if (!exportPlot(plot, figures.filePath(stem + QLatin1String(suffix)), kReportFigureSize,
                        kReportFigureDpi, &error))
            throw std::runtime_error(error.toStdString());
    }
    return QStringLiteral("figures/%1.png").arg(stem).toStdString();
}

QString runLabel(const qm7::RunResult& run) {
    return QStringLiteral("lr %1, seed %2, p %3")
        .arg(lrText(run.config.lr))
        .arg(run.config.seed)
        .arg(run.config.hidden);
}

} // namespace

ReportFigures renderHomeworkFigures(const qm7::HomeworkResult& result, const QString& dir,
                                    const DatasetPtr& data) {
    if (!QDir().mkpath(QDir(dir).filePath(QStringLiteral("figures"))))
        throw std::runtime_error("cannot create " + dir.toStdString() + "/figures");
    ReportFigures out;
    const auto final = std::make_shared<const qm7::RunResult>(result.final);
    const QString finalLabel = runLabel(result.final);

    if (data) {
        HistogramView histogram;
        histogram.setDataset(data);
        out.files.push_back(
            writeFigure(histogram.plots().front().second, dir, QStringLiteral("energy_histogram")));
    } else {
        out.notes << QStringLiteral("energy histogram skipped: the data source could not be "
                                    "loaded");
    }

    LossPlot loss;
    loss.showRuns({final}, {finalLabel});
    loss.replotNow();
    out.files.push_back(writeFigure(loss.plot(), dir, QStringLiteral("loss_curves")));

    if (!result.final.testTrue.empty()) {
        ParityView parity;
        parity.setRun(final, QStringLiteral("test set, ") + finalLabel);
        out.files.push_back(writeFigure(parity.parityPlot(), dir, QStringLiteral("parity")));
    } else {
        out.notes << QStringLiteral("parity plot skipped: final/ holds no test predictions");
    }

    std::vector<RunResultPtr> sweepRuns;
    for (const auto& r : result.sweepRuns)
        sweepRuns.push_back(std::make_shared<const qm7::RunResult>(r));
    SweepView sweep;
    sweep.setSweep(result.sweepConfig, sweepRuns);
    out.files.push_back(writeFigure(sweep.plots().front().second, dir, QStringLiteral("lr_sweep")));

    // The ranking that writes fits.csv and report.md, drawn as it is (never ranked again).
    LearningCurveView curve;
    curve.showRanking(qm7::curvePoints(result.curve), result.ranking);
    curve.setMeasured(result.measured);
    out.files.push_back(writeFigure(curve.plot(), dir, QStringLiteral("learning_curve")));

    if (!result.exploration.empty()) { // the folder's exploration/, drawn as the tab draws it
        ExplorationView exploration;
        exploration.setTrials(result.exploration);
        const bool twoSettings = qm7::explorationSettingNames(result.exploration).size() > 1;
        for (const auto& [name, plot] : exploration.plots())
            if (twoSettings || name != QLatin1String("exploration_heatmap"))
                out.files.push_back(writeFigure(plot, dir, name));
    }
    return out;
}

DatasetPtr loadReportData(const std::string& dataSource, QString* why) {
    if (dataSource.empty()) {
        if (why)
            *why = QStringLiteral("config.json names no data source");
        return nullptr;
    }
    try {
        return std::make_shared<const qm7::Dataset>(qm7::loadDataSource(dataSource));
    } catch (const std::exception& e) {
        if (why)
            *why = QString::fromStdString(e.what());
        return nullptr;
    }
}

ReportFigures writeHomeworkReportWithFigures(const qm7::HomeworkResult& result, const QString& dir,
                                             const std::string& dataSource,
                                             const DatasetPtr& data) {
    ReportFigures figures = renderHomeworkFigures(result, dir, data);
    qm7::writeReport(result, dir.toStdString(), dataSource, figures.files);
    return figures;
}

int renderReportCommand(const QString& dir, QString* message) {
    qm7::HomeworkResult result;
    std::string dataSource;
    try {
        if (!QFileInfo(QDir(dir).filePath(QStringLiteral("config.json"))).isFile())
            throw std::runtime_error(dir.toStdString() + " holds no config.json");
        result = qm7::loadHomework(dir.toStdString(), &dataSource);
    } catch (const std::exception& e) {
        if (message)
            *message = QStringLiteral("%1 is not a finished homework: %2\n(run `qm7 homework "
                                      "--out %1` or the workbench's \"Write homework report\" "
                                      "first)")
                           .arg(dir, QString::fromStdString(e.what()));
        return 2;
    }
    QString why;
    const DatasetPtr data = loadReportData(dataSource, &why);
    try {
        const ReportFigures figures = writeHomeworkReportWithFigures(result, dir, dataSource, data);
        QString text = QStringLiteral("wrote %1 figures and %2")
                           .arg(figures.files.size())
                           .arg(QDir(dir).filePath(QStringLiteral("report.md")));
        for (const QString& note : figures.notes)
            text += QStringLiteral("\nnote: ") + note +
                    (why.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(why));
        if (message)
            *message = text;
        return 0;
    } catch (const std::exception& e) {
        if (message)
            *message = QStringLiteral("cannot write the report in %1: %2")
                           .arg(dir, QString::fromStdString(e.what()));
        return 1;
    }
}

} // namespace qm7::ui
