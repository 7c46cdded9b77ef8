#pragma once
/// @file experiments.h
/// The homework's experiments: the learning-rate sweep over seeds (question 5) and the learning
/// curve over training sizes and seeds (question 7), as configs in and summaries out.

#include "qm7/analysis/curve_fit.h"
#include "qm7/train/trainer.h"

#include <string>
#include <vector>

namespace qm7 {

/// Which validation loss picks the learning rate. Every run is tested with its best-validation
/// weights (those of the epoch of its lowest validation loss), so BestLoss, the default, ranks
/// the learning rates by the very weights that are tested; FinalLoss ranks them by the last
/// epoch's loss, while the test numbers stay those of the best-validation weights.
enum class SweepRule { FinalLoss, BestLoss };
std::string sweepRuleName(SweepRule rule); ///< "final" or "best"

/// The rule in one sentence, with the weights that are tested: what the report, `qm7 sweep`
/// and the Learning-rate sweep tab say beside the chosen rate.
std::string sweepRuleStatement(SweepRule rule);

/// A grid of learning rates x seeds around one base config.
struct SweepConfig {
    TrainConfig base;
    std::vector<double> lrs = {1e-5, 1e-4, 1e-3, 1e-2};
    int seeds = 3; ///< seeds 0 .. seeds-1
    SweepRule rule = SweepRule::BestLoss;
    std::string validate() const; ///< "" when usable
};

/// Per learning rate: mean and sample std over seeds (normalized validation MSE).
struct SweepRow {
    double lr = 0;
    double finalMean = 0, finalStd = 0;
    double bestMean = 0, bestStd = 0;
    double testRmseMean = 0, testRmseStd = 0; ///< kcal/mol
    int runs = 0;
};

struct SweepSummary {
    std::vector<SweepRow> rows; ///< in the order of SweepConfig::lrs
    double chosenLr = 0;        ///< lowest mean loss under the rule
    SweepRule rule = SweepRule::BestLoss;
};

/// The runs of a sweep, lr-major: run i has lr lrs[i / seeds] and seed i % seeds.
std::vector<TrainConfig> sweepConfigs(const SweepConfig& sweep);

/// Summarizes finished runs (as ordered by sweepConfigs).
SweepSummary summarizeSweep(const SweepConfig& sweep, const std::vector<RunResult>& runs);

/// Summarizes whichever runs finished, in any order (e.g. of a stopped job): null and cancelled
/// runs are skipped, each lr of sweep.lrs gets the runs with that lr, lrs without a finished run
/// are left out; the lr is chosen among the rows left, as summarizeSweep does.
SweepSummary summarizeFinishedSweep(const SweepConfig& sweep,
                                    const std::vector<const RunResult*>& runs);

/// Training sizes x seeds at one config (nested subsets: see trainingRows()).
struct CurveConfig {
    TrainConfig base;
    std::vector<int> sizes = {100, 200, 500, 1000};
    int seeds = 3;
    std::string validate(int availableRows) const; ///< "" when usable
};

/// Per training size: the unnormalized test errors, mean and sample std over seeds.
struct CurveRow {
    int n = 0;
    double mseMean = 0, mseStd = 0;   ///< kcal^2/mol^2
    double rmseMean = 0, rmseStd = 0; ///< kcal/mol
    double maeMean = 0, maeStd = 0;   ///< kcal/mol
    int runs = 0;
};

/// The runs of a learning curve, size-major: run i has size sizes[i / seeds], seed i % seeds.
std::vector<TrainConfig> curveConfigs(const CurveConfig& curve);

/// Summarizes finished runs (as ordered by curveConfigs).
std::vector<CurveRow> summarizeCurve(const CurveConfig& curve, const std::vector<RunResult>& runs);

/// Summarizes whichever runs finished, in any order: null and cancelled runs are skipped, each
/// size of curve.sizes gets the runs of that size (config.trainSize, or trainRows when it is 0),
/// sizes without a finished run are left out.
std::vector<CurveRow> summarizeFinishedCurve(const CurveConfig& curve,
                                             const std::vector<const RunResult*>& runs);

/// The test-MSE points of a learning curve, ready to fit.
std::vector<CurvePoint> curvePoints(const std::vector<CurveRow>& rows);

/// The learning-curve points of any finished runs (e.g. a session's): runs are grouped by
/// training size (config.trainSize, else trainRows, else fullTrainRows for runs on the whole
/// split); null, cancelled and untested runs are skipped.
std::vector<CurvePoint> curvePointsFromRuns(const std::vector<const RunResult*>& runs,
                                            int fullTrainRows);

/// Parses "1e-5,1e-4" or "100,200" lists; throws std::invalid_argument naming the bad item.
std::vector<double> parseNumberList(const std::string& text);

} // namespace qm7
