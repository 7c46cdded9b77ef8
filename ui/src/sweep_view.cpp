#include "qm7ui/sweep_view.h"

#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/plot_style.h"

#include "qm7/util/series.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
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
    return summarize({}, qm7::SweepRule::FinalLoss, runs).rows;
}

SweepView::SweepView(QWidget* parent) : PlotPage(parent) {
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("sweepPlot"));
    stylePlot(m_plot);
    setLogAxis(m_plot->xAxis, true);
    setLogAxis(m_plot->yAxis, true);
    m_plot->xAxis->setLabel(tr("learning rate (Adam)"));
    m_plot->yAxis->setLabel(tr("validation MSE (normalized labels)"));
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignLeft);

    m_lrs = new QLineEdit(QStringLiteral("1e-5, 1e-4, 1e-3, 1e-2"), this);
    m_lrs->setObjectName(QStringLiteral("sweepLrs"));
    m_lrs->setToolTip(tr("The learning rates to compare, each trained with every seed"));
    m_rule = new QComboBox(this);
    m_rule->setObjectName(QStringLiteral("sweepRule"));
    m_rule->addItem(tr("lowest mean final validation loss"));
    m_rule->addItem(tr("lowest mean best validation loss"));
    m_run = new QPushButton(tr("Run sweep"), this);
    m_run->setObjectName(QStringLiteral("runSweep"));
    m_run->setToolTip(tr("Trains every learning rate with the seeds and settings on the left"));
    m_choice = new QLabel(this);
    m_choice->setObjectName(QStringLiteral("sweepChoice"));
    m_choice->setWordWrap(true);

    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("sweepTable"));
    m_table->setColumnCount(6);
    m_table->setHorizontalHeaderLabels({tr("lr"), tr("seeds"), tr("final val"), tr("± std"),
                                        tr("best val"), tr("test RMSE\n(kcal/mol)")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Learning rates:"), this));
    controls->addWidget(m_lrs, 1);
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
    split->setStretchFactor(1, 1);
    split->setSizes({700, 330});
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(split, 1);

    connect(m_run, &QPushButton::clicked, this, &SweepView::runRequested);
    connect(m_rule, qOverload<int>(&QComboBox::currentIndexChanged), this, &SweepView::rebuild);
    connect(m_lrs, &QLineEdit::textChanged, this, [this] {
        QString error;
        learningRates(&error);
        m_lrs->setStyleSheet(error.isEmpty() ? QString()
                                             : QStringLiteral("border: 1px solid #b00020;"));
        m_lrs->setToolTip(error.isEmpty() ? tr("The learning rates to compare") : error);
        m_run->setEnabled(error.isEmpty());
    });
    rebuild();
}

QList<QPair<QString, QWidget*>> SweepView::plots() const {
    return {{QStringLiteral("lr_sweep"), m_plot}};
}

std::vector<double> SweepView::learningRates(QString* error) const {
    QString e;
    auto lrs = parseNumberList(m_lrs->text(), &e);
    for (double lr : lrs) {
        if (e.isEmpty() && (!(lr > 0) || lr > 10))
            e = tr("a learning rate must be > 0 and at most 10");
    }
    if (error)
        *error = e;
    return e.isEmpty() ? lrs : std::vector<double>{};
}

void SweepView::setLearningRates(const QString& text) {
    m_lrs->setText(text);
}
QString SweepView::learningRatesText() const {
    return m_lrs->text();
}
void SweepView::setUseBest(bool best) {
    m_rule->setCurrentIndex(best ? 1 : 0);
}
bool SweepView::useBest() const {
    return m_rule->currentIndex() == 1;
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
        const QStringList cells = {formatNumber(r.lr, 3),        QString::number(r.runs),
                                   formatNumber(r.finalMean, 4), formatNumber(r.finalStd, 2),
                                   formatNumber(r.bestMean, 4),  formatNumber(r.testRmseMean, 4)};
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
    auto addSeries = [&](const QVector<double>& m, const QVector<double>& s, const QColor& color,
                         const QString& name, Qt::PenStyle style) {
        QCPGraph* g = m_plot->addGraph();
        g->setData(x, m);
        g->setPen(QPen(color, 1.8, style));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, Qt::white, 7));
        g->setName(name);
        auto* bars = new QCPErrorBars(m_plot->xAxis, m_plot->yAxis);
        bars->setDataPlottable(g);
        bars->setData(s);
        bars->setPen(QPen(color, 1.2));
        bars->removeFromLegend();
    };
    if (!rows.empty()) {
        addSeries(bm, bs, paletteColor(1), tr("best validation loss, mean ± std"), Qt::DashLine);
        addSeries(fm, fs, paletteColor(0), tr("final validation loss, mean ± std over seeds"),
                  Qt::SolidLine);
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
            label->setText(tr("chosen lr = %1").arg(formatNumber(chosen, 3)));
            label->setColor(QColor(0, 120, 90));
            label->setBrush(QColor(255, 255, 255, 220));
        }
        m_choice->setText(tr("Chosen learning rate: <b>%1</b> (%2 over %3 seeds).")
                              .arg(formatNumber(chosen, 3), m_rule->currentText())
                              .arg(rows.front().runs));
    } else {
        m_plot->xAxis->setRange(1e-6, 1e-1);
        m_plot->yAxis->setRange(1e-3, 10);
        m_choice->setText(tr("Press <i>Run sweep</i> to train every learning rate with each "
                             "seed; the mean and spread over seeds appear here."));
    }
    m_plot->replot();
    Q_EMIT chosenLrChanged(chosen);
}

QString SweepView::csv() const {
    const std::vector<qm7::SweepRow>& rows = m_summary.rows;
    if (rows.empty())
        return {};
    QString out = QStringLiteral("lr,seeds,final_val_mean,final_val_std,best_val_mean,best_val_"
                                 "std,test_rmse_mean_kcal,chosen\n");
    const double chosen = chosenLr();
    for (const auto& r : rows) {
        out += QStringLiteral("%1,%2,%3,%4,%5,%6,%7,%8\n")
                   .arg(r.lr, 0, 'g', 10)
                   .arg(r.runs)
                   .arg(r.finalMean, 0, 'g', 10)
                   .arg(r.finalStd, 0, 'g', 10)
                   .arg(r.bestMean, 0, 'g', 10)
                   .arg(r.bestStd, 0, 'g', 10)
                   .arg(r.testRmseMean, 0, 'g', 10)
                   .arg(r.lr == chosen ? 1 : 0);
    }
    return out;
}

} // namespace qm7::ui
