#pragma once
/// @file predict_dialog.h
/// Predicts the atomization energies of the molecules of an .xyz file with a trained run folder
/// (core's qm7::MoleculePredictor, on a thread of the job runner) and shows them in a table:
/// molecule, atoms, prediction ± spread over random draws, or why the model cannot take it, and
/// where the molecule lies in the run's data (a training molecule's value is fitted, not
/// predicted). The run folder is remembered (QSettings "predict/runDir"); the folder chooser starts
/// in the project's runs folder. attach() adds the menu action and accepts .xyz files dropped on a
/// window.

#include "qm7/analysis/predict.h"

#include <QDialog>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

class QLabel;
class QLineEdit;
class QMainWindow;
class QMenu;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QCloseEvent;

namespace qm7::ui {

class PredictDialog : public QDialog {
    Q_OBJECT
  public:
    explicit PredictDialog(QWidget* parent = nullptr);
    /// Joins a running prediction (job_runner.h); a start() after this is refused.
    ~PredictDialog() override;

    /// Adds "Predict molecules…" (Ctrl+Shift+P) to menu and makes window accept .xyz drops;
    /// both open window's PredictDialog (created on first use). runsFolder, when given, tells
    /// the project's runs folder at that moment (where the run-folder chooser starts).
    static void attach(QMainWindow* window, QMenu* menu, std::function<QString()> runsFolder = {});
    /// The dialog of a window (created when absent).
    static PredictDialog* of(QWidget* window);
    /// True when the drag carries a local .xyz or .xyz.gz file.
    static bool acceptsFile(const QString& path);

    QString runDir() const;
    /// The project's runs folder: where the run-folder chooser starts.
    void setRunsFolder(const QString& dir) { m_runsFolder = dir; }
    QString runsFolder() const { return m_runsFolder; }
    /// Where the run-folder chooser opens: the runs folder when it exists, else the current
    /// run folder, else the home folder.
    QString chooserStartFolder() const;
    /// Sets (and remembers) the run folder; predicts the current molecules again.
    void setRunDir(const QString& dir);
    /// Predicts the molecules of an .xyz file in the background; asks for the run folder first
    /// when none is set (interactive use). False when a prediction is already running.
    bool predictFile(const QString& path);
    bool isBusy() const;

    QTableWidget* table() const { return m_table; }
    /// The line above the table: the model used, or what went wrong.
    QString statusText() const;
    const std::vector<qm7::PredictedMolecule>& predictions() const { return m_predictions; }

  Q_SIGNALS:
    /// A prediction ended (the table is filled, or statusText() says why not).
    void predictionFinished();

  protected:
    /// Closing the dialog cancels and joins a running prediction.
    void closeEvent(QCloseEvent* event) override;

  private:
    struct Outcome;
    void chooseRunDir();
    void chooseFile();
    void start();
    void onWorkerDone(const Outcome& outcome);
    void fillTable();

    QLineEdit* m_runEdit;
    QLabel* m_fileLabel;
    QSpinBox* m_draws;
    QLabel* m_status;
    QTableWidget* m_table;
    QString m_file;
    QString m_appliedRunDir; ///< the run folder set up last (the field may be mid-edit)
    QString m_runsFolder;
    std::vector<qm7::PredictedMolecule> m_predictions;
    bool m_again = false; ///< settings changed while busy: predict again when done
};

} // namespace qm7::ui
