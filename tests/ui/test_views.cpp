// Tests of the plot tabs on known data: learning-curve fit controls, sweep summary, histogram.

#include "qm7ui/learning_curve_view.h"
#include "qm7ui/loss_plot.h"
#include "qm7ui/sweep_view.h"

#include <QCheckBox>
#include <QLabel>
#include <QRegularExpression>
#include <QSlider>
#include <QTableWidget>
#include <QTest>
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <cmath>

namespace {

/// Points of A n^-b with a small seed spread.
std::vector<qm7::CurvePoint> powerPoints(double a, double b) {
    std::vector<qm7::CurvePoint> points;
    for (double n : {100.0, 200.0, 500.0, 1000.0, 2000.0}) {
        qm7::CurvePoint p;
        p.n = n;
        p.mean = a * std::pow(n, -b) * (n == 500.0 ? 1.02 : 0.99);
        p.std = 0.05 * p.mean;
        points.push_back(p);
    }
    return points;
}

qm7::ui::RunResultPtr fakeRun(double lr, std::uint64_t seed, double finalVal, double bestVal) {
    auto r = std::make_shared<qm7::RunResult>();
    r->config.lr = lr;
    r->config.seed = seed;
    r->finalValLoss = finalVal;
    r->bestValLoss = bestVal;
    qm7::EpochStats e;
    e.epoch = 10;
    e.evaluated = true;
    e.valLoss = finalVal;
    r->history.push_back(e);
    return r;
}

} // namespace

TEST(LearningCurveView, FitControlsChangeTheFit) {
    qm7::ui::LearningCurveView view;
    view.resize(1100, 700);
    view.show();
    view.setPoints(powerPoints(20000.0, 0.6));
    ASSERT_EQ(view.fits().size(), 1u); // power is checked by default
    const qm7::FitResult power = view.fits().front();
    ASSERT_TRUE(power.ok) << power.message;
    EXPECT_EQ(power.model, qm7::CurveModel::Power);
    EXPECT_NEAR(power.params[1], 0.6, 0.03);
    EXPECT_EQ(power.points, 5);

    // Checking more models overlays more fits, each with a table row.
    view.setModelChecked(qm7::CurveModel::Exponential, true);
    view.setModelChecked(qm7::CurveModel::LogPower, true);
    EXPECT_EQ(view.fits().size(), 3u);
    auto* table = view.findChild<QTableWidget*>(QStringLiteral("curveTable"));
    ASSERT_NE(table, nullptr);
    EXPECT_EQ(table->rowCount(), 5); // every law, ranked by forward validation
    EXPECT_TRUE(table->item(0, 1)->text().contains(QStringLiteral("±")));

    // Excluding a point (as a click does) refits on the rest.
    view.setExcluded(2, true);
    for (const auto& f : view.fits())
        EXPECT_EQ(f.points, 4);
    EXPECT_NE(view.fits().front().params[0], power.params[0]);
    view.setExcluded(2, false);
    EXPECT_EQ(view.fits().front().points, 5);

    // A click on a point of the plot toggles it.
    QCustomPlot* plot = view.plot();
    plot->replot();
    QCPGraph* points = nullptr;
    for (int i = 0; i < plot->graphCount(); ++i) {
        if (plot->graph(i)->objectName() == QLatin1String("points"))
            points = plot->graph(i);
    }
    ASSERT_NE(points, nullptr);
    const QPoint at(qRound(plot->xAxis->coordToPixel(1000.0)),
                    qRound(plot->yAxis->coordToPixel(view.points()[3].mean)));
    QTest::mouseClick(plot, Qt::LeftButton, Qt::NoModifier, at);
    EXPECT_TRUE(view.points()[3].excluded);

    // Fitting in linear space instead of log space changes the fit.
    view.setExcluded(3, false);
    const double logB = view.fits().front().params[1];
    view.findChild<QCheckBox*>(QStringLiteral("curveLogSpace"))->setChecked(false);
    EXPECT_FALSE(view.fits().front().logSpace);
    EXPECT_NE(view.fits().front().params[1], logB);
    view.findChild<QCheckBox*>(QStringLiteral("curveLogSpace"))->setChecked(true);

    // Manual mode: the residual is live and smallest near the fitted parameters.
    view.setManual(true, qm7::CurveModel::Power);
    const double atFit = view.manualResidualValue();
    EXPECT_TRUE(std::isfinite(atFit));
    view.setManualParams(20000.0, 0.3);
    const double off = view.manualResidualValue();
    EXPECT_GT(off, atFit);
    auto* slider = view.findChild<QSlider*>(QStringLiteral("curveSliderB"));
    slider->setValue(slider->value() + 100);
    EXPECT_NE(view.manualResidualValue(), off);

    // CSVs: the points and the fits with the extrapolation to the target n.
    view.setTargetN(4000);
    const auto files = view.csvFiles();
    ASSERT_EQ(files.size(), 2);
    EXPECT_TRUE(files[0].second.startsWith(QStringLiteral("n,test_mse_mean_kcal2")));
    // the power law, fitted on every size (empty fit_from_n) or on the largest ones, is ok
    EXPECT_TRUE(files[1].second.contains(
        QRegularExpression(QStringLiteral(",power,\"A n\\^-b\",[0-9]*,1,"))))
        << files[1].second.toStdString();
    EXPECT_TRUE(files[1].second.contains(QStringLiteral(",4000,")));
}

TEST(SweepView, SummarizesOverSeedsAndChoosesTheLowestMean) {
    std::vector<qm7::ui::RunResultPtr> runs;
    runs.push_back(fakeRun(1e-3, 0, 0.10, 0.09));
    runs.push_back(fakeRun(1e-3, 1, 0.14, 0.11));
    runs.push_back(fakeRun(1e-2, 0, 0.20, 0.05));
    runs.push_back(fakeRun(1e-2, 1, 0.30, 0.07));
    const auto rows = qm7::ui::summarizeSweep(runs);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_DOUBLE_EQ(rows[0].lr, 1e-3);
    EXPECT_NEAR(rows[0].finalMean, 0.12, 1e-12);
    EXPECT_NEAR(rows[0].finalStd, std::sqrt(0.0008), 1e-12);
    qm7::ui::SweepView view;
    view.setRuns(runs);
    // By default the rate is chosen by the best validation loss: the weights that are tested.
    EXPECT_TRUE(view.useBest());
    EXPECT_DOUBLE_EQ(view.chosenLr(), 1e-2);
    auto* choice = view.findChild<QLabel*>(QStringLiteral("sweepChoice"));
    ASSERT_NE(choice, nullptr);
    EXPECT_TRUE(choice->text().contains(
        QString::fromStdString(qm7::sweepRuleStatement(qm7::SweepRule::BestLoss))))
        << choice->text().toStdString();
    view.setUseBest(false);
    EXPECT_DOUBLE_EQ(view.chosenLr(), 1e-3);
    EXPECT_TRUE(choice->text().contains(
        QString::fromStdString(qm7::sweepRuleStatement(qm7::SweepRule::FinalLoss))));
    EXPECT_TRUE(view.csv().contains(QStringLiteral("0.01,2,0.25")));
}

TEST(LossPlot, ThrottlesRedrawsAndSmooths) {
    qm7::ui::LossPlot plot;
    qm7::TrainConfig c;
    plot.beginLive({c, c});
    QTest::qWait(60);
    const int before = plot.replotCount();
    for (int e = 1; e <= 500; ++e) {
        qm7::EpochStats s;
        s.epoch = e;
        s.evaluated = true;
        s.trainLoss = 1.0 / e;
        s.valLoss = 1.5 / e;
        s.run = e % 2;
        plot.appendEpochs({s});
    }
    QTest::qWait(100);
    EXPECT_LE(plot.replotCount() - before, 5); // 500 updates, a handful of redraws
    EXPECT_GT(plot.pointCount(), 0);
    plot.setSmoothing(0.9);
    EXPECT_NEAR(plot.smoothing(), 0.9, 1e-9);
}

TEST(SweepView, ShowsTheFinishedRunsOfAStoppedSweepOnItsGrid) {
    qm7::SweepConfig config;
    config.lrs = {1e-4, 1e-3, 1e-2};
    config.seeds = 2;
    config.rule = qm7::SweepRule::BestLoss;
    auto cancelled = std::make_shared<qm7::RunResult>(*fakeRun(1e-2, 1, 0.01, 0.001));
    cancelled->cancelled = true;
    // lr 1e-4 never ran, lr 1e-2 kept one finished seed (the other was stopped).
    const std::vector<qm7::ui::RunResultPtr> runs = {nullptr,
                                                     nullptr,
                                                     fakeRun(1e-3, 0, 0.10, 0.09),
                                                     fakeRun(1e-3, 1, 0.14, 0.11),
                                                     fakeRun(1e-2, 0, 0.20, 0.05),
                                                     cancelled};
    qm7::ui::SweepView view;
    view.setSweep(config, runs);
    EXPECT_TRUE(view.useBest());
    ASSERT_EQ(view.summary().rows.size(), 2u);
    EXPECT_EQ(view.summary().rows[1].runs, 1);
    EXPECT_DOUBLE_EQ(view.chosenLr(), 1e-2);
    view.setUseBest(false);
    EXPECT_DOUBLE_EQ(view.chosenLr(), 1e-3);
    EXPECT_TRUE(view.csv().contains(QStringLiteral("0.01,1,0.2")));
}
