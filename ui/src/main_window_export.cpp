#include "qm7ui/main_window.h"

#include "qm7ui/session.h"

#include "qm7ui/data_panel.h"
#include "qm7ui/export_dialog.h"
#include "qm7ui/learning_curve_view.h"
#include "qm7ui/parity_view.h"
#include "qm7ui/plot_export.h"
#include "qm7ui/plot_page.h"
#include "qm7ui/plot_style.h"
#include "qm7ui/runs_table.h"
#include "qm7ui/sweep_view.h"

#include "job_builder.h"

#include "qm7/analysis/report.h"

#include <exception>

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>

/// The export actions: one plot, one tab's CSV, every figure, CSV and report.md of the tabs.

namespace qm7::ui {

void MainWindow::exportCurrentPlot() {
    PlotPage* page = currentPage();
    if (!page)
        return;
    const auto plots = page->plots();
    QStringList names;
    for (const auto& p : plots)
        names << p.first;
    QSettings settings;
    ExportDialog dialog(names,
                        settings.value(QStringLiteral("export/size"), QSize(1600, 1200)).toSize(),
                        settings.value(QStringLiteral("export/dpi"), 200).toInt(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    settings.setValue(QStringLiteral("export/size"), dialog.pixelSize());
    settings.setValue(QStringLiteral("export/dpi"), dialog.dpi());
    const auto& chosen = plots[qMax(0, dialog.plotIndex())];
    const QString dir = startFolder(QStringLiteral("export/dir"));
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export plot"), QDir(dir).filePath(chosen.first + QStringLiteral(".png")),
        tr("PNG image (*.png);;SVG vector image (*.svg);;PDF document (*.pdf)"));
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("export/dir"), QFileInfo(path).path());
    QString error;
    if (!exportPlot(chosen.second, path, dialog.pixelSize(), dialog.dpi(), &error))
        warn(tr("Export failed"), error);
    else
        showStatus(tr("Wrote %1").arg(QDir::toNativeSeparators(path)));
}

void MainWindow::exportCurrentCsv() {
    PlotPage* page = currentPage();
    if (!page)
        return;
    const auto files = page->csvFiles();
    if (files.isEmpty() || files.front().second.isEmpty()) {
        showStatus(tr("Nothing to export on this tab yet."));
        return;
    }
    QSettings settings;
    const QString dir = startFolder(QStringLiteral("export/dir"));
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export data"), QDir(dir).filePath(files.front().first + QStringLiteral(".csv")),
        tr("CSV (*.csv)"));
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("export/dir"), QFileInfo(path).path());
    QString error;
    bool ok = writeTextFile(path, files.front().second, &error);
    for (int i = 1; ok && i < files.size(); ++i) {
        const QString extra =
            QFileInfo(path).dir().filePath(files[i].first + QStringLiteral(".csv"));
        ok = writeTextFile(extra, files[i].second, &error);
    }
    if (!ok)
        warn(tr("Export failed"), error);
    else
        showStatus(tr("Wrote %1").arg(QDir::toNativeSeparators(path)));
}

qm7::HomeworkResult MainWindow::sessionReport() const {
    qm7::HomeworkInputs in;
    if (const auto data = m_data->dataset()) {
        in.train = qm7::labelStats(data->train.y);
        in.val = qm7::labelStats(data->val.y);
        in.test = qm7::labelStats(data->test.y);
        in.d = data->d;
        in.atoms = data->atoms;
    }
    in.sweep = jobBuilder().sweepConfig();
    if (!m_sweep->summary().rows.empty()) {
        in.sweep.lrs.clear();
        for (const auto& row : m_sweep->summary().rows)
            in.sweep.lrs.push_back(row.lr);
    }
    for (const auto& r : m_session->sweepRuns())
        in.sweepRuns.push_back(r.get());
    in.curve = m_session->curveConfig();
    for (const auto& r : m_session->curveRuns())
        in.curveRuns.push_back(r.get());
    in.targetN = m_curve->targetN();
    in.fit = m_curve->fitOptions();
    qm7::HomeworkResult report = qm7::homeworkFromRuns(in);
    // One ranking: the tab's (with the points the user excluded) is the one the exported
    // figure draws, so report.md and fits.csv are written from it too.
    if (!report.curveRuns.empty() && !m_curve->points().empty())
        report.ranking = m_curve->ranking();
    return report;
}

QString MainWindow::startFolder(const QString& key) const {
    const QString last = QSettings().value(key).toString();
    return !last.isEmpty() && QDir(last).exists() ? last : m_runs->projectDir();
}

bool MainWindow::exportAll(const QString& dir, QString* error) {
    if (!QDir().mkpath(dir)) {
        if (error)
            *error = tr("cannot create %1").arg(dir);
        return false;
    }
    const QDir out(dir);
    std::vector<std::string> figures;
    for (PlotPage* page : pages()) {
        for (const auto& [name, widget] : page->plots()) {
            for (const char* suffix : {".png", ".svg", ".pdf"}) {
                if (!exportPlot(widget, out.filePath(name + QLatin1String(suffix)),
                                QSize(1600, 1200), 200, error))
                    return false;
            }
            figures.push_back((name + QStringLiteral(".png")).toStdString());
        }
        // The sweep's and the curve's tables are core's (sweep.csv, curve.csv, fits.csv).
        if (page == m_sweep || page == m_curve)
            continue;
        for (const auto& [name, text] : page->csvFiles()) {
            if (!text.isEmpty() &&
                !writeTextFile(out.filePath(name + QStringLiteral(".csv")), text, error))
                return false;
        }
    }
    try {
        qm7::writeReport(sessionReport(), dir.toStdString(), m_data->source().toStdString(),
                         figures);
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    return true;
}

void MainWindow::exportAllDialog() {
    QSettings settings;
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Write the report into"), startFolder(QStringLiteral("export/dir")));
    if (dir.isEmpty())
        return;
    settings.setValue(QStringLiteral("export/dir"), dir);
    QString error;
    if (!exportAll(dir, &error))
        warn(tr("Export failed"), error);
    else
        showStatus(tr("Wrote the report into %1").arg(QDir::toNativeSeparators(dir)));
}

} // namespace qm7::ui
