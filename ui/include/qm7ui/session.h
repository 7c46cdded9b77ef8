#pragma once
/// @file session.h
/// The workbench's session: the loaded data set (its source and representation) and the results
/// derived from it in this session: the learning-rate sweep's runs, the learning curve's
/// settings and runs, the run shown for question 6, and the finished runs whose loss curves
/// are shown. The tabs, the report and the exports
/// read them here; none keeps its own copy. Loading other data empties every result at once
/// (resultsCleared), so that no tab shows the previous data's numbers. A notebook's own numbers
/// (losses, learning curve; notebook_numbers.h) are held here too, for the tabs to draw beside
/// the workbench's; they are the student's file, not results of the loaded data, so loading
/// other data keeps them (the tabs name their file) until they are removed or replaced. A saved
/// session keeps their files' paths and reads them again when opened (notebook_session.h).

#include "qm7ui/meta_types.h"

#include "qm7/analysis/experiments.h"
#include "qm7/analysis/notebook_numbers.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace qm7::ui {

class Session : public QObject {
    Q_OBJECT
  public:
    explicit Session(QObject* parent = nullptr);

    DatasetPtr data() const { return m_data; }
    /// "demo", a file path, or "" when nothing is loaded.
    QString source() const { return m_source; }
    /// The representation the data's rows are, as core names it ("" when nothing is loaded).
    QString representation() const;
    /// Takes a newly loaded data set: every result of the previous one is dropped, then
    /// dataChanged and resultsCleared are emitted. The same data again changes nothing.
    void setData(const DatasetPtr& data, const QString& source);

    void setSweepRuns(const std::vector<RunResultPtr>& runs);
    const std::vector<RunResultPtr>& sweepRuns() const { return m_sweepRuns; }
    void setCurve(const qm7::CurveConfig& config, const std::vector<RunResultPtr>& runs);
    const qm7::CurveConfig& curveConfig() const { return m_curveConfig; }
    const std::vector<RunResultPtr>& curveRuns() const { return m_curveRuns; }
    /// The finished runs the Loss curves tab shows (ticked in the Runs tab, selected in the
    /// Exploration tab), with their labels; shownRunsChanged follows.
    void setShownRuns(const std::vector<RunResultPtr>& runs, const QStringList& labels);
    const std::vector<RunResultPtr>& shownRuns() const { return m_shownRuns; }
    const QStringList& shownLabels() const { return m_shownLabels; }
    /// Whether any result is held (a sweep, a curve).
    bool hasResults() const { return !m_sweepRuns.empty() || !m_curveRuns.empty(); }

    using NotebookLossesPtr = std::shared_ptr<const qm7::NotebookLosses>;
    using NotebookCurvePtr = std::shared_ptr<const qm7::NotebookCurve>;
    /// A notebook's losses per epoch (null: none); setting replaces or (null) removes them.
    void setNotebookLosses(NotebookLossesPtr losses);
    NotebookLossesPtr notebookLosses() const { return m_notebookLosses; }
    /// A notebook's learning curve (null: none); setting replaces or (null) removes it.
    void setNotebookCurve(NotebookCurvePtr curve);
    NotebookCurvePtr notebookCurve() const { return m_notebookCurve; }

  Q_SIGNALS:
    void dataChanged(const qm7::ui::DatasetPtr& data, const QString& source);
    /// The results were dropped: every tab shows its empty state until new results come.
    void resultsCleared();
    /// The notebook's losses or learning curve were loaded, replaced or removed.
    void notebookChanged();
    void shownRunsChanged();

  private:
    DatasetPtr m_data;
    QString m_source;
    std::vector<RunResultPtr> m_sweepRuns;
    qm7::CurveConfig m_curveConfig;
    std::vector<RunResultPtr> m_curveRuns;
    NotebookLossesPtr m_notebookLosses;
    NotebookCurvePtr m_notebookCurve;
    std::vector<RunResultPtr> m_shownRuns;
    QStringList m_shownLabels;
};

} // namespace qm7::ui
