#pragma once
// The points of a learning-curve fit in fit space: checked, and weighted by their seed spread.

#include "qm7/analysis/curve_fit.h"

#include <cstddef>
#include <string>
#include <vector>

namespace qm7::detail {

/// A number as the messages print it ("4000", "0.5").
std::string formatNumber(double v);

/// The fitted points in fit space, validated.
struct Data {
    std::vector<double> n, y; ///< used points (not excluded)
    std::vector<double> z;    ///< fit-space observation: ln y or y
    std::vector<double> w;    ///< weights 1/sigma^2 (all 1 when unweighted)
    bool logSpace = true;
    bool weighted = false;
    std::string note;
};

/// Validates the points for a model and builds the fit-space data; returns "" or the problem.
std::string prepare(CurveModel model, const std::vector<CurvePoint>& points,
                    const FitOptions& options, std::size_t minPoints, Data& d);

} // namespace qm7::detail
