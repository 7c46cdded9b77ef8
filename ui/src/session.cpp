#include "qm7ui/session.h"

namespace qm7::ui {

Session::Session(QObject* parent) : QObject(parent) {
    setObjectName(QStringLiteral("session"));
}

QString Session::representation() const {
    return m_data ? QString::fromStdString(m_data->representation) : QString();
}

void Session::setData(const DatasetPtr& data, const QString& source) {
    if (data == m_data && source == m_source)
        return;
    m_data = data;
    m_source = source;
    m_sweepRuns.clear();
    m_curveRuns.clear();
    m_curveConfig = {};
    m_shownRuns.clear();
    m_shownLabels.clear();
    Q_EMIT dataChanged(m_data, m_source);
    Q_EMIT resultsCleared();
}

void Session::setSweepRuns(const std::vector<RunResultPtr>& runs) {
    m_sweepRuns = runs;
}

void Session::setCurve(const qm7::CurveConfig& config, const std::vector<RunResultPtr>& runs) {
    m_curveConfig = config;
    m_curveRuns = runs;
}

void Session::setNotebookLosses(NotebookLossesPtr losses) {
    m_notebookLosses = std::move(losses);
    Q_EMIT notebookChanged();
}

void Session::setNotebookCurve(NotebookCurvePtr curve) {
    m_notebookCurve = std::move(curve);
    Q_EMIT notebookChanged();
}

void Session::setShownRuns(const std::vector<RunResultPtr>& runs, const QStringList& labels) {
    m_shownRuns = runs;
    m_shownLabels = labels;
    Q_EMIT shownRunsChanged();
}

} // namespace qm7::ui
