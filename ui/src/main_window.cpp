#include "qm7ui/main_window.h"
#include "qm7ui/project_monitor.h"

#include "qm7ui/data_panel.h"
#include "qm7ui/export_dialog.h"
#include "qm7ui/histogram_view.h"
#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/learning_curve_view.h"
#include "qm7ui/loss_plot.h"
#include "qm7ui/parity_view.h"
#include "qm7ui/plot_export.h"
#include "qm7ui/plot_style.h"
#include "qm7ui/report_renderer.h"
#include "qm7ui/runs_table.h"
#include "qm7ui/sweep_view.h"
#include "qm7ui/training_controller.h"

#include "qm7/analysis/experiments.h"
#include "qm7/train/threads.h"
#include "qm7/version.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include <cmath>
#include <exception>
#include <memory>

/// Resources of the static qm7_ui library must be registered by hand.
static void initUiResources() {
    Q_INIT_RESOURCE(workbench);
}

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

MainWindow::MainWindow(const QString& projectDir, QWidget* parent) : QMainWindow(parent) {
    initUiResources();
    setWindowTitle(tr("QM7 Workbench"));
    setWindowIcon(QIcon(QStringLiteral(":/qm7/icons/qm7-workbench.svg")));
    m_controller = new TrainingController(this);
    m_data = new DataPanel(this);
    m_hyper = new HyperparameterPanel(this);
    m_loss = new LossPlot(this);
    m_histogram = new HistogramView(this);
    m_parity = new ParityView(this);
    m_sweep = new SweepView(this);
    m_curve = new LearningCurveView(this);
    m_runs = new RunsTable(this);
    // issue 11: "Measure at these n" trains with the loaded source and the current settings.
    m_curve->setMeasureContextProvider(
        [this] { return measureContextFrom(*m_data, *m_hyper, m_runs->runsDir()); });
    buildLayout();
    buildActions();

    connect(m_data, &DataPanel::datasetChanged, this, &MainWindow::onDatasetChanged);
    connect(m_data, &DataPanel::loadFailed, this, [this](const QString& message) {
        m_lastError = message;
        showStatus(tr("Could not load data: %1").arg(message));
        if (isVisible())
            warn(tr("Could not load data"), message);
    });
    connect(m_data, &DataPanel::loadingChanged, this, [this](bool loading) {
        if (loading)
            showStatus(tr("Loading data…"));
        updateControls();
    });
    connect(m_hyper, &HyperparameterPanel::validityChanged, this, &MainWindow::updateControls);
    connect(m_hyper, &HyperparameterPanel::changed, this,
            [this] { m_data->setRepresentation(m_hyper->representation()); });
    connect(m_controller, &TrainingController::epochs, this, &MainWindow::onEpochs);
    connect(m_controller, &TrainingController::progressed, this, &MainWindow::onProgress);
    connect(m_controller, &TrainingController::runFinished, this, &MainWindow::onRunFinished);
    connect(m_controller, &TrainingController::finished, this, &MainWindow::onJobFinished);
    connect(m_controller, &TrainingController::stage, this, [this](const QString& text) {
        m_stage = text;
        showStatus(tr("Homework: %1…").arg(text));
    });
    connect(m_runs, &RunsTable::overlayChanged, this, &MainWindow::onOverlayChanged);
    connect(m_runs, &RunsTable::currentRunChanged, this, &MainWindow::onCurrentRunChanged);
    connect(m_sweep, &SweepView::runRequested, this, &MainWindow::startSweep);
    connect(m_sweep, &SweepView::chosenLrChanged, this,
            [this](double lr) { m_curve->setLearningRate(lr); });
    connect(m_curve, &LearningCurveView::runRequested, this, &MainWindow::startLearningCurve);

    readSettings();
    QString project = projectDir;
    if (project.isEmpty())
        project = QSettings().value(QStringLiteral("project/dir")).toString();
    if (project.isEmpty())
        project = QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
                      .filePath(QStringLiteral("project"));
    QDir().mkpath(project);
    m_runs->setProjectDir(project);
    updateControls();
    showStatus(tr("Ready. Choose settings and press Start (Ctrl+R)."));
    const std::string blas = qm7::blasWarning();
    if (!blas.empty())
        showStatus(QString::fromStdString(blas));
}

MainWindow::~MainWindow() {
    m_controller->shutdown();
}

void MainWindow::buildLayout() {
    auto* dataBox = new QGroupBox(tr("Data"), this);
    auto* dataLayout = new QVBoxLayout(dataBox);
    dataLayout->addWidget(m_data);
    auto* hyperBox = new QGroupBox(tr("Hyperparameters"), this);
    auto* hyperLayout = new QVBoxLayout(hyperBox);
    hyperLayout->addWidget(m_hyper);
    auto* reset = new QPushButton(tr("Homework defaults"), this);
    reset->setToolTip(tr("p 1000, 1000 epochs, lr 1e-3, batch 100, 3 seeds, evaluate every 10"));
    connect(reset, &QPushButton::clicked, m_hyper, &HyperparameterPanel::resetDefaults);
    hyperLayout->addWidget(reset, 0, Qt::AlignRight);

    m_startButton = new QPushButton(tr("Start"), this);
    m_startButton->setObjectName(QStringLiteral("start"));
    m_startButton->setToolTip(tr("Train every learning rate and seed (Ctrl+R)"));
    m_pauseButton = new QPushButton(tr("Pause"), this);
    m_pauseButton->setObjectName(QStringLiteral("pause"));
    m_pauseButton->setCheckable(true);
    m_stopButton = new QPushButton(tr("Stop"), this);
    m_stopButton->setObjectName(QStringLiteral("stop"));
    connect(m_startButton, &QPushButton::clicked, this, &MainWindow::startTraining);
    connect(m_pauseButton, &QPushButton::toggled, this, &MainWindow::setPaused);
    connect(m_stopButton, &QPushButton::clicked, this, &MainWindow::stopTraining);
    auto* runRow = new QHBoxLayout;
    runRow->addWidget(m_startButton);
    runRow->addWidget(m_pauseButton);
    runRow->addWidget(m_stopButton);

    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->addWidget(dataBox);
    leftLayout->addWidget(hyperBox);
    leftLayout->addLayout(runRow);
    leftLayout->addStretch();
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(left);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setMinimumWidth(left->sizeHint().width() + 20);
    auto* controlsDock = new QDockWidget(tr("Settings"), this);
    controlsDock->setObjectName(QStringLiteral("settingsDock"));
    controlsDock->setWidget(scroll);
    controlsDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::LeftDockWidgetArea, controlsDock);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("tabs"));
    m_tabs->addTab(m_loss, tr("Loss curves"));
    m_tabs->addTab(m_histogram, tr("Energy histogram"));
    m_tabs->addTab(m_parity, tr("Parity"));
    m_tabs->addTab(m_sweep, tr("Learning-rate sweep"));
    m_tabs->addTab(m_curve, tr("Learning curve"));
    setCentralWidget(m_tabs);

    auto* runsDock = new QDockWidget(tr("Runs"), this);
    runsDock->setObjectName(QStringLiteral("runsDock"));
    runsDock->setWidget(m_runs);
    runsDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::BottomDockWidgetArea, runsDock);
    resizeDocks({runsDock}, {180}, Qt::Vertical);

    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName(QStringLiteral("statusText"));
    m_progressBar = new QProgressBar(this);
    m_progressBar->setObjectName(QStringLiteral("progress"));
    m_progressBar->setMaximumWidth(260);
    m_progressBar->setRange(0, 1000);
    m_progressBar->setValue(0);
    m_progressBar->setTextVisible(true);
    statusBar()->addWidget(m_statusLabel, 1);
    statusBar()->addPermanentWidget(m_progressBar);
}

void MainWindow::buildActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open dataset.pt…"), QKeySequence::Open, m_data,
                    &DataPanel::openDatasetDialog);
    file->addAction(tr("Build from &molecules (.xyz, .mat)…"), QKeySequence(tr("Ctrl+M")), m_data,
                    &DataPanel::openMoleculesDialog)
        ->setEnabled(DataPanel::canBuildFromMolecules());
    file->addAction(tr("Load &demo data"), m_data, &DataPanel::loadDemo)
        ->setEnabled(DataPanel::canBuildFromMolecules());
    file->addSeparator();
    file->addAction(tr("Open pro&ject folder…"), this, &MainWindow::openProjectDialog);
    file->addAction(tr("&Watch project folder (cluster)…"), this,
                    [this] { ProjectMonitor::openDialog(this); }); // issue 13
    file->addAction(tr("&Save session…"), QKeySequence::Save, this, &MainWindow::saveSessionDialog);
    file->addAction(tr("&Load session…"), QKeySequence(tr("Ctrl+Shift+L")), this,
                    &MainWindow::loadSessionDialog);
    file->addSeparator();
    file->addAction(tr("&Export plot (PNG, SVG, PDF)…"), QKeySequence(tr("Ctrl+E")), this,
                    &MainWindow::exportCurrentPlot);
    file->addAction(tr("Export plot &data (CSV)…"), QKeySequence(tr("Ctrl+Shift+E")), this,
                    &MainWindow::exportCurrentCsv);
    file->addAction(tr("Write homework &report (runs the homework; figures, CSV, report.md)…"),
                    QKeySequence(tr("Ctrl+Shift+R")), this, &MainWindow::homeworkDialog);
    file->addAction(tr("Export all plots and &data of the tabs…"), this,
                    &MainWindow::exportAllDialog);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    m_startAction =
        run->addAction(tr("&Start"), QKeySequence(tr("Ctrl+R")), this, &MainWindow::startTraining);
    m_pauseAction = run->addAction(tr("&Pause / resume"), QKeySequence(tr("Ctrl+P")), this,
                                   [this] { m_pauseButton->toggle(); });
    m_stopAction =
        run->addAction(tr("S&top"), QKeySequence(tr("Ctrl+.")), this, &MainWindow::stopTraining);
    run->addSeparator();
    run->addAction(tr("Learning-rate s&weep"), QKeySequence(tr("Ctrl+Shift+W")), this,
                   &MainWindow::startSweep);
    run->addAction(tr("Learning &curve"), QKeySequence(tr("Ctrl+Shift+C")), this,
                   &MainWindow::startLearningCurve);
    run->addSeparator();
    run->addAction(tr("&Delete selected runs"), QKeySequence::Delete, m_runs,
                   [this] { m_runs->deleteSelected(true); });

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_tabs->count(); ++i) {
        view->addAction(m_tabs->tabText(i), QKeySequence(QStringLiteral("Ctrl+%1").arg(i + 1)),
                        this, [this, i] { m_tabs->setCurrentIndex(i); });
    }
    view->addSeparator();
    view->addAction(tr("Toggle &log y (loss)"), QKeySequence(tr("Ctrl+L")), this,
                    [this] { m_loss->setLogY(!m_loss->logY()); });

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About QM7 Workbench"), this, &MainWindow::showAbout);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

bool MainWindow::loadData(const QString& source, QString* error) {
    m_data->setRepresentation(m_hyper->representation());
    return m_data->load(source, error);
}

bool MainWindow::loadDataInBackground(const QString& source) {
    m_data->setRepresentation(m_hyper->representation());
    return m_data->loadInBackground(source);
}

void MainWindow::loadDefaultData() {
    m_data->loadDefault();
    if (!m_data->dataset())
        showStatus(tr("No data: open a dataset.pt (Ctrl+O) or build one from molecules."));
}

void MainWindow::onDatasetChanged(const DatasetPtr& data) {
    m_histogram->setDataset(data);
    m_hyper->setTrainRows(data ? static_cast<int>(data->train.rows()) : 0);
    showStatus(tr("Loaded %1: %2 training rows, d = %3.")
                   .arg(m_data->source() == QLatin1String("demo")
                            ? tr("the demo data")
                            : QFileInfo(m_data->source()).fileName())
                   .arg(data ? data->train.rows() : 0)
                   .arg(data ? data->d : 0));
    updateControls();
}

bool MainWindow::isTraining() const {
    return m_controller->isRunning();
}

bool MainWindow::startTraining() {
    QString error;
    auto configs = m_hyper->configs(&error);
    if (configs.empty()) {
        m_lastError = error;
        showStatus(tr("Cannot start: %1").arg(error));
        return false;
    }
    return startJob(m_hyper->learningRates().size() > 1 ? JobKind::Sweep : JobKind::Train,
                    std::move(configs));
}

bool MainWindow::startSweep() {
    QString error;
    const auto lrs = m_sweep->learningRates(&error);
    if (error.isEmpty() && !m_hyper->isValid())
        error = m_hyper->firstError();
    if (!error.isEmpty()) {
        m_lastError = error;
        showStatus(tr("Cannot start the sweep: %1").arg(error));
        return false;
    }
    // The grid comes from core (experiments.h): the same runs, in the same order, as `qm7 sweep`.
    qm7::SweepConfig sweep;
    sweep.base = m_hyper->baseConfig();
    sweep.lrs = lrs;
    sweep.seeds = m_hyper->seedCount();
    sweep.rule = m_sweep->useBest() ? qm7::SweepRule::BestLoss : qm7::SweepRule::FinalLoss;
    const std::string bad = sweep.validate();
    if (!bad.empty()) {
        m_lastError = QString::fromStdString(bad);
        showStatus(tr("Cannot start the sweep: %1").arg(m_lastError));
        return false;
    }
    return startJob(JobKind::Sweep, qm7::sweepConfigs(sweep));
}

bool MainWindow::startLearningCurve() {
    QString error;
    const auto sizes = m_curve->sizes(&error);
    const double lr = m_curve->learningRate();
    if (error.isEmpty() && !(lr > 0))
        error = tr("the learning curve's learning rate must be a number > 0");
    if (error.isEmpty() && !m_hyper->isValid())
        error = m_hyper->firstError();
    const auto data = m_data->dataset();
    if (error.isEmpty() && data) {
        for (int n : sizes) {
            if (n > static_cast<int>(data->train.rows()))
                error = tr("n = %1 exceeds the %2 training rows").arg(n).arg(data->train.rows());
        }
    }
    if (!error.isEmpty()) {
        m_lastError = error;
        showStatus(tr("Cannot start the learning curve: %1").arg(error));
        return false;
    }
    // The grid comes from core (experiments.h): the same runs as `qm7 curve`.
    qm7::CurveConfig curve;
    curve.base = m_hyper->baseConfig();
    curve.base.lr = lr;
    curve.sizes = sizes;
    curve.seeds = m_hyper->seedCount();
    const std::string bad = curve.validate(data ? static_cast<int>(data->train.rows()) : 0);
    if (!bad.empty()) {
        m_lastError = QString::fromStdString(bad);
        showStatus(tr("Cannot start the learning curve: %1").arg(m_lastError));
        return false;
    }
    return startJob(JobKind::Curve, qm7::curveConfigs(curve));
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
    TrainJob job;
    job.kind = kind;
    job.data = m_data->dataset();
    job.configs = configs;
    job.threads = m_hyper->threadSettings();
    job.runsDir = m_runs->runsDir();
    job.dataSource = m_data->source();
    job.augmentation = m_data->augmentation();
    m_jobKind = kind;
    m_jobConfigs = configs;
    m_jobRuns.assign(configs.size(), nullptr);
    m_jobSource = m_data->source();
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
    const auto data = m_data->dataset();
    QString error;
    qm7::HomeworkConfig config;
    config.lrs = m_sweep->learningRates(&error);
    if (error.isEmpty())
        config.sizes = m_curve->sizes(&error);
    if (error.isEmpty() && !m_hyper->isValid())
        error = m_hyper->firstError();
    if (error.isEmpty() && !data)
        error = tr("no data set is loaded");
    if (error.isEmpty()) {
        config.base = m_hyper->baseConfig();
        config.seeds = m_hyper->seedCount();
        config.rule = m_sweep->useBest() ? qm7::SweepRule::BestLoss : qm7::SweepRule::FinalLoss;
        config.targetN = m_curve->targetN();
        config.fit = m_curve->fitOptions();
        error = QString::fromStdString(config.validate(static_cast<int>(data->train.rows())));
    }
    if (error.isEmpty() && !QDir().mkpath(dir))
        error = tr("cannot create %1").arg(dir);
    if (!error.isEmpty()) {
        m_lastError = error;
        showStatus(tr("Cannot start the homework: %1").arg(error));
        return false;
    }
    TrainJob job;
    job.kind = JobKind::Homework;
    job.data = data;
    job.threads = m_hyper->threadSettings();
    job.dataSource = m_data->source();
    job.augmentation = m_data->augmentation();
    job.homework = config;
    job.homeworkDir = dir;
    m_jobKind = JobKind::Homework;
    m_jobConfigs.clear();
    m_jobRuns.clear();
    m_jobSource = m_data->source();
    m_homeworkDir = dir;
    m_stage.clear();
    m_lastEpoch = 0;
    m_totalEpochs = config.base.epochs;
    m_lastError.clear();
    m_loss->clear();
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
        settings.value(QStringLiteral("homework/dir"), m_runs->projectDir()).toString());
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
    m_curve->setTargetN(static_cast<int>(hw.targetN));
    m_curve->setSeedCurves(qm7::perSeedCurves(hw.curveRuns)); // issue 11: ranking by seed
    m_curve->showFits(qm7::curvePoints(hw.curve), hw.fits, m_curve->fitOptions());
    m_curve->setMeasured(hw.measured); // issue 11: verification runs, if any
    m_parity->setRun(
        final, tr("homework's final run (lr %1, seed 0)").arg(formatNumber(hw.final.config.lr, 3)));
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

void MainWindow::warn(const QString& title, const QString& text) {
    // Not modal for the event loop: training signals and tests keep running meanwhile.
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::onRunFinished(int run, const RunResultPtr& result, const SavedRun& saved) {
    if (run < 0 || run >= static_cast<int>(m_jobRuns.size()) || !result)
        return;
    m_jobRuns[static_cast<std::size_t>(run)] = result;
    if (result->cancelled || result->history.empty())
        return;
    m_runs->addSavedRun(result, jobKindName(m_jobKind), saved);
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
        showStatus(
            tr("Stopped at epoch %1; %2 finished run(s) kept.").arg(m_lastEpoch).arg(done.size()));
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
        RunResultPtr best = done.front();
        for (const auto& r : done) {
            if (r->bestValLoss < best->bestValLoss)
                best = r;
        }
        if (m_jobKind != JobKind::Curve)
            m_parity->setRun(best, tr("best validation run (lr %1, seed %2)")
                                       .arg(formatNumber(best->config.lr, 3))
                                       .arg(best->config.seed));
        if (m_jobKind == JobKind::Sweep)
            m_sweep->setRuns(done);
        if (m_jobKind == JobKind::Curve && m_data->dataset())
            m_curve->setRuns(done, static_cast<int>(m_data->dataset()->train.rows()));
    }
    m_pauseButton->setChecked(false);
    m_pauseButton->setText(tr("Pause"));
    updateControls();
    Q_EMIT jobFinished(result);
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
    m_loss->showRuns(runs, labels);
}

void MainWindow::onCurrentRunChanged() {
    if (const RunRecord* r = m_runs->currentRun())
        m_parity->setRun(r->run, r->label());
}

void MainWindow::updateControls() {
    const bool running = isTraining();
    const bool canStart =
        !running && !m_data->isLoading() && m_hyper->isValid() && m_data->dataset() != nullptr;
    m_startButton->setEnabled(canStart);
    m_pauseButton->setEnabled(running);
    m_stopButton->setEnabled(running);
    if (m_startAction) {
        m_startAction->setEnabled(canStart);
        m_pauseAction->setEnabled(running);
        m_stopAction->setEnabled(running);
    }
    m_sweep->runButton()->setEnabled(!running);
    m_hyper->setEnabled(!running);
    m_data->setEnabled(!running);
    if (!m_hyper->isValid())
        m_startButton->setToolTip(tr("Fix the settings first: %1").arg(m_hyper->firstError()));
    else
        m_startButton->setToolTip(tr("Train every learning rate and seed (Ctrl+R)"));
}

void MainWindow::showStatus(const QString& text) {
    m_status = text;
    m_statusLabel->setText(text);
}

QString MainWindow::statusText() const {
    return m_status;
}

QList<PlotPage*> MainWindow::pages() const {
    return {m_loss, m_histogram, m_parity, m_sweep, m_curve};
}

PlotPage* MainWindow::currentPage() const {
    return qobject_cast<PlotPage*>(m_tabs->currentWidget());
}

void MainWindow::exportCurrentPlot() {
    PlotPage* page = currentPage();
    if (!page)
        return;
    const auto plots = page->plots();
    QStringList names;
    for (const auto& p : plots)
        names << p.first;
    QSettings settings;
    ExportDialog dialog(names,
                        settings.value(QStringLiteral("export/size"), QSize(1600, 1200)).toSize(),
                        settings.value(QStringLiteral("export/dpi"), 200).toInt(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    settings.setValue(QStringLiteral("export/size"), dialog.pixelSize());
    settings.setValue(QStringLiteral("export/dpi"), dialog.dpi());
    const auto& chosen = plots[qMax(0, dialog.plotIndex())];
    const QString dir = settings.value(QStringLiteral("export/dir"), QDir::homePath()).toString();
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export plot"), QDir(dir).filePath(chosen.first + QStringLiteral(".png")),
        tr("PNG image (*.png);;SVG vector image (*.svg);;PDF document (*.pdf)"));
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("export/dir"), QFileInfo(path).path());
    QString error;
    if (!exportPlot(chosen.second, path, dialog.pixelSize(), dialog.dpi(), &error))
        warn(tr("Export failed"), error);
    else
        showStatus(tr("Wrote %1").arg(QDir::toNativeSeparators(path)));
}

void MainWindow::exportCurrentCsv() {
    PlotPage* page = currentPage();
    if (!page)
        return;
    const auto files = page->csvFiles();
    if (files.isEmpty() || files.front().second.isEmpty()) {
        showStatus(tr("Nothing to export on this tab yet."));
        return;
    }
    QSettings settings;
    const QString dir = settings.value(QStringLiteral("export/dir"), QDir::homePath()).toString();
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export data"), QDir(dir).filePath(files.front().first + QStringLiteral(".csv")),
        tr("CSV (*.csv)"));
    if (path.isEmpty())
        return;
    settings.setValue(QStringLiteral("export/dir"), QFileInfo(path).path());
    QString error;
    bool ok = writeTextFile(path, files.front().second, &error);
    for (int i = 1; ok && i < files.size(); ++i) {
        const QString extra =
            QFileInfo(path).dir().filePath(files[i].first + QStringLiteral(".csv"));
        ok = writeTextFile(extra, files[i].second, &error);
    }
    if (!ok)
        warn(tr("Export failed"), error);
    else
        showStatus(tr("Wrote %1").arg(QDir::toNativeSeparators(path)));
}

bool MainWindow::exportAll(const QString& dir, QString* error) {
    if (!QDir().mkpath(dir)) {
        if (error)
            *error = tr("cannot create %1").arg(dir);
        return false;
    }
    const QDir out(dir);
    for (PlotPage* page : pages()) {
        for (const auto& [name, widget] : page->plots()) {
            for (const char* suffix : {".png", ".svg", ".pdf"}) {
                if (!exportPlot(widget, out.filePath(name + QLatin1String(suffix)),
                                QSize(1600, 1200), 200, error))
                    return false;
            }
        }
        for (const auto& [name, text] : page->csvFiles()) {
            if (!text.isEmpty() &&
                !writeTextFile(out.filePath(name + QStringLiteral(".csv")), text, error))
                return false;
        }
    }
    return writeTextFile(out.filePath(QStringLiteral("report.md")), reportMarkdown(), error);
}

QString MainWindow::reportMarkdown() const {
    QString md;
    md += QStringLiteral("# QM7 homework report\n\n");
    md += tr("Written by qm7-workbench %1 (git %2) on %3.\n\n")
              .arg(QString::fromLatin1(qm7::kVersion), QString::fromLatin1(qm7::kGitRevision),
                   QDateTime::currentDateTime().toString(Qt::ISODate));
    md += QStringLiteral("## Data\n\n```\n") + m_data->summaryText() + QStringLiteral("\n```\n\n");
    md += QStringLiteral("![energy histogram](energy_histogram.png)\n\n");
    md += QStringLiteral("## Training\n\n![loss curves](loss_curves.png)\n\n");
    if (m_sweep->chosenLr() > 0) {
        md += QStringLiteral("## Learning-rate sweep\n\n");
        md += tr("Chosen learning rate: **%1**.\n\n").arg(formatNumber(m_sweep->chosenLr(), 3));
        md += QStringLiteral("![sweep](lr_sweep.png)\n\nData: `lr_sweep.csv`.\n\n");
    }
    if (const RunResultPtr run = m_parity->run()) {
        md += QStringLiteral("## Test set\n\n");
        md += tr("Test RMSE %1 kcal/mol, MAE %2 kcal/mol, R² %3 (lr %4, seed %5, p %6, %7 "
                 "epochs).\n\n")
                  .arg(run->test.rmse, 0, 'f', 2)
                  .arg(run->test.mae, 0, 'f', 2)
                  .arg(run->test.r2, 0, 'f', 4)
                  .arg(formatNumber(run->config.lr, 3))
                  .arg(run->config.seed)
                  .arg(run->config.hidden)
                  .arg(run->epochsDone);
        md += QStringLiteral("![parity](parity.png) ![residuals](residuals.png)\n\n");
    }
    if (!m_curve->points().empty()) {
        md += QStringLiteral("## Learning curve\n\n| model | A | b | C | R² | at n = %1 |\n"
                             "|---|---|---|---|---|---|\n")
                  .arg(m_curve->targetN());
        for (const auto& f : m_curve->fits()) {
            auto p = [&](std::size_t i) {
                return f.ok && i < f.params.size()
                           ? formatNumber(f.params[i], 4) + QStringLiteral(" ± ") +
                                 formatNumber(f.stderrs[i], 2)
                           : QString();
            };
            const qm7::Extrapolation e = qm7::extrapolate(f, m_curve->targetN());
            md += QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 |\n")
                      .arg(QString::fromStdString(qm7::curveModelFormula(f.model)), p(0), p(1),
                           p(2), formatNumber(f.r2, 4),
                           e.ok ? QStringLiteral("%1 [%2, %3]")
                                      .arg(formatNumber(e.value, 4), formatNumber(e.lower, 3),
                                           formatNumber(e.upper, 3))
                                : QString());
        }
        md += QStringLiteral("\n![learning curve](learning_curve.png)\n");
    }
    return md;
}

void MainWindow::exportAllDialog() {
    QSettings settings;
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Write the report into"),
        settings.value(QStringLiteral("export/dir"), QDir::homePath()).toString());
    if (dir.isEmpty())
        return;
    settings.setValue(QStringLiteral("export/dir"), dir);
    QString error;
    if (!exportAll(dir, &error))
        warn(tr("Export failed"), error);
    else
        showStatus(tr("Wrote the report into %1").arg(QDir::toNativeSeparators(dir)));
}

void MainWindow::openProjectDialog() {
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Project folder"), m_runs->projectDir());
    if (dir.isEmpty())
        return;
    m_runs->setProjectDir(dir);
    QSettings().setValue(QStringLiteral("project/dir"), dir);
}

QJsonObject MainWindow::sessionState() const {
    QJsonObject o;
    o.insert(QStringLiteral("format"), QStringLiteral("qm7-workbench-session"));
    o.insert(QStringLiteral("version"), 1);
    o.insert(QStringLiteral("data"), m_data->source());
    o.insert(QStringLiteral("project"), m_runs->projectDir());
    o.insert(QStringLiteral("hyperparameters"), m_hyper->state());
    o.insert(QStringLiteral("tab"), m_tabs->currentIndex());
    QJsonObject loss;
    loss.insert(QStringLiteral("logY"), m_loss->logY());
    loss.insert(QStringLiteral("smoothing"), m_loss->smoothing());
    loss.insert(QStringLiteral("units"), static_cast<int>(m_loss->units()));
    o.insert(QStringLiteral("loss"), loss);
    QJsonObject hist;
    hist.insert(QStringLiteral("bins"), m_histogram->bins());
    hist.insert(QStringLiteral("normalized"), m_histogram->normalized());
    o.insert(QStringLiteral("histogram"), hist);
    QJsonObject sweep;
    sweep.insert(QStringLiteral("lrs"), m_sweep->learningRatesText());
    sweep.insert(QStringLiteral("useBest"), m_sweep->useBest());
    o.insert(QStringLiteral("sweep"), sweep);
    QJsonObject curve;
    curve.insert(QStringLiteral("sizes"), m_curve->sizesText());
    curve.insert(QStringLiteral("lr"), m_curve->learningRate());
    curve.insert(QStringLiteral("target"), m_curve->targetN());
    QJsonArray models, points;
    for (auto m : m_curve->checkedModels())
        models.append(QString::fromStdString(qm7::curveModelName(m)));
    for (const auto& p : m_curve->points()) {
        points.append(QJsonObject{{QStringLiteral("n"), p.n},
                                  {QStringLiteral("mean"), p.mean},
                                  {QStringLiteral("std"), p.std},
                                  {QStringLiteral("excluded"), p.excluded}});
    }
    curve.insert(QStringLiteral("models"), models);
    curve.insert(QStringLiteral("points"), points);
    o.insert(QStringLiteral("curve"), curve);
    QJsonArray checked;
    for (const auto& r : m_runs->checkedRuns())
        checked.append(r.id);
    o.insert(QStringLiteral("overlay"), checked);
    return o;
}

void MainWindow::applySessionState(const QJsonObject& o) {
    const QString project = o.value(QStringLiteral("project")).toString();
    if (!project.isEmpty() && project != m_runs->projectDir() && QDir(project).exists())
        m_runs->setProjectDir(project);
    m_hyper->setState(o.value(QStringLiteral("hyperparameters")).toObject());
    const QString data = o.value(QStringLiteral("data")).toString();
    if (!data.isEmpty() && data != m_data->source())
        loadData(data);
    const QJsonObject loss = o.value(QStringLiteral("loss")).toObject();
    m_loss->setLogY(loss.value(QStringLiteral("logY")).toBool(true));
    m_loss->setSmoothing(loss.value(QStringLiteral("smoothing")).toDouble());
    m_loss->setUnits(static_cast<LossPlot::Units>(loss.value(QStringLiteral("units")).toInt()));
    const QJsonObject hist = o.value(QStringLiteral("histogram")).toObject();
    m_histogram->setBins(hist.value(QStringLiteral("bins")).toInt(40));
    m_histogram->setNormalized(hist.value(QStringLiteral("normalized")).toBool());
    const QJsonObject sweep = o.value(QStringLiteral("sweep")).toObject();
    if (sweep.contains(QStringLiteral("lrs")))
        m_sweep->setLearningRates(sweep.value(QStringLiteral("lrs")).toString());
    m_sweep->setUseBest(sweep.value(QStringLiteral("useBest")).toBool());
    const QJsonObject curve = o.value(QStringLiteral("curve")).toObject();
    if (curve.contains(QStringLiteral("sizes")))
        m_curve->setSizesText(curve.value(QStringLiteral("sizes")).toString());
    m_curve->setLearningRate(curve.value(QStringLiteral("lr")).toDouble());
    m_curve->setTargetN(curve.value(QStringLiteral("target")).toInt(4000));
    if (curve.contains(QStringLiteral("models"))) {
        QStringList names;
        for (const auto& v : curve.value(QStringLiteral("models")).toArray())
            names << v.toString();
        for (auto m : qm7::allCurveModels())
            m_curve->setModelChecked(
                m, names.contains(QString::fromStdString(qm7::curveModelName(m))));
    }
    std::vector<qm7::CurvePoint> points;
    for (const auto& v : curve.value(QStringLiteral("points")).toArray()) {
        const QJsonObject p = v.toObject();
        qm7::CurvePoint c;
        c.n = p.value(QStringLiteral("n")).toDouble();
        c.mean = p.value(QStringLiteral("mean")).toDouble();
        c.std = p.value(QStringLiteral("std")).toDouble();
        c.excluded = p.value(QStringLiteral("excluded")).toBool();
        points.push_back(c);
    }
    if (!points.empty())
        m_curve->setPoints(points);
    QStringList overlay;
    for (const auto& v : o.value(QStringLiteral("overlay")).toArray())
        overlay << v.toString();
    if (!overlay.isEmpty())
        m_runs->setChecked(overlay);
    m_tabs->setCurrentIndex(o.value(QStringLiteral("tab")).toInt());
}

bool MainWindow::saveSession(const QString& path, QString* error) const {
    return writeTextFile(path, QString::fromUtf8(QJsonDocument(sessionState()).toJson()), error);
}

bool MainWindow::loadSession(const QString& path, QString* error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = tr("cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    QJsonParseError parse;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parse);
    if (doc.isNull() || !doc.isObject() ||
        doc.object().value(QStringLiteral("format")).toString() !=
            QLatin1String("qm7-workbench-session")) {
        if (error)
            *error = tr("%1 is not a qm7-workbench session (%2)")
                         .arg(path, parse.error ? parse.errorString() : tr("wrong format"));
        return false;
    }
    applySessionState(doc.object());
    return true;
}

void MainWindow::saveSessionDialog() {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save session"),
        QDir(m_runs->projectDir()).filePath(QStringLiteral("session.json")),
        tr("Session (*.json)"));
    QString error;
    if (!path.isEmpty() && !saveSession(path, &error))
        warn(tr("Save failed"), error);
}

void MainWindow::loadSessionDialog() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Load session"),
                                                      m_runs->projectDir(), tr("Session (*.json)"));
    QString error;
    if (!path.isEmpty() && !loadSession(path, &error))
        warn(tr("Load failed"), error);
}

void MainWindow::showAbout() {
    QMessageBox::about(
        this, tr("About QM7 Workbench"),
        tr("<h3>QM7 Workbench %1</h3><p>git %2</p>"
           "<p>Learn molecular atomization energies (QM7) with a one-hidden-layer network on "
           "Coulomb matrices.</p>"
           "<table><tr><td>Qt</td><td>%3</td></tr><tr><td>LibTorch</td><td>%4</td></tr>"
           "<tr><td>BLAS</td><td>%5</td></tr><tr><td>QCustomPlot</td><td>%6</td></tr></table>")
            .arg(QString::fromLatin1(qm7::kVersion), QString::fromLatin1(qm7::kGitRevision),
                 QString::fromLatin1(qVersion()), QString::fromStdString(qm7::torchVersion()),
                 QString::fromStdString(qm7::blasDescription()),
                 QStringLiteral(QCUSTOMPLOT_VERSION_STR)));
}

void MainWindow::readSettings() {
    QSettings s;
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    const QJsonObject hyper =
        QJsonDocument::fromJson(s.value(QStringLiteral("session/hyperparameters")).toByteArray())
            .object();
    if (!hyper.isEmpty())
        m_hyper->setState(hyper);
    if (!s.contains(QStringLiteral("window/geometry")))
        resize(1400, 900);
}

void MainWindow::writeSettings() const {
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("session/hyperparameters"),
               QJsonDocument(m_hyper->state()).toJson(QJsonDocument::Compact));
    s.setValue(QStringLiteral("project/dir"), m_runs->projectDir());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (isTraining())
        showStatus(tr("Stopping the training…"));
    m_controller->shutdown(); // cancels and joins the training thread
    writeSettings();
    event->accept();
}

} // namespace qm7::ui
