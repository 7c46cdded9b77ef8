#pragma once
/// @file invariance_curve.h
/// qm7 invariance --curve: the learning-curve figure of several models on one fold (core's
/// model_curves.h): trains or reads every point, prints the table and each slope, writes
/// curves.csv and curves.md, and has qm7-workbench draw learning_curves.png and .svg.

#include "qm7/analysis/model_curves.h"

#include <string>

namespace qm7::cli {

struct InvarianceCurveOptions {
    std::string from = "demo";
    ModelCurvesConfig config; ///< out, sizes, models, budgets
    bool noFigures = false;
};

/// Runs (or continues) the figure; returns the exit code.
int runInvarianceCurve(const InvarianceCurveOptions& options);

} // namespace qm7::cli
