#include "qm7ui/main_window.h"

#include "qm7ui/job_runner.h"
#include "qm7ui/project_monitor.h"

#include "qm7ui/cv_view.h"
#include "qm7ui/data_panel.h"
#include "qm7ui/export_dialog.h"
#include "qm7ui/histogram_view.h"
#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/learning_curve_view.h"
#include "qm7ui/loss_plot.h"
#include "qm7ui/parity_view.h"
#include "qm7ui/plot_export.h"
#include "qm7ui/plot_style.h"
#include "qm7ui/predict_dialog.h"
#include "qm7ui/check_dialog.h"
#include "qm7ui/notebook_menu.h"
#include "qm7ui/report_renderer.h"
#include "qm7ui/runs_table.h"
#include "qm7ui/session.h"
#include "qm7ui/sweep_view.h"
#include "qm7ui/exploration_run_form.h"
#include "qm7ui/exploration_view.h"
#include "qm7ui/training_controller.h"

#include "qm7/analysis/experiments.h"
#include "qm7/train/threads.h"
#include "qm7/version.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFragment>
#include <QTextImageFormat>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>

/// Resources of the static qm7_ui library must be registered by hand.
static void initUiResources() {
    Q_INIT_RESOURCE(workbench);
    Q_INIT_RESOURCE(tutorial);
}

namespace qm7::ui {
namespace {

/// Shrinks a window larger than its screen's free area (a laptop's 1280 x 800, say) to fit.
void fitScreen(QWidget* window) {
    const QScreen* screen = window->screen();
    if (!screen)
        return;
    const QSize free = screen->availableGeometry().size();
    if (window->width() > free.width() || window->height() > free.height())
        window->resize(std::min(window->width(), free.width()),
                       std::min(window->height(), free.height()));
}

} // namespace

void showTutorial(QWidget* parent) {
    auto* dialog = new QDialog(parent);
    dialog->setObjectName(QStringLiteral("tutorial"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(QObject::tr("Tutorial: the QM7 homework in the workbench"));
    auto* text = new QTextBrowser(dialog);
    text->setObjectName(QStringLiteral("tutorialText"));
    text->setOpenExternalLinks(true);
    // docs/TUTORIAL.md and its pictures, built into the program (resources/tutorial.qrc).
    text->setSource(QUrl(QStringLiteral("qrc:/qm7/docs/TUTORIAL.md")),
                    QTextDocument::MarkdownResource);
    const QRect free =
        parent && parent->screen() ? parent->screen()->availableGeometry() : QRect(0, 0, 1280, 800);
    dialog->resize(std::min(900, free.width() - 40), std::min(1000, free.height() - 60));
    // The screenshots are window-sized: shown at the width of the text (the dialog's, less its
    // margins and the scroll bar).
    const int width = dialog->width() - 80;
    QTextDocument* doc = text->document();
    struct Picture {
        int position, length;
        QTextImageFormat format;
    };
    std::vector<Picture> pictures;
    for (QTextBlock block = doc->begin(); block.isValid(); block = block.next())
        for (auto it = block.begin(); !it.atEnd(); ++it)
            if (const QTextFragment f = it.fragment(); f.charFormat().isImageFormat())
                pictures.push_back({f.position(), f.length(), f.charFormat().toImageFormat()});
    for (Picture& p : pictures) {
        const QImage picture(QStringLiteral(":/qm7/docs/") + p.format.name());
        if (picture.isNull() || picture.width() <= width)
            continue;
        p.format.setWidth(width);
        p.format.setHeight(static_cast<double>(width) * picture.height() / picture.width());
        QTextCursor cursor(doc);
        cursor.setPosition(p.position);
        cursor.setPosition(p.position + p.length, QTextCursor::KeepAnchor);
        cursor.setCharFormat(p.format);
    }
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(text, 1);
    layout->addWidget(buttons);
    dialog->show();
}

MainWindow::MainWindow(const QString& projectDir, QWidget* parent) : QMainWindow(parent) {
    initUiResources();
    setWindowTitle(tr("QM7 Workbench"));
    setWindowIcon(QIcon(QStringLiteral(":/qm7/icons/qm7-workbench.svg")));
    m_controller = new TrainingController(this);
    m_session = new Session(this);
    m_data = new DataPanel(this);
    m_hyper = new HyperparameterPanel(this);
    m_loss = new LossPlot(this);
    m_histogram = new HistogramView(this);
    m_parity = new ParityView(this);
    m_sweep = new SweepView(this);
    m_curve = new LearningCurveView(this);
    m_runs = new RunsTable(this);
    // "Measure at these n" trains with the loaded source and the current settings.
    m_curve->setMeasureContextProvider(
        [this] { return measureContextFrom(*m_data, *m_hyper, m_runs->runsDir()); });
    buildLayout();

    connect(m_data, &DataPanel::datasetChanged, this, &MainWindow::onDatasetChanged);
    connect(m_session, &Session::resultsCleared, this, &MainWindow::clearResults);
    connect(m_session, &Session::shownRunsChanged, this,
            [this] { m_loss->showRuns(m_session->shownRuns(), m_session->shownLabels()); });
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
            [this] { m_data->applyRepresentation(m_hyper->representation()); });
    connect(m_controller, &TrainingController::epochs, this, &MainWindow::onEpochs);
    connect(m_controller, &TrainingController::progressed, this, &MainWindow::onProgress);
    connect(m_controller, &TrainingController::runFinished, this, &MainWindow::onRunFinished);
    connect(m_controller, &TrainingController::finished, this, &MainWindow::onJobFinished);
    connect(m_controller, &TrainingController::stage, this, &MainWindow::onStage);
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
    addCrossValidationTab(m_tabs, m_data, project);           // its own thread, see cv_view.h
    ExplorationView* exploration = addExplorationTab(m_tabs); // qm7 sweep --grid / --sample
    // Its Run form trains the loaded data into the project's exploration folder.
    exploration->runForm()->setData([this] { return m_data->dataset(); },
                                    [this] { return m_data->source(); });
    // Settings its space leaves unset are the Hyperparameters panel's.
    exploration->runForm()->setBase([this] {
        ExplorationBase base;
        base.config = m_hyper->baseConfig();
        base.network = m_hyper->network();
        base.threads = m_hyper->trainingThreads();
        base.learningRates = static_cast<int>(m_hyper->learningRates().size());
        base.error = m_hyper->firstError();
        return base;
    });
    connect(m_hyper, &HyperparameterPanel::changed, exploration->runForm(),
            &ExplorationRunForm::refreshBase);
    exploration->runForm()->setOutputFolder(
        [this] { return QDir(m_runs->projectDir()).filePath(QStringLiteral("exploration")); });
    if (QFileInfo::exists(QDir(project).filePath(QStringLiteral("exploration/trials.csv"))))
        exploration->openTrials(QDir(project).filePath(QStringLiteral("exploration")), nullptr);
    // Selected trials' curves go through the session, which the Loss curves tab draws.
    connect(exploration, &ExplorationView::lossCurvesRequested, this,
            [this](const std::vector<RunResultPtr>& runs, const QStringList& labels) {
                if (isTraining()) {
                    showStatus(tr("The Loss curves tab shows the running job: stop it first "
                                  "to see the selected trials' curves."));
                    return;
                }
                m_session->setShownRuns(runs, labels);
                m_tabs->setCurrentWidget(m_loss);
            });
    // The runs get a tab of their own: a table under the plots left them 200 px on a laptop.
    m_tabs->addTab(m_runs, tr("Runs"));
    m_tabs->setTabToolTip(m_tabs->indexOf(m_runs),
                          tr("Every run of the project folder; tick Show to overlay its loss "
                             "curves, select one to see it on the Parity tab"));
    buildActions(); // the View menu lists every tab
    fitScreen(this);
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
    leftLayout->addStretch();
    auto* scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("settingsScroll"));
    scroll->setWidget(left);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setMinimumWidth(left->sizeHint().width() + 20);
    // Start, Pause and Stop under the scroll area: in view whatever the screen's height.
    auto* settings = new QWidget(this);
    auto* settingsLayout = new QVBoxLayout(settings);
    settingsLayout->setContentsMargins(0, 0, 0, 6);
    settingsLayout->addWidget(scroll, 1);
    runRow->setContentsMargins(9, 0, 9, 0);
    settingsLayout->addLayout(runRow);
    auto* controlsDock = new QDockWidget(tr("Settings"), this);
    controlsDock->setObjectName(QStringLiteral("settingsDock"));
    controlsDock->setWidget(settings);
    controlsDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::LeftDockWidgetArea, controlsDock);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("tabs"));
    m_tabs->setUsesScrollButtons(true);
    m_tabs->addTab(m_loss, tr("Loss curves"));
    m_tabs->addTab(m_histogram, tr("Energy histogram"));
    m_tabs->addTab(m_parity, tr("Parity"));
    m_tabs->addTab(m_sweep, tr("Learning-rate sweep"));
    m_tabs->addTab(m_curve, tr("Learning curve"));
    setCentralWidget(m_tabs);

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
    CheckDialog::attach(this, file, [this] { return m_session->data(); }); // a student's model
    attachNotebookMenu(this, file, m_session, m_loss, m_curve, m_tabs);    // and their numbers
    file->addSeparator();
    file->addAction(tr("Open pro&ject folder…"), this, &MainWindow::openProjectDialog);
    file->addAction(tr("&Watch project folder (cluster)…"), this,
                    [this] { ProjectMonitor::openDialog(this); });
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
    PredictDialog::attach(this, run, [this] { return m_runs->runsDir(); }); // and .xyz drops
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
    help->addAction(tr("&Tutorial"), QKeySequence::HelpContents, this,
                    [this] { showTutorial(this); });
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
    const bool hadResults = m_session->hasResults() || m_parity->run() != nullptr ||
                            m_loss->pointCount() > 0 || !m_curve->points().empty();
    m_session->setData(data, m_data->source());
    m_histogram->setDataset(data);
    QString text =
        tr("Loaded %1: %2 training rows, d = %3.")
            .arg(m_data->source() == QLatin1String("demo") ? tr("the demo data")
                                                           : QFileInfo(m_data->source()).fileName())
            .arg(data ? data->train.rows() : 0)
            .arg(data ? data->d : 0);
    if (hadResults)
        text += tr(" The tabs were emptied of the previous data's results; its runs stay in the "
                   "Runs table.");
    showStatus(text);
    updateControls();
}

void MainWindow::clearResults() {
    m_jobRuns.clear();
    m_stage.clear();
    m_loss->clear();
    m_parity->setRuns({}, {}, -1);
    m_sweep->setRuns({});
    m_curve->clearResults();
    m_progressBar->setValue(0);
    m_progressBar->setFormat(QString());
}

bool MainWindow::isTraining() const {
    return m_controller->isRunning();
}

void MainWindow::warn(const QString& title, const QString& text) {
    // Not modal for the event loop: training signals and tests keep running meanwhile.
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
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

void MainWindow::closeEvent(QCloseEvent* event) {
    if (isTraining())
        showStatus(tr("Stopping the training…"));
    m_controller->shutdown(); // cancels and joins the training job (its runs are kept)
    // Measurements, KRR, cross-validation, comparisons, predictions and loads of this window.
    JobRunner::instance().cancelAndJoinUnder(this);
    writeSettings();
    event->accept();
}

} // namespace qm7::ui
