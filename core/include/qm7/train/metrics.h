#pragma once
/// @file metrics.h
/// Regression metrics of predictions against truth, in the units of the inputs (kcal/mol).

#include <vector>

namespace qm7 {

/// Error metrics of one set of predictions.
struct Metrics {
    double mse = 0, rmse = 0, mae = 0, r2 = 0, maxError = 0;
    std::size_t n = 0;
};

/// MSE, RMSE, MAE, R^2 and max |error|; truth and pred must have equal, non-zero length.
Metrics computeMetrics(const std::vector<float>& truth, const std::vector<float>& pred);

} // namespace qm7
