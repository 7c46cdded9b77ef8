#include "qm7ui/meta_types.h"

namespace qm7::ui {

void registerMetaTypes() {
    qRegisterMetaType<qm7::EpochStats>();
    qRegisterMetaType<qm7::Progress>();
    qRegisterMetaType<EpochBatch>();
    qRegisterMetaType<RunResultPtr>();
    qRegisterMetaType<TrainJob>();
    qRegisterMetaType<JobResult>();
    qRegisterMetaType<SavedRun>();
}

QString jobKindName(JobKind kind) {
    switch (kind) {
    case JobKind::Train:
        return QStringLiteral("train");
    case JobKind::Sweep:
        return QStringLiteral("sweep");
    case JobKind::Curve:
        return QStringLiteral("curve");
    case JobKind::Homework:
        return QStringLiteral("homework");
    }
    return QStringLiteral("train");
}

} // namespace qm7::ui
