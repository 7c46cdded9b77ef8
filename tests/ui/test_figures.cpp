// What a student sees in the figures: axes that contain the data, legends off the data,
// readable log ticks, no stray widgets, no "-0.00", outlined histograms.

#include "qm7ui/export_dialog.h"
#include "qm7ui/histogram_view.h"
#include "qm7ui/loss_plot.h"
#include "qm7ui/parity_view.h"
#include "qm7ui/plot_export.h"
#include "qm7ui/plot_style.h"
#include "qm7ui/sweep_view.h"

#include "test_support.h"

#include <QAreaSeries>
#include <QChart>
#include <QGraphicsTextItem>
#include <QChartView>
#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QTableWidget>
#include <QTest>
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <algorithm>
#include <memory>
#include <random>

namespace {

/// A run whose test energies span the QM7 range, -2186 to -617 kcal/mol.
qm7::ui::RunResultPtr parityRun(double lr = 1e-3, std::uint64_t seed = 0, double noise = 40) {
    auto r = std::make_shared<qm7::RunResult>();
    r->config.lr = lr;
    r->config.seed = seed;
    std::mt19937 rng(static_cast<unsigned>(seed) + 3);
    std::normal_distribution<float> normal(0.f, static_cast<float>(noise));
    for (int i = 0; i < 1000; ++i) {
        const float t = -2186.f + 1569.f * float(i) / 999.f;
        r->testTrue.push_back(t);
        r->testPred.push_back(t + normal(rng));
    }
    qm7::EpochStats e;
    e.epoch = 5;
    e.evaluated = true;
    e.trainLoss = 0.5;
    e.valLoss = 0.6;
    r->history.push_back(e);
    r->finalValLoss = r->bestValLoss = 0.6;
    return r;
}

qm7::ui::RunResultPtr sweepRun(double lr, std::uint64_t seed, double finalVal, double bestVal) {
    auto r = std::make_shared<qm7::RunResult>(*parityRun(lr, seed));
    r->finalValLoss = finalVal;
    r->bestValLoss = bestVal;
    r->test.rmse = 10 + seed;
    return r;
}

/// True when the axis range holds every value.
bool contains(const QCPRange& range, const std::vector<float>& values) {
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    return range.lower <= *lo && range.upper >= *hi;
}

} // namespace

TEST(ParityView, AxesContainEveryPointAtEverySize) {
    qm7::ui::ParityView view; // never shown, as when the report is rendered
    const auto run = parityRun();
    view.setRun(run, QStringLiteral("test"));
    QCustomPlot* plot = view.parityPlot();
    for (const QSize size :
         {QSize(1600, 1000), QSize(500, 900), QSize(60, 40), QSize(1600, 1200)}) {
        SCOPED_TRACE(size.width());
        plot->setViewport(QRect(QPoint(0, 0), size));
        plot->replot();
        EXPECT_TRUE(contains(plot->xAxis->range(), run->testTrue))
            << plot->xAxis->range().lower << " " << plot->xAxis->range().upper;
        EXPECT_TRUE(contains(plot->yAxis->range(), run->testPred))
            << plot->yAxis->range().lower << " " << plot->yAxis->range().upper;
    }
    // What the export draws: the ranges of a replot at the export size.
    view.resize(300, 900);
    QRect seen;
    QCPRange x, y;
    QObject::connect(plot, &QCustomPlot::afterLayout, plot, [&] {
        seen = plot->viewport();
        x = plot->xAxis->range();
        y = plot->yAxis->range();
    });
    const QString png = QString::fromStdString(qm7::test::freshDir("ui_parity_export")) +
                        QStringLiteral("/parity.png");
    QString error;
    ASSERT_TRUE(qm7::ui::exportPlot(plot, png, QSize(1600, 1000), 96, &error))
        << error.toStdString();
    EXPECT_TRUE(contains(x, run->testTrue) && contains(y, run->testPred))
        << seen.width() << "x" << seen.height() << ": " << x.lower << ".." << x.upper;
}

TEST(ParityView, OffersTheOtherRunsInAPicker) {
    qm7::ui::ParityView view;
    EXPECT_TRUE(view.runPicker()->isHidden());
    const std::vector<qm7::ui::RunResultPtr> runs = {parityRun(1e-3, 0), parityRun(1e-3, 1),
                                                     parityRun(1e-2, 0, 200)};
    view.setRuns(runs, {QStringLiteral("a"), QStringLiteral("chosen b"), QStringLiteral("c")}, 1);
    EXPECT_FALSE(view.runPicker()->isHidden());
    EXPECT_EQ(view.run(), runs[1]);
    EXPECT_TRUE(view.title().contains(QStringLiteral("chosen b"))) << view.title().toStdString();
    view.runPicker()->setCurrentIndex(2);
    EXPECT_EQ(view.run(), runs[2]);
    EXPECT_TRUE(view.title().contains(QStringLiteral("c")));
    view.setRun(runs[0], QStringLiteral("one"));
    EXPECT_TRUE(view.runPicker()->isHidden());
}

TEST(LossPlot, TheLegendNeverCoversTheAxes) {
    qm7::ui::LossPlot view;
    view.resize(1000, 600);
    view.show();
    std::vector<qm7::ui::RunResultPtr> runs;
    QStringList labels;
    for (int s = 0; s < 3; ++s) {
        auto r = std::make_shared<qm7::RunResult>(*parityRun(1e-3, s));
        std::vector<qm7::EpochStats>* history = &r->history;
        history->clear();
        for (int e = 1; e <= 50; ++e) {
            qm7::EpochStats st;
            st.epoch = e;
            st.evaluated = true;
            st.trainLoss = 1.0 / e;
            st.valLoss = 1.2 / e;
            history->push_back(st);
        }
        runs.push_back(r);
        labels << QStringLiteral("n = 100, seed %1").arg(s);
    }
    view.showRuns(runs, labels);
    QTest::qWait(100);
    QCustomPlot* plot = view.plot();
    plot->replot();
    ASSERT_TRUE(plot->legend->visible());
    ASSERT_GT(plot->legend->itemCount(), 0);
    EXPECT_FALSE(plot->legend->outerRect().intersects(plot->axisRect()->rect()))
        << "legend over the data";
}

TEST(ExportDialog, ShowsNoPlotChooserForOnePlot) {
    qm7::ui::ExportDialog one({QStringLiteral("loss_curves")}, QSize(1600, 1200), 200);
    one.show();
    for (auto* combo : one.findChildren<QComboBox*>())
        EXPECT_FALSE(combo->isVisible());
    qm7::ui::ExportDialog two({QStringLiteral("parity"), QStringLiteral("residuals")},
                              QSize(1600, 1200), 200);
    two.show();
    bool visible = false;
    for (auto* combo : two.findChildren<QComboBox*>())
        visible = visible || combo->isVisible();
    EXPECT_TRUE(visible);
}

TEST(SweepView, SaysWhenTheOptimumMayLieBeyondTheRange) {
    qm7::ui::SweepView view;
    view.resize(1100, 650);
    view.show();
    // The largest lr has the lowest loss.
    view.setRuns({sweepRun(1e-4, 0, 0.30, 0.29), sweepRun(1e-4, 1, 0.32, 0.30),
                  sweepRun(1e-3, 0, 0.05, 0.04), sweepRun(1e-3, 1, 0.06, 0.05),
                  sweepRun(1e-2, 0, 0.011, 0.010), sweepRun(1e-2, 1, 0.012, 0.011)});
    EXPECT_DOUBLE_EQ(view.chosenLr(), 1e-2);
    auto* choice = view.findChild<QLabel*>(QStringLiteral("sweepChoice"));
    ASSERT_NE(choice, nullptr);
    EXPECT_TRUE(choice->text().contains(QStringLiteral("beyond the range")));
    EXPECT_FALSE(qm7::ui::edgeWarning(view.summary()).isEmpty());
    // In the middle: no warning.
    view.setRuns({sweepRun(1e-4, 0, 0.30, 0.29), sweepRun(1e-3, 0, 0.05, 0.04),
                  sweepRun(1e-2, 0, 0.2, 0.15)});
    EXPECT_FALSE(choice->text().contains(QStringLiteral("beyond the range")));

    // Every column, the test error included, is inside the visible table.
    QTest::qWait(50);
    auto* table = view.findChild<QTableWidget*>(QStringLiteral("sweepTable"));
    ASSERT_NE(table, nullptr);
    const int last = table->columnCount() - 1;
    EXPECT_TRUE(table->horizontalHeaderItem(last)->text().contains(QStringLiteral("test")));
    EXPECT_LE(table->horizontalHeader()->sectionViewportPosition(last) +
                  table->horizontalHeader()->sectionSize(last),
              table->viewport()->width());

    // Log y ticks: several, all labelled, even on a range inside one decade.
    auto* plot = view.findChild<QCustomPlot*>(QStringLiteral("sweepPlot"));
    ASSERT_NE(plot, nullptr);
    plot->yAxis->setRange(0.012, 0.09);
    plot->replot();
    EXPECT_GE(plot->yAxis->tickVectorLabels().size(), 3);
    for (const QString& label : plot->yAxis->tickVectorLabels())
        EXPECT_FALSE(label.isEmpty());
    // One number format on the x axis: 10⁻⁵ and 0.0001 never side by side.
    plot->xAxis->setRange(3e-6, 3e-2);
    plot->replot();
    const QStringList x = plot->xAxis->tickVectorLabels();
    ASSERT_GE(x.size(), 3);
    const int powers = static_cast<int>(
        std::count_if(x.begin(), x.end(), [](const QString& l) { return l.contains(u'⁻'); }));
    EXPECT_TRUE(powers == 0 || powers == x.size()) << x.join(QLatin1Char(' ')).toStdString();
    // Both lines are visible: best and final are two graphs with distinct markers.
    ASSERT_EQ(plot->graphCount(), 2);
    EXPECT_NE(plot->graph(0)->scatterStyle().shape(), plot->graph(1)->scatterStyle().shape());
}

TEST(HistogramView, EverySplitStaysVisibleAndNoNegativeZero) {
    auto data = std::make_shared<qm7::Dataset>();
    data->d = 1;
    data->atoms = 1;
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(-1500.f, 200.f);
    for (int i = 0; i < 500; ++i) {
        data->train.y.push_back(normal(rng));
        data->train.X.push_back(0.f);
    }
    for (int i = 0; i < 100; ++i) {
        data->val.y.push_back(normal(rng));
        data->val.X.push_back(0.f);
        data->test.y.push_back(normal(rng));
        data->test.X.push_back(0.f);
    }
    qm7::ui::HistogramView view;
    view.setDataset(data);
    view.setNormalized(true); // the train mean is 0 up to rounding
    auto* chartView = qobject_cast<QChartView*>(view.plots().front().second);
    ASSERT_NE(chartView, nullptr);
    QChart* chart = chartView->chart();
    int areas = 0, outlined = 0;
    for (QAbstractSeries* series : chart->series()) {
        EXPECT_FALSE(series->name().contains(QStringLiteral("-0.00")))
            << series->name().toStdString();
        if (auto* area = qobject_cast<QAreaSeries*>(series)) {
            ++areas;
            outlined += area->brush().style() == Qt::NoBrush ? 1 : 0;
        }
        if (qobject_cast<QLineSeries*>(series)) {
            for (QLegendMarker* m : chart->legend()->markers(series))
                EXPECT_EQ(m->shape(), QLegend::MarkerShapeFromSeries);
        }
    }
    EXPECT_EQ(areas, 3);
    EXPECT_GE(outlined, 2); // validation and test drawn as outlines over the filled train
    EXPECT_EQ(qm7::ui::fixedNumber(-0.001, 2), QStringLiteral("0.00"));
    EXPECT_EQ(qm7::ui::formatNumber(-1e-9, 2), QStringLiteral("-1e-09"));
    EXPECT_EQ(qm7::ui::fixedNumber(-0.006, 2), QStringLiteral("-0.01"));
}

TEST(HistogramView, SwitchingUnitsLeavesOneAxisEachWay) {
    auto data = std::make_shared<qm7::Dataset>();
    data->d = 1;
    data->atoms = 1;
    for (int i = 0; i < 50; ++i) {
        data->train.y.push_back(-1500.f + 10.f * static_cast<float>(i));
        data->train.X.push_back(0.f);
        data->val.y.push_back(-1400.f + 5.f * static_cast<float>(i));
        data->val.X.push_back(0.f);
        data->test.y.push_back(-1600.f + 5.f * static_cast<float>(i));
        data->test.X.push_back(0.f);
    }
    qm7::ui::HistogramView view;
    view.resize(900, 600);
    view.show();
    view.setDataset(data);
    auto* chartView = qobject_cast<QChartView*>(view.plots().front().second);
    ASSERT_NE(chartView, nullptr);
    QChart* chart = chartView->chart();
    for (bool normalized : {true, false, true}) {
        view.setNormalized(normalized);
        QCoreApplication::processEvents();
        // Before the fix a removed axis stayed in the scene: the old kcal/mol labels were drawn
        // under the normalized ones. One horizontal and one vertical axis, with the new title.
        ASSERT_EQ(chart->axes(Qt::Horizontal).size(), 1);
        ASSERT_EQ(chart->axes(Qt::Vertical).size(), 1);
        const QString title = chart->axes(Qt::Horizontal).front()->titleText();
        EXPECT_EQ(title.contains(QStringLiteral("normalized")), normalized) << title.toStdString();
        // What the user sees: the scene's visible texts carry only the current axis title.
        int kcalTitles = 0, normalizedTitles = 0;
        for (QGraphicsItem* item : chartView->scene()->items()) {
            auto* text = dynamic_cast<QGraphicsTextItem*>(item);
            if (!text || !text->isVisible())
                continue;
            kcalTitles += text->toPlainText().contains(QStringLiteral("(kcal/mol)")) ? 1 : 0;
            normalizedTitles += text->toPlainText().contains(QStringLiteral("normalized")) ? 1 : 0;
        }
        EXPECT_EQ(kcalTitles, normalized ? 0 : 1);
        EXPECT_EQ(normalizedTitles, normalized ? 1 : 0);
        for (QAbstractSeries* series : chart->series())
            EXPECT_EQ(series->attachedAxes().size(), 2);
    }
}
