#include "qm7ui/data_panel.h"

#include "qm7ui/job_runner.h"
#include "qm7ui/plot_style.h"

#include "qm7/chem/augmentation.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/io/dataset.h"

#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QToolButton>
#include <QVBoxLayout>

#include <exception>

namespace qm7::ui {
namespace {

const QString kLoadLane = QStringLiteral("data-loader");

constexpr int kMaxRecent = 8;

/// Reads any supported source with core's one loader; throws what core throws.
qm7::BuildResult readSource(const QString& source, const QString& representation) {
    qm7::BuildOptions options;
    options.representation.kind = qm7::parseRepresentation(representation.toStdString());
    return qm7::loadDataSourceDetailed(source.toStdString(), options);
}

} // namespace

/// What a load produced (on any thread): the data set and its augmentation, or an error.
struct DataPanel::Loaded {
    DatasetPtr data;
    AugmentationPtr augmentation;
    QString error;
};

namespace {

/// Reads a source into a Loaded; never throws. Safe on any thread.
DataPanel::Loaded readLoaded(const QString& source, const QString& representation) {
    DataPanel::Loaded out;
    try {
        qm7::BuildResult built = readSource(source, representation);
        // Randomly sorted matrices are drawn afresh every epoch from the molecules.
        if (!built.molecules.train.empty() &&
            built.data.representation == qm7::representationName(qm7::Representation::RandomSorted))
            out.augmentation = std::make_shared<const qm7::RandomSortedAugmentation>(built);
        else if (built.augmentation) // a dataset.pt's matrices, sorted afresh every epoch
            out.augmentation = built.augmentation;
        out.data = std::make_shared<const qm7::Dataset>(std::move(built.data));
    } catch (const std::exception& e) {
        out.error = QString::fromStdString(e.what());
        if (out.error.isEmpty())
            out.error = QStringLiteral("cannot read %1").arg(source);
    }
    return out;
}

} // namespace

bool DataPanel::canBuildFromMolecules() {
    return true;
}

DataPanel::DataPanel(QWidget* parent) : QWidget(parent) {
    auto* open = new QPushButton(tr("Open dataset.pt…"), this);
    open->setObjectName(QStringLiteral("openDataset"));
    open->setToolTip(tr("A dict of tensors saved by Python's torch.save (Ctrl+O)"));
    auto* build = new QPushButton(tr("Molecules…"), this);
    build->setObjectName(QStringLiteral("buildFromMolecules"));
    build->setToolTip(tr("Build features from an .xyz or qm7.mat file"));
    build->setEnabled(canBuildFromMolecules());
    auto* demo = new QPushButton(tr("Demo"), this);
    demo->setObjectName(QStringLiteral("loadDemo"));
    demo->setToolTip(tr("The small data set bundled with the workbench"));
    demo->setEnabled(canBuildFromMolecules());
    m_recentButton = new QToolButton(this);
    m_recentButton->setText(tr("Recent"));
    m_recentButton->setPopupMode(QToolButton::InstantPopup);
    m_recentMenu = new QMenu(this);
    m_recentButton->setMenu(m_recentMenu);

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("dataSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setAlignment(Qt::AlignTop | Qt::AlignLeft);

    // Two rows of two: the settings column stays narrow enough for a laptop's screen.
    m_recentButton->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    auto* buttons = new QGridLayout;
    buttons->addWidget(open, 0, 0);
    buttons->addWidget(build, 0, 1);
    buttons->addWidget(demo, 1, 0);
    buttons->addWidget(m_recentButton, 1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(buttons);
    layout->addWidget(m_summary);
    m_busy = new QProgressBar(this);
    m_busy->setObjectName(QStringLiteral("dataLoading"));
    m_busy->setRange(0, 0); // busy: reading reports no progress
    m_busy->setMaximumHeight(10);
    m_busy->setTextVisible(false);
    m_busy->hide();
    layout->addWidget(m_busy);
    m_buttons = {open, build, demo, m_recentButton};

    connect(open, &QPushButton::clicked, this, &DataPanel::openDatasetDialog);
    connect(build, &QPushButton::clicked, this, &DataPanel::openMoleculesDialog);
    connect(demo, &QPushButton::clicked, this, &DataPanel::loadDemo);

    m_recent = QSettings().value(QStringLiteral("data/recentFiles")).toStringList();
    rebuildRecentMenu();
    updateSummary();
}

bool DataPanel::load(const QString& source, QString* error) {
    QApplication::setOverrideCursor(Qt::WaitCursor);
    Loaded loaded = readLoaded(source, m_representation);
    QApplication::restoreOverrideCursor();
    const bool ok = loaded.error.isEmpty();
    if (!ok && error)
        *error = loaded.error;
    applyLoaded(source, std::move(loaded));
    return ok;
}

bool DataPanel::loadInBackground(const QString& source) {
    if (isLoading())
        return false;
    auto result = std::make_shared<Loaded>();
    const QString representation = m_representation;
    const bool started = JobRunner::instance().start(
        this, kLoadLane,
        [result, source, representation](JobContext&) {
            *result = readLoaded(source, representation);
        },
        [this, result, source] { onBackgroundLoadDone(source, std::move(*result)); });
    if (!started)
        return false;
    for (QWidget* b : m_buttons)
        b->setEnabled(false);
    m_busy->show();
    m_summary->setText(tr("Loading %1…")
                           .arg(source == QLatin1String("demo") ? tr("the demo data")
                                                                : QFileInfo(source).fileName()));
    Q_EMIT loadingChanged(true);
    return true;
}

bool DataPanel::isLoading() const {
    return JobRunner::instance().isRunning(this, kLoadLane);
}

void DataPanel::onBackgroundLoadDone(const QString& source, Loaded loaded) {
    m_busy->hide();
    for (QWidget* b : m_buttons)
        b->setEnabled(b != m_recentButton || !m_recent.isEmpty());
    applyLoaded(source, std::move(loaded));
    Q_EMIT loadingChanged(false);
}

void DataPanel::applyLoaded(const QString& source, Loaded loaded) {
    if (!loaded.error.isEmpty()) {
        updateSummary(); // the current data stays
        Q_EMIT loadFailed(loaded.error);
        return;
    }
    setDataset(std::move(loaded.data), source);
    m_augmentation = std::move(loaded.augmentation);
    if (source != QLatin1String("demo"))
        addRecent(QFileInfo(source).absoluteFilePath());
}

DataPanel::~DataPanel() {
    JobRunner::instance().close(this);
}

void DataPanel::loadDefault() {
    if (canBuildFromMolecules() && load(QStringLiteral("demo")))
        return;
    for (const QString& path : m_recent) {
        if (QFileInfo::exists(path) && load(path))
            return;
    }
    updateSummary();
}

bool DataPanel::applyRepresentation(const QString& representation) {
    if (representation == m_representation)
        return false;
    m_representation = representation;
    // A dataset.pt carries its features; molecules (and the demo) are rebuilt.
    if (!m_data || m_source.isEmpty() || isLoading() || !buildsFromMolecules(m_source))
        return false;
    return loadInBackground(m_source);
}

bool DataPanel::buildsFromMolecules(const QString& source) {
    return source == QLatin1String("demo") ||
           QFileInfo(source).suffix().toLower() != QLatin1String("pt");
}

void DataPanel::loadDemo() {
    loadInBackground(QStringLiteral("demo"));
}

void DataPanel::openDatasetDialog() {
    const QString dir = m_recent.isEmpty() ? QString() : QFileInfo(m_recent.front()).path();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open data set"), dir,
                                                      tr("PyTorch data set (*.pt);;All files (*)"));
    if (!path.isEmpty())
        loadInBackground(path);
}

void DataPanel::openMoleculesDialog() {
    const QString dir = m_recent.isEmpty() ? QString() : QFileInfo(m_recent.front()).path();
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Build from molecules"), dir,
                                     tr("Molecules (*.xyz *.extxyz *.mat);;All files (*)"));
    if (!path.isEmpty())
        loadInBackground(path);
}

void DataPanel::setDataset(DatasetPtr data, const QString& source) {
    m_augmentation.reset();
    m_data = std::move(data);
    m_source = source;
    updateSummary();
    Q_EMIT datasetChanged(m_data);
}

void DataPanel::addRecent(const QString& path) {
    m_recent.removeAll(path);
    m_recent.prepend(path);
    while (m_recent.size() > kMaxRecent)
        m_recent.removeLast();
    QSettings().setValue(QStringLiteral("data/recentFiles"), m_recent);
    rebuildRecentMenu();
}

void DataPanel::rebuildRecentMenu() {
    m_recentMenu->clear();
    for (const QString& path : m_recent) {
        QAction* a = m_recentMenu->addAction(QFileInfo(path).fileName() + QStringLiteral("  (") +
                                             QFileInfo(path).path() + QStringLiteral(")"));
        connect(a, &QAction::triggered, this, [this, path] { loadInBackground(path); });
    }
    m_recentButton->setEnabled(!m_recent.isEmpty());
}

QString DataPanel::summaryText() const {
    if (!m_data)
        return tr("No data loaded. Open a dataset.pt (Ctrl+O), build one from molecules, or "
                  "start with the demo data.");
    const auto& d = *m_data;
    const qm7::LabelStats s = qm7::labelStats(d.train.y);
    QString text;
    text += tr("Source: %1\n")
                .arg(m_source == QLatin1String("demo") ? tr("bundled demo")
                                                       : QFileInfo(m_source).fileName());
    text += tr("Rows: train %1, validation %2, test %3\n")
                .arg(d.train.rows())
                .arg(d.val.rows())
                .arg(d.test.rows());
    text += tr("Features: d = %1 (%2), N = %3 atoms, %4\n")
                .arg(d.d)
                .arg(representationTitle(QString::fromStdString(d.representation)))
                .arg(d.atoms)
                .arg(QString::fromStdString(d.sourceDtype));
    text += tr("Train labels: mean %1, std %2 kcal/mol\n")
                .arg(fixedNumber(s.mean, 1), fixedNumber(s.std, 1));
    text += tr("Range: %1 to %2 kcal/mol").arg(fixedNumber(s.min, 1), fixedNumber(s.max, 1));
    return text;
}

void DataPanel::updateSummary() {
    m_summary->setText(summaryText());
    m_summary->setToolTip(m_source);
}

} // namespace qm7::ui
