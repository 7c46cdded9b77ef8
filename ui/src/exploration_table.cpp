// The Exploration tab's table (exploration_view.h): one row per trial, the text filter and the
// brushes' rows, the selected trials' loss curves.
#include "qm7ui/exploration_view.h"

#include "exploration_common.h"

#include "qm7ui/exploration_run_form.h"
#include "qm7ui/plot_export.h"
#include "qm7ui/plot_style.h"

#include "qm7/analysis/deep_recipe.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace qm7::ui {

using namespace exploration;

QStringList ExplorationView::selectedRuns() const {
    QStringList runs;
    for (int r = 0; r < m_proxy->rowCount(); ++r)
        if (m_table->selectionModel()->isRowSelected(r, QModelIndex())) {
            const int row = m_proxy->mapToSource(m_proxy->index(r, 0)).row();
            runs << QString::fromStdString(m_trials[static_cast<std::size_t>(row)].run);
        }
    return runs;
}

bool ExplorationView::showSelectedLossCurves(QString* error) {
    const QStringList names = selectedRuns();
    auto fail = [error](const QString& message) {
        if (error)
            *error = message;
        return false;
    };
    if (names.isEmpty())
        return fail(tr("Select one or more trials in the table first."));
    if (m_folder.isEmpty())
        return fail(tr("These trials have no sweep folder to read their runs from."));
    std::vector<RunResultPtr> runs;
    QStringList labels;
    for (const QString& name : names) {
        const auto t = std::find_if(m_trials.begin(), m_trials.end(),
                                    [&](const auto& x) { return x.run == name.toStdString(); });
        const std::string dir = qm7::trialRunDir(m_folder.toStdString(), name.toStdString());
        if (dir.empty())
            return fail(tr("No run folder %1 in %2").arg(name, m_folder));
        try {
            runs.push_back(std::make_shared<const qm7::RunResult>(qm7::loadAnyRun(dir)));
        } catch (const std::exception& e) {
            return fail(tr("Could not read the run %1: %2").arg(name, QString::fromUtf8(e.what())));
        }
        labels << tr("%1, seed %2%3")
                      .arg(QString::fromStdString(qm7::settingText(t->setting)))
                      .arg(t->seed)
                      .arg(t->status == "finished"
                               ? QString()
                               : QStringLiteral(" (%1)").arg(QString::fromStdString(t->status)));
    }
    Q_EMIT lossCurvesRequested(runs, labels);
    return true;
}

void ExplorationView::rebuildTable() {
    m_model->clear();
    QStringList header = {tr("status"), tr("seed")};
    for (const auto& n : m_names)
        header << QString::fromStdString(n);
    header << tr("val RMSE\n(kcal/mol)") << tr("test RMSE\n(kcal/mol)") << tr("epochs")
           << tr("seconds");
    m_model->setHorizontalHeaderLabels(header);
    for (const auto& t : m_trials) {
        QList<QStandardItem*> row;
        auto* status = new QStandardItem(QString::fromStdString(t.status));
        status->setData(QString::fromStdString(t.status), Qt::UserRole + 2);
        row << status << numberItem(static_cast<double>(t.seed));
        for (const auto& n : m_names) {
            const std::string v = qm7::settingValue(t.setting, n);
            double x = 0;
            auto* item = new QStandardItem(QString::fromStdString(v));
            item->setData(parseNumber(v, &x) ? QVariant(x) : QVariant(QString::fromStdString(v)),
                          Qt::UserRole + 2);
            row << item;
        }
        row << numberItem(t.valRmse) << numberItem(t.testRmse)
            << numberItem(static_cast<double>(t.epochs)) << numberItem(t.seconds, 3);
        m_model->appendRow(row);
    }
    applyFilters();
}

void ExplorationView::applyFilters() {
    m_proxy->setFilterFixedString(m_filter->text());
}

int ExplorationView::visibleTrialCount() const {
    return m_proxy->rowCount();
}

void ExplorationView::setTextFilter(const QString& text) {
    m_filter->setText(text);
}

} // namespace qm7::ui
