#include "qm7ui/main_window.h"

#include "qm7ui/session.h"

#include "job_builder.h"
#include "qm7ui/data_panel.h"
#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/learning_curve_view.h"
#include "qm7ui/loss_plot.h"
#include "qm7ui/parity_view.h"
#include "qm7ui/plot_style.h"
#include "qm7ui/report_renderer.h"
#include "qm7ui/runs_table.h"
#include "qm7ui/sweep_view.h"
#include "qm7ui/training_controller.h"

#include "qm7/analysis/experiments.h"
#include "qm7/analysis/report.h"

#include <algorithm>

#include <QDir>
#include <QFileDialog>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QTabWidget>

#include <cmath>
#include <exception>
#include <memory>

/// Job building (JobBuilder), starting, progress and the end of the workbench's jobs.

namespace qm7::ui {
namespace {

QString formatDuration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0)
        return QStringLiteral("--:--");
    const auto s = static_cast<long long>(std::llround(seconds));
    if (s >= 3600)
        return QStringLiteral("%1:%2:%3")
            .arg(s / 3600)
            .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
            .arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2")
        .arg(s / 60, 2, 10, QLatin1Char('0'))
        .arg(s % 60, 2, 10, QLatin1Char('0'));
}

} // namespace

namespace {

qm7::SweepConfig homeworkSweep(const qm7::HomeworkConfig& config) {
    qm7::SweepConfig sweep;
    sweep.base = config.base;
    sweep.lrs = config.lrs;
    sweep.seeds = config.seeds;
    sweep.rule = config.rule;
    return sweep;
}

} // namespace

void MainWindow::onStage(const QString& text) {
    m_stage = text;
    showStatus(tr("Homework: %1…").arg(text));
    // The homework trains the sweep, then the curve at the chosen lr: each drawn live.
    static const QString chosen = QStringLiteral("chosen learning rate ");
    if (text.startsWith(chosen))
        m_homeworkLr = text.mid(chosen.size()).section(QLatin1Char(' '), 0, 0).toDouble();
    if (text.startsWith(QStringLiteral("learning curve"))) {
        qm7::CurveConfig curve;
        curve.base = m_homework.base;
        curve.base.lr = m_homeworkLr > 0 ? m_homeworkLr : m_homework.base.lr;
        curve.sizes = m_homework.sizes;
        curve.seeds = m_homework.seeds;
        m_loss->beginLive(qm7::curveConfigs(curve));
    }
}

JobBuilder MainWindow::jobBuilder() const {
    return JobBuilder(*m_hyper, *m_data, *m_sweep, *m_curve);
}

bool MainWindow::refuse(const QString& what, const QString& error) {
    m_lastError = error;
    showStatus(tr("Cannot start%1: %2").arg(what, error));
    return false;
}

bool MainWindow::startTraining() {
    QString error;
    auto configs = jobBuilder().train(&error);
    if (configs.empty())
        return refuse(QString(), error);
    return startJob(m_hyper->learningRates().size() > 1 ? JobKind::Sweep : JobKind::Train,
                    std::move(configs));
}

bool MainWindow::startSweep() {
    QString error;
    auto configs = jobBuilder().sweep(&error);
    if (configs.empty())
        return refuse(tr(" the sweep"), error);
    return startJob(JobKind::Sweep, std::move(configs));
}

bool MainWindow::startLearningCurve() {
    QString error;
    auto configs = jobBuilder().curve(&error);
    if (configs.empty())
        return refuse(tr(" the learning curve"), error);
    m_curveConfig = jobBuilder().curveConfig();
    return startJob(JobKind::Curve, std::move(configs));
}

bool MainWindow::startJob(JobKind kind, std::vector<qm7::TrainConfig> configs) {
    if (isTraining()) {
        showStatus(tr("A training is running: stop it first."));
        return false;
    }
    if (m_data->isLoading()) {
        showStatus(tr("Data is still loading: start when it is loaded."));
        return false;
    }
    if (!m_data->dataset()) {
        m_lastError = tr("no data set is loaded");
        showStatus(tr("Cannot start: load a data set first (Ctrl+O)."));
        return false;
    }
    for (const auto& c : configs) {
        const std::string bad = c.validate();
        if (!bad.empty()) {
            m_lastError = QString::fromStdString(bad);
            showStatus(tr("Cannot start: %1").arg(m_lastError));
            return false;
        }
    }
    TrainJob job = jobBuilder().job(kind);
    job.configs = configs;
    job.runsDir = m_runs->runsDir();
    m_jobKind = kind;
    m_jobConfigs = configs;
    m_jobRuns.assign(configs.size(), nullptr);
    m_jobSource = m_data->source();
    m_stage.clear(); // a homework's stage is not this job's
    m_lastEpoch = 0;
    m_totalEpochs = configs.front().epochs;
    m_lastError.clear();
    m_loss->beginLive(configs);
    if (!m_controller->start(std::move(job)))
        return false;
    m_pauseButton->setChecked(false);
    m_progressBar->setValue(0);
    m_tabs->setCurrentWidget(m_loss);
    showStatus(tr("Training %1 run(s) (%2)…").arg(configs.size()).arg(jobKindName(kind)));
    updateControls();
    return true;
}

bool MainWindow::startHomework(const QString& dir) {
    if (isTraining() || m_data->isLoading()) {
        showStatus(tr("A training or a data load is running: wait for it first."));
        return false;
    }
    QString error;
    qm7::HomeworkConfig config;
    jobBuilder().homework(&config, &error);
    if (error.isEmpty() && !QDir().mkpath(dir))
        error = tr("cannot create %1").arg(dir);
    if (!error.isEmpty()) {
        m_lastError = error;
        showStatus(tr("Cannot start the homework: %1").arg(error));
        return false;
    }
    TrainJob job = jobBuilder().job(JobKind::Homework);
    job.homework = config;
    job.homeworkDir = dir;
    m_jobKind = JobKind::Homework;
    m_jobConfigs.clear();
    m_jobRuns.clear();
    m_jobSource = m_data->source();
    m_homeworkDir = dir;
    m_stage.clear();
    m_homeworkLr = 0;
    m_lastEpoch = 0;
    m_totalEpochs = config.base.epochs;
    m_lastError.clear();
    m_homework = config;
    m_loss->beginLive(qm7::sweepConfigs(homeworkSweep(config))); // drawn live, as for Start
    m_tabs->setCurrentWidget(m_loss);
    if (!m_controller->start(std::move(job)))
        return false;
    m_pauseButton->setChecked(false);
    m_progressBar->setValue(0);
    showStatus(tr("Homework into %1…").arg(QDir::toNativeSeparators(dir)));
    updateControls();
    return true;
}

void MainWindow::homeworkDialog() {
    QSettings settings;
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Homework folder (runs, figures and report.md; finished runs are reused)"),
        startFolder(QStringLiteral("homework/dir")));
    if (dir.isEmpty())
        return;
    settings.setValue(QStringLiteral("homework/dir"), dir);
    if (!startHomework(dir))
        warn(tr("Cannot start the homework"), m_lastError);
}

void MainWindow::finishHomework(const JobResult& result) {
    if (!result.homework)
        return;
    const qm7::HomeworkResult& hw = *result.homework;
    // The tabs show what the report shows.
    const auto final = std::make_shared<const qm7::RunResult>(hw.final);
    std::vector<RunResultPtr> sweepRuns;
    for (const auto& r : hw.sweepRuns)
        sweepRuns.push_back(std::make_shared<const qm7::RunResult>(r));
    m_sweep->setSweep(hw.sweepConfig, sweepRuns);
    m_session->setSweepRuns(sweepRuns);
    std::vector<RunResultPtr> curveRuns;
    for (const auto& r : hw.curveRuns)
        curveRuns.push_back(std::make_shared<const qm7::RunResult>(r));
    m_session->setCurve(hw.curveConfig, curveRuns);
    m_curve->setSeedCurves(qm7::perSeedCurves(hw.curveRuns)); // a later refit ranks as core did
    // The tab draws the report's own ranking: the same law, window and errors as fits.csv.
    m_curve->showRanking(qm7::curvePoints(hw.curve), hw.ranking);
    m_curve->setMeasured(hw.measured); // verification runs, if any
    m_parity->setRun(final, tr("homework's question-6 run (chosen lr %1, seed %2)")
                                .arg(lrText(hw.final.config.lr))
                                .arg(hw.final.config.seed));
    m_loss->showRuns({final}, {tr("final run")});
    try {
        const ReportFigures figures = writeHomeworkReportWithFigures(
            hw, m_homeworkDir, m_jobSource.toStdString(), m_data->dataset());
        showStatus(tr("Wrote the homework report: %1 (%2 figures, %3 runs reused).")
                       .arg(QDir::toNativeSeparators(
                           QDir(m_homeworkDir).filePath(QStringLiteral("report.md"))))
                       .arg(figures.files.size())
                       .arg(hw.reusedRuns));
    } catch (const std::exception& e) {
        m_lastError = QString::fromStdString(e.what());
        showStatus(tr("Could not write the report: %1").arg(m_lastError));
        if (isVisible())
            warn(tr("Could not write the report"), m_lastError);
    }
}

void MainWindow::stopTraining() {
    if (!isTraining())
        return;
    m_controller->stop();
    showStatus(tr("Stopping…"));
}

void MainWindow::setPaused(bool paused) {
    if (!isTraining())
        return;
    m_controller->setPaused(paused);
    m_pauseButton->setText(paused ? tr("Resume") : tr("Pause"));
    showStatus(paused ? tr("Paused at epoch %1.").arg(m_lastEpoch) : tr("Resumed."));
}

void MainWindow::onEpochs(const EpochBatch& batch) {
    for (const auto& e : batch)
        m_lastEpoch = std::max(m_lastEpoch, e.epoch);
    m_loss->appendEpochs(batch);
}

void MainWindow::onProgress(const qm7::Progress& p) {
    if (p.stepsTotal <= 0)
        return;
    const double fraction = double(p.stepsDone) / double(p.stepsTotal);
    m_progressBar->setValue(static_cast<int>(1000 * fraction));
    m_progressBar->setFormat(QStringLiteral("%1%").arg(100 * fraction, 0, 'f', 1));
    const double rate = p.seconds > 0 ? p.stepsDone / p.seconds : 0;
    const double eta = rate > 0 ? (p.stepsTotal - p.stepsDone) / rate : NAN;
    if (!m_controller->isPaused())
        showStatus((m_stage.isEmpty() ? QString() : m_stage + QStringLiteral(" · ")) +
                   tr("Epoch %1/%2 · runs %3/%4 done · %5 steps/s · ETA %6")
                       .arg(m_lastEpoch)
                       .arg(m_totalEpochs)
                       .arg(p.runsFinished)
                       .arg(p.runsTotal)
                       .arg(rate, 0, 'f', rate < 10 ? 1 : 0)
                       .arg(formatDuration(eta)));
}

void MainWindow::onRunFinished(int run, const RunResultPtr& result, const SavedRun& saved) {
    if (run < 0 || run >= static_cast<int>(m_jobRuns.size()) || !result)
        return;
    m_jobRuns[static_cast<std::size_t>(run)] = result;
    if (result->history.empty())
        return;
    m_runs->addSavedRun(result, jobKindName(m_jobKind), saved, m_jobSource,
                        QString::fromStdString(result->config.representation));
    if (!saved.error.isEmpty())
        showStatus(tr("Could not save the run: %1").arg(saved.error));
}

void MainWindow::onJobFinished(const JobResult& result) {
    // Results arrive in config order; runs not reported one by one are taken from here.
    for (std::size_t i = 0; i < result.runs.size() && i < m_jobRuns.size(); ++i) {
        if (!m_jobRuns[i])
            m_jobRuns[i] = result.runs[i];
    }
    std::vector<RunResultPtr> done;
    for (const auto& r : m_jobRuns) {
        if (r && !r->cancelled && !r->history.empty())
            done.push_back(r);
    }
    if (!result.error.isEmpty()) {
        m_lastError = result.error;
        showStatus(tr("Training failed: %1").arg(result.error));
        if (isVisible())
            warn(tr("Training failed"), result.error);
    } else if (result.cancelled && m_jobKind == JobKind::Homework) {
        showStatus(tr("Homework stopped; its finished runs stay in %1: write the report into the "
                      "same folder to resume.")
                       .arg(QDir::toNativeSeparators(m_homeworkDir)));
    } else if (result.cancelled) {
        int stopped = 0;
        for (const auto& r : m_jobRuns)
            stopped += r && r->cancelled && !r->history.empty() ? 1 : 0;
        showStatus(tr("Stopped at epoch %1; %2 finished and %3 stopped run(s) kept in the Runs "
                      "table (the stopped ones are marked).")
                       .arg(m_lastEpoch)
                       .arg(done.size())
                       .arg(stopped));
    } else {
        double seconds = 0;
        for (const auto& r : done)
            seconds = std::max(seconds, r->seconds);
        showStatus(tr("Finished %1 run(s) in %2.").arg(done.size()).arg(formatDuration(seconds)));
        m_progressBar->setValue(1000);
        m_progressBar->setFormat(QStringLiteral("100%"));
    }
    if (m_jobKind == JobKind::Homework && result.error.isEmpty() && !result.cancelled)
        finishHomework(result);
    if (!done.empty()) {
        if (m_jobKind == JobKind::Sweep) {
            m_session->setSweepRuns(done);
            m_sweep->setRuns(done);
        }
        if (m_jobKind != JobKind::Curve)
            showParityOf(done);
        if (m_jobKind == JobKind::Curve && m_data->dataset()) {
            m_session->setCurve(m_curveConfig, done);
            m_curve->setRuns(done, static_cast<int>(m_data->dataset()->train.rows()));
            m_tabs->setCurrentWidget(m_curve); // back from the Loss tab to the curve
        }
    }
    m_pauseButton->setChecked(false);
    m_pauseButton->setText(tr("Pause"));
    updateControls();
    Q_EMIT jobFinished(result);
}

void MainWindow::showParityOf(const std::vector<RunResultPtr>& runs) {
    // Question 6's run: the chosen lr's run with the best validation loss (core decides).
    std::vector<const qm7::RunResult*> raw;
    for (const auto& r : runs)
        raw.push_back(r.get());
    qm7::SweepSummary summary = m_sweep->summary();
    if (m_jobKind != JobKind::Sweep) {
        qm7::SweepConfig one;
        for (const auto& r : runs) {
            if (std::find(one.lrs.begin(), one.lrs.end(), r->config.lr) == one.lrs.end())
                one.lrs.push_back(r->config.lr);
        }
        summary = qm7::summarizeFinishedSweep(one, raw);
    }
    const qm7::RunResult* chosen = qm7::questionSixRun(summary, raw);
    int current = 0;
    QStringList labels;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto& c = runs[i]->config;
        QString label = tr("lr %1, seed %2").arg(lrText(c.lr)).arg(c.seed);
        if (runs[i].get() == chosen) {
            current = static_cast<int>(i);
            label = summary.rows.size() > 1
                        ? tr("chosen lr %1, seed %2 (best validation loss of its seeds: "
                             "question 6)")
                              .arg(lrText(c.lr))
                              .arg(c.seed)
                        : tr("lr %1, seed %2 (best validation loss of the seeds)")
                              .arg(lrText(c.lr))
                              .arg(c.seed);
        }
        labels << label;
    }
    m_parity->setRuns(runs, labels, current);
}

void MainWindow::onOverlayChanged() {
    if (isTraining())
        return;
    const auto checked = m_runs->checkedRuns();
    if (checked.empty())
        return;
    std::vector<RunResultPtr> runs;
    QStringList labels;
    for (const auto& r : checked) {
        runs.push_back(r.run);
        labels << r.label();
    }
    m_session->setShownRuns(runs, labels);
}

void MainWindow::onCurrentRunChanged() {
    if (const RunRecord* r = m_runs->currentRun())
        m_parity->setRun(r->run, r->label());
}

} // namespace qm7::ui
