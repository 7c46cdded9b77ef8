// The law ranking as JSON (ranking.json beside fits.csv): its one writer and reader, and the
// check that a stored ranking was made from the same curve, target n and fit options.
#include "qm7/analysis/law_ranking.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace qm7 {

namespace {

using nlohmann::json;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// A number, or "inf", "-inf", "nan" (JSON has no non-finite numbers).
json num(double v) {
    if (std::isfinite(v))
        return v;
    return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
}

double numOf(const json& j) {
    if (j.is_number())
        return j.get<double>();
    const std::string s = j.get<std::string>();
    if (s == "inf")
        return kInf;
    if (s == "-inf")
        return -kInf;
    if (s == "nan")
        return kNaN;
    throw std::runtime_error("not a number: " + s);
}

json nums(const std::vector<double>& v) {
    json a = json::array();
    for (double x : v)
        a.push_back(num(x));
    return a;
}

std::vector<double> numsOf(const json& j) {
    std::vector<double> v;
    for (const json& x : j)
        v.push_back(numOf(x));
    return v;
}

CurveModel modelOf(const json& j) {
    const auto model = curveModelFromName(j.get<std::string>());
    if (!model)
        throw std::runtime_error("unknown law " + j.get<std::string>());
    return *model;
}

json fitJson(const FitResult& f) {
    return json{{"model", curveModelName(f.model)},
                {"ok", f.ok},
                {"message", f.message},
                {"names", f.names},
                {"params", nums(f.params)},
                {"stderrs", nums(f.stderrs)},
                {"covariance", nums(f.covariance)},
                {"points", f.points},
                {"dof", f.dof},
                {"rss", num(f.rss)},
                {"rms_log_residual", num(f.rmsLogResidual)},
                {"rms_residual", num(f.rmsResidual)},
                {"aic", num(f.aic)},
                {"r2", num(f.r2)},
                {"log_space", f.logSpace},
                {"weighted", f.weighted},
                {"iterations", f.iterations}};
}

FitResult fitOf(const json& j) {
    FitResult f;
    f.model = modelOf(j.at("model"));
    f.ok = j.at("ok").get<bool>();
    f.message = j.at("message").get<std::string>();
    f.names = j.at("names").get<std::vector<std::string>>();
    f.params = numsOf(j.at("params"));
    f.stderrs = numsOf(j.at("stderrs"));
    f.covariance = numsOf(j.at("covariance"));
    f.points = j.at("points").get<int>();
    f.dof = j.at("dof").get<int>();
    f.rss = numOf(j.at("rss"));
    f.rmsLogResidual = numOf(j.at("rms_log_residual"));
    f.rmsResidual = numOf(j.at("rms_residual"));
    f.aic = numOf(j.at("aic"));
    f.r2 = numOf(j.at("r2"));
    f.logSpace = j.at("log_space").get<bool>();
    f.weighted = j.at("weighted").get<bool>();
    f.iterations = j.at("iterations").get<int>();
    return f;
}

json bandJson(const Extrapolation& e) {
    return json{
        {"n", num(e.n)}, {"value", num(e.value)}, {"lower", num(e.lower)}, {"upper", num(e.upper)},
        {"ok", e.ok},    {"message", e.message}};
}

Extrapolation bandOf(const json& j) {
    Extrapolation e;
    e.n = numOf(j.at("n"));
    e.value = numOf(j.at("value"));
    e.lower = numOf(j.at("lower"));
    e.upper = numOf(j.at("upper"));
    e.ok = j.at("ok").get<bool>();
    e.message = j.at("message").get<std::string>();
    return e;
}

constexpr const char* kRankingFormat = "qm7 law ranking";

} // namespace

std::string lawRankingJson(const LawRanking& r) {
    json laws = json::array();
    for (const LawScore& l : r.laws)
        laws.push_back(json{{"model", curveModelName(l.model)},
                            {"fit", fitJson(l.fit)},
                            {"all_sizes", fitJson(l.allSizes)},
                            {"window", l.window},
                            {"window_from", num(l.windowFrom)},
                            {"other_window_forward_error", num(l.otherWindowForwardError)},
                            {"param_band", bandJson(l.paramBand)},
                            {"band", bandJson(l.band)},
                            {"forward_error", num(l.forwardError)},
                            {"loo_error", num(l.looError)},
                            {"mean_forward_error", num(l.meanForwardError)},
                            {"forward_predictions", l.forwardPredictions},
                            {"forward_failures", l.forwardFailures},
                            {"held_out_log_step", num(l.heldOutLogStep)},
                            {"n_max_fitted", num(l.nMaxFitted)},
                            {"usable", l.usable},
                            {"verdict", l.verdict}});
    json points = json::array();
    for (const CurvePoint& p : r.points)
        points.push_back(json{
            {"n", num(p.n)}, {"mean", num(p.mean)}, {"std", num(p.std)}, {"excluded", p.excluded}});
    const json j{{"format", kRankingFormat},
                 {"version", 1},
                 {"target_n", num(r.targetN)},
                 {"chosen", r.chosen},
                 {"seed_curves", r.seedCurves},
                 {"aic_pick", r.aicPick},
                 {"band_note", r.bandNote},
                 {"fit_log_space", r.options.logSpace},
                 {"fit_weight_by_spread", r.options.weightBySpread},
                 {"points", points},
                 {"laws", laws}};
    return j.dump(2) + "\n";
}

LawRanking lawRankingFromJson(const std::string& text) {
    try {
        const json j = json::parse(text);
        if (j.at("format").get<std::string>() != kRankingFormat)
            throw std::runtime_error("not a law ranking");
        LawRanking r;
        r.targetN = numOf(j.at("target_n"));
        r.chosen = j.at("chosen").get<int>();
        r.seedCurves = j.at("seed_curves").get<int>();
        r.aicPick = j.at("aic_pick").get<std::string>();
        r.bandNote = j.at("band_note").get<std::string>();
        r.options.logSpace = j.at("fit_log_space").get<bool>();
        r.options.weightBySpread = j.at("fit_weight_by_spread").get<bool>();
        for (const json& p : j.at("points"))
            r.points.push_back(CurvePoint{numOf(p.at("n")), numOf(p.at("mean")), numOf(p.at("std")),
                                          p.at("excluded").get<bool>()});
        for (const json& l : j.at("laws")) {
            LawScore s;
            s.model = modelOf(l.at("model"));
            s.fit = fitOf(l.at("fit"));
            s.allSizes = fitOf(l.at("all_sizes"));
            s.window = l.at("window").get<int>();
            s.windowFrom = numOf(l.at("window_from"));
            s.otherWindowForwardError = numOf(l.at("other_window_forward_error"));
            s.paramBand = bandOf(l.at("param_band"));
            s.band = bandOf(l.at("band"));
            s.forwardError = numOf(l.at("forward_error"));
            s.looError = numOf(l.at("loo_error"));
            s.meanForwardError = numOf(l.at("mean_forward_error"));
            s.forwardPredictions = l.at("forward_predictions").get<int>();
            s.forwardFailures = l.at("forward_failures").get<int>();
            s.heldOutLogStep = numOf(l.at("held_out_log_step"));
            s.nMaxFitted = numOf(l.at("n_max_fitted"));
            s.usable = l.at("usable").get<bool>();
            s.verdict = l.at("verdict").get<std::string>();
            r.laws.push_back(std::move(s));
        }
        if (r.chosen < -1 || r.chosen >= static_cast<int>(r.laws.size()))
            throw std::runtime_error("the chosen law is not in the table");
        return r;
    } catch (const json::exception& e) {
        throw std::runtime_error(std::string("damaged law ranking: ") + e.what());
    }
}

bool rankingMatches(const LawRanking& r, const std::vector<CurvePoint>& points, double targetN,
                    const FitOptions& options) {
    if (r.targetN != targetN || r.points.size() != points.size() ||
        r.options.logSpace != options.logSpace ||
        r.options.weightBySpread != options.weightBySpread)
        return false;
    auto close = [](double a, double b) {
        return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
    };
    for (std::size_t i = 0; i < points.size(); ++i) {
        const CurvePoint &a = r.points[i], &b = points[i];
        if (a.n != b.n || a.excluded != b.excluded || !close(a.mean, b.mean) ||
            !close(a.std, b.std))
            return false;
    }
    return true;
}

} // namespace qm7
