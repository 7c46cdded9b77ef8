#pragma once
/// @file data_panel.h
/// Where the data comes from (dataset.pt, molecules, the demo) and a summary of it.

#include "qm7ui/meta_types.h"

#include <QStringList>
#include <QWidget>

#include <memory>

class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QToolButton;

namespace qm7::ui {

/// Opens data sets, remembers recent files and shows sizes, d, N and label statistics.
class DataPanel : public QWidget {
    Q_OBJECT
  public:
    /// What a load produced (data set and augmentation, or an error); see data_panel.cpp.
    struct Loaded;

    explicit DataPanel(QWidget* parent = nullptr);
    /// Waits for a load in progress (reading cannot be interrupted).
    ~DataPanel() override;

    /// Loads a dataset.pt, an .xyz or .mat (built with representation) or "demo".
    /// On failure keeps the current data, returns false and sets error.
    bool load(const QString& source, QString* error = nullptr);
    /// Loads like load() on a background thread: the window stays responsive, a busy bar
    /// shows, and datasetChanged or loadFailed follows. False when a load is already running.
    bool loadInBackground(const QString& source);
    /// True while a background load runs.
    bool isLoading() const;
    /// The bundled demo when available, else the most recent file that loads, else nothing
    /// (with a hint).
    void loadDefault();
    DatasetPtr dataset() const { return m_data; }
    /// Fresh randomly sorted features per epoch when the data was built from molecules with
    /// the random-sorted representation; null otherwise.
    AugmentationPtr augmentation() const { return m_augmentation; }
    /// "demo" or the path of the loaded data; empty when none.
    QString source() const { return m_source; }
    QStringList recentFiles() const { return m_recent; }
    /// The representation used when building features from molecules (for the next load).
    void setRepresentation(const QString& representation) { m_representation = representation; }
    /// Sets the representation and, when it changed and the loaded data was built from
    /// molecules (or is the demo), reloads it in the background; true when a reload started.
    bool applyRepresentation(const QString& representation);
    /// True when source is built from molecules (the demo, .xyz, .mat), false for a dataset.pt.
    static bool buildsFromMolecules(const QString& source);
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
    /// A background load started (true) or ended (false).
    void loadingChanged(bool loading);

  private:
    void applyLoaded(const QString& source, Loaded loaded);
    void onBackgroundLoadDone(const QString& source, Loaded loaded);
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    void updateSummary();

    DatasetPtr m_data;
    AugmentationPtr m_augmentation;
    QString m_source;
    QString m_representation = QStringLiteral("cm");
    QStringList m_recent;
    QLabel* m_summary;
    QProgressBar* m_busy;
    QList<QWidget*> m_buttons;
    QMenu* m_recentMenu;
    QToolButton* m_recentButton;
};

} // namespace qm7::ui
