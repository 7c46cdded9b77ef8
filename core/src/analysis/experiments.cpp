#include "qm7/analysis/experiments.h"

#include "qm7/util/series.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace qm7 {

std::string sweepRuleName(SweepRule rule) {
    return rule == SweepRule::FinalLoss ? "final" : "best";
}

std::string sweepRuleStatement(SweepRule rule) {
    if (rule == SweepRule::BestLoss)
        return "the lowest best validation loss (each run's minimum over its epochs, normalized "
               "MSE) averaged over seeds; each run is tested with the weights of that epoch, so "
               "the rate is chosen by the weights that are tested";
    return "the lowest final validation loss (each run's last epoch, normalized MSE) averaged "
           "over seeds; each run is still tested with its best-validation weights (the epoch "
           "of its lowest validation loss), which the rule 'best' ranks by";
}

std::string SweepConfig::validate() const {
    if (lrs.empty())
        return "the sweep needs at least one learning rate";
    if (seeds < 1 || seeds > 1000)
        return "the number of seeds must be between 1 and 1000";
    for (double lr : lrs) {
        TrainConfig c = base;
        c.lr = lr;
        const std::string why = c.validate();
        if (!why.empty())
            return why;
    }
    return base.validate();
}

std::vector<TrainConfig> sweepConfigs(const SweepConfig& sweep) {
    std::vector<TrainConfig> configs;
    for (double lr : sweep.lrs) {
        for (int s = 0; s < sweep.seeds; ++s) {
            TrainConfig c = sweep.base;
            c.lr = lr;
            c.seed = static_cast<std::uint64_t>(s);
            configs.push_back(c);
        }
    }
    return configs;
}

namespace {

/// One learning rate's row from its runs (seeds).
SweepRow sweepRow(double lr, const std::vector<const RunResult*>& group) {
    std::vector<double> finals, bests, rmses;
    for (const RunResult* r : group) {
        finals.push_back(r->finalValLoss);
        bests.push_back(r->bestValLoss);
        rmses.push_back(r->test.rmse);
    }
    SweepRow row;
    row.lr = lr;
    const MeanStd f = meanStd(finals), b = meanStd(bests), t = meanStd(rmses);
    row.finalMean = f.mean;
    row.finalStd = f.std;
    row.bestMean = b.mean;
    row.bestStd = b.std;
    row.testRmseMean = t.mean;
    row.testRmseStd = t.std;
    row.runs = static_cast<int>(finals.size());
    // A seed that diverged (NaN loss) makes the whole learning rate unusable.
    if (f.n < finals.size())
        row.finalMean = row.finalStd = NAN;
    if (b.n < bests.size())
        row.bestMean = row.bestStd = NAN;
    return row;
}

/// Adds a row and keeps the lowest mean loss under the rule as the choice.
void addSweepRow(SweepSummary& summary, const SweepRow& row, double& bestScore) {
    const double score = summary.rule == SweepRule::FinalLoss ? row.finalMean : row.bestMean;
    // A diverged learning rate gives NaN losses: never choose it.
    if (std::isfinite(score) && score < bestScore) {
        bestScore = score;
        summary.chosenLr = row.lr;
    }
    summary.rows.push_back(row);
}

/// One training size's row from its runs (seeds).
CurveRow curveRow(int n, const std::vector<const RunResult*>& group) {
    std::vector<double> mse, rmse, mae;
    for (const RunResult* r : group) {
        mse.push_back(r->test.mse);
        rmse.push_back(r->test.rmse);
        mae.push_back(r->test.mae);
    }
    CurveRow row;
    row.n = n;
    const MeanStd a = meanStd(mse), b = meanStd(rmse), c = meanStd(mae);
    row.mseMean = a.mean;
    row.mseStd = a.std;
    row.rmseMean = b.mean;
    row.rmseStd = b.std;
    row.maeMean = c.mean;
    row.maeStd = c.std;
    row.runs = static_cast<int>(a.n);
    return row;
}

bool finished(const RunResult* r) {
    return r && !r->cancelled;
}

} // namespace

SweepSummary summarizeSweep(const SweepConfig& sweep, const std::vector<RunResult>& runs) {
    if (runs.size() != sweep.lrs.size() * static_cast<std::size_t>(sweep.seeds))
        throw std::invalid_argument("summarizeSweep: expected one run per learning rate and seed");
    SweepSummary summary;
    summary.rule = sweep.rule;
    double bestScore = INFINITY;
    const auto seeds = static_cast<std::size_t>(sweep.seeds);
    for (std::size_t i = 0; i < sweep.lrs.size(); ++i) {
        std::vector<const RunResult*> group;
        for (std::size_t s = 0; s < seeds; ++s)
            group.push_back(&runs[i * seeds + s]);
        addSweepRow(summary, sweepRow(sweep.lrs[i], group), bestScore);
    }
    return summary;
}

SweepSummary summarizeFinishedSweep(const SweepConfig& sweep,
                                    const std::vector<const RunResult*>& runs) {
    SweepSummary summary;
    summary.rule = sweep.rule;
    double bestScore = INFINITY;
    for (double lr : sweep.lrs) {
        std::vector<const RunResult*> group;
        for (const RunResult* r : runs) {
            if (finished(r) && r->config.lr == lr)
                group.push_back(r);
        }
        if (!group.empty())
            addSweepRow(summary, sweepRow(lr, group), bestScore);
    }
    return summary;
}

std::string CurveConfig::validate(int availableRows) const {
    if (sizes.empty())
        return "the learning curve needs at least one training size";
    if (seeds < 1 || seeds > 1000)
        return "the number of seeds must be between 1 and 1000";
    for (int n : sizes) {
        if (n < 2)
            return "training size " + std::to_string(n) + " is too small (at least 2)";
        if (availableRows > 0 && n > availableRows)
            return "training size " + std::to_string(n) + " exceeds the " +
                   std::to_string(availableRows) + " training rows";
    }
    return base.validate();
}

std::vector<TrainConfig> curveConfigs(const CurveConfig& curve) {
    std::vector<TrainConfig> configs;
    for (int n : curve.sizes) {
        for (int s = 0; s < curve.seeds; ++s) {
            TrainConfig c = curve.base;
            c.trainSize = n;
            c.seed = static_cast<std::uint64_t>(s);
            configs.push_back(c);
        }
    }
    return configs;
}

std::vector<CurveRow> summarizeCurve(const CurveConfig& curve, const std::vector<RunResult>& runs) {
    if (runs.size() != curve.sizes.size() * static_cast<std::size_t>(curve.seeds))
        throw std::invalid_argument("summarizeCurve: expected one run per size and seed");
    std::vector<CurveRow> rows;
    const auto seeds = static_cast<std::size_t>(curve.seeds);
    for (std::size_t i = 0; i < curve.sizes.size(); ++i) {
        std::vector<const RunResult*> group;
        for (std::size_t s = 0; s < seeds; ++s)
            group.push_back(&runs[i * seeds + s]);
        rows.push_back(curveRow(curve.sizes[i], group));
    }
    return rows;
}

std::vector<CurveRow> summarizeFinishedCurve(const CurveConfig& curve,
                                             const std::vector<const RunResult*>& runs) {
    std::vector<CurveRow> rows;
    for (int n : curve.sizes) {
        std::vector<const RunResult*> group;
        for (const RunResult* r : runs) {
            if (finished(r) && (r->config.trainSize > 0 ? r->config.trainSize : r->trainRows) == n)
                group.push_back(r);
        }
        if (!group.empty())
            rows.push_back(curveRow(n, group));
    }
    return rows;
}

std::vector<CurvePoint> curvePoints(const std::vector<CurveRow>& rows) {
    std::vector<CurvePoint> points;
    for (const auto& r : rows) {
        CurvePoint p;
        p.n = r.n;
        p.mean = r.mseMean;
        p.std = r.mseStd;
        points.push_back(p);
    }
    return points;
}

std::vector<double> parseNumberList(const std::string& text) {
    std::vector<double> values;
    std::istringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (item.empty())
            continue;
        std::size_t used = 0;
        double v = 0;
        try {
            v = std::stod(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != item.size() || !std::isfinite(v))
            throw std::invalid_argument("'" + item + "' is not a number");
        values.push_back(v);
    }
    if (values.empty())
        throw std::invalid_argument("the list '" + text + "' is empty");
    return values;
}

std::vector<CurvePoint> curvePointsFromRuns(const std::vector<const RunResult*>& runs,
                                            int fullTrainRows) {
    std::vector<RunResult> wholeSplit; // runs on the whole split with trainRows unset
    wholeSplit.reserve(runs.size());   // pointers into it stay valid
    std::vector<const RunResult*> done;
    CurveConfig curve;
    curve.sizes.clear();
    for (const RunResult* r : runs) {
        if (!r || r->cancelled || r->testTrue.empty())
            continue;
        int n = r->config.trainSize > 0 ? r->config.trainSize : r->trainRows;
        if (n <= 0) {
            n = fullTrainRows;
            wholeSplit.push_back(*r);
            wholeSplit.back().trainRows = n;
            done.push_back(&wholeSplit.back());
        } else {
            done.push_back(r);
        }
        if (std::find(curve.sizes.begin(), curve.sizes.end(), n) == curve.sizes.end())
            curve.sizes.push_back(n);
    }
    std::sort(curve.sizes.begin(), curve.sizes.end());
    return curvePoints(summarizeFinishedCurve(curve, done));
}

} // namespace qm7
