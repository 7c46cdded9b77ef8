#pragma once
/// @file model_curves_plot.h
/// Draws the learning-curve figure of several models (core's model_curves.h) on log-log axes:
/// each model's test MAE against its training molecules, its fitted power law dashed and its
/// slope in the legend; and renders a results folder's figure headless for
/// `qm7-workbench --render-curves DIR` (what `qm7 invariance --curve` calls).

#include "qm7/analysis/model_curves.h"

#include <QString>

#include <vector>

class QCustomPlot;

namespace qm7::ui {

/// Replaces what plot shows by the curves (points and lines per model, the fit dashed over the
/// points' range, "label: slope -0.52" in the legend above the axes).
void drawModelCurves(QCustomPlot* plot, const std::vector<qm7::ModelCurve>& curves);

/// The legend text of a curve, e.g. "KRR, Bag of Bonds (slope -0.61)".
QString modelCurveLegend(const qm7::ModelCurve& curve);

/// Reads dir's points (collectModelCurves) and writes dir/figures/learning_curves.png and .svg
/// (the report figures' size). Returns 0, or 2 with the reason in message when dir holds no point,
/// or 1 when a file cannot be written.
int renderCurvesCommand(const QString& dir, QString* message);

} // namespace qm7::ui
