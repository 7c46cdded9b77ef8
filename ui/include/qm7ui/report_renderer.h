#pragma once
/// @file report_renderer.h
/// The homework report with the workbench's own figures: one code path for the GUI's
/// "Write homework report" and `qm7-workbench --render-report DIR`.

#include "qm7ui/meta_types.h"

#include "qm7/analysis/homework.h"

#include <QSize>
#include <QString>
#include <QStringList>

#include <string>
#include <vector>

namespace qm7::ui {

/// Pixel size and DPI of the report's PNG figures (SVGs get the same page size).
inline constexpr QSize kReportFigureSize{1600, 1000};
inline constexpr int kReportFigureDpi = 150;

/// What rendering produced.
struct ReportFigures {
    std::vector<std::string>
        files;         ///< PNGs relative to the homework folder, e.g. "figures/parity.png"
    QStringList notes; ///< figures skipped, and why
};

/// Renders the homework's figures (loss curves and parity of the final run, the lr sweep, the
/// learning curve with result.ranking drawn as it is: the chosen law, fit windows, forward errors
/// and bands of fits.csv; the energy histogram when data is given; the exploration's parallel
/// coordinates, heatmap and profile when the folder holds one) with the workbench's plot
/// widgets into dir/figures/ as PNG and SVG. GUI thread only.
/// Throws std::runtime_error when a file cannot be written.
ReportFigures renderHomeworkFigures(const qm7::HomeworkResult& result, const QString& dir,
                                    const DatasetPtr& data);

/// The data set behind a homework's data source (for the histogram); null, with the reason in
/// why, when it cannot be loaded.
DatasetPtr loadReportData(const std::string& dataSource, QString* why);

/// Renders the figures, then writes sweep.csv, curve.csv, fits.csv and report.md linking them
/// (qm7::writeHomeworkReport, as `qm7 homework`). Throws std::runtime_error on failure.
ReportFigures writeHomeworkReportWithFigures(const qm7::HomeworkResult& result, const QString& dir,
                                             const std::string& dataSource, const DatasetPtr& data);

/// `--render-report DIR`: loads a finished homework folder (qm7::loadHomework: its runs and the
/// law ranking the report was written with, ranking.json), loads its data source for the
/// histogram, renders and writes the report. Returns the exit code: 0 done, 2 when dir is not
/// a finished homework, 1 on other failures; message says what happened.
int renderReportCommand(const QString& dir, QString* message);

} // namespace qm7::ui
