#pragma once
/// @file krr_curve.h
/// The kernel-ridge-regression baseline beside the network's learning curve: at each training
/// size and seed, the same training rows as the network's run (trainingRows), sigma and lambda
/// chosen on the validation split, the test MSE on the test split; mean ± std over seeds.

#include "qm7/analysis/experiments.h"
#include "qm7/analysis/krr.h"
#include "qm7/io/dataset.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace qm7 {

/// What the KRR learning curve runs.
struct KrrCurveConfig {
    std::vector<int> sizes{100, 200, 500, 1000};
    int seeds = 1;
    KrrKernel kernel = KrrKernel::Laplacian;
    /// Kernel widths as multiples of the median L1 (Laplacian) or L2 (Gaussian) distance
    /// between training rows, so that one grid serves every representation and unit.
    std::vector<double> sigmaFactors{0.25, 0.5, 1, 2, 4, 8};
    std::vector<double> lambdas{1e-10, 1e-8, 1e-6, 1e-4};
};

/// Checks sizes (>= 2, at most the training rows), seeds (1..1000) and grids (positive,
/// finite); returns the first problem in words, "" when fine.
std::string validateKrrCurve(const KrrCurveConfig& config, const Dataset& data);

/// Called after each (size, seed) with how many of the total are done.
using KrrCurveProgress = std::function<void(int done, int total)>;

/// One row per size (CurveRow: MSE, RMSE, MAE mean ± std over seeds, in kcal/mol units).
/// Stops between fits when cancel becomes true (the rows finished so far are returned).
/// Throws std::invalid_argument with validateKrrCurve's message.
std::vector<CurveRow> krrLearningCurve(const Dataset& data, const KrrCurveConfig& config,
                                       const KrrCurveProgress& progress = {},
                                       const std::atomic<bool>* cancel = nullptr);

/// The median distance between up to 200 rows of X (L1, or L2 with l2 = true); 0 when fewer
/// than two distinct rows.
double medianRowDistance(const std::vector<float>& X, int d, bool l2);

} // namespace qm7
