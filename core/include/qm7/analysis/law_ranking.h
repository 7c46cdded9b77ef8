#pragma once
/// @file law_ranking.h
/// Which learning-curve law to extrapolate with: every law is ranked by how well it predicts
/// sizes it was not fitted on (forward validation and leave-one-out, in log space, pooled over
/// seeds); AIC and R² stay as columns. Forward validation also chooses each law's fit window:
/// every size, or all but the smallest (where the law keeps enough sizes), because a learning
/// curve still bending out of its small-data regime is followed better without its first size. The
/// answer is the best-predicting law whose prediction at the target n is finite and positive, with
/// a band that carries the held-out error. The markdown and CSV of the ranking are written here
/// (one writer for CLI, report, GUI).

#include "qm7/analysis/curve_fit.h"
#include "qm7/analysis/experiments.h"

#include <string>
#include <vector>

namespace qm7 {

/// One law's fit on all points and how well it predicted held-out sizes.
struct LawScore {
    CurveModel model = CurveModel::Power;
    /// The fit that predicts: on every (non-excluded) size of the mean curve, or, when `window`
    /// > 0, on the `window` largest sizes (all but the smallest; every seed's value there, in
    /// ln, unweighted)
    FitResult fit;
    FitResult allSizes; ///< the fit on every size of the mean curve (the AIC and R² columns)
    int window = 0;     ///< 0: fitted on every size; k: on the k largest (forward validation chose)
    double windowFrom = 0; ///< the smallest n of the window (0 when window = 0)
    /// the forward error of the other choice of window (every size when window > 0 and the
    /// largest sizes otherwise; NaN when there are too few sizes for both)
    double otherWindowForwardError = 0;
    Extrapolation paramBand; ///< value at the target with the covariance-only 95% band (Student t)
    Extrapolation band;      ///< same value, 95% band widened by the held-out error (see bandNote)
    /// RMS of ln(predicted / measured) over forward predictions on each seed's own curve
    /// (pooled over seeds; the mean curve when there are none): fit on the smaller sizes,
    /// predict the held-out largest one (and two, where enough points remain). Infinite when a
    /// prediction failed.
    double forwardError = 0;
    double looError = 0;         ///< RMS ln error of leave-one-out predictions, likewise
    double meanForwardError = 0; ///< the forward error of the mean curve alone (a column)
    int forwardPredictions = 0;  ///< how many forward predictions entered forwardError
    int forwardFailures = 0;     ///< forward fits that failed or predicted <= 0 / non-finite
    double heldOutLogStep = 0;   ///< mean ln(n held out / largest n fitted) of those predictions
    double nMaxFitted = 0;       ///< the largest n of the full fit
    bool usable = false; ///< forward validation finite and a positive finite value at target
    std::string verdict; ///< "chosen", or why the law is not the answer
};

/// Every law ranked for extrapolation, best first.
struct LawRanking {
    std::vector<LawScore> laws; ///< usable laws by forward error (then LOO), then the others
    int chosen = -1;            ///< index into laws of the answer, -1 when no law is usable
    double targetN = 4000;
    int seedCurves = 0;   ///< single-seed curves the validation pooled (0: the mean curve)
    std::string aicPick;  ///< formula of the lowest-AIC fit, for comparison
    std::string bandNote; ///< what the band covers, in words
    std::vector<CurvePoint> points; ///< the mean curve that was ranked (excluded points marked)
    FitOptions options;             ///< how the laws were fitted
    const LawScore* answer() const { return chosen >= 0 ? &laws[chosen] : nullptr; }
};

/// Ranks the laws. `mean` is the mean curve over seeds (fitted for the answer, its parameters
/// and band); `perSeed` holds one curve per seed for the validation (empty: the mean curve).
LawRanking rankLaws(const std::vector<CurvePoint>& mean,
                    const std::vector<std::vector<CurvePoint>>& perSeed, double targetN,
                    const FitOptions& options = {});

/// One curve per seed (seed order) from a learning curve's runs: test MSE per training size.
/// Null and cancelled runs are skipped; sizes come from config.trainSize.
std::vector<std::vector<CurvePoint>> perSeedCurves(const std::vector<const RunResult*>& runs);
std::vector<std::vector<CurvePoint>> perSeedCurves(const std::vector<RunResult>& runs);

/// The law's name with its fit window: "A n^-b" or "A n^-b on n >= 500".
std::string lawLabel(const LawScore& law);

/// A forward or LOO error (RMS of ln(predicted / measured)) as report.md, the figure and the
/// tab show it: three decimals ("0.834"), "inf" when a prediction failed.
std::string lnErrorText(double error);

/// One sentence on the curve's type in words (e.g. a straight line on log-log axes).
std::string lawInWords(const FitResult& fit);

/// Whether a measured mean lies in a law's band; "" when the band is unusable.
std::string bandVerdict(const Extrapolation& band, double measured);

/// The markdown section of question 7's answer: the ranking table, the answer in words, and the
/// measured points (may be empty) against every law's prediction and band.
std::string lawRankingMarkdown(const LawRanking& ranking, const std::vector<CurveRow>& measured,
                               const FitOptions& options);

/// fits.csv: one row per law with AIC, R², forward and LOO errors, the prediction at the target
/// with both bands, and whether it is the answer.
std::string lawRankingCsv(const LawRanking& ranking);

/// ranking.json: the whole ranking (every law's fits with their covariance, the forward and LOO
/// errors, bands, verdicts, the answer) and the curve it ranked, so that a figure drawn later
/// shows this ranking without ranking again. Non-finite numbers are written as "inf", "-inf",
/// "nan".
std::string lawRankingJson(const LawRanking& ranking);

/// Reads lawRankingJson's text back; throws std::runtime_error when it is damaged.
LawRanking lawRankingFromJson(const std::string& text);

/// Whether a ranking was made from these points at this target n (the same sizes, means within
/// a relative 1e-9, the same exclusions, the same fit options): a stored ranking still belongs to
/// the curve.
bool rankingMatches(const LawRanking& ranking, const std::vector<CurvePoint>& points,
                    double targetN, const FitOptions& options);

/// The measured points against the laws: one row per (measured n, law).
std::string verifyCsv(const LawRanking& ranking, const std::vector<CurveRow>& measured,
                      const FitOptions& options);

/// A law's prediction at n with the held-out-error band (as LawScore::band at the target).
Extrapolation predictWithHeldOutBand(const LawScore& law, double n);

} // namespace qm7
