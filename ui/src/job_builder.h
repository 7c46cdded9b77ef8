#pragma once
/// @file job_builder.h
/// Builds the workbench's jobs from its settings panels through core's config types
/// (qm7::SweepConfig, qm7::CurveConfig, qm7::HomeworkConfig): the same runs, in the same order,
/// with the same validate() messages as `qm7 train|sweep|curve|homework`.

#include "qm7ui/meta_types.h"

#include "qm7/analysis/experiments.h"

#include <QString>

#include <vector>

namespace qm7::ui {

class DataPanel;
class HyperparameterPanel;
class LearningCurveView;
class SweepView;

/// Reads the panels; every method returns an empty result with the reason in *error when the
/// settings are refused.
class JobBuilder {
  public:
    JobBuilder(const HyperparameterPanel& hyper, const DataPanel& data, const SweepView& sweep,
               const LearningCurveView& curve)
        : m_hyper(hyper), m_data(data), m_sweep(sweep), m_curve(curve) {}

    /// Every (lr, seed) pair of the hyperparameters (a sweep when there are several lrs).
    std::vector<qm7::TrainConfig> train(QString* error) const;
    /// The Hyperparameters' lrs and seeds with the sweep tab's rule.
    qm7::SweepConfig sweepConfig() const;
    /// The learning-rate sweep (qm7::sweepConfigs); needs several lrs.
    std::vector<qm7::TrainConfig> sweep(QString* error) const;
    /// The curve tab's sizes and lr with the Hyperparameters' settings and seeds.
    qm7::CurveConfig curveConfig() const;
    /// The learning curve at the curve tab's lr (qm7::curveConfigs).
    std::vector<qm7::TrainConfig> curve(QString* error) const;
    /// The whole homework's settings (the sweep is the Hyperparameters' lrs when there are
    /// several, else the homework's 1e-5 ... 1e-2); false with a reason when refused.
    bool homework(qm7::HomeworkConfig* config, QString* error) const;
    /// A job of this kind on the loaded data with the thread, source and augmentation settings.
    TrainJob job(JobKind kind) const;

  private:
    int trainRows() const;

    const HyperparameterPanel& m_hyper;
    const DataPanel& m_data;
    const SweepView& m_sweep;
    const LearningCurveView& m_curve;
};

} // namespace qm7::ui
