#include "qm7ui/main_window.h"

#include "qm7ui/data_panel.h"
#include "qm7ui/export_dialog.h"
#include "qm7ui/learning_curve_view.h"
#include "qm7ui/parity_view.h"
#include "qm7ui/plot_export.h"
#include "qm7ui/plot_page.h"
#include "qm7ui/plot_style.h"
#include "qm7ui/sweep_view.h"

#include "qm7/analysis/experiments.h"
#include "qm7/version.h"

#include <QDateTime>
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
    const QString dir = settings.value(QStringLiteral("export/dir"), QDir::homePath()).toString();
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
    const QString dir = settings.value(QStringLiteral("export/dir"), QDir::homePath()).toString();
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

bool MainWindow::exportAll(const QString& dir, QString* error) {
    if (!QDir().mkpath(dir)) {
        if (error)
            *error = tr("cannot create %1").arg(dir);
        return false;
    }
    const QDir out(dir);
    for (PlotPage* page : pages()) {
        for (const auto& [name, widget] : page->plots()) {
            for (const char* suffix : {".png", ".svg", ".pdf"}) {
                if (!exportPlot(widget, out.filePath(name + QLatin1String(suffix)),
                                QSize(1600, 1200), 200, error))
                    return false;
            }
        }
        for (const auto& [name, text] : page->csvFiles()) {
            if (!text.isEmpty() &&
                !writeTextFile(out.filePath(name + QStringLiteral(".csv")), text, error))
                return false;
        }
    }
    return writeTextFile(out.filePath(QStringLiteral("report.md")), reportMarkdown(), error);
}

QString MainWindow::reportMarkdown() const {
    QString md;
    md += QStringLiteral("# QM7 homework report\n\n");
    md += tr("Written by qm7-workbench %1 (git %2) on %3.\n\n")
              .arg(QString::fromLatin1(qm7::kVersion), QString::fromLatin1(qm7::kGitRevision),
                   QDateTime::currentDateTime().toString(Qt::ISODate));
    md += QStringLiteral("## Data\n\n```\n") + m_data->summaryText() + QStringLiteral("\n```\n\n");
    md += QStringLiteral("![energy histogram](energy_histogram.png)\n\n");
    md += QStringLiteral("## Training\n\n![loss curves](loss_curves.png)\n\n");
    if (m_sweep->chosenLr() > 0) {
        md += QStringLiteral("## Learning-rate sweep\n\n");
        md += tr("Chosen learning rate: **%1**.\n\n").arg(formatNumber(m_sweep->chosenLr(), 3));
        md += QStringLiteral("![sweep](lr_sweep.png)\n\nData: `lr_sweep.csv`.\n\n");
    }
    if (const RunResultPtr run = m_parity->run()) {
        md += QStringLiteral("## Test set\n\n");
        md += tr("Test RMSE %1 kcal/mol, MAE %2 kcal/mol, R² %3 (lr %4, seed %5, p %6, %7 "
                 "epochs).\n\n")
                  .arg(run->test.rmse, 0, 'f', 2)
                  .arg(run->test.mae, 0, 'f', 2)
                  .arg(run->test.r2, 0, 'f', 4)
                  .arg(formatNumber(run->config.lr, 3))
                  .arg(run->config.seed)
                  .arg(run->config.hidden)
                  .arg(run->epochsDone);
        md += QStringLiteral("![parity](parity.png) ![residuals](residuals.png)\n\n");
    }
    if (!m_curve->points().empty()) {
        md += QStringLiteral("## Learning curve\n\n| model | A | b | C | R² | at n = %1 |\n"
                             "|---|---|---|---|---|---|\n")
                  .arg(m_curve->targetN());
        for (const auto& f : m_curve->fits()) {
            auto p = [&](std::size_t i) {
                return f.ok && i < f.params.size()
                           ? formatNumber(f.params[i], 4) + QStringLiteral(" ± ") +
                                 formatNumber(f.stderrs[i], 2)
                           : QString();
            };
            const qm7::Extrapolation e = qm7::extrapolate(f, m_curve->targetN());
            md += QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 |\n")
                      .arg(QString::fromStdString(qm7::curveModelFormula(f.model)), p(0), p(1),
                           p(2), formatNumber(f.r2, 4),
                           e.ok ? QStringLiteral("%1 [%2, %3]")
                                      .arg(formatNumber(e.value, 4), formatNumber(e.lower, 3),
                                           formatNumber(e.upper, 3))
                                : QString());
        }
        md += QStringLiteral("\n![learning curve](learning_curve.png)\n");
    }
    return md;
}

void MainWindow::exportAllDialog() {
    QSettings settings;
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Write the report into"),
        settings.value(QStringLiteral("export/dir"), QDir::homePath()).toString());
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
