#include "qm7ui/runs_table.h"

#include "qm7ui/plot_style.h"

#include "qm7/analysis/deep_recipe.h"
#include "qm7/train/run_store.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QHBoxLayout>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

#include <exception>

namespace qm7::ui {
namespace {

enum Column {
    ColShow,
    ColRun,
    ColStatus,
    ColKind,
    ColData,
    ColRepresentation,
    ColLr,
    ColHidden,
    ColEpochs,
    ColBatch,
    ColN,
    ColSeed,
    ColBestEpoch,
    ColBestVal,
    ColRmse,
    ColMae,
    ColR2,
    ColSeconds,
    ColCount
};

QStandardItem* numberItem(double value) {
    auto* item = new QStandardItem;
    item->setData(value, Qt::DisplayRole);
    item->setEditable(false);
    return item;
}

/// A saved run's config.json ({} when unreadable).
QJsonObject configOfRun(const QString& dir) {
    QFile file(QDir(dir).filePath(QStringLiteral("config.json")));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

/// A representation in words; "–" for a run saved before its representation was recorded.
QString representationLabel(const QString& name) {
    return name.isEmpty() ? QStringLiteral("–") : representationTitle(name);
}

/// A short name of a data source: "demo" or the file name.
QString shortSource(const QString& source) {
    return source == QLatin1String("demo") || source.isEmpty() ? source
                                                               : QFileInfo(source).fileName();
}

/// The kind from a folder name "<date>-<time>-<kind>-<k>".
QString kindFromId(const QString& id) {
    const QStringList parts = id.split(QLatin1Char('-'));
    return parts.size() >= 4 ? parts[2] : QStringLiteral("train");
}

} // namespace

QString RunRecord::label() const {
    if (!run)
        return id;
    const auto& c = run->config;
    QString s = QStringLiteral("%1 lr %2 seed %3").arg(kind).arg(lrText(c.lr)).arg(c.seed);
    if (c.trainSize > 0)
        s += QStringLiteral(" n %1").arg(c.trainSize);
    return s;
}

RunsTable::RunsTable(QWidget* parent) : QWidget(parent) {
    m_model = new QStandardItemModel(0, ColCount, this);
    m_model->setHorizontalHeaderLabels({tr("Show"), tr("Run"), tr("Status"), tr("Kind"), tr("Data"),
                                        tr("Inputs"), tr("lr"), tr("p"), tr("Epochs"), tr("Batch"),
                                        tr("n train"), tr("Seed"), tr("Best epoch"),
                                        tr("Best val MSE"), tr("Test RMSE (kcal/mol)"),
                                        tr("Test MAE (kcal/mol)"), tr("Test R²"), tr("Time (s)")});
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(Qt::DisplayRole);
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("runsTable"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setAlternatingRowColors(true);
    // Compact rows: more runs fit in the dock at the default window size.
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);

    auto* del = new QPushButton(tr("Delete"), this);
    del->setObjectName(QStringLiteral("deleteRuns"));
    del->setToolTip(tr("Delete the selected runs and their folders (Del)"));
    m_status = new QLabel(this);
    auto* bar = new QHBoxLayout;
    bar->addWidget(m_status, 1);
    bar->addWidget(del);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);

    connect(del, &QPushButton::clicked, this, [this] { deleteSelected(true); });
    connect(m_model, &QStandardItemModel::itemChanged, this, [this](QStandardItem* item) {
        if (!m_loading && item->column() == ColShow)
            Q_EMIT overlayChanged();
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &RunsTable::currentRunChanged);
}

QSize RunsTable::sizeHint() const {
    const int row = m_view->verticalHeader()->defaultSectionSize();
    return {900, m_status->sizeHint().height() + m_view->horizontalHeader()->sizeHint().height() +
                     10 * row + 12};
}

void RunsTable::setProjectDir(const QString& dir) {
    m_projectDir = dir;
    m_records.clear();
    m_model->removeRows(0, m_model->rowCount());
    QDir runs(QDir(dir).filePath(QStringLiteral("runs")));
    int failed = 0;
    const QStringList entries = runs.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString& id : entries) {
        const QString path = runs.filePath(id);
        try {
            if (!qm7::hasFinishedRun(path.toStdString()) && !qm7::hasStoppedRun(path.toStdString()))
                continue;
            RunRecord r;
            r.id = id;
            r.dir = path;
            r.kind = kindFromId(id);
            const QJsonObject config = configOfRun(path);
            r.source = config.value(QStringLiteral("data")).toString();
            r.representation = config.value(QStringLiteral("representation")).toString();
            r.run = std::make_shared<const qm7::RunResult>(qm7::loadAnyRun(path.toStdString()));
            m_records.push_back(r);
            appendRow(r);
        } catch (const std::exception&) {
            ++failed;
        }
    }
    m_status->setText(tr("%1 runs in %2%3")
                          .arg(m_records.size())
                          .arg(QDir::toNativeSeparators(dir))
                          .arg(failed ? tr(" (%1 unreadable skipped)").arg(failed) : QString()));
    Q_EMIT overlayChanged();
}

void RunsTable::addSavedRun(const RunResultPtr& run, const QString& kind, const SavedRun& saved,
                            const QString& source, const QString& representation) {
    RunRecord r;
    r.source = source;
    r.representation = representation;
    r.id = saved.id.isEmpty() ? QStringLiteral("unsaved-%1").arg(m_records.size()) : saved.id;
    r.dir = saved.dir;
    r.kind = kind;
    r.run = run;
    m_records.push_back(r);
    appendRow(r);
    m_status->setText(
        tr("%1 runs in %2").arg(m_records.size()).arg(QDir::toNativeSeparators(m_projectDir)));
}

QString RunsTable::runsDir() const {
    if (m_projectDir.isEmpty())
        return {};
    const QString dir = QDir(m_projectDir).filePath(QStringLiteral("runs"));
    QDir().mkpath(dir);
    return dir;
}

void RunsTable::appendRow(const RunRecord& r) {
    m_loading = true;
    const auto& c = r.run->config;
    QList<QStandardItem*> row;
    auto* show = new QStandardItem;
    show->setCheckable(true);
    show->setCheckState(Qt::Unchecked);
    show->setEditable(false);
    show->setData(r.id, Qt::UserRole);
    auto* name = new QStandardItem(r.id);
    name->setEditable(false);
    name->setToolTip(r.dir);
    auto* kind = new QStandardItem(r.kind);
    kind->setEditable(false);
    auto* data = new QStandardItem(shortSource(r.source));
    data->setEditable(false);
    data->setToolTip(r.source);
    auto* status = new QStandardItem(r.run->cancelled ? tr("stopped") : tr("finished"));
    status->setEditable(false);
    status->setToolTip(r.run->cancelled
                           ? tr("Stopped after %1 of %2 epochs; its results are those of the best "
                                "validation loss so far")
                                 .arg(r.run->epochsDone)
                                 .arg(c.epochs)
                           : tr("Trained for all its %1 epochs").arg(c.epochs));
    auto* inputs = new QStandardItem(representationLabel(r.representation));
    inputs->setEditable(false);
    inputs->setToolTip(tr("What the network was trained on (Representation in the settings)"));
    row << show << name << status << kind << data << inputs << numberItem(c.lr)
        << numberItem(c.hidden) << numberItem(r.run->epochsDone) << numberItem(c.batchSize)
        << numberItem(r.run->trainRows) << numberItem(static_cast<double>(c.seed))
        << numberItem(r.run->bestEpoch) << numberItem(r.run->bestValLoss)
        << numberItem(r.run->test.rmse) << numberItem(r.run->test.mae) << numberItem(r.run->test.r2)
        << numberItem(std::round(r.run->seconds * 10) / 10);
    m_model->appendRow(row);
    m_loading = false;
}

int RunsTable::recordIndex(const QString& id) const {
    for (std::size_t i = 0; i < m_records.size(); ++i) {
        if (m_records[i].id == id)
            return static_cast<int>(i);
    }
    return -1;
}

std::vector<RunRecord> RunsTable::checkedRuns() const {
    std::vector<RunRecord> out;
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        const QModelIndex idx = m_proxy->index(row, ColShow);
        if (idx.data(Qt::CheckStateRole).toInt() == Qt::Checked) {
            const int i = recordIndex(idx.data(Qt::UserRole).toString());
            if (i >= 0)
                out.push_back(m_records[static_cast<std::size_t>(i)]);
        }
    }
    return out;
}

const RunRecord* RunsTable::currentRun() const {
    const QModelIndex current = m_view->currentIndex();
    if (!current.isValid())
        return nullptr;
    const QString id = m_proxy->index(current.row(), ColShow).data(Qt::UserRole).toString();
    const int i = recordIndex(id);
    return i >= 0 ? &m_records[static_cast<std::size_t>(i)] : nullptr;
}

void RunsTable::setChecked(const QStringList& ids) {
    m_loading = true;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        QStandardItem* item = m_model->item(row, ColShow);
        item->setCheckState(ids.contains(item->data(Qt::UserRole).toString()) ? Qt::Checked
                                                                              : Qt::Unchecked);
    }
    m_loading = false;
    Q_EMIT overlayChanged();
}

int RunsTable::rowCount() const {
    return m_model->rowCount();
}

void RunsTable::deleteSelected(bool confirm) {
    QStringList ids;
    for (const QModelIndex& idx : m_view->selectionModel()->selectedRows(ColShow))
        ids << idx.data(Qt::UserRole).toString();
    if (ids.isEmpty())
        return;
    if (confirm &&
        QMessageBox::question(this, tr("Delete runs"),
                              tr("Delete %1 run(s) and their folders?").arg(ids.size())) !=
            QMessageBox::Yes)
        return;
    for (const QString& id : ids) {
        const int i = recordIndex(id);
        if (i < 0)
            continue;
        if (!m_records[static_cast<std::size_t>(i)].dir.isEmpty())
            QDir(m_records[static_cast<std::size_t>(i)].dir).removeRecursively();
        m_records.erase(m_records.begin() + i);
        for (int row = 0; row < m_model->rowCount(); ++row) {
            if (m_model->item(row, ColShow)->data(Qt::UserRole).toString() == id) {
                m_model->removeRow(row);
                break;
            }
        }
    }
    Q_EMIT overlayChanged();
}

} // namespace qm7::ui
