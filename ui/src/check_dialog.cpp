#include "qm7ui/check_dialog.h"

#include "qm7/analysis/student_model.h"
#include "qm7/train/threads.h"
#include "qm7ui/job_runner.h"
#include "qm7ui/parity_view.h"

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <memory>

namespace qm7::ui {

namespace {

/// What a job hands back to the GUI thread.
struct Outcome {
    std::vector<qm7::ModelCheck> checks;
    std::map<int, qm7::Reference> references; ///< every reference known after the job
    QString error;
};

CheckDialog* dialogOf(QMainWindow* window, const std::function<DatasetPtr()>& data) {
    auto* d = window->findChild<CheckDialog*>(QString(), Qt::FindDirectChildrenOnly);
    return d ? d : new CheckDialog(data, window);
}

} // namespace

CheckDialog::CheckDialog(std::function<DatasetPtr()> data, QWidget* parent)
    : QDialog(parent), m_data(std::move(data)) {
    setWindowTitle(tr("Check a PyTorch model"));
    auto* layout = new QVBoxLayout(this);

    auto* buttons = new QHBoxLayout;
    auto* openFile = new QPushButton(tr("Open a model…"), this);
    auto* openFolder = new QPushButton(tr("Check a folder…"), this);
    auto* exportButton = new QPushButton(tr("Export CSV…"), this);
    buttons->addWidget(openFile);
    buttons->addWidget(openFolder);
    buttons->addStretch();
    buttons->addWidget(exportButton);
    layout->addLayout(buttons);

    auto* settings = new QHBoxLayout;
    m_reference = new QComboBox(this);
    m_reference->addItems({tr("train the workbench's runs"), tr("none")});
    m_epochs = new QSpinBox(this);
    m_epochs->setRange(1, 100000);
    m_epochs->setValue(1000);
    m_lr = new QComboBox(this);
    m_lr->addItems({"1e-5", "1e-4", "1e-3", "1e-2"});
    m_lr->setCurrentIndex(2);
    m_seeds = new QSpinBox(this);
    m_seeds->setRange(1, 10);
    m_seeds->setValue(3);
    m_scale = new QComboBox(this);
    m_scale->addItems({tr("auto"), tr("normalized"), tr("kcal/mol")});
    m_std = new QComboBox(this);
    m_std->addItems({tr("sample (torch.std)"), tr("population")});
    settings->addWidget(new QLabel(tr("Reference:"), this));
    settings->addWidget(m_reference);
    settings->addWidget(new QLabel(tr("epochs"), this));
    settings->addWidget(m_epochs);
    settings->addWidget(new QLabel(tr("lr"), this));
    settings->addWidget(m_lr);
    settings->addWidget(new QLabel(tr("seeds"), this));
    settings->addWidget(m_seeds);
    settings->addSpacing(16);
    settings->addWidget(new QLabel(tr("Output:"), this));
    settings->addWidget(m_scale);
    settings->addWidget(new QLabel(tr("std:"), this));
    settings->addWidget(m_std);
    settings->addStretch();
    layout->addLayout(settings);

    m_status = new QLabel(tr("Open a model saved by your notebook: %1")
                              .arg(QString::fromStdString(qm7::studentSaveAdvice())),
                          this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);
    m_pages = new QStackedWidget(this);
    auto* one = new QWidget(m_pages);
    auto* oneLayout = new QHBoxLayout(one);
    oneLayout->setContentsMargins(0, 0, 0, 0);
    // Left: the numbers and the verdict in words; right: the plots.
    auto* left = new QVBoxLayout;
    m_metrics = new QTableWidget(3, 2, one);
    m_metrics->setHorizontalHeaderLabels({tr("Your model"), tr("Reference: mean (range)")});
    m_metrics->horizontalHeaderItem(1)->setToolTip(
        tr("The workbench's runs at the same settings, one per seed: test RMSE as the mean over "
           "the seeds (lowest-highest), MAE and R² as means. The plots show seed 0."));
    m_metrics->setVerticalHeaderLabels(
        {tr("Test RMSE (kcal/mol)"), tr("Test MAE (kcal/mol)"), tr("Test R²")});
    // Every header and cell whole: columns as wide as their contents, the table as its columns.
    m_metrics->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_metrics->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_metrics->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_metrics->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_metrics->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    m_metrics->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    m_verdict = new QLabel(one);
    m_verdict->setObjectName(QStringLiteral("checkVerdict"));
    m_verdict->setWordWrap(true);
    m_verdict->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_verdict->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    left->addWidget(m_metrics);
    left->addWidget(m_verdict);
    left->addStretch(1);
    m_parity = new ParityView(one);
    oneLayout->addLayout(left);
    oneLayout->addWidget(m_parity, 1);
    m_pages->addWidget(one);
    m_folder = new QTableWidget(0, 5, m_pages);
    m_folder->setHorizontalHeaderLabels(
        {tr("File"), tr("Kind"), tr("Test RMSE"), tr("MAE"), tr("Verdict or reason")});
    m_folder->horizontalHeader()->setStretchLastSection(true);
    m_folder->setWordWrap(true);
    m_pages->addWidget(m_folder);
    layout->addWidget(m_pages, 1);

    connect(openFile, &QPushButton::clicked, this, [this] {
        const QString f =
            QFileDialog::getOpenFileName(this, tr("Open a PyTorch model"), QString(),
                                         tr("PyTorch models (*.pt *.pth *.pkl);;All files (*)"));
        if (!f.isEmpty())
            checkFile(f);
    });
    connect(openFolder, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("A folder of models"));
        if (!d.isEmpty())
            checkFolder(d);
    });
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getSaveFileName(
            this, tr("Export the checks as CSV"), QStringLiteral("checks.csv"), tr("CSV (*.csv)"));
        if (!f.isEmpty())
            exportCsv(f);
    });
    fitMetrics();
    resize(1200, 720);
}

CheckDialog::~CheckDialog() {
    JobRunner::instance().close(this);
}

void CheckDialog::closeEvent(QCloseEvent* event) {
    JobRunner::instance().cancelAndJoin(this);
    QDialog::closeEvent(event);
}

void CheckDialog::attach(QMainWindow* window, QMenu* menu, std::function<DatasetPtr()> data) {
    menu->addAction(tr("Open a &PyTorch model…"), window, [window, data] {
        CheckDialog* d = dialogOf(window, data);
        d->show();
        d->raise();
        const QString f =
            QFileDialog::getOpenFileName(d, tr("Open a PyTorch model"), QString(),
                                         tr("PyTorch models (*.pt *.pth *.pkl);;All files (*)"));
        if (!f.isEmpty())
            d->checkFile(f);
    });
    menu->addAction(tr("Check a &folder of PyTorch models…"), window, [window, data] {
        CheckDialog* d = dialogOf(window, data);
        d->show();
        d->raise();
        const QString dir = QFileDialog::getExistingDirectory(d, tr("A folder of models"));
        if (!dir.isEmpty())
            d->checkFolder(dir);
    });
}

bool CheckDialog::isBusy() const {
    return JobRunner::instance().isRunning(this);
}
QString CheckDialog::statusText() const {
    return m_status->text();
}
QString CheckDialog::verdictText() const {
    return m_verdict->text();
}

void CheckDialog::setReference(bool train, int epochs, double lr, int seeds) {
    m_reference->setCurrentIndex(train ? 0 : 1);
    m_epochs->setValue(epochs);
    const int i = m_lr->findText(QString::number(lr, 'g', 1).replace("e-0", "e-"));
    if (i >= 0)
        m_lr->setCurrentIndex(i);
    m_seeds->setValue(seeds);
}

bool CheckDialog::checkFile(const QString& path) {
    return start({path}, false);
}

bool CheckDialog::checkFolder(const QString& dir) {
    QStringList files;
    try {
        for (const auto& f : qm7::modelFilesIn(dir.toStdString()))
            files << QString::fromStdString(f);
    } catch (const std::exception& e) {
        m_status->setText(tr("%1: %2").arg(dir, QString::fromLocal8Bit(e.what())));
        Q_EMIT checkFinished();
        return false;
    }
    if (files.isEmpty()) {
        m_status->setText(tr("%1 holds no files").arg(dir));
        Q_EMIT checkFinished();
        return false;
    }
    return start(files, true);
}

bool CheckDialog::start(const QStringList& files, bool folder) {
    const DatasetPtr data = m_data ? m_data() : nullptr;
    if (!data) {
        m_status->setText(tr("Load the data set the model was trained on first (File > Open "
                             "dataset.pt…)."));
        Q_EMIT checkFinished();
        return false;
    }
    if (isBusy())
        return false;
    qm7::CheckOptions options;
    options.scale = m_scale->currentIndex() == 0   ? qm7::OutputScale::Auto
                    : m_scale->currentIndex() == 1 ? qm7::OutputScale::Normalized
                                                   : qm7::OutputScale::Kcal;
    options.std = m_std->currentIndex() == 0 ? qm7::StdKind::Sample : qm7::StdKind::Population;
    const bool train = m_reference->currentIndex() == 0;
    qm7::TrainConfig config;
    config.epochs = m_epochs->value();
    config.lr = m_lr->currentText().toDouble();
    const int seeds = m_seeds->value();
    // References trained at other settings or on other data do not apply.
    const QString key = QStringLiteral("%1|%2|%3|%4|%5")
                            .arg(QString::fromStdString(data->source))
                            .arg(data->train.rows())
                            .arg(config.epochs)
                            .arg(config.lr)
                            .arg(seeds);
    if (key != m_referenceKey) {
        m_references.clear();
        m_referenceKey = key;
    }
    auto outcome = std::make_shared<Outcome>();
    outcome->references = m_references;
    std::vector<std::string> paths;
    for (const auto& f : files)
        paths.push_back(f.toStdString());
    m_status->setText(train ? tr("Checking %1 file(s); training the reference where needed "
                                 "(p of each model, %2 epochs, lr %3, %4 seed(s))…")
                                  .arg(files.size())
                                  .arg(config.epochs)
                                  .arg(m_lr->currentText())
                                  .arg(seeds)
                            : tr("Checking %1 file(s)…").arg(files.size()));
    m_verdict->clear();
    m_pages->setCurrentIndex(folder ? 1 : 0);
    const bool started = JobRunner::instance().start(
        this, QStringLiteral("check"),
        [outcome, data, paths, options, train, config, seeds](JobContext& ctx) {
            try {
                qm7::setUpNumerics();
                for (const auto& path : paths) {
                    if (ctx.cancelled())
                        return;
                    const qm7::Reference* ref = nullptr;
                    if (train) {
                        int p = 1000;
                        try {
                            const int w = qm7::StudentModel::load(path).hidden();
                            if (w > 0)
                                p = w;
                        } catch (const std::exception&) {
                            // an unreadable file: checkModel gives the reason below
                        }
                        auto it = outcome->references.find(p);
                        if (it == outcome->references.end()) {
                            qm7::TrainConfig c = config;
                            c.hidden = p;
                            qm7::TrainOptions o;
                            o.control = &ctx.control();
                            qm7::Reference r = qm7::trainReference(*data, c, seeds, o);
                            if (ctx.cancelled())
                                return;
                            it = outcome->references.emplace(p, std::move(r)).first;
                        }
                        ref = &it->second;
                    }
                    outcome->checks.push_back(qm7::checkModel(*data, path, options, ref));
                }
            } catch (const std::exception& e) {
                outcome->error = QString::fromLocal8Bit(e.what());
            }
        },
        [this, outcome, folder] {
            m_references = outcome->references;
            m_checks = outcome->checks;
            if (!outcome->error.isEmpty()) {
                m_status->setText(outcome->error);
            } else if (folder) {
                showFolder();
            } else {
                showOne();
            }
            Q_EMIT checkFinished();
        });
    if (!started)
        m_status->setText(tr("A check is running."));
    return started;
}

bool CheckDialog::exportCsv(const QString& path) {
    try {
        qm7::writeCheckCsv(m_checks, path.toStdString());
        return true;
    } catch (const std::exception& e) {
        m_status->setText(tr("Export failed: %1").arg(QString::fromLocal8Bit(e.what())));
        return false;
    }
}

} // namespace qm7::ui
