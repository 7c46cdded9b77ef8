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

qm7::SweepConfig JobBuilder::sweepConfig() const {
    qm7::SweepConfig sweep = m_hyper.sweepConfig();
    sweep.rule = m_sweep.useBest() ? qm7::SweepRule::BestLoss : qm7::SweepRule::FinalLoss;
    return sweep;
}

std::vector<qm7::TrainConfig> JobBuilder::sweep(QString* error) const {
    QString reason = m_hyper.firstError();
    if (reason.isEmpty() && m_hyper.learningRates().size() < 2)
        reason = QObject::tr("a sweep compares several learning rates: enter them in "
                             "Hyperparameters › Learning rate(s), e.g. 1e-5, 1e-4, 1e-3, 1e-2");
    if (!reason.isEmpty()) {
        if (error)
            *error = reason;
        return {};
    }
    const qm7::SweepConfig sweep = sweepConfig();
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
    const qm7::CurveConfig curve = curveConfig();
    if (!accept(curve.validate(trainRows()), error))
        return {};
    return qm7::curveConfigs(curve);
}

qm7::CurveConfig JobBuilder::curveConfig() const {
    qm7::CurveConfig curve;
    curve.base = m_hyper.baseConfig();
    curve.base.lr = m_curve.learningRate();
    curve.sizes = m_curve.sizes(nullptr);
    curve.seeds = m_hyper.seedCount();
    return curve;
}

bool JobBuilder::homework(qm7::HomeworkConfig* config, QString* error) const {
    QString reason;
    const qm7::HomeworkConfig defaults;
    // Several lrs in the Hyperparameters are the sweep; a single one means the homework's grid.
    const auto lrs = m_hyper.learningRates();
    config->lrs = lrs.size() > 1 ? lrs : defaults.lrs;
    config->sizes = m_curve.sizes(&reason);
    if (reason.isEmpty() && !m_hyper.isValid())
        reason = m_hyper.firstError();
    if (reason.isEmpty() && !m_data.dataset())
        reason = QObject::tr("no data set is loaded");
    if (reason.isEmpty() && !m_hyper.network().homework())
        reason = QObject::tr("the homework trains its own network (one hidden layer, ReLU, "
                             "Adam): set Hidden layers to one width, ReLU and Adam");
    if (!reason.isEmpty()) {
        if (error)
            *error = reason;
        return false;
    }
    const qm7::SweepConfig sweep = sweepConfig();
    config->base = sweep.base;
    config->seeds = sweep.seeds;
    config->rule = sweep.rule;
    config->targetN = m_curve.targetN();
    config->fit = m_curve.fitOptions();
    return accept(config->validate(trainRows()), error);
}

TrainJob JobBuilder::job(JobKind kind) const {
    TrainJob job;
    job.kind = kind;
    job.data = m_data.dataset();
    job.threads = m_hyper.trainingThreads();
    job.network = m_hyper.network();
    job.dataSource = m_data.source();
    job.augmentation = m_data.augmentation();
    return job;
}

} // namespace qm7::ui
