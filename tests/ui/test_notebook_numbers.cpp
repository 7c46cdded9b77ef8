// A notebook's numbers in the window: File > Open notebook losses / learning curve (CSV) put them
// in the session, and the tabs draw them beside the workbench's runs: the loss plot's notebook
// series hold the file's values, the curve tab's notebook points are core's and its ranking is
// core's ranking of the same points; a bad file leaves the window as it was; other data keeps
// them, Remove takes them away. The tabs are grabbed at 1280x800 into the test folder.
#include "qm7ui/data_panel.h"
#include "qm7ui/learning_curve_view.h"
#include "qm7ui/loss_plot.h"
#include "qm7ui/main_window.h"
#include "qm7ui/notebook_menu.h"
#include "qm7ui/session.h"

#include "qm7/analysis/notebook_numbers.h"
#include "qm7/train/trainer.h"
#include "notebook_csvs.h"
#include "test_support.h"

#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QMenuBar>
#include <QTabWidget>
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <cmath>
#include <filesystem>

using qm7::ui::MainWindow;

namespace {

QString csv(const std::string& name) {
    return QString::fromStdString(
        (std::filesystem::path(qm7::test::notebookCsvs("ui_notebook_csv_")) / name).string());
}

QCPGraph* graphNamed(QCustomPlot* plot, const QString& name) {
    for (int i = 0; i < plot->graphCount(); ++i)
        if (plot->graph(i)->name() == name)
            return plot->graph(i);
    return nullptr;
}

QCPGraph* graphWithObjectName(QCustomPlot* plot, const QString& name) {
    for (int i = 0; i < plot->graphCount(); ++i)
        if (plot->graph(i)->objectName() == name)
            return plot->graph(i);
    return nullptr;
}

/// The graph's (x, y) pairs.
std::vector<std::pair<double, double>> pointsOf(const QCPGraph* g) {
    std::vector<std::pair<double, double>> out;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
        out.emplace_back(it->key, it->value);
    return out;
}

/// The file's finite (epoch, value) pairs, as the plot should hold them.
std::vector<std::pair<double, double>> finitePairs(const std::vector<double>& epoch,
                                                   const std::vector<double>& values) {
    std::vector<std::pair<double, double>> out;
    for (std::size_t i = 0; i < values.size(); ++i)
        if (std::isfinite(values[i]))
            out.emplace_back(epoch[i], values[i]);
    return out;
}

QString labelText(QWidget* w, const char* name) {
    auto* label = w->findChild<QLabel*>(QString::fromLatin1(name));
    return label && label->isVisibleTo(w) ? label->text() : QString();
}

/// Short reference runs on the demo data: one at full size for the loss tab, and n = 100, 200,
/// 500, 1000 x 2 seeds for the curve tab.
std::vector<qm7::ui::RunResultPtr> referenceRuns(std::vector<qm7::ui::RunResultPtr>* curve) {
    qm7::TrainConfig c;
    c.hidden = 100;
    c.epochs = 150;
    c.evalEvery = 5;
    c.lr = 1e-3;
    std::vector<qm7::TrainConfig> configs = {c};
    for (int n : {100, 200, 500, 1000})
        for (int s = 0; s < 2; ++s) {
            qm7::TrainConfig k = c;
            k.trainSize = n;
            k.seed = static_cast<std::uint64_t>(s);
            configs.push_back(k);
        }
    qm7::TrainOptions options;
    options.threads = 2;
    auto runs = qm7::trainMany(qm7::test::demoDataset(), configs, options);
    std::vector<qm7::ui::RunResultPtr> all;
    for (auto& r : runs)
        all.push_back(std::make_shared<const qm7::RunResult>(std::move(r)));
    curve->assign(all.begin() + 1, all.end());
    return {all.front()};
}

void grab(MainWindow& w, QWidget* tab, const std::string& name) {
    static const std::string dir = qm7::test::freshDir("ui_notebook_screens");
    w.tabs()->setCurrentWidget(tab);
    QApplication::processEvents();
    const QString file = QString::fromStdString(dir + "/" + name);
    EXPECT_TRUE(w.grab().save(file, "PNG")) << file.toStdString();
}

} // namespace

TEST(NotebookNumbers, MenuItemsAreInTheFileMenu) {
    MainWindow w;
    QStringList texts;
    for (QAction* a : w.menuBar()->actions().front()->menu()->actions())
        texts << a->text();
    EXPECT_TRUE(texts.contains(QStringLiteral("Open notebook &losses (CSV)…")));
    EXPECT_TRUE(texts.contains(QStringLiteral("Open notebook learning c&urve (CSV)…")));
    EXPECT_TRUE(texts.contains(QStringLiteral("Remove notebook numbers")));
}

TEST(NotebookNumbers, LossesDrawnBesideTheRunsWithTheFileValues) {
    MainWindow w;
    qm7::ui::LossPlot* loss = w.lossPlot();
    ASSERT_EQ(qm7::ui::loadNotebookLosses(w.session(), csv("losses_pandas.csv")), QString());
    loss->replotNow();
    const qm7::NotebookLosses file =
        qm7::readNotebookLosses(csv("losses_pandas.csv").toStdString());
    QCPGraph* train = graphNamed(loss->plot(), QStringLiteral("your notebook: train"));
    QCPGraph* val = graphNamed(loss->plot(), QStringLiteral("your notebook: val"));
    ASSERT_NE(train, nullptr);
    ASSERT_NE(val, nullptr);
    EXPECT_EQ(pointsOf(train), finitePairs(file.epoch, file.train));
    EXPECT_EQ(pointsOf(val), finitePairs(file.epoch, file.val)); // epoch 4's NaN left out
    EXPECT_EQ(pointsOf(val).size(), 19u);
    EXPECT_TRUE(loss->plot()->legend->hasItemWithPlottable(train));
    EXPECT_NE(labelText(loss, "notebookLosses").indexOf(QStringLiteral("epoch from 'epoch'")), -1);
    EXPECT_EQ(w.session()->notebookLosses()->file, file.file);

    // A bad file: a message, and the window as it was.
    const QString error = qm7::ui::loadNotebookLosses(w.session(), csv("no_loss.csv"));
    EXPECT_NE(error.indexOf(QStringLiteral("no loss column")), -1) << error.toStdString();
    EXPECT_EQ(w.session()->notebookLosses()->file, file.file);
    EXPECT_EQ(qm7::ui::loadNotebookLosses(w.session(), csv("truncated.csv")).isEmpty(), false);
    EXPECT_EQ(qm7::ui::loadNotebookLosses(w.session(), csv("text_cell.csv")).isEmpty(), false);
    EXPECT_EQ(qm7::ui::loadNotebookLosses(w.session(), csv("empty.csv")).isEmpty(), false);

    // Replacing: the numpy file's values (epoch 4 not NaN there).
    ASSERT_EQ(qm7::ui::loadNotebookLosses(w.session(), csv("losses_numpy.csv")), QString());
    loss->replotNow();
    val = graphNamed(loss->plot(), QStringLiteral("your notebook: val"));
    ASSERT_NE(val, nullptr);
    EXPECT_EQ(pointsOf(val).size(), 20u);

    // Other data keeps the notebook's file (it is not a result of the data); Remove empties.
    w.dataPanel()->setDataset(std::make_shared<const qm7::Dataset>(qm7::test::demoDataset()),
                              QStringLiteral("demo"));
    loss->replotNow();
    EXPECT_NE(graphNamed(loss->plot(), QStringLiteral("your notebook: val")), nullptr);
    EXPECT_NE(labelText(loss, "notebookLosses"), QString());
    w.session()->setNotebookLosses(nullptr);
    loss->replotNow();
    EXPECT_EQ(graphNamed(loss->plot(), QStringLiteral("your notebook: val")), nullptr);
    EXPECT_EQ(labelText(loss, "notebookLosses"), QString());
}

TEST(NotebookNumbers, CurveRankedAsCoreRanksTheSamePoints) {
    MainWindow w;
    qm7::ui::LearningCurveView* view = w.learningCurveView();
    ASSERT_EQ(qm7::ui::loadNotebookCurve(w.session(), csv("curve_pandas.csv")), QString());
    const qm7::NotebookCurve file = qm7::readNotebookCurve(csv("curve_pandas.csv").toStdString());

    QCPGraph* pts = graphWithObjectName(view->plot(), QStringLiteral("notebookPoints"));
    ASSERT_NE(pts, nullptr);
    const auto drawn = pointsOf(pts);
    ASSERT_EQ(drawn.size(), file.points.size());
    for (std::size_t i = 0; i < drawn.size(); ++i) {
        EXPECT_EQ(drawn[i].first, file.points[i].n);
        EXPECT_EQ(drawn[i].second, file.points[i].mean);
    }
    const auto expectCoreRanking = [&] {
        const qm7::LawRanking core =
            qm7::rankNotebookCurve(file, view->targetN(), view->fitOptions());
        const qm7::LawRanking& shown = view->notebookRanking();
        ASSERT_EQ(shown.laws.size(), core.laws.size());
        EXPECT_EQ(shown.chosen, core.chosen);
        for (std::size_t i = 0; i < core.laws.size(); ++i) {
            EXPECT_EQ(shown.laws[i].model, core.laws[i].model) << i;
            EXPECT_EQ(shown.laws[i].forwardError, core.laws[i].forwardError) << i;
        }
        ASSERT_NE(core.answer(), nullptr);
        QCPGraph* law = graphWithObjectName(view->plot(), QStringLiteral("notebookLaw"));
        ASSERT_NE(law, nullptr);
        EXPECT_TRUE(law->name().startsWith(QStringLiteral("your notebook: ") +
                                           QString::fromStdString(qm7::lawLabel(*core.answer()))))
            << law->name().toStdString();
        EXPECT_NE(
            labelText(view, "notebookCurve").indexOf(QStringLiteral("n = %1").arg(view->targetN())),
            -1);
    };
    expectCoreRanking();
    view->setTargetN(8000); // the tab's target and options are the notebook's too
    expectCoreRanking();
    EXPECT_NE(labelText(view, "notebookCurve").indexOf(QStringLiteral("seed from 'seed'")), -1);

    // The tab's CSV export holds the notebook's curve and its ranking (core's writers).
    QStringList exported;
    for (const auto& [name, text] : view->csvFiles())
        if (name.startsWith(QStringLiteral("learning_curve_notebook")) &&
            (text.contains(QStringLiteral("\n100,3,")) || text.contains(QStringLiteral("chosen"))))
            exported << name;
    EXPECT_EQ(exported, (QStringList{QStringLiteral("learning_curve_notebook"),
                                     QStringLiteral("learning_curve_notebook_fits")}));

    // A bad file leaves the curve; Remove takes it away.
    EXPECT_NE(qm7::ui::loadNotebookCurve(w.session(), csv("curve_one_size.csv"))
                  .indexOf(QStringLiteral("at least two")),
              -1);
    EXPECT_NE(graphWithObjectName(view->plot(), QStringLiteral("notebookPoints")), nullptr);
    w.session()->setNotebookCurve(nullptr);
    EXPECT_EQ(graphWithObjectName(view->plot(), QStringLiteral("notebookPoints")), nullptr);
    EXPECT_EQ(view->notebookRanking().laws.size(), 0u);
}

TEST(NotebookNumbers, ScreenshotsOfBothTabsBesideReferenceRuns) {
    MainWindow w;
    w.resize(1280, 800);
    w.show();
    w.dataPanel()->setDataset(std::make_shared<const qm7::Dataset>(qm7::test::demoDataset()),
                              QStringLiteral("demo"));
    std::vector<qm7::ui::RunResultPtr> curveRuns;
    const auto runs = referenceRuns(&curveRuns);
    w.lossPlot()->showRuns(runs, {QStringLiteral("reference")});
    w.learningCurveView()->setRuns(curveRuns, 1500);
    ASSERT_EQ(qm7::ui::loadNotebookLosses(w.session(), csv("losses_pandas.csv")), QString());
    ASSERT_EQ(qm7::ui::loadNotebookCurve(w.session(), csv("curve_pandas.csv")), QString());
    w.lossPlot()->replotNow();
    EXPECT_NE(graphNamed(w.lossPlot()->plot(), QStringLiteral("your notebook: val")), nullptr);
    EXPECT_GT(w.lossPlot()->plot()->graphCount(), 2);
    EXPECT_NE(w.learningCurveView()->answerText().indexOf(QStringLiteral("workbench's curve")), -1);
    grab(w, w.lossPlot(), "notebook_losses.png");
    grab(w, w.learningCurveView(), "notebook_curve.png");
}
