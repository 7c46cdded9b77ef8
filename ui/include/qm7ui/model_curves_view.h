#pragma once
/// @file model_curves_view.h
/// "Learning curves of models" of the Cross-validation tab: the field's figure (test MAE
/// against training molecules, log-log, one curve and slope per model) read from a results
/// folder of core's model_curves.h, the same folder `qm7 invariance --curve` fills. Run trains
/// the missing points on a thread of the job runner (finished points are read, not trained
/// again), the plot and table grow point by point; Cancel stops inside a point (the networks
/// checkpoint); Export writes the figure (PNG or SVG) and the table (CSV, core's writer).

#include "qm7/analysis/model_curves.h"

#include "qm7ui/job_window.h"

#include <vector>

class QCheckBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace qm7::ui {

class ModelCurvesView : public JobWindow {
    Q_OBJECT
  public:
    /// Closing or destroying it cancels a running job and joins its thread (job_window.h).
    explicit ModelCurvesView(QWidget* parent = nullptr);

    /// The molecules ("demo", an .xyz or .mat) and the results folder; shows what the folder
    /// holds.
    void setStudy(const QString& source, const QString& dir);
    QString resultsDir() const;
    /// Reads the folder again (core's collectModelCurves) and redraws.
    void reload();

    /// Which models Run trains (keys of curveModelKey) and the sizes ("100, 300, all").
    void setModels(const QStringList& keys);
    void setSizes(const QString& sizes);

    /// Starts training the missing points; false with the reason in error (and shown) otherwise.
    bool run(QString* error = nullptr);
    void cancel();

    /// What the plot and the table show: one source, read from the folder.
    const std::vector<qm7::ModelCurve>& curves() const { return m_curves; }
    QCustomPlot* plot() const { return m_plot; }
    QTableWidget* table() const { return m_table; }
    QString message() const;

    /// Writes the figure (by the suffix: .png or .svg) or the table (.csv); false with error.
    bool exportTo(const QString& path, QString* error);

  Q_SIGNALS:
    /// The run ended (finished, cancelled or failed: error not empty).
    void finished(bool cancelled, const QString& error);

  private:
    void showCurves(const std::vector<qm7::ModelCurve>& curves);
    void setMessage(const QString& text, bool error = false);
    void onProgress(int index, int total, const QString& text);
    void onDone(bool cancelled, const QString& error);
    void exportDialog();
    bool config(qm7::ModelCurvesConfig* out, QString* why) const;

    QString m_source;
    QLabel* m_what;
    QLineEdit* m_folder;
    std::vector<QCheckBox*> m_models;
    QLineEdit* m_sizes;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QPushButton* m_export;
    QProgressBar* m_progress;
    QLabel* m_progressText;
    QLabel* m_message;
    QCustomPlot* m_plot;
    QTableWidget* m_table;
    std::vector<qm7::ModelCurve> m_curves;
};

} // namespace qm7::ui
