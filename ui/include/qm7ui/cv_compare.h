#pragma once
/// @file cv_compare.h
/// "Compare representations" of the Cross-validation tab: the one-hidden-layer network on every
/// representation (and optionally the paper's network) as cross-validation studies on the same
/// folds, run by core (qm7::runComparison) on a thread of the job runner; a window whose table
/// fills row by row (representation, network, MAE and RMSE mean ± std, folds, s per fold) above the
/// published anchors; cancel, rerun reuses finished folds; comparison.csv/.md written by core.

#include "qm7/analysis/cv_comparison.h"

#include "qm7ui/job_window.h"

#include <memory>
#include <vector>

class QCheckBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTableWidgetItem;

namespace qm7::ui {

/// A read-only table cell, right-aligned (numbers) unless right is false; the cross-validation
/// tables use it.
QTableWidgetItem* tableCell(const QString& text, bool right = true);

class CvCompareView : public JobWindow {
    Q_OBJECT
  public:
    /// Closing or destroying it cancels a running comparison and joins its thread (job_window.h).
    explicit CvCompareView(QWidget* parent = nullptr);

    /// The molecules ("demo", an .xyz or .mat), folds, training molecules per fold (0 = all) and
    /// the comparison's folder (its studies go in subfolders).
    void setStudy(const QString& source, int folds, int trainSize, const QString& dir);
    QString resultsDir() const { return m_dir; }
    /// Epochs of the one-hidden-layer network (default: core's TrainConfig).
    void setEpochs(int epochs);
    /// Whether the paper's network (about 30 minutes per fold) is compared too.
    void setPaper(bool on);

    /// Starts the comparison; false with the reason in error (and in the window) otherwise.
    bool run(QString* error = nullptr);
    void cancel();

    QTableWidget* table() const { return m_table; }
    QString message() const;
    /// Finished comparison rows shown so far in this run.
    int rowsDone() const { return m_rowsDone; }

  Q_SIGNALS:
    /// Study row has its numbers.
    void rowShown(int row);
    /// The run ended (finished, cancelled or failed: error not empty).
    void finished(bool cancelled, const QString& error);

  private:
    void buildTable(const std::vector<qm7::CvComparisonStudy>& plan);
    void showRow(int row, const qm7::CvComparisonRow& r);
    void onProgress(int row, const QString& text);
    void onDone(bool cancelled, const QString& error);
    void setMessage(const QString& text, bool error = false);
    qm7::CvComparisonSettings settings() const;

    QString m_source, m_dir;
    int m_folds = 5, m_trainSize = 0;
    QLabel* m_what;
    QSpinBox* m_epochs;
    QCheckBox* m_paper;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QLabel* m_progress;
    QLabel* m_message;
    QTableWidget* m_table;
    int m_rowsDone = 0;
};

} // namespace qm7::ui
