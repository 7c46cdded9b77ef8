#pragma once
/// @file runs_table.h
/// Every finished or stopped run with its settings and results, persisted in a project folder.

#include "qm7ui/meta_types.h"

#include <QWidget>

#include <vector>

class QStandardItemModel;
class QSortFilterProxyModel;
class QTableView;
class QLabel;

namespace qm7::ui {

/// One stored run: its folder in the project and what it produced.
struct RunRecord {
    QString id;     ///< folder name, e.g. 20260101-120000-train-0
    QString dir;    ///< absolute folder
    QString kind;   ///< train, sweep or curve
    QString source; ///< the data source the run was trained on ("demo" or a path)
    /// The representation of its inputs as core names it (cm, sorted, eigen, random-sorted).
    QString representation;
    RunResultPtr run;
    QString label() const;
};

/// A sortable table of runs; tick runs to overlay their curves; delete removes their folders.
class RunsTable : public QWidget {
    Q_OBJECT
  public:
    explicit RunsTable(QWidget* parent = nullptr);
    /// Tall enough for ten runs: the dock starts at this height.
    QSize sizeHint() const override;

    /// Sets the project folder and loads the runs stored in its runs/ folder.
    void setProjectDir(const QString& dir);
    QString projectDir() const { return m_projectDir; }
    /// Adds a run that is already saved (dir may be empty when it could not be saved), trained
    /// on the data source source with the inputs representation (core's name).
    void addSavedRun(const RunResultPtr& run, const QString& kind, const SavedRun& saved,
                     const QString& source = QString(), const QString& representation = QString());
    /// The project's runs folder (project/runs), created when missing.
    QString runsDir() const;
    /// Runs ticked for overlay, in table order.
    std::vector<RunRecord> checkedRuns() const;
    /// The run of the current row, if any.
    const RunRecord* currentRun() const;
    const std::vector<RunRecord>& records() const { return m_records; }
    /// Ticks exactly the given runs (by id) for overlay.
    void setChecked(const QStringList& ids);
    int rowCount() const;
    QTableView* view() const { return m_view; }

  public Q_SLOTS:
    /// Deletes the selected runs (asks first when confirm is true).
    void deleteSelected(bool confirm = true);

  Q_SIGNALS:
    void overlayChanged();
    void currentRunChanged();

  private:
    void appendRow(const RunRecord& record);
    int recordIndex(const QString& id) const;

    QString m_projectDir;
    std::vector<RunRecord> m_records;
    QStandardItemModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_view;
    QLabel* m_status;
    bool m_loading = false;
};

} // namespace qm7::ui
