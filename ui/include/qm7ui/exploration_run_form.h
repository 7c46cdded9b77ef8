#pragma once
/// @file exploration_run_form.h
/// The Exploration tab's Run form: a space in the syntax of `qm7 sweep --grid` (or a space to
/// draw `Sample` settings from, as `--sample N --space`), seeds, epochs and successive halving,
/// trained on the loaded data set by core's exploration loop (exploration_run.h) on a JobRunner
/// worker into the project's exploration folder. A progress bar with an ETA; Cancel stops
/// between steps and keeps the finished runs (Run again trains only the rest); a bad space shows
/// the parser's sentence under the field and trains nothing. The fields persist in QSettings.
/// Every setting the space leaves unset but epochs and seeds (the form's own) is the
/// Hyperparameters panel's (setBase), shown on a line under the row.

#include "qm7ui/meta_types.h"

#include "qm7/analysis/exploration.h"
#include "qm7/train/deep_runs.h"

#include <QString>
#include <QWidget>

#include <functional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace qm7::ui {

/// The settings a space leaves unset, and the training threads.
struct ExplorationBase {
    qm7::TrainConfig config; ///< its epochs and seed are replaced by the form's
    qm7::NetworkChoice network;
    int threads = 0;       ///< 0 = all cores
    int learningRates = 1; ///< how many the panel lists (config.lr is the first)
    QString error;         ///< why these settings cannot train ("" when they can)
};

/// "lr 0.001, hidden 1000, batch 100, one ReLU layer, Adam, all n, all cores".
QString explorationBaseText(const ExplorationBase& base);

class ExplorationRunForm : public QWidget {
    Q_OBJECT
  public:
    explicit ExplorationRunForm(QWidget* parent = nullptr);
    /// Cancels and joins a running exploration (its finished runs stay on disk).
    ~ExplorationRunForm() override;

    /// Where the data to train comes from (called at Run) and what names it in config.json.
    void setData(std::function<DatasetPtr()> data, std::function<QString()> source);
    /// The folder the trials are written to (asked at Run: the project's exploration folder).
    void setOutputFolder(std::function<QString()> dir) { m_outFolder = std::move(dir); }
    /// The settings the space leaves unset (asked at Run and by refreshBase); without it the
    /// homework's defaults.
    void setBase(std::function<ExplorationBase()> base);
    /// Shows the base settings on the line under the row (call when they change).
    void refreshBase();
    /// That line's text.
    QString baseText() const;

    /// Checks the form and starts the exploration; false (with the reason under the field or
    /// in the status) when nothing started.
    bool run();
    void cancel();
    bool isRunning() const;
    /// The message under the space field ("" when the space parsed).
    QString spaceError() const;
    /// The progress bar's text: runs done and the time left, or how the last run ended.
    QString statusText() const;

  Q_SIGNALS:
    /// Before training starts, with the folder it writes to: the table is cleared for the
    /// trials to come.
    void started(const QString& folder);
    /// A run finished and was saved (on the GUI thread).
    void trialFinished(const qm7::ExplorationTrial& trial);
    /// The exploration ended; trials.csv was written when finished is true.
    void ended(bool finished, const QString& folder);

  private:
    void readSettings();
    void writeSettings() const;
    void setRunning(bool running);
    void setStatus(const QString& text, const QString& tip = {});

    std::function<DatasetPtr()> m_data;
    std::function<QString()> m_source;
    std::function<QString()> m_outFolder;
    std::function<ExplorationBase()> m_base;
    QString m_out; ///< the folder of the running or last exploration
    QLineEdit* m_space;
    QSpinBox* m_sample;
    QSpinBox* m_seeds;
    QSpinBox* m_epochs;
    QCheckBox* m_halving;
    QPushButton* m_run;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QLabel* m_error;
    QLabel* m_baseLine;
};

} // namespace qm7::ui
