#pragma once
/// @file report.h
/// The one writer of the homework's report.md and of every CSV table (sweep.csv, curve.csv,
/// fits.csv, representations.csv). `qm7 homework`, `qm7 sweep`, `qm7 curve` and the workbench
/// all write through it, so the same runs give the same files.

#include "qm7/analysis/curve_fit.h"
#include "qm7/analysis/experiments.h"
#include "qm7/analysis/exploration.h"
#include "qm7/analysis/law_ranking.h"
#include "qm7/io/dataset.h"

#include <string>
#include <vector>

namespace qm7 {

/// Question 8: one representation's test errors over its runs.
struct RepresentationRow {
    std::string representation; ///< cm, sorted, eigen, random-sorted
    int d = 0;                  ///< features per molecule
    int runs = 0;
    double rmseMean = 0, rmseStd = 0; ///< kcal/mol, sample std over runs
    double maeMean = 0, maeStd = 0;   ///< kcal/mol
};

/// Summarizes the finished runs of one representation (null and cancelled runs are skipped).
RepresentationRow summarizeRepresentation(const std::string& representation, int d,
                                          const std::vector<const RunResult*>& runs);

/// Everything a report shows. Sections whose data are empty are left out.
struct HomeworkResult {
    LabelStats train, val, test;
    int d = 0, atoms = 0;
    SweepConfig sweepConfig;
    SweepSummary sweep;
    std::vector<RunResult> sweepRuns;
    RunResult final; ///< question 6: the chosen learning rate's run with the best validation loss
    CurveConfig curveConfig;
    std::vector<CurveRow> curve;
    std::vector<RunResult> curveRuns;
    std::vector<FitResult> fits;                    ///< ranked best first
    std::vector<Extrapolation> extrapolations;      ///< one per fit, same order (extrapolate95)
    std::vector<RepresentationRow> representations; ///< question 8, when compared
    LawRanking ranking;             ///< the laws ranked by forward validation: question 7's answer
    std::vector<CurveRow> measured; ///< verification runs at larger n (dir/verify/), if any
    std::vector<ExplorationTrial> exploration; ///< the folder's exploration/trials.csv, if any
    double targetN = 4000;
    int reusedRuns = 0; ///< runs read back instead of trained; < 0 = unknown
    bool cancelled = false;
    double seconds = 0; ///< wall time of the session that produced the runs; < 0 = unknown
};

/// What a front end has after its own session (e.g. the workbench's runs): the report is made
/// from these as `qm7 homework` makes it from its folder.
struct HomeworkInputs {
    LabelStats train, val, test;
    int d = 0, atoms = 0;
    SweepConfig sweep;                       ///< lrs, seeds, rule, base config
    std::vector<const RunResult*> sweepRuns; ///< finished sweep runs, any order
    CurveConfig curve;                       ///< sizes, seeds, base config (lr = chosen)
    std::vector<const RunResult*> curveRuns; ///< finished curve runs, any order
    std::vector<RepresentationRow> representations;
    double targetN = 4000;
    FitOptions fit;
    double seconds = -1; ///< < 0 = unknown (no wall-time line)
    int reusedRuns = -1; ///< < 0 = unknown
};

/// Summaries, fits (extrapolate95) and the question-6 run from a session's runs.
HomeworkResult homeworkFromRuns(const HomeworkInputs& inputs);

/// Question 6's run: among the runs with the chosen learning rate, the one with the lowest best
/// validation loss (the lowest seed on ties); nullptr when there is none.
const RunResult* questionSixRun(const SweepSummary& sweep,
                                const std::vector<const RunResult*>& runs);

/// A fit's value at n with a 95% band from Student's t at the fit's degrees of freedom.
/// The only extrapolation the report, the CLI and the workbench show.
Extrapolation extrapolate95(const FitResult& fit, double n);

/// A value and its standard error, the value rounded where the error's second significant
/// digit is: "1.9e5 ± 2.6e5", "3.46 ± 0.12", "1235 ± 57". sep replaces " ± " when given.
std::string formatWithError(double value, double error, const std::string& sep = " ± ");

/// The tables as CSV text.
std::string sweepCsv(const SweepSummary& sweep);
std::string curveCsv(const std::vector<CurveRow>& curve);
std::string representationsCsv(const std::vector<RepresentationRow>& rows);

/// report.md as text. Figures (file names relative to the report) are linked in a section.
std::string reportMarkdown(const HomeworkResult& result, const std::string& dataSource,
                           const std::vector<std::string>& figures = {});

/// sweep.csv, curve.csv, fits.csv and ranking.json (when there is a sweep / a curve; the
/// ranking whole, read back by loadHomework), representations.csv (when there are
/// representations) and report.md in dir, each atomically.
void writeReport(const HomeworkResult& result, const std::string& dir,
                 const std::string& dataSource, const std::vector<std::string>& figures = {});

} // namespace qm7
