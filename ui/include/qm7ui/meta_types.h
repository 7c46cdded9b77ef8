#pragma once
/// @file meta_types.h
/// Value types that cross the worker thread boundary in queued signals.

#include "qm7/io/dataset.h"
#include "qm7/analysis/homework.h"
#include "qm7/train/deep_runs.h"
#include "qm7/train/threads.h"
#include "qm7/train/trainer.h"

#include <QMetaType>
#include <QString>

#include <memory>
#include <vector>

namespace qm7::ui {

using DatasetPtr = std::shared_ptr<const qm7::Dataset>;
using RunResultPtr = std::shared_ptr<const qm7::RunResult>;
using EpochBatch = std::vector<qm7::EpochStats>;

/// What a training job is for: plain runs, a learning-rate sweep, a learning curve, or the
/// whole homework (qm7::runHomework into a folder).
enum class JobKind { Train, Sweep, Curve, Homework };

using HomeworkResultPtr = std::shared_ptr<const qm7::HomeworkResult>;
using AugmentationPtr = std::shared_ptr<const qm7::FeatureAugmentation>;

/// One call of the trainer: a data set and the configs to train together.
struct TrainJob {
    int id = 0;
    JobKind kind = JobKind::Train;
    DatasetPtr data;
    std::vector<qm7::TrainConfig> configs;
    /// The network; anything but the homework's (one ReLU layer, Adam) trains each config with
    /// the deep trainer (qm7::trainNetworkRuns), one after another.
    qm7::NetworkChoice network;
    int threads = 0;    ///< training threads (qm7::TrainOptions::threads), 0 = all cores
    QString runsDir;    ///< finished runs are saved here (qm7::saveRun) on the worker; "" = not
    QString dataSource; ///< recorded in each run's config.json
    /// Fresh features per epoch (randomly sorted Coulomb matrices); kept alive by the job.
    AugmentationPtr augmentation;
    qm7::HomeworkConfig homework; ///< JobKind::Homework: the settings (configs is unused)
    QString homeworkDir;          ///< JobKind::Homework: runs and report go here (resumable)
};

/// Where a finished run was saved (dir empty and error set when saving failed or was off).
struct SavedRun {
    QString id;
    QString dir;
    QString error;
};

/// What a finished job returns: every run's result (in config order) or an error.
struct JobResult {
    int id = 0;
    JobKind kind = JobKind::Train;
    std::vector<RunResultPtr> runs;
    bool cancelled = false;
    QString error;
    HomeworkResultPtr homework; ///< JobKind::Homework, when it finished
};

/// Registers the types above with Qt's meta-type system (call once, before connecting).
void registerMetaTypes();

/// A short name of a job kind ("train", "sweep", "curve").
QString jobKindName(JobKind kind);

} // namespace qm7::ui

Q_DECLARE_METATYPE(qm7::EpochStats)
Q_DECLARE_METATYPE(qm7::Progress)
Q_DECLARE_METATYPE(qm7::ui::EpochBatch)
Q_DECLARE_METATYPE(qm7::ui::RunResultPtr)
Q_DECLARE_METATYPE(qm7::ui::TrainJob)
Q_DECLARE_METATYPE(qm7::ui::JobResult)
Q_DECLARE_METATYPE(qm7::ui::SavedRun)
