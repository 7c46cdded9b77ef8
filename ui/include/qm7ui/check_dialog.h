#pragma once
/// @file check_dialog.h
/// File > Open a PyTorch model…: a student's own model (a state_dict or TorchScript saved by the
/// notebook) checked on the workbench's data set by core (qm7/analysis/model_check.h) on a thread
/// of the job runner: test RMSE, MAE and R² beside the reference (the workbench's own runs at
/// the same settings, trained on demand, one per seed), the verdict in words, and the parity plot
/// and residuals of the model with the reference's first seed drawn over them (from the same
/// Reference the table and the verdict use); or a folder of models, one row per file, exported
/// as CSV. The results are shown by check_dialog_results.cpp.

#include "qm7/analysis/model_check.h"
#include "qm7ui/meta_types.h"

#include <QDialog>
#include <QString>

#include <functional>
#include <map>
#include <vector>

class QCloseEvent;
class QComboBox;
class QLabel;
class QMainWindow;
class QMenu;
class QSpinBox;
class QStackedWidget;
class QTableWidget;

namespace qm7::ui {

class ParityView;

class CheckDialog : public QDialog {
    Q_OBJECT
  public:
    /// data gives the data set the models are checked on (the window's current one).
    explicit CheckDialog(std::function<DatasetPtr()> data, QWidget* parent = nullptr);
    /// Joins a running check (job_runner.h).
    ~CheckDialog() override;
    /// Adds "Open a PyTorch model…" and "Check a folder of models…" to menu; both open the
    /// window's dialog (created on first use) on the window's current data set.
    static void attach(QMainWindow* window, QMenu* menu, std::function<DatasetPtr()> data);

    /// Checks one model file in the background (training the reference first when asked and not
    /// trained yet for its width). False while a check runs or without data.
    bool checkFile(const QString& path);
    /// Checks every file of a folder in the background, one row each.
    bool checkFolder(const QString& dir);
    bool isBusy() const;

    /// Reference settings: "train" (at epochs, lr, seeds) or "none".
    void setReference(bool train, int epochs, double lr, int seeds);

    QString statusText() const;
    QString verdictText() const;
    /// Student | reference rows: test RMSE, MAE, R².
    QTableWidget* metricsTable() const { return m_metrics; }
    /// The folder's rows: file, kind, test RMSE, MAE, verdict or reason.
    QTableWidget* folderTable() const { return m_folder; }
    /// The model's parity and residuals, with the reference's first seed over them.
    ParityView* parity() const { return m_parity; }
    /// The reference of the model shown (empty without one): the table's, the verdict's and
    /// the plots' numbers.
    const qm7::Reference& shownReference() const { return m_shownReference; }
    const std::vector<qm7::ModelCheck>& checks() const { return m_checks; }
    /// Writes the folder's rows as CSV (core's writer); false with a message in the status line.
    bool exportCsv(const QString& path);

  Q_SIGNALS:
    /// A check ended (results shown, or statusText() says why not).
    void checkFinished();

  protected:
    void closeEvent(QCloseEvent* event) override;

  private:
    bool start(const QStringList& files, bool folder);
    void showOne();
    void showFolder();
    /// Sizes the metrics table to its contents and the verdict below it to the table's width.
    void fitMetrics();

    std::function<DatasetPtr()> m_data;
    QComboBox* m_reference;
    QSpinBox* m_epochs;
    QComboBox* m_lr;
    QSpinBox* m_seeds;
    QComboBox* m_scale;
    QComboBox* m_std;
    QLabel* m_status;
    QLabel* m_verdict;
    QStackedWidget* m_pages;
    QTableWidget* m_metrics;
    ParityView* m_parity;
    QTableWidget* m_folder;
    std::vector<qm7::ModelCheck> m_checks;
    std::map<int, qm7::Reference> m_references; ///< by width p, for the current settings
    QString m_referenceKey;                     ///< the settings m_references were trained at
    qm7::Reference m_shownReference;
};

} // namespace qm7::ui
