// The Learning curve tab of issue 11: the ranking's answer, error-bar clicks, the table's
// columns, bands only for trusted laws, bars inside the axes, measured points, the manual value
// at the target n and "Measure at these n" on a dataset.pt with too few rows.

#include "qm7ui/learning_curve_view.h"

#include "test_support.h"
#include "curve_fixtures.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QTest>
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <cmath>
#include <unistd.h>

namespace {

using qm7::test::demoLikePoints;

std::vector<std::vector<qm7::CurvePoint>> seedCurves() {
    const double n[] = {100, 200, 500, 1000};
    const double v[3][4] = {
        {6300, 4700, 2200, 900}, {7000, 6700, 2700, 1100}, {8200, 5700, 3600, 1600}};
    std::vector<std::vector<qm7::CurvePoint>> curves(3);
    for (int s = 0; s < 3; ++s)
        for (int i = 0; i < 4; ++i)
            curves[s].push_back(qm7::CurvePoint{n[i], v[s][i], 0, false});
    return curves;
}

QCPGraph* graphNamed(QCustomPlot* plot, const QString& name) {
    for (int i = 0; i < plot->graphCount(); ++i)
        if (plot->graph(i)->objectName() == name)
            return plot->graph(i);
    return nullptr;
}

} // namespace

TEST(LearningCurveTab, ClickOnAnErrorBarExcludesItsPoint) {
    qm7::ui::LearningCurveView view;
    // Tall axes: the chosen law, always drawn, sets the y range with its band at n = 4000.
    view.resize(1600, 1600);
    view.show();
    view.setPoints(demoLikePoints());
    QCustomPlot* plot = view.plot();
    plot->replot();
    // n = 200 and n = 500 have long bars: click on the bar, well away from the marker.
    for (int i : {1, 2}) {
        const auto& p = view.points()[static_cast<std::size_t>(i)];
        const int markerY = qRound(plot->yAxis->coordToPixel(p.mean));
        const int barY = qRound(plot->yAxis->coordToPixel(p.mean + 0.95 * p.std));
        ASSERT_GT(std::abs(markerY - barY), 10) << "the bar must be longer than the marker";
        QTest::mouseClick(plot, Qt::LeftButton, Qt::NoModifier,
                          QPoint(qRound(plot->xAxis->coordToPixel(p.n)), barY));
        EXPECT_TRUE(view.points()[static_cast<std::size_t>(i)].excluded) << "n = " << p.n;
        plot->replot();
    }
}

TEST(LearningCurveTab, TableHasEveryLawWithUnitsAndNoCutOffCells) {
    qm7::ui::LearningCurveView view;
    view.resize(1200, 800);
    view.show();
    view.setSeedCurves(seedCurves());
    view.setPoints(demoLikePoints());
    QApplication::processEvents();
    auto* table = view.findChild<QTableWidget*>(QStringLiteral("curveTable"));
    ASSERT_NE(table, nullptr);
    ASSERT_EQ(table->rowCount(), 5);
    QStringList headers;
    for (int c = 0; c < table->columnCount(); ++c)
        headers << table->horizontalHeaderItem(c)->text();
    const QString all = headers.join(QLatin1Char('|'));
    EXPECT_TRUE(all.contains(QStringLiteral("kcal²/mol²"))) << all.toStdString();
    EXPECT_TRUE(all.contains(QStringLiteral("RMSE"))) << all.toStdString();
    EXPECT_TRUE(all.contains(QStringLiteral("forward"))) << all.toStdString();
    EXPECT_TRUE(all.contains(QStringLiteral("AIC")));
    // No cell is elided: each column is as wide as its text; every row fits the table.
    const QFontMetrics fm(table->font());
    for (int r = 0; r < table->rowCount(); ++r)
        for (int c = 0; c < table->columnCount(); ++c) {
            const QTableWidgetItem* item = table->item(r, c);
            ASSERT_NE(item, nullptr);
            QFont f = item->font();
            EXPECT_LE(QFontMetrics(f).horizontalAdvance(item->text()), table->columnWidth(c))
                << "row " << r << " column " << c << ": " << item->text().toStdString();
        }
    int rows = 0;
    for (int r = 0; r < table->rowCount(); ++r)
        rows += table->rowHeight(r);
    EXPECT_GE(table->height(), rows + table->horizontalHeader()->height());
    // The answer names a law whose prediction is finite and positive.
    const qm7::LawScore* a = view.ranking().answer();
    ASSERT_NE(a, nullptr);
    EXPECT_GT(a->band.value, 0);
    EXPECT_TRUE(
        view.answerText().contains(QString::fromStdString(qm7::curveModelFormula(a->model))));
}

TEST(LearningCurveTab, TheAnswerLineNamesOnlyTheLawTheTableChooses) {
    qm7::ui::LearningCurveView view;
    view.resize(1200, 800);
    view.show();
    view.setSeedCurves(seedCurves());
    view.setPoints(demoLikePoints());
    const qm7::LawRanking& r = view.ranking();
    const qm7::LawScore* a = r.answer();
    ASSERT_NE(a, nullptr);
    // The construction: the lowest AIC belongs to a law the ranking does not choose.
    ASSERT_FALSE(r.aicPick.empty());
    ASSERT_NE(r.aicPick, qm7::curveModelFormula(a->model));
    const QString text = view.answerText();
    const QString chosen = QString::fromStdString(qm7::lawLabel(*a));
    EXPECT_TRUE(text.contains(chosen)) << text.toStdString();
    EXPECT_TRUE(text.contains(QString::fromStdString(qm7::lnErrorText(a->forwardError))))
        << text.toStdString();
    EXPECT_FALSE(text.contains(QStringLiteral("AIC"))) << text.toStdString();
    // No other law is named (a formula inside the chosen one's, as A n^-b in A n^-b + C, aside).
    for (const qm7::LawScore& law : r.laws) {
        const QString formula = QString::fromStdString(qm7::curveModelFormula(law.model));
        if (&law != a && !chosen.contains(formula)) {
            EXPECT_FALSE(text.contains(formula)) << formula.toStdString();
        }
    }
    // The table under it marks that same law chosen.
    auto* table = view.findChild<QTableWidget*>(QStringLiteral("curveTable"));
    ASSERT_NE(table, nullptr);
    const int last = table->columnCount() - 1;
    int rowsChosen = 0;
    for (int row = 0; row < table->rowCount(); ++row) {
        if (table->item(row, last)->text() != QStringLiteral("chosen"))
            continue;
        ++rowsChosen;
        EXPECT_TRUE(table->item(row, 0)->text().endsWith(chosen))
            << table->item(row, 0)->text().toStdString();
    }
    EXPECT_EQ(rowsChosen, 1);
}

TEST(LearningCurveTab, BandsOnlyForTrustedLawsAndEveryBarInsideTheAxes) {
    qm7::ui::LearningCurveView view;
    view.resize(1200, 800);
    view.show();
    view.setSeedCurves(seedCurves());
    view.setPoints(demoLikePoints());
    for (qm7::CurveModel m : qm7::allCurveModels())
        view.setModelChecked(m, true);
    QCustomPlot* plot = view.plot();
    int usable = 0;
    for (const auto& law : view.ranking().laws)
        usable += law.usable && law.band.ok && law.fit.ok;
    ASSERT_LT(usable, 5) << "the straight line predicts < 0 at n = 4000: it must be rejected";
    int bands = 0;
    for (int i = 0; i < plot->graphCount(); ++i)
        bands += plot->graph(i)->brush().style() != Qt::NoBrush;
    EXPECT_EQ(bands, usable);
    // Bars at the target: one per trusted law, side by side, each inside the axes.
    std::vector<double> xs;
    for (int i = 0; i < plot->plottableCount(); ++i) {
        auto* bars = qobject_cast<QCPErrorBars*>(plot->plottable(i));
        if (!bars || !bars->dataPlottable())
            continue;
        for (int k = 0; k < bars->dataCount(); ++k) {
            const double x = bars->dataPlottable()->interface1D()->dataMainKey(k);
            const double y = bars->dataPlottable()->interface1D()->dataMainValue(k);
            const QCPErrorBarsData e = bars->data()->at(k);
            EXPECT_TRUE(plot->xAxis->range().contains(x)) << x;
            EXPECT_GE(y - e.errorMinus, plot->yAxis->range().lower) << "bar at n = " << x;
            EXPECT_LE(y + e.errorPlus, plot->yAxis->range().upper) << "bar at n = " << x;
            if (x > 2500)
                xs.push_back(x);
        }
    }
    EXPECT_EQ(static_cast<int>(xs.size()), usable);
    std::sort(xs.begin(), xs.end());
    EXPECT_EQ(std::unique(xs.begin(), xs.end()), xs.end()) << "bars at the target overlap";
}

TEST(LearningCurveTab, MeasuredPointsHaveTheirOwnMarkerAndErrorBars) {
    qm7::ui::LearningCurveView view;
    view.resize(1200, 800);
    view.setPoints(demoLikePoints());
    qm7::CurveRow m;
    m.n = 4000;
    m.mseMean = 234;
    m.mseStd = 61;
    m.runs = 3;
    view.setMeasured({m});
    QCustomPlot* plot = view.plot();
    QCPGraph* measured = graphNamed(plot, QStringLiteral("measured"));
    ASSERT_NE(measured, nullptr);
    EXPECT_NE(measured->scatterStyle().shape(),
              graphNamed(plot, QStringLiteral("points"))->scatterStyle().shape());
    bool hasBars = false;
    for (int i = 0; i < plot->plottableCount(); ++i)
        if (auto* bars = qobject_cast<QCPErrorBars*>(plot->plottable(i)))
            hasBars = hasBars || bars->dataPlottable() == measured;
    EXPECT_TRUE(hasBars);
    EXPECT_TRUE(view.answerText().contains(QStringLiteral("n = 4000: 234 ± 61 (predicted")))
        << view.answerText().toStdString();
    EXPECT_TRUE(view.csv().contains(QStringLiteral("4000,234,61,0,1")));
}

TEST(LearningCurveTab, ManualFitShowsItsValueAtTheTargetN) {
    qm7::ui::LearningCurveView view;
    view.setPoints(demoLikePoints());
    view.setTargetN(4000);
    view.setManual(true, qm7::CurveModel::Power);
    view.setManualParams(2.0e5, 0.7);
    auto* label = view.findChild<QLabel*>(QStringLiteral("curveManualLabel"));
    ASSERT_NE(label, nullptr);
    EXPECT_TRUE(label->text().contains(QStringLiteral("at n = 4000")))
        << label->text().toStdString();
}

TEST(LearningCurveTab, PowerPlusConstantConvergesAsInCore) {
    qm7::ui::LearningCurveView view;
    std::vector<qm7::CurvePoint> points;
    for (double n : {100.0, 200.0, 500.0, 1000.0, 1500.0})
        points.push_back(qm7::CurvePoint{n, 2e5 / n + 300, 0.05 * (2e5 / n + 300), false});
    view.setPoints(points);
    view.setModelChecked(qm7::CurveModel::PowerOffset, true);
    const qm7::FitResult core = qm7::fitCurve(qm7::CurveModel::PowerOffset, points);
    ASSERT_TRUE(core.ok) << core.message;
    bool found = false;
    for (const auto& f : view.fits())
        if (f.model == qm7::CurveModel::PowerOffset) {
            found = true;
            EXPECT_TRUE(f.ok) << f.message;
            EXPECT_NEAR(f.params[2], core.params[2], 1e-6 * std::abs(core.params[2]) + 1e-9);
        }
    EXPECT_TRUE(found);
}

TEST(LearningCurveTab, MeasureOnADatasetPtWithTooFewRowsSaysWhy) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const std::string dir = qm7::test::freshDir("measure-pt-" + std::to_string(::getpid()));
    std::string out;
    ASSERT_EQ(qm7::test::runPython("make_datasets.py", {dir}, &out), 0) << out;
    qm7::ui::LearningCurveView view;
    view.setPoints(demoLikePoints());
    view.setMeasureContextProvider([dir] {
        qm7::ui::MeasureContext ctx;
        ctx.source = dir + "/good.pt"; // 60 training rows
        ctx.dir = dir;
        return ctx;
    });
    view.setMeasureSizesText(QStringLiteral("2000, 3000, 4000"));
    QString why;
    EXPECT_FALSE(view.startMeasure(&why));
    EXPECT_TRUE(why.contains(QStringLiteral("has 60 training rows"))) << why.toStdString();
    EXPECT_TRUE(why.contains(QStringLiteral("needs 4000"))) << why.toStdString();
    EXPECT_TRUE(view.measureStatus().contains(QStringLiteral("Cannot measure")));
    EXPECT_FALSE(view.isMeasuring());
}

TEST(LearningCurveTab, KrrBesideDrawsTheBaselineAtTheTabsSizes) {
    qm7::ui::LearningCurveView view;
    view.resize(1100, 700);
    view.show();
    view.setPoints(demoLikePoints());
    QString why;
    EXPECT_FALSE(view.startKrr(&why)) << "no provider, no data";
    EXPECT_TRUE(view.measureStatus().contains(QStringLiteral("no data set is loaded")))
        << view.measureStatus().toStdString();

    qm7::BuildOptions options;
    options.representation.kind = qm7::Representation::Sorted;
    auto data =
        std::make_shared<const qm7::Dataset>(qm7::loadDataSource(qm7::demoDataPath(), options));
    view.setMeasureContextProvider([data] {
        qm7::ui::MeasureContext ctx;
        ctx.source = "demo";
        ctx.dataset = data;
        ctx.seeds = 2;
        return ctx;
    });
    view.setSizesText(QStringLiteral("100, 300"));
    auto* button = view.findChild<QPushButton*>(QStringLiteral("curveKrr"));
    ASSERT_NE(button, nullptr);
    QTest::mouseClick(button, Qt::LeftButton);
    EXPECT_TRUE(view.isKrrRunning());
    QElapsedTimer timer;
    timer.start();
    while (view.isKrrRunning() && timer.elapsed() < 60000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    ASSERT_FALSE(view.isKrrRunning()) << "KRR did not finish in 60 s";
    ASSERT_EQ(view.krrRows().size(), 2u) << view.measureStatus().toStdString();
    EXPECT_LT(view.krrRows()[1].mseMean, view.krrRows()[0].mseMean);
    EXPECT_EQ(view.krrRows()[0].runs, 2);
    auto* plot = view.findChild<QCustomPlot*>();
    QCPGraph* krr = graphNamed(plot, QStringLiteral("krr"));
    ASSERT_NE(krr, nullptr);
    EXPECT_EQ(krr->dataCount(), 2);
    // Inside the axes, and in the tab's export.
    for (int i = 0; i < krr->dataCount(); ++i)
        EXPECT_TRUE(plot->yAxis->range().contains(krr->data()->at(i)->value));
    bool exported = false;
    for (const auto& [name, text] : view.csvFiles())
        exported = exported || (name == QStringLiteral("learning_curve_krr") &&
                                text.startsWith(QStringLiteral("n,")) && text.count('\n') == 3);
    EXPECT_TRUE(exported);
    EXPECT_TRUE(view.measureStatus().contains(QStringLiteral("n = 300: MSE")))
        << view.measureStatus().toStdString();
}
