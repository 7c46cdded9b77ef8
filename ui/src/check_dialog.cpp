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

QTableWidgetItem* cell(const QString& text, bool number = false) {
    auto* it = new QTableWidgetItem(text);
    it->setFlags(it->flags() & ~Qt::ItemIsEditable);
    if (number)
        it->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return it;
}

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
    m_verdict = new QLabel(this);
    m_verdict->setWordWrap(true);
    layout->addWidget(m_verdict);

    m_pages = new QStackedWidget(this);
    auto* one = new QWidget(m_pages);
    auto* oneLayout = new QHBoxLayout(one);
    oneLayout->setContentsMargins(0, 0, 0, 0);
    m_metrics = new QTableWidget(3, 2, one);
    m_metrics->setHorizontalHeaderLabels({tr("Your model"), tr("Reference")});
    m_metrics->setVerticalHeaderLabels(
        {tr("Test RMSE (kcal/mol)"), tr("Test MAE (kcal/mol)"), tr("Test R²")});
    m_metrics->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_metrics->setMinimumWidth(420);
    m_metrics->setMaximumWidth(520);
    m_parity = new ParityView(one);
    oneLayout->addWidget(m_metrics);
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

void CheckDialog::showOne() {
    if (m_checks.empty())
        return;
    const qm7::ModelCheck& c = m_checks.front();
    if (!c.ok) {
        m_status->setText(QString::fromStdString(c.error));
        m_verdict->clear();
        for (int r = 0; r < 3; ++r) {
            m_metrics->setItem(r, 0, cell("-", true));
            m_metrics->setItem(r, 1, cell("-", true));
        }
        return;
    }
    QString scale = QString::fromStdString(qm7::outputScaleText(c.scale));
    if (c.scaleDetected)
        scale += tr(" (detected: validation outputs spread %1)").arg(c.rawSpread, 0, 'f', 2);
    if (c.scale == qm7::OutputScale::Normalized)
        scale += tr("; unnormalized with the training labels' mean %1 and std %2 kcal/mol")
                     .arg(c.labelMean, 0, 'f', 2)
                     .arg(c.labelStd, 0, 'f', 2);
    m_status->setText(tr("<b>%1</b>: %2<br>Output: %3")
                          .arg(QString::fromStdString(c.name).toHtmlEscaped(),
                               QString::fromStdString(c.kind).toHtmlEscaped(), scale));
    m_metrics->setItem(0, 0, cell(QString::number(c.test.rmse, 'f', 2), true));
    m_metrics->setItem(1, 0, cell(QString::number(c.test.mae, 'f', 2), true));
    m_metrics->setItem(2, 0, cell(QString::number(c.test.r2, 'f', 4), true));
    const auto ref = m_references.find(c.hidden > 0 ? c.hidden : 1000);
    if (m_reference->currentIndex() == 0 && ref != m_references.end()) {
        const qm7::Reference& r = ref->second;
        double mae = 0, r2 = 0;
        for (const auto& m : r.seeds) {
            mae += m.mae;
            r2 += m.r2;
        }
        const double n = static_cast<double>(r.seeds.size());
        m_metrics->setItem(0, 1,
                           cell(tr("%1 (%2-%3)")
                                    .arg(r.meanRmse(), 0, 'f', 2)
                                    .arg(r.minRmse(), 0, 'f', 2)
                                    .arg(r.maxRmse(), 0, 'f', 2),
                                true));
        m_metrics->setItem(1, 1, cell(QString::number(mae / n, 'f', 2), true));
        m_metrics->setItem(2, 1, cell(QString::number(r2 / n, 'f', 4), true));
        m_verdict->setText(tr("<b>Reference:</b> %1<br><b>Verdict:</b> %2")
                               .arg(QString::fromStdString(r.description).toHtmlEscaped(),
                                    QString::fromStdString(c.verdict).toHtmlEscaped()));
    } else {
        for (int row = 0; row < 3; ++row)
            m_metrics->setItem(row, 1, cell("-", true));
        m_verdict->setText(
            tr("No reference: choose \"train the workbench's runs\" for a verdict."));
    }
    auto run = std::make_shared<qm7::RunResult>();
    run->testTrue = c.testTrue;
    run->testPred = c.testPred;
    run->test = c.test;
    run->config.hidden = c.hidden > 0 ? c.hidden : run->config.hidden;
    m_parity->setRun(run, QString::fromStdString(c.name));
}

void CheckDialog::showFolder() {
    m_folder->setRowCount(static_cast<int>(m_checks.size()));
    int bad = 0;
    for (int r = 0; r < static_cast<int>(m_checks.size()); ++r) {
        const qm7::ModelCheck& c = m_checks[static_cast<std::size_t>(r)];
        m_folder->setItem(r, 0, cell(QString::fromStdString(c.name)));
        if (!c.ok) {
            ++bad;
            QString why = QString::fromStdString(c.error);
            const QString prefix = QString::fromStdString(c.file) + ": ";
            if (why.startsWith(prefix))
                why = why.mid(prefix.size());
            m_folder->setItem(r, 1, cell(tr("unreadable")));
            m_folder->setItem(r, 2, cell("-", true));
            m_folder->setItem(r, 3, cell("-", true));
            m_folder->setItem(r, 4, cell(why.simplified()));
            m_folder->item(r, 4)->setToolTip(why);
            continue;
        }
        const QString kind = QString::fromStdString(c.kind.substr(0, c.kind.find(" (")));
        m_folder->setItem(r, 1, cell(kind));
        m_folder->setItem(r, 2, cell(QString::number(c.test.rmse, 'f', 2), true));
        m_folder->setItem(r, 3, cell(QString::number(c.test.mae, 'f', 2), true));
        m_folder->setItem(
            r, 4,
            cell(c.verdict.empty() ? QStringLiteral("-") : QString::fromStdString(c.verdict)));
        m_folder->item(r, 4)->setToolTip(m_folder->item(r, 4)->text());
    }
    m_folder->resizeColumnsToContents();
    m_folder->resizeRowsToContents();
    m_status->setText(tr("%1 file(s): %2 checked, %3 unreadable")
                          .arg(m_checks.size())
                          .arg(static_cast<int>(m_checks.size()) - bad)
                          .arg(bad));
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
