// "Learning curves…" of the Cross-validation tab on the demo molecules: Run trains the missing
// points of two KRR models, the plot and the table show exactly what core reads from the folder
// (same n, same MAE, the slope in the legend), exports come from core's writer, a bad size list
// trains nothing, closing the window mid-run joins its thread and leaves no half-written point,
// and the headless renderer writes the figure files.
#include "qm7ui/cv_view.h"
#include "qm7ui/model_curves_plot.h"
#include "qm7ui/model_curves_view.h"

#include "qm7/util/atomic_file.h"
#include "test_support.h"
#include "ui_wait.h"

#include "qcustomplot.h"

#include <QPushButton>
#include <QTableWidget>

#include <gtest/gtest.h>

#include <filesystem>

namespace fs = std::filesystem;
using qm7::test::waitUntil;
using qm7::ui::CvView;
using qm7::ui::ModelCurvesView;

TEST(ModelCurvesView, RunFillsThePlotAndTableFromTheFolder) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("ui_model_curves");
    CvView tab;
    tab.resize(1180, 640);
    tab.setOutputFolder(QString::fromStdString(dir));
    tab.setSource(QStringLiteral("demo"));
    auto* button = tab.findChild<QPushButton*>(QStringLiteral("cvCurves"));
    ASSERT_NE(button, nullptr);
    button->click();
    ModelCurvesView* view = tab.findChild<ModelCurvesView*>();
    ASSERT_NE(view, nullptr);
    EXPECT_TRUE(view->isVisible());
    EXPECT_TRUE(view->resultsDir().endsWith(QStringLiteral("learning-curves-demo")));
    EXPECT_TRUE(view->curves().empty());

    // A size list that does not increase: a message, nothing trained.
    view->setModels({QStringLiteral("krr-sorted"), QStringLiteral("krr-bob")});
    view->setSizes(QStringLiteral("100, 50"));
    QString error;
    EXPECT_FALSE(view->run(&error));
    EXPECT_NE(error.indexOf(QStringLiteral("increase")), -1) << error.toStdString();
    EXPECT_FALSE(view->isRunning());
    EXPECT_FALSE(fs::exists(view->resultsDir().toStdString()));

    view->setSizes(QStringLiteral("50, 100, 200"));
    bool done = false;
    QObject::connect(view, &ModelCurvesView::finished,
                     [&](bool cancelled, const QString& e) { done = !cancelled && e.isEmpty(); });
    ASSERT_TRUE(view->run(&error)) << error.toStdString();
    ASSERT_TRUE(waitUntil([&] { return !view->isRunning(); }, 120000)) << "not finished in 120 s";
    ASSERT_TRUE(done) << view->message().toStdString();

    // One source: what the window shows is what core reads from the folder.
    const auto curves = qm7::collectModelCurves(view->resultsDir().toStdString());
    ASSERT_EQ(curves.size(), 2u);
    ASSERT_EQ(view->curves().size(), 2u);
    int rows = 0;
    for (const qm7::ModelCurve& c : curves) {
        ASSERT_EQ(c.points.size(), 3u) << c.key;
        rows += 3;
        QCPGraph* graph = nullptr;
        for (int g = 0; g < view->plot()->graphCount(); ++g)
            if (view->plot()->graph(g)->objectName() == QString::fromStdString(c.key))
                graph = view->plot()->graph(g);
        ASSERT_NE(graph, nullptr) << c.key;
        ASSERT_EQ(graph->data()->size(), 3);
        for (int i = 0; i < 3; ++i) {
            EXPECT_EQ(graph->data()->at(i)->key,
                      c.points[static_cast<std::size_t>(i)].result.trainRows);
            EXPECT_DOUBLE_EQ(graph->data()->at(i)->value,
                             c.points[static_cast<std::size_t>(i)].result.test.mae);
        }
        ASSERT_TRUE(c.fit.ok);
        EXPECT_NE(graph->name().indexOf(
                      QStringLiteral("slope %1").arg(QString::number(c.slope(), 'f', 2))),
                  -1)
            << graph->name().toStdString();
    }
    EXPECT_EQ(view->table()->rowCount(), rows);
    EXPECT_EQ(view->table()->item(0, 1)->text(), QStringLiteral("50"));
    EXPECT_EQ(view->table()->item(0, 2)->text(),
              QString::number(curves[0].points[0].result.test.mae, 'f', 2));

    // Exports: the table through core's writer, the figure as a PNG.
    const QString csv = QString::fromStdString(dir + "/curves_export.csv");
    ASSERT_TRUE(view->exportTo(csv, &error)) << error.toStdString();
    EXPECT_EQ(qm7::readFile(csv.toStdString()), qm7::modelCurvesCsv(curves));
    const QString png = QString::fromStdString(dir + "/curves_export.png");
    ASSERT_TRUE(view->exportTo(png, &error)) << error.toStdString();
    EXPECT_GT(fs::file_size(png.toStdString()), 10000u);

    // The headless renderer (qm7 invariance --curve calls it) writes both figure files; an
    // empty folder gets a message and exit code 2.
    QString message;
    EXPECT_EQ(qm7::ui::renderCurvesCommand(view->resultsDir(), &message), 0)
        << message.toStdString();
    for (const char* name : {"learning_curves.png", "learning_curves.svg"})
        EXPECT_TRUE(fs::exists(fs::path(view->resultsDir().toStdString()) / "figures" / name));
    fs::create_directories(dir + "/empty");
    EXPECT_EQ(qm7::ui::renderCurvesCommand(QString::fromStdString(dir + "/empty"), &message), 2);
    EXPECT_NE(message.indexOf(QStringLiteral("qm7 invariance --curve")), -1);
}

TEST(ModelCurvesView, ClosingTheWindowMidRunJoinsItAndLeavesNoPoint) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("ui_model_curves_close");
    auto* view = new ModelCurvesView;
    view->setStudy(QStringLiteral("demo"), QString::fromStdString(dir));
    view->setModels({QStringLiteral("mlp-sorted")});
    view->setSizes(QStringLiteral("3000"));
    view->show();
    QString error;
    ASSERT_TRUE(view->run(&error)) << error.toStdString();
    // Wait until the network trains (the fold has started), then close the window.
    const fs::path point = fs::path(dir) / "mlp-sorted-n3000";
    ASSERT_TRUE(waitUntil([&] { return fs::exists(point / "partition.json"); }, 60000));
    QElapsedTimer clock;
    clock.start();
    view->close();
    EXPECT_FALSE(view->isRunning());
    EXPECT_LT(clock.elapsed(), 20000);
    EXPECT_FALSE(fs::exists(point / "fold-0" / "result.json"));
    delete view;
    EXPECT_TRUE(qm7::collectModelCurves(dir).empty());
}
