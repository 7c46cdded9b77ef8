#pragma once
/// @file data_panel.h
/// Where the data comes from (dataset.pt, molecules, the demo) and a summary of it.

#include "qm7ui/meta_types.h"

#include <QStringList>
#include <QWidget>

class QLabel;
class QMenu;
class QPushButton;
class QToolButton;

namespace qm7::ui {

/// Opens data sets, remembers recent files and shows sizes, d, N and label statistics.
class DataPanel : public QWidget {
    Q_OBJECT
  public:
    explicit DataPanel(QWidget* parent = nullptr);

    /// Loads a dataset.pt, an .xyz or .mat (built with representation) or "demo".
    /// On failure keeps the current data, returns false and sets error.
    bool load(const QString& source, QString* error = nullptr);
    /// The demo when available, else the shared course file, else nothing (with a hint).
    void loadDefault();
    DatasetPtr dataset() const { return m_data; }
    /// "demo" or the path of the loaded data; empty when none.
    QString source() const { return m_source; }
    QStringList recentFiles() const { return m_recent; }
    /// The representation used when building features from molecules.
    void setRepresentation(const QString& representation) { m_representation = representation; }
    /// True when this build can read .xyz/.mat molecules and has a bundled demo.
    static bool canBuildFromMolecules();
    /// The summary shown, as plain text (for reports and tests).
    QString summaryText() const;
    /// Uses a data set made elsewhere (e.g. in memory); source names it.
    void setDataset(DatasetPtr data, const QString& source);

  public Q_SLOTS:
    void openDatasetDialog();
    void openMoleculesDialog();
    void loadDemo();

  Q_SIGNALS:
    void datasetChanged(const qm7::ui::DatasetPtr& data);
    void loadFailed(const QString& message);

  private:
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    void updateSummary();

    DatasetPtr m_data;
    QString m_source;
    QString m_representation = QStringLiteral("cm");
    QStringList m_recent;
    QLabel* m_summary;
    QMenu* m_recentMenu;
    QToolButton* m_recentButton;
};

} // namespace qm7::ui
