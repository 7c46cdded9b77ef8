#include "analysis/curve_data.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace qm7::detail {

std::string formatNumber(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

std::string prepare(CurveModel model, const std::vector<CurvePoint>& points,
                    const FitOptions& options, std::size_t minPoints, Data& d) {
    d = Data{};
    d.logSpace = options.logSpace;
    std::vector<double> std;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const CurvePoint& p = points[i];
        if (p.excluded)
            continue;
        const std::string where =
            "point " + std::to_string(i + 1) + " (n = " + formatNumber(p.n) + ")";
        if (!std::isfinite(p.n) || !std::isfinite(p.mean) || !std::isfinite(p.std))
            return where + " has a non-finite value (NaN or inf)";
        if (p.n <= 0)
            return where + ": training sizes must be positive";
        if (model == CurveModel::LogPower && p.n <= 1)
            return where + ": the log-power model needs n > 1 (log10 n > 0)";
        if (p.std < 0)
            return where + " has a negative spread";
        if (options.logSpace && p.mean <= 0)
            return where + " has a non-positive error " + formatNumber(p.mean) +
                   "; a log-space fit needs positive errors";
        d.n.push_back(p.n);
        d.y.push_back(p.mean);
        d.z.push_back(options.logSpace ? std::log(p.mean) : p.mean);
        std.push_back(p.std);
    }
    const std::size_t count = d.n.size();
    if (count < minPoints)
        return "needs at least " + std::to_string(minPoints) + " points, got " +
               std::to_string(count) + (count < points.size() ? " not excluded" : "");
    if (std::set<double>(d.n.begin(), d.n.end()).size() < minPoints)
        return "needs at least " + std::to_string(minPoints) + " distinct training sizes";

    d.w.assign(count, 1.0);
    if (options.weightBySpread) {
        // Fit-space sigma: the std itself, or the relative std in log space (delta method).
        std::vector<double> sigma(count, 0.0), known;
        for (std::size_t i = 0; i < count; ++i) {
            if (std[i] > 0) {
                sigma[i] = options.logSpace ? std[i] / d.y[i] : std[i];
                known.push_back(sigma[i]);
            }
        }
        if (known.empty()) {
            d.note = "unweighted: no point has a seed spread";
        } else {
            std::sort(known.begin(), known.end());
            const std::size_t m = known.size();
            const double median =
                m % 2 == 1 ? known[m / 2] : 0.5 * (known[m / 2 - 1] + known[m / 2]);
            if (m < count)
                d.note = std::to_string(count - m) +
                         " point(s) without spread weighted with the median sigma";
            for (std::size_t i = 0; i < count; ++i) {
                const double s = sigma[i] > 0 ? sigma[i] : median;
                d.w[i] = 1.0 / (s * s);
            }
            d.weighted = true;
        }
    }
    return "";
}

} // namespace qm7::detail
