#include "qm7ui/sweep_view.h"

#include "qm7ui/plot_style.h"

#include "qm7/analysis/report.h"
#include "qm7/util/series.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QScrollBar>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <cmath>
#include <algorithm>

namespace qm7::ui {

namespace {

/// core's summary of the finished runs on a grid of lrs (the runs' own lrs when empty).
qm7::SweepSummary summarize(std::vector<double> lrs, qm7::SweepRule rule,
                            const std::vector<RunResultPtr>& runs) {
    std::vector<const qm7::RunResult*> done;
    for (const auto& r : runs) {
        if (r && !r->cancelled && !r->history.empty()) {
            done.push_back(r.get());
            if (std::find(lrs.begin(), lrs.end(), r->config.lr) == lrs.end())
                lrs.push_back(r->config.lr);
        }
    }
    std::sort(lrs.begin(), lrs.end());
    qm7::SweepConfig config;
    config.lrs = lrs;
    config.rule = rule;
    return qm7::summarizeFinishedSweep(config, done);
}

} // namespace

std::vector<qm7::SweepRow> summarizeSweep(const std::vector<RunResultPtr>& runs) {
    return summarize({}, qm7::SweepConfig{}.rule, runs).rows; // the rows do not depend on it
}

SweepView::SweepView(QWidget* parent) : PlotPage(parent) {
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("sweepPlot"));
    stylePlot(m_plot);
    setLogAxis(m_plot->xAxis, true);
    setLogAxis(m_plot->yAxis, true);
    m_plot->xAxis->setLabel(tr("learning rate (Adam)"));
    m_plot->yAxis->setLabel(tr("validation MSE (normalized labels)"));
    placeLegendOutside(m_plot, Qt::TopEdge); // never over the points
    // One entry a line: side by side they made the plot's minimum width 550 px, which left the
    // table beside it too narrow on a laptop's screen.
    m_plot->legend->setWrap(1);

    m_rule = new QComboBox(this);
    m_rule->setObjectName(QStringLiteral("sweepRule"));
    // The best validation loss first: every run is tested with its best-validation weights.
    m_rule->addItem(tr("lowest mean best validation loss (the tested weights)"),
                    static_cast<int>(qm7::SweepRule::BestLoss));
    m_rule->addItem(tr("lowest mean final validation loss"),
                    static_cast<int>(qm7::SweepRule::FinalLoss));
    m_rule->setToolTip(tr("Every run is tested with the weights of its lowest validation loss "
                          "(its best epoch). Choosing by the best validation loss ranks the "
                          "rates by those very weights; the final validation loss is the last "
                          "epoch's."));
    m_run = new QPushButton(tr("Run sweep"), this);
    m_run->setObjectName(QStringLiteral("runSweep"));
    m_run->setToolTip(tr("Trains every learning rate with the seeds and settings on the left"));
    m_choice = new QLabel(this);
    m_choice->setObjectName(QStringLiteral("sweepChoice"));
    m_choice->setWordWrap(true);

    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("sweepTable"));
    m_table->setColumnCount(4);
    m_table->setHorizontalHeaderLabels({tr("lr"), tr("final val\n(mean ± std)"),
                                        tr("best val\n(mean ± std)"),
                                        tr("test RMSE\n(kcal/mol,\nbest epoch)")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // Columns as wide as their numbers, on one line; the table asks the splitter for its width
    // (stretched into 320 px, "mean ± std)" was cut and cells wrapped).
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setMinimumSectionSize(60);
    m_table->setWordWrap(false);
    m_table->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);

    auto* controls = new QHBoxLayout;
    auto* source = new QLabel(tr("Learning rates: those of <i>Hyperparameters › Learning "
                                 "rate(s)</i>, each with every seed."),
                              this);
    source->setObjectName(QStringLiteral("sweepLrSource"));
    source->setWordWrap(true); // on one line it set the tab's minimum width beyond a laptop's
    controls->addWidget(source, 1);
    controls->addWidget(new QLabel(tr("Choose by:"), this));
    controls->addWidget(m_rule);
    controls->addWidget(m_run);
    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_choice);
    rightLayout->addWidget(m_table, 1);
    auto* split = new QSplitter(this);
    split->addWidget(m_plot);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({560, 400});
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(split, 1);

    connect(m_run, &QPushButton::clicked, this, &SweepView::runRequested);
    connect(m_rule, qOverload<int>(&QComboBox::currentIndexChanged), this, &SweepView::rebuild);
    rebuild();
}

QList<QPair<QString, QWidget*>> SweepView::plots() const {
    return {{QStringLiteral("lr_sweep"), m_plot}};
}

void SweepView::setUseBest(bool best) {
    m_rule->setCurrentIndex(m_rule->findData(
        static_cast<int>(best ? qm7::SweepRule::BestLoss : qm7::SweepRule::FinalLoss)));
}
bool SweepView::useBest() const {
    return m_rule->currentData().toInt() == static_cast<int>(qm7::SweepRule::BestLoss);
}

void SweepView::setRuns(const std::vector<RunResultPtr>& runs) {
    m_runs = runs;
    m_grid.clear();
    rebuild();
}

void SweepView::setSweep(const qm7::SweepConfig& config, const std::vector<RunResultPtr>& runs) {
    m_runs = runs;
    m_grid = config.lrs;
    const QSignalBlocker block(m_rule);
    setUseBest(config.rule == qm7::SweepRule::BestLoss);
    rebuild();
}

double SweepView::chosenLr() const {
    return m_summary.chosenLr;
}

void SweepView::rebuild() {
    m_summary =
        summarize(m_grid, useBest() ? qm7::SweepRule::BestLoss : qm7::SweepRule::FinalLoss, m_runs);
    const std::vector<qm7::SweepRow>& rows = m_summary.rows;
    m_plot->clearPlottables();
    m_plot->clearItems();
    m_table->setRowCount(static_cast<int>(rows.size()));
    const double chosen = chosenLr();
    QVector<double> x, fm, fs, bm, bs;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const qm7::SweepRow& r = rows[i];
        x << r.lr;
        fm << r.finalMean;
        fs << r.finalStd;
        bm << r.bestMean;
        bs << r.bestStd;
        const QStringList cells = {
            lrText(r.lr), QString::fromStdString(qm7::formatWithError(r.finalMean, r.finalStd)),
            QString::fromStdString(qm7::formatWithError(r.bestMean, r.bestStd)),
            QString::fromStdString(qm7::formatWithError(r.testRmseMean, r.testRmseStd))};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (r.lr == chosen) {
                QFont f = item->font();
                f.setBold(true);
                item->setFont(f);
            }
            m_table->setItem(static_cast<int>(i), c, item);
        }
    }
    // The table gets the width of its columns from the splitter where the plot can spare it
    // (at 1280 px the last column was hidden behind a scroll bar).
    m_table->resizeColumnsToContents();
    if (auto* split = findChild<QSplitter*>(); split && split->count() == 2) {
        const int need = m_table->horizontalHeader()->length() + 2 * m_table->frameWidth() +
                         m_table->verticalScrollBar()->sizeHint().width();
        QList<int> sizes = split->sizes();
        const int total = sizes[0] + sizes[1];
        if (total > 0 && sizes[1] < need) {
            sizes[1] = std::min(need, total / 2);
            sizes[0] = total - sizes[1];
            split->setSizes(sizes);
        }
    }
    // Best and final often coincide: best is drawn dodged to the right with hollow squares, so
    // both stay visible.
    auto addSeries = [&](const QVector<double>& m, const QVector<double>& s, const QColor& color,
                         const QString& name, Qt::PenStyle style, double dodge,
                         QCPScatterStyle::ScatterShape shape) {
        QVector<double> xs = x;
        for (double& v : xs)
            v *= dodge;
        QCPGraph* g = m_plot->addGraph();
        g->setData(xs, m);
        g->setPen(QPen(color, 1.8, style));
        g->setScatterStyle(QCPScatterStyle(shape, color, Qt::white, 8));
        g->setName(name);
        auto* bars = new QCPErrorBars(m_plot->xAxis, m_plot->yAxis);
        bars->setDataPlottable(g);
        bars->setData(s);
        bars->setPen(QPen(color, 1.2));
        bars->removeFromLegend();
    };
    if (!rows.empty()) {
        addSeries(fm, fs, paletteColor(0), tr("final validation loss, mean ± std over seeds"),
                  Qt::SolidLine, 1.0 / 1.12, QCPScatterStyle::ssCircle);
        addSeries(bm, bs, paletteColor(1), tr("best validation loss, mean ± std"), Qt::DashLine,
                  1.12, QCPScatterStyle::ssSquare);
        m_plot->rescaleAxes();
        QCPRange xr = m_plot->xAxis->range();
        m_plot->xAxis->setRange(xr.lower / 2.5, xr.upper * 2.5);
        QCPRange yr = m_plot->yAxis->range();
        m_plot->yAxis->setRange(std::max(yr.lower / 2, 1e-6), yr.upper * 2);
        if (chosen > 0) {
            auto* line = new QCPItemStraightLine(m_plot);
            line->point1->setCoords(chosen, 1);
            line->point2->setCoords(chosen, 2);
            line->setPen(QPen(QColor(0, 158, 115), 1.5, Qt::DotLine));
            auto* label = new QCPItemText(m_plot);
            label->position->setTypeX(QCPItemPosition::ptPlotCoords);
            label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
            label->position->setCoords(chosen, 0.04);
            label->setPositionAlignment(Qt::AlignTop | Qt::AlignRight);
            label->setPadding(QMargins(4, 2, 6, 2));
            label->setText(tr("chosen lr = %1").arg(lrText(chosen)));
            label->setColor(QColor(0, 120, 90));
            label->setBrush(QColor(255, 255, 255, 220));
        }
        // core's words for the rule, as in report.md and `qm7 sweep`
        QString text = tr("Chosen learning rate: <b>%1</b> (%2 seeds), by %3.")
                           .arg(lrText(chosen))
                           .arg(rows.front().runs)
                           .arg(QString::fromStdString(qm7::sweepRuleStatement(m_summary.rule)));
        const QString edge = edgeWarning(m_summary);
        if (!edge.isEmpty())
            text += QStringLiteral("<br><span style='color:#b05000'>%1</span>").arg(edge);
        m_choice->setText(text);
    } else {
        m_plot->xAxis->setRange(1e-6, 1e-1);
        m_plot->yAxis->setRange(1e-3, 10);
        m_choice->setText(tr("Enter several learning rates (e.g. 1e-5, 1e-4, 1e-3, 1e-2) in the "
                             "Hyperparameters and press <i>Run sweep</i>: every learning rate is "
                             "trained with each seed; the mean and spread over seeds appear "
                             "here."));
    }
    m_plot->replot();
    Q_EMIT chosenLrChanged(chosen);
}

QString SweepView::csv() const {
    if (m_summary.rows.empty())
        return {};
    return QString::fromStdString(qm7::sweepCsv(m_summary));
}

QString edgeWarning(const qm7::SweepSummary& summary) {
    const auto& rows = summary.rows;
    if (rows.size() < 2 || !(summary.chosenLr > 0))
        return {};
    double lo = rows.front().lr, hi = rows.front().lr;
    for (const auto& r : rows) {
        lo = std::min(lo, r.lr);
        hi = std::max(hi, r.lr);
    }
    if (summary.chosenLr == hi)
        return QObject::tr("The chosen learning rate is the largest tried: the optimum may lie "
                           "beyond the range (try larger values).");
    if (summary.chosenLr == lo)
        return QObject::tr("The chosen learning rate is the smallest tried: the optimum may lie "
                           "beyond the range (try smaller values).");
    return {};
}

} // namespace qm7::ui
