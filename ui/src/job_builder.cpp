#include "job_builder.h"

#include "qm7ui/data_panel.h"
#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/learning_curve_view.h"
#include "qm7ui/sweep_view.h"

#include "qm7/analysis/experiments.h"

#include <QObject>

namespace qm7::ui {
namespace {

/// Stores a core validate() message; true when there was none.
bool accept(const std::string& bad, QString* error) {
    if (bad.empty())
        return true;
    if (error)
        *error = QString::fromStdString(bad);
    return false;
}

} // namespace

int JobBuilder::trainRows() const {
    const auto data = m_data.dataset();
    return data ? static_cast<int>(data->train.rows()) : 0;
}

std::vector<qm7::TrainConfig> JobBuilder::train(QString* error) const {
    return m_hyper.configs(error);
}

std::vector<qm7::TrainConfig> JobBuilder::sweep(QString* error) const {
    QString reason;
    const auto lrs = m_sweep.learningRates(&reason);
    if (reason.isEmpty() && !m_hyper.isValid())
        reason = m_hyper.firstError();
    if (!reason.isEmpty()) {
        if (error)
            *error = reason;
        return {};
    }
    qm7::SweepConfig sweep;
    sweep.base = m_hyper.baseConfig();
    sweep.lrs = lrs;
    sweep.seeds = m_hyper.seedCount();
    sweep.rule = m_sweep.useBest() ? qm7::SweepRule::BestLoss : qm7::SweepRule::FinalLoss;
    if (!accept(sweep.validate(), error))
        return {};
    return qm7::sweepConfigs(sweep);
}

std::vector<qm7::TrainConfig> JobBuilder::curve(QString* error) const {
    QString reason;
    const auto sizes = m_curve.sizes(&reason);
    const double lr = m_curve.learningRate();
    if (reason.isEmpty() && !(lr > 0))
        reason = QObject::tr("the learning curve's learning rate must be a number > 0");
    if (reason.isEmpty() && !m_hyper.isValid())
        reason = m_hyper.firstError();
    if (!reason.isEmpty()) {
        if (error)
            *error = reason;
        return {};
    }
    qm7::CurveConfig curve;
    curve.base = m_hyper.baseConfig();
    curve.base.lr = lr;
    curve.sizes = sizes;
    curve.seeds = m_hyper.seedCount();
    if (!accept(curve.validate(trainRows()), error))
        return {};
    return qm7::curveConfigs(curve);
}

bool JobBuilder::homework(qm7::HomeworkConfig* config, QString* error) const {
    QString reason;
    config->lrs = m_sweep.learningRates(&reason);
    if (reason.isEmpty())
        config->sizes = m_curve.sizes(&reason);
    if (reason.isEmpty() && !m_hyper.isValid())
        reason = m_hyper.firstError();
    if (reason.isEmpty() && !m_data.dataset())
        reason = QObject::tr("no data set is loaded");
    if (!reason.isEmpty()) {
        if (error)
            *error = reason;
        return false;
    }
    config->base = m_hyper.baseConfig();
    config->seeds = m_hyper.seedCount();
    config->rule = m_sweep.useBest() ? qm7::SweepRule::BestLoss : qm7::SweepRule::FinalLoss;
    config->targetN = m_curve.targetN();
    config->fit = m_curve.fitOptions();
    return accept(config->validate(trainRows()), error);
}

TrainJob JobBuilder::job(JobKind kind) const {
    TrainJob job;
    job.kind = kind;
    job.data = m_data.dataset();
    job.threads = m_hyper.threadSettings();
    job.dataSource = m_data.source();
    job.augmentation = m_data.augmentation();
    return job;
}

} // namespace qm7::ui
