#pragma once
/// @file homework.h
/// The whole homework (questions 1 to 7) in one resumable call, its CSV tables and report.md.
/// The CLI's `qm7 homework` and the workbench's "Write homework report" both use it.

#include "qm7/analysis/curve_fit.h"
#include "qm7/io/dataset.h"
#include "qm7/analysis/experiments.h"
#include "qm7/analysis/law_ranking.h"

#include <functional>
#include <string>
#include <vector>

namespace qm7 {

/// Settings of a homework run; defaults are the homework's.
struct HomeworkConfig {
    TrainConfig base; ///< p, epochs, batch, eval interval
    std::vector<double> lrs = {1e-5, 1e-4, 1e-3, 1e-2};
    int seeds = 3;
    SweepRule rule = SweepRule::FinalLoss;
    std::vector<int> sizes = {100, 200, 500, 1000};
    double targetN = 4000; ///< extrapolate the fits here
    FitOptions fit;
    std::string validate(int availableRows) const;
    std::string toJson(const std::string& dataSource) const;
};

/// Everything the homework produced.
struct HomeworkResult {
    LabelStats train, val, test;
    int d = 0, atoms = 0;
    SweepConfig sweepConfig;
    SweepSummary sweep;
    std::vector<RunResult> sweepRuns;
    RunResult final; ///< the chosen learning rate, seed 0
    CurveConfig curveConfig;
    std::vector<CurveRow> curve;
    std::vector<RunResult> curveRuns;
    std::vector<FitResult> fits;               ///< ranked best first
    std::vector<Extrapolation> extrapolations; ///< one per fit, same order
    LawRanking ranking;             ///< the laws ranked by forward validation: question 7's answer
    std::vector<CurveRow> measured; ///< verification runs at larger n (dir/verify/), if any
    double targetN = 4000;
    int reusedRuns = 0;
    bool cancelled = false;
    double seconds = 0;
};

/// Stage messages ("sweep: 12 runs", ...) for a front end.
using StageCallback = std::function<void(const std::string&)>;

/// Runs the homework into dir: dir/config.json, dir/sweep/<run>/, dir/curve/<run>/, dir/final/.
/// Finished runs already in dir are reused; throws std::invalid_argument when dir holds a
/// homework with other settings or data.
HomeworkResult runHomework(const Dataset& data, const HomeworkConfig& config,
                           const std::string& dir, const std::string& dataSource,
                           const TrainOptions& options, const StageCallback& stage = {});

/// Reads back a finished homework folder (no training): its settings, runs, summaries and fits.
/// Throws std::runtime_error when the folder is not a finished homework.
HomeworkResult loadHomework(const std::string& dir, std::string* dataSource = nullptr);

/// The settings stored in a homework folder's config.json.
HomeworkConfig homeworkConfigFromJson(const std::string& json, std::string* dataSource = nullptr);

/// sweep.csv, curve.csv, fits.csv and report.md in dir (atomically). Figures listed in
/// `figures` (file names relative to dir) are linked from the report.
void writeHomeworkReport(const HomeworkResult& result, const std::string& dir,
                         const std::string& dataSource,
                         const std::vector<std::string>& figures = {});

/// A fit's value at n with a 95% band from Student's t at the fit's degrees of freedom.
Extrapolation extrapolate95(const FitResult& fit, double n);

/// The tables as CSV text.
std::string sweepCsv(const SweepSummary& sweep);
std::string curveCsv(const std::vector<CurveRow>& curve);
std::string fitsCsv(const std::vector<FitResult>& fits,
                    const std::vector<Extrapolation>& extrapolations);

/// A run folder's name for a learning rate and seed, e.g. "lr1e-03-seed0".
std::string sweepRunName(double lr, std::uint64_t seed);
std::string curveRunName(int n, std::uint64_t seed);

} // namespace qm7
