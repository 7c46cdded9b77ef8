#pragma once
/// @file homework.h
/// The whole homework (questions 1 to 7) in one resumable call, and reading a finished
/// homework folder back. The CLI's `qm7 homework` and the workbench's "Write homework report"
/// both use it; the report and tables are written by report.h.

#include "qm7/analysis/experiments.h"
#include "qm7/analysis/report.h"
#include "qm7/io/dataset.h"

#include <functional>
#include <string>
#include <vector>

namespace qm7 {

/// Settings of a homework run; defaults are the homework's.
struct HomeworkConfig {
    TrainConfig base; ///< p, epochs, batch, eval interval
    std::vector<double> lrs = {1e-5, 1e-4, 1e-3, 1e-2};
    int seeds = 3;
    SweepRule rule = SweepRule::BestLoss; ///< see sweepRuleStatement
    std::vector<int> sizes = {100, 200, 500, 1000};
    double targetN = 4000; ///< extrapolate the fits here
    FitOptions fit;
    std::string validate(int availableRows) const;
    std::string toJson(const std::string& dataSource) const;
};

/// Stage messages ("sweep: 12 runs", ...) for a front end.
using StageCallback = std::function<void(const std::string&)>;

/// Runs the homework into dir: dir/config.json, dir/data.json, dir/sweep/<run>/,
/// dir/curve/<run>/, dir/final/ (question 6's run) and dir/session.json (this session's wall
/// time and reused runs, read back by loadHomework).
/// Finished runs already in dir are reused; throws std::invalid_argument when dir holds a
/// homework with other settings or data.
HomeworkResult runHomework(const Dataset& data, const HomeworkConfig& config,
                           const std::string& dir, const std::string& dataSource,
                           const TrainOptions& options, const StageCallback& stage = {});

/// Reads back a finished homework folder (no training): its settings, runs, summaries and fits.
/// The law ranking is the one the report was written with (dir/ranking.json) when it was made
/// from the same curve, target n and fit options; folders without it are ranked from the runs.
/// Throws std::runtime_error when the folder is not a finished homework or ranking.json is
/// damaged.
HomeworkResult loadHomework(const std::string& dir, std::string* dataSource = nullptr);

/// The settings stored in a homework folder's config.json.
HomeworkConfig homeworkConfigFromJson(const std::string& json, std::string* dataSource = nullptr);

/// A run folder's name for a learning rate and seed, e.g. "lr1e-03-seed0".
std::string sweepRunName(double lr, std::uint64_t seed);
std::string curveRunName(int n, std::uint64_t seed);

} // namespace qm7
