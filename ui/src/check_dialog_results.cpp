// The check dialog's results: one model's metrics beside the reference's, the verdict, and both
// runs' parity and residuals; a folder's rows.
#include "qm7ui/check_dialog.h"

#include "qm7ui/parity_view.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>

#include <algorithm>
#include <memory>

namespace qm7::ui {

namespace {

QTableWidgetItem* cell(const QString& text, bool number = false) {
    auto* it = new QTableWidgetItem(text);
    it->setFlags(it->flags() & ~Qt::ItemIsEditable);
    if (number)
        it->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return it;
}

/// The reference's first seed as a run on the check's test rows (null when there is none).
RunResultPtr referenceRun(const qm7::Reference& reference) {
    if (reference.empty() || reference.testTrue.empty())
        return nullptr;
    auto run = std::make_shared<qm7::RunResult>();
    run->testTrue = reference.testTrue;
    run->testPred = reference.testPred;
    run->test = reference.seeds.front();
    return run;
}

} // namespace

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
        m_shownReference = {};
        m_parity->setReferenceRun(nullptr, QString());
        m_parity->setRun(nullptr, QString());
        fitMetrics();
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
    m_shownReference = {};
    if (m_reference->currentIndex() == 0 && ref != m_references.end()) {
        m_shownReference = ref->second;
        const qm7::Reference& r = m_shownReference;
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
    fitMetrics();
    auto run = std::make_shared<qm7::RunResult>();
    run->testTrue = c.testTrue;
    run->testPred = c.testPred;
    run->test = c.test;
    run->config.hidden = c.hidden > 0 ? c.hidden : run->config.hidden;
    // The reference's first seed, from the Reference the verdict and the table used.
    m_parity->setReferenceRun(referenceRun(m_shownReference), tr("reference, seed 0"));
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

void CheckDialog::fitMetrics() {
    // Every header and cell whole: the columns take their contents' width, the table its own.
    m_metrics->resizeColumnsToContents();
    m_metrics->resizeRowsToContents();
    m_metrics->updateGeometry();
    m_verdict->setFixedWidth(std::max(m_metrics->sizeHint().width(), 360));
}

} // namespace qm7::ui
