#include "qm7ui/predict_dialog.h"

#include "qm7ui/job_runner.h"

#include "qm7/train/threads.h"

#include <QAction>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QMenu>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTableWidget>
#include <QCloseEvent>
#include <QTimer>
#include <QVBoxLayout>

#include <cmath>
#include <exception>
#include <utility>

namespace qm7::ui {
namespace {

const QString kRunDirKey = QStringLiteral("predict/runDir");

/// The first local .xyz / .xyz.gz file a drag carries, "" when none.
QString xyzOf(const QMimeData* mime) {
    if (!mime || !mime->hasUrls())
        return {};
    for (const QUrl& url : mime->urls()) {
        if (url.isLocalFile() && PredictDialog::acceptsFile(url.toLocalFile()))
            return url.toLocalFile();
    }
    return {};
}

/// The dialog of a window, told the project's runs folder of this moment.
PredictDialog* dialogOf(QWidget* window, const std::function<QString()>& runsFolder) {
    PredictDialog* dialog = PredictDialog::of(window);
    if (runsFolder)
        dialog->setRunsFolder(runsFolder());
    return dialog;
}

/// Accepts .xyz files dropped on the window it is installed on and hands them to its dialog.
class DropFilter : public QObject {
  public:
    DropFilter(QWidget* window, std::function<QString()> runsFolder)
        : QObject(window), m_window(window), m_runsFolder(std::move(runsFolder)) {}

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (watched != m_window)
            return false;
        switch (event->type()) {
        case QEvent::DragEnter:
        case QEvent::DragMove: {
            auto* drag = static_cast<QDragMoveEvent*>(event);
            if (xyzOf(drag->mimeData()).isEmpty())
                return false;
            drag->acceptProposedAction();
            return true;
        }
        case QEvent::Drop: {
            auto* drop = static_cast<QDropEvent*>(event);
            const QString file = xyzOf(drop->mimeData());
            if (file.isEmpty())
                return false;
            drop->acceptProposedAction();
            // Not inside the drop: the drag source waits until the event returns.
            QWidget* window = m_window;
            QTimer::singleShot(0, window, [window, file, runsFolder = m_runsFolder] {
                PredictDialog* dialog = dialogOf(window, runsFolder);
                dialog->show();
                dialog->raise();
                dialog->predictFile(file);
            });
            return true;
        }
        default:
            return false;
        }
    }

  private:
    QWidget* m_window;
    std::function<QString()> m_runsFolder;
};

QTableWidgetItem* cell(const QString& text, Qt::Alignment align = Qt::AlignLeft) {
    auto* item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    item->setTextAlignment(align | Qt::AlignVCenter);
    return item;
}

} // namespace

/// What the background prediction produced.
struct PredictDialog::Outcome {
    std::vector<qm7::PredictedMolecule> predictions;
    QString description;
    QString error;
};

PredictDialog::PredictDialog(QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("predictDialog"));
    setWindowTitle(tr("Predict molecules"));
    m_runEdit = new QLineEdit(this);
    m_runEdit->setObjectName(QStringLiteral("predictRunDir"));
    m_runEdit->setPlaceholderText(tr("a run trained on molecules (the demo, an .xyz or a "
                                     "qm7.mat), a fold of qm7 cv or a deep run"));
    m_appliedRunDir = QSettings().value(kRunDirKey).toString();
    m_runEdit->setText(m_appliedRunDir);
    // Compared with this dialog's own folder, not the settings file: another workbench
    // process may write the setting at any time, and a focus-out must not start a job then.
    connect(m_runEdit, &QLineEdit::editingFinished, this, [this] {
        if (m_runEdit->text() != m_appliedRunDir)
            setRunDir(m_runEdit->text());
    });
    auto* runButton = new QPushButton(tr("Choose…"), this);
    connect(runButton, &QPushButton::clicked, this, &PredictDialog::chooseRunDir);
    auto* runRow = new QHBoxLayout;
    runRow->addWidget(m_runEdit, 1);
    runRow->addWidget(runButton);

    m_fileLabel = new QLabel(tr("drop an .xyz file on the window, or open one"), this);
    m_fileLabel->setObjectName(QStringLiteral("predictFile"));
    auto* fileButton = new QPushButton(tr("Open .xyz…"), this);
    connect(fileButton, &QPushButton::clicked, this, &PredictDialog::chooseFile);
    auto* fileRow = new QHBoxLayout;
    fileRow->addWidget(m_fileLabel, 1);
    fileRow->addWidget(fileButton);

    m_draws = new QSpinBox(this);
    m_draws->setObjectName(QStringLiteral("predictDraws"));
    m_draws->setRange(1, 1000);
    m_draws->setValue(10);
    m_draws->setMaximumWidth(90);
    m_draws->setToolTip(tr("Random sortings averaged per molecule (models on randomly sorted "
                           "Coulomb matrices); their standard deviation is the ± spread"));
    connect(m_draws, &QSpinBox::valueChanged, this, [this] {
        if (!m_file.isEmpty())
            start();
    });

    auto* form = new QFormLayout;
    form->addRow(tr("Run folder"), runRow);
    form->addRow(tr("Molecules"), fileRow);
    form->addRow(tr("Random draws"), m_draws);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("predictStatus"));
    m_status->setWordWrap(true);

    m_table = new QTableWidget(0, 5, this);
    m_table->setObjectName(QStringLiteral("predictTable"));
    m_table->setHorizontalHeaderLabels({tr("Molecule"), tr("Atoms"),
                                        tr("Predicted atomization energy (kcal/mol)"),
                                        tr("Reference (kcal/mol)"), tr("In the run's data")});
    m_table->horizontalHeaderItem(4)->setToolTip(
        tr("Where the molecule lies in the data the run was trained on (found by its elements "
           "and geometry): a molecule of its training set gets a fitted value, not a "
           "prediction"));
    m_table->setColumnHidden(4, true); // shown for runs that know their molecules
    m_table->verticalHeader()->setVisible(false);
    QHeaderView* header = m_table->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    for (int c : {2, 3}) { // numbers in columns as wide as their titles; a refusal spans both
        header->setSectionResizeMode(c, QHeaderView::Fixed);
        header->resizeSection(
            c,
            header->fontMetrics().horizontalAdvance(m_table->horizontalHeaderItem(c)->text()) + 30);
    }
    m_table->setWordWrap(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addWidget(m_table, 1);
    resize(940, 440);
}

PredictDialog::~PredictDialog() {
    // The line edit emits editingFinished when it loses focus as the widgets are torn down,
    // after this object is gone: no slot of this dialog may run then (UBSan saw it), and no job
    // may start (the runner refuses a closed owner).
    m_runEdit->disconnect(this);
    m_draws->disconnect(this);
    JobRunner::instance().close(this);
}

bool PredictDialog::isBusy() const {
    return JobRunner::instance().isRunning(this);
}

void PredictDialog::closeEvent(QCloseEvent* event) {
    m_again = false;
    JobRunner::instance().cancelAndJoin(this);
    QDialog::closeEvent(event);
}

void PredictDialog::attach(QMainWindow* window, QMenu* menu, std::function<QString()> runsFolder) {
    QAction* action =
        menu->addAction(tr("Pre&dict molecules (.xyz)…"), QKeySequence(tr("Ctrl+Shift+P")), window,
                        [window, runsFolder] {
                            PredictDialog* dialog = dialogOf(window, runsFolder);
                            dialog->show();
                            dialog->raise();
                            if (dialog->m_file.isEmpty())
                                dialog->chooseFile();
                        });
    action->setObjectName(QStringLiteral("predictAction"));
    action->setToolTip(tr("Predict atomization energies of your molecules with a trained run; "
                          "an .xyz dropped on the window does the same"));
    window->setAcceptDrops(true);
    window->installEventFilter(new DropFilter(window, std::move(runsFolder)));
}

PredictDialog* PredictDialog::of(QWidget* window) {
    auto* dialog = window->findChild<PredictDialog*>(QString(), Qt::FindDirectChildrenOnly);
    return dialog ? dialog : new PredictDialog(window);
}

bool PredictDialog::acceptsFile(const QString& path) {
    const QString lower = path.toLower();
    return lower.endsWith(QStringLiteral(".xyz")) || lower.endsWith(QStringLiteral(".xyz.gz"));
}

QString PredictDialog::runDir() const {
    return m_runEdit->text().trimmed();
}

QString PredictDialog::statusText() const {
    return m_status->text();
}

void PredictDialog::setRunDir(const QString& dir) {
    m_appliedRunDir = dir;
    m_runEdit->setText(dir);
    QSettings().setValue(kRunDirKey, dir);
    if (!m_file.isEmpty())
        start();
}

QString PredictDialog::chooserStartFolder() const {
    if (!m_runsFolder.isEmpty() && QFileInfo(m_runsFolder).isDir())
        return m_runsFolder;
    const QString current = runDir();
    if (!current.isEmpty() && QFileInfo(current).isDir())
        return current;
    return QDir::homePath();
}

void PredictDialog::chooseRunDir() {
    const QString dir = QFileDialog::getExistingDirectory(
        this,
        tr("Run folder to predict with (a run trained on molecules, a fold of qm7 cv or a deep "
           "run)"),
        chooserStartFolder());
    if (!dir.isEmpty())
        setRunDir(dir);
}

void PredictDialog::chooseFile() {
    const QString from = m_file.isEmpty() ? QDir::homePath() : QFileInfo(m_file).absolutePath();
    const QString file = QFileDialog::getOpenFileName(this, tr("Molecules to predict"), from,
                                                      tr("Molecules (*.xyz *.xyz.gz)"));
    if (!file.isEmpty())
        predictFile(file);
}

bool PredictDialog::predictFile(const QString& path) {
    m_file = path;
    m_fileLabel->setText(QDir::toNativeSeparators(path));
    if (runDir().isEmpty()) {
        m_status->setText(tr("Choose the run folder to predict with: a run trained on molecules "
                             "(the demo, an .xyz or a qm7.mat), a fold of qm7 cv (e.g. "
                             "cv-krr/fold-0) or a deep run."));
        if (isVisible())
            chooseRunDir();
        return !runDir().isEmpty();
    }
    if (isBusy()) {
        m_again = true;
        return false;
    }
    start();
    return true;
}

void PredictDialog::start() {
    if (runDir().isEmpty() || m_file.isEmpty())
        return;
    if (isBusy()) {
        m_again = true;
        return;
    }
    auto outcome = std::make_shared<Outcome>();
    const std::string dir = runDir().toStdString();
    const std::string file = m_file.toStdString();
    const int draws = m_draws->value();
    // Loading a model and drawing sortings can take seconds: never on the GUI thread.
    const bool started = JobRunner::instance().start(
        this, QStringLiteral("predict"),
        [outcome, dir, file, draws](JobContext&) {
            try {
                qm7::setUpNumerics();
                const qm7::MoleculePredictor predictor(dir);
                outcome->predictions = predictor.predict(qm7::readMoleculesToPredict(file), draws);
                outcome->description = QString::fromStdString(predictor.description(draws));
            } catch (const std::exception& e) {
                outcome->error = QString::fromStdString(e.what());
            }
        },
        [this, outcome] { onWorkerDone(*outcome); });
    if (started)
        m_status->setText(tr("Predicting the molecules of %1…").arg(QFileInfo(m_file).fileName()));
}

void PredictDialog::onWorkerDone(const Outcome& outcome) {
    if (m_again) { // the run folder, file or draws changed meanwhile
        m_again = false;
        start();
        return;
    }
    m_predictions = outcome.predictions;
    if (!outcome.error.isEmpty()) {
        m_predictions.clear();
        m_status->setText(tr("Cannot predict: %1").arg(outcome.error));
        m_status->setStyleSheet(QStringLiteral("color: #b00020;"));
    } else {
        int refused = 0;
        for (const auto& p : m_predictions)
            refused += p.predicted() ? 0 : 1;
        QString text = tr("%1 molecule(s) with the %2 of %3.")
                           .arg(m_predictions.size())
                           .arg(outcome.description, QDir::toNativeSeparators(runDir()));
        if (refused > 0)
            text += tr(" %1 cannot be predicted (reasons in the table).").arg(refused);
        m_status->setText(text);
        m_status->setStyleSheet(QString());
    }
    fillTable();
    Q_EMIT predictionFinished();
}

void PredictDialog::fillTable() {
    m_table->clearSpans();
    m_table->setRowCount(static_cast<int>(m_predictions.size()));
    const auto right = Qt::AlignRight;
    bool roles = false;
    int fitted = 0;
    for (int r = 0; r < m_table->rowCount(); ++r) {
        const qm7::PredictedMolecule& p = m_predictions[static_cast<std::size_t>(r)];
        m_table->setItem(r, 0, cell(QString::fromStdString(p.name)));
        m_table->setItem(r, 1, cell(QString::number(p.atoms), right));
        roles = roles || p.role != qm7::DataRole::Unknown;
        auto* role =
            cell(p.predicted() ? QString::fromStdString(qm7::dataRoleText(p.role)) : QString());
        role->setToolTip(role->text());
        if (p.predicted() && p.fitted()) {
            ++fitted;
            role->setForeground(QColor(0x9a, 0x5b, 0x00));
        }
        m_table->setItem(r, 4, role);
        if (!p.predicted()) {
            auto* why = cell(tr("cannot predict: %1").arg(QString::fromStdString(p.reason)));
            why->setForeground(QColor(0xb0, 0x00, 0x20));
            why->setToolTip(why->text());
            m_table->setItem(r, 2, why);
            m_table->setItem(r, 3, cell(QString()));
            m_table->setSpan(r, 2, 1, 2);
            continue;
        }
        QString value = QString::number(p.energy, 'f', 2);
        if (!std::isnan(p.spread))
            value += QStringLiteral(" ± ") + QString::number(p.spread, 'f', 2);
        auto* energy = cell(value, right);
        if (p.fitted()) { // the run saw this molecule's energy: not a prediction
            energy->setForeground(QColor(0x9a, 0x5b, 0x00));
            energy->setToolTip(tr("A fitted value, not a prediction: the run was trained on "
                                  "this molecule"));
        }
        m_table->setItem(r, 2, energy);
        m_table->setItem(r, 3,
                         cell(std::isnan(p.reference) ? QStringLiteral("–")
                                                      : QString::number(p.reference, 'f', 2),
                              right));
    }
    m_table->setColumnHidden(4, !roles);
    if (fitted > 0)
        m_status->setText(m_status->text() + QLatin1Char(' ') +
                          (fitted == 1 ? tr("One of them is in the run's training set: its value "
                                            "is fitted, not a prediction.")
                                       : tr("%1 of them are in the run's training set: their "
                                            "values are fitted, not predictions.")
                                             .arg(fitted)));
    m_table->resizeRowsToContents();
}

} // namespace qm7::ui
