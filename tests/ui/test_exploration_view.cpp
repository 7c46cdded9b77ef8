// The Exploration tab on known trials: the table, parallel coordinates and heatmap show the
// same trials with the same values, brushing and the text filter narrow the table, exports work.

#include "qm7ui/exploration_view.h"
#include "qm7ui/loss_plot.h"
#include "qm7ui/main_window.h"
#include "qm7ui/plot_export.h"
#include "qm7ui/report_renderer.h"
#include "qm7ui/session.h"

#include "qm7/train/run_store.h"

#include "test_support.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QPushButton>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <cmath>
#include <map>
#include <set>

using qm7::ExplorationTrial;

namespace {

std::vector<ExplorationTrial> knownTrials() {
    std::vector<ExplorationTrial> trials;
    const char* lrs[] = {"0.0001", "0.001", "0.01"};
    const char* hidden[] = {"10", "100", "1000", "10000"};
    for (int l = 0; l < 3; ++l)
        for (int h = 0; h < 4; ++h)
            for (int s = 0; s < 2; ++s) {
                ExplorationTrial t;
                t.setting = {{"lr", lrs[l]}, {"hidden", hidden[h]}};
                t.seed = static_cast<std::uint64_t>(s);
                t.run = qm7::trialRunName(t.setting, t.seed);
                t.valRmse = 20.0 / (1 + h) + 3.0 * std::abs(l - 1) + 0.3 * s;
                t.valLoss = t.valRmse / 100;
                t.testRmse = t.valRmse + 1;
                t.epochs = 30;
                t.seconds = 1.5;
                t.status = (l == 0 && h == 0) ? "stopped" : "finished";
                trials.push_back(t);
            }
    return trials;
}

// A real 2 x 2 grid (lr x hidden, one seed, 4 epochs) on the demo data, trained by the qm7
// command as a user runs it; written once per test process.
const QString& realSweep() {
    static const QString dir = [] {
        const std::string out = qm7::test::freshDir("exploration_real_sweep");
        std::string log;
        const int code = qm7::test::runCommand(
            qm7::test::cliPath() + " sweep --data " + qm7::test::demoDatasetPt() +
                " --grid \"lr=1e-3,1e-2; hidden=8,16\" --seeds 1 --epochs 4 --eval-every 1 "
                "--threads 2 --out " +
                out,
            &log);
        EXPECT_EQ(code, 0) << log;
        return QString::fromStdString(out);
    }();
    return dir;
}

int column(QStandardItemModel* m, const QString& title) {
    for (int c = 0; c < m->columnCount(); ++c)
        if (m->headerData(c, Qt::Horizontal).toString().startsWith(title))
            return c;
    return -1;
}

// The rows the table shows, each as its cells' text.
std::set<QString> visibleRows(qm7::ui::ExplorationView& view) {
    auto* table = view.findChild<QTableView*>(QStringLiteral("explorationTable"));
    std::set<QString> rows;
    for (int r = 0; r < table->model()->rowCount(); ++r) {
        QString row;
        for (int c = 0; c < table->model()->columnCount(); ++c)
            row += table->model()->index(r, c).data().toString() + QLatin1Char('|');
        rows.insert(row);
    }
    return rows;
}

// A mouse drag on the parallel-coordinates plot, from a to b, as the user makes it.
void drag(QCustomPlot* plot, QPoint a, QPoint b) {
    QTest::mousePress(plot, Qt::LeftButton, {}, a);
    QTest::mouseMove(plot, (a + b) / 2);
    QTest::mouseMove(plot, b);
    QTest::mouseRelease(plot, Qt::LeftButton, {}, b);
}

} // namespace

TEST(ExplorationView, PlotsShowTheTrialsOfTheTable) {
    qm7::ui::ExplorationView view;
    view.resize(1280, 800);
    view.show();
    const auto trials = knownTrials();
    view.setTrials(trials);
    QStandardItemModel* m = view.model();
    ASSERT_EQ(m->rowCount(), static_cast<int>(trials.size()));
    const int valCol = column(m, QStringLiteral("val RMSE"));
    const int lrCol = column(m, QStringLiteral("lr")), hCol = column(m, QStringLiteral("hidden"));
    const int statusCol = column(m, QStringLiteral("status"));
    ASSERT_GE(valCol, 0);
    ASSERT_GE(lrCol, 0);
    ASSERT_GE(hCol, 0);

    // Parallel coordinates: one line per table row; its last point is the row's validation
    // RMSE on the axis's linear scale from the table's minimum to its maximum.
    auto* parallel = view.findChild<QCustomPlot*>(QStringLiteral("explorationParallel"));
    ASSERT_TRUE(parallel);
    ASSERT_EQ(parallel->graphCount(), m->rowCount());
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (int r = 0; r < m->rowCount(); ++r) {
        const double v = m->item(r, valCol)->data(Qt::UserRole + 2).toDouble();
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    for (int g = 0; g < parallel->graphCount(); ++g) {
        QCPGraph* graph = parallel->graph(g);
        const int row = graph->property("trial").toInt();
        ASSERT_EQ(graph->dataCount(), 3); // lr, hidden, val RMSE
        const double v = m->item(row, valCol)->data(Qt::UserRole + 2).toDouble();
        EXPECT_NEAR(graph->data()->at(2)->value, (v - lo) / (hi - lo), 1e-12);
    }

    // Heatmap: each cell is the mean of the table's finished rows with that lr and width.
    view.setHeatmapSettings(QStringLiteral("hidden"), QStringLiteral("lr"));
    const qm7::Heatmap& h = view.heatmap();
    ASSERT_EQ(h.xValues.size(), 4u);
    ASSERT_EQ(h.yValues.size(), 3u);
    std::map<std::pair<std::string, std::string>, std::pair<double, int>> sums;
    for (int r = 0; r < m->rowCount(); ++r) {
        if (m->item(r, statusCol)->text() != QStringLiteral("finished"))
            continue;
        auto& s =
            sums[{m->item(r, hCol)->text().toStdString(), m->item(r, lrCol)->text().toStdString()}];
        s.first += m->item(r, valCol)->data(Qt::UserRole + 2).toDouble();
        s.second += 1;
    }
    int cells = 0;
    for (std::size_t y = 0; y < h.yValues.size(); ++y)
        for (std::size_t x = 0; x < h.xValues.size(); ++x) {
            const auto it = sums.find({h.xValues[x], h.yValues[y]});
            if (it == sums.end()) {
                EXPECT_TRUE(std::isnan(h.mean[y][x])); // the stopped setting
                continue;
            }
            EXPECT_NEAR(h.mean[y][x], it->second.first / it->second.second, 1e-12);
            ++cells;
        }
    EXPECT_EQ(cells, 11);
    auto* heat = view.findChild<QCustomPlot*>(QStringLiteral("explorationHeatmap"));
    ASSERT_TRUE(heat);
    auto* map = qobject_cast<QCPColorMap*>(heat->plottable(0));
    ASSERT_TRUE(map);
    EXPECT_NEAR(map->data()->cell(3, 1), h.mean[1][3], 1e-12);

    // Brushing the validation axis keeps the rows inside its range, in the table too.
    view.setBrush(2, lo, 6.0);
    int inside = 0;
    for (const auto& t : trials)
        inside += t.valRmse <= 6.0;
    EXPECT_EQ(view.visibleTrialCount(), inside);
    EXPECT_LT(inside, static_cast<int>(trials.size()));
    view.setBrush(2, 1, 0);
    EXPECT_EQ(view.visibleTrialCount(), static_cast<int>(trials.size()));
    view.setTextFilter(QStringLiteral("stopped"));
    EXPECT_EQ(view.visibleTrialCount(), 2);
    view.setTextFilter(QString());

    // The choice is made on validation: lr 1e-3 with the widest layer.
    EXPECT_TRUE(view.summaryText().contains(QStringLiteral("lr=0.001 hidden=10000")))
        << view.summaryText().toStdString();

    // Exports: the trials CSV reads back as the same trials, and each plot as PNG and SVG.
    const auto files = view.csvFiles();
    ASSERT_EQ(files.size(), 3);
    const auto back = qm7::parseTrialsCsv(files[0].second.toStdString());
    ASSERT_EQ(back.size(), trials.size());
    EXPECT_EQ(back[5].valRmse, trials[5].valRmse);
    EXPECT_EQ(files[1].second.count(QLatin1Char('\n')), 1 + 12);
    const QString dir = QString::fromStdString(qm7::test::freshDir("exploration_view"));
    for (const auto& [name, plot] : view.plots())
        for (const char* ext : {".png", ".svg"}) {
            QString error;
            const QString path = QDir(dir).filePath(name + QLatin1String(ext));
            ASSERT_TRUE(qm7::ui::exportPlot(plot, path, QSize(900, 600), 96, &error))
                << error.toStdString();
            EXPECT_GT(QFileInfo(path).size(), 1000) << path.toStdString();
        }
}

TEST(ExplorationView, ADamagedTrialsFileIsRefusedWithAMessage) {
    qm7::ui::ExplorationView view;
    const QString dir = QString::fromStdString(qm7::test::freshDir("exploration_bad"));
    QFile f(QDir(dir).filePath(QStringLiteral("trials.csv")));
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("run,status,seed,lr,val_loss,val_rmse,test_rmse,epochs,seconds\nx,finished,0,0.1,1\n");
    f.close();
    QString error;
    EXPECT_FALSE(view.openTrials(dir, &error));
    EXPECT_TRUE(error.contains(QStringLiteral("line 2"))) << error.toStdString();
    EXPECT_EQ(view.model()->rowCount(), 0);
}

// Trials selected in the table open on the Loss curves tab, through the session: the plot's
// validation series are the selected runs' histories, nothing else.
TEST(ExplorationView, SelectedTrialsCurvesOpenOnTheLossCurvesTab) {
    qm7::ui::MainWindow window(QString::fromStdString(qm7::test::freshDir("exploration_window")));
    window.resize(1280, 800);
    window.show();
    auto* view = window.findChild<qm7::ui::ExplorationView*>();
    ASSERT_TRUE(view);
    QString error;
    ASSERT_TRUE(view->openTrials(realSweep(), &error)) << error.toStdString();
    ASSERT_EQ(view->model()->rowCount(), 4);
    window.tabs()->setCurrentWidget(view);

    auto* table = view->findChild<QTableView*>(QStringLiteral("explorationTable"));
    ASSERT_TRUE(table);
    // Nothing selected: a message, nothing shown.
    EXPECT_FALSE(view->showSelectedLossCurves(&error));
    EXPECT_FALSE(error.isEmpty());
    EXPECT_TRUE(window.session()->shownRuns().empty());
    // Select rows 1 and 3 as Ctrl+click would.
    for (int r : {1, 3})
        table->selectionModel()->select(table->model()->index(r, 0),
                                        QItemSelectionModel::Select | QItemSelectionModel::Rows);
    const QStringList runs = view->selectedRuns();
    ASSERT_EQ(runs.size(), 2);
    auto* button = view->findChild<QPushButton*>(QStringLiteral("showLossCurves"));
    ASSERT_TRUE(button);
    QTest::mouseClick(button, Qt::LeftButton);

    EXPECT_EQ(window.tabs()->currentWidget(), window.lossPlot());
    ASSERT_EQ(window.session()->shownRuns().size(), 2u);
    qm7::ui::LossPlot* loss = window.lossPlot();
    loss->setSmoothing(0);
    loss->setUnits(qm7::ui::LossPlot::Units::NormalizedMse);
    loss->replotNow();
    QCustomPlot* plot = loss->plot();
    ASSERT_EQ(plot->graphCount(), 4); // train and validation of each (different settings)
    int matched = 0;
    for (const QString& name : runs) {
        const qm7::RunResult run =
            qm7::loadRun(qm7::trialRunDir(realSweep().toStdString(), name.toStdString()));
        ASSERT_FALSE(run.history.empty());
        for (int g = 0; g < plot->graphCount(); ++g) {
            QCPGraph* graph = plot->graph(g);
            if (!graph->name().startsWith(QStringLiteral("validation")) ||
                graph->dataCount() != static_cast<int>(run.history.size()))
                continue;
            bool same = true;
            for (int i = 0; i < graph->dataCount(); ++i)
                same = same && graph->data()->at(i)->key == run.history[i].epoch &&
                       std::abs(graph->data()->at(i)->value - run.history[i].valLoss) <= 1e-12;
            matched += same;
        }
    }
    EXPECT_EQ(matched, 2);
}

// Dragging an axis's title moves the axis (the view's axis order); a brush made with the mouse
// keeps the same trials whatever the order; the width axis reads 10 000, not 1e+04.
TEST(ExplorationView, AxesMoveByDraggingTheirTitleAndBrushesFollowThem) {
    qm7::ui::ExplorationView view;
    view.resize(1280, 800);
    view.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
    const auto trials = knownTrials();
    view.setTrials(trials);
    auto* parallel = view.findChild<QCustomPlot*>(QStringLiteral("explorationParallel"));
    ASSERT_TRUE(parallel);
    parallel->replot();
    ASSERT_EQ(view.axisOrder(), (std::vector<int>{0, 1, 2})); // lr, hidden, val RMSE

    QStringList labels;
    for (int i = 0; i < parallel->itemCount(); ++i)
        if (auto* t = qobject_cast<QCPItemText*>(parallel->item(i)))
            labels << t->text();
    EXPECT_TRUE(labels.contains(QStringLiteral("10 000"))) << labels.join(',').toStdString();
    EXPECT_TRUE(labels.contains(QStringLiteral("10")));
    for (const QString& l : labels)
        EXPECT_FALSE(l.contains(QStringLiteral("e+"))) << l.toStdString();

    // Brush the width axis with the mouse: hidden 1000 and 10 000 (the top half of its log axis).
    drag(parallel, view.axisPixel(1, 0.55), view.axisPixel(1, 1.0));
    int wide = 0;
    for (const auto& t : trials)
        wide += qm7::settingValue(t.setting, "hidden") == "1000" ||
                qm7::settingValue(t.setting, "hidden") == "10000";
    ASSERT_EQ(view.visibleTrialCount(), wide);
    const std::set<QString> kept = visibleRows(view);

    // Drag the validation axis's title to the far left: it moves, the lines follow.
    drag(parallel, view.axisTitlePixel(2), view.axisTitlePixel(0));
    ASSERT_EQ(view.axisOrder(), (std::vector<int>{2, 0, 1}));
    EXPECT_EQ(visibleRows(view), kept); // the brush stayed with the width axis
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (const auto& t : trials) {
        lo = std::min(lo, t.valRmse);
        hi = std::max(hi, t.valRmse);
    }
    for (int g = 0; g < parallel->graphCount(); ++g) {
        QCPGraph* graph = parallel->graph(g);
        const auto& t = trials[static_cast<std::size_t>(graph->property("trial").toInt())];
        EXPECT_NEAR(graph->data()->at(0)->value, (t.valRmse - lo) / (hi - lo), 1e-12);
    }

    // A click on the width axis (now third) clears its brush; brushing it again there keeps
    // the same trials as before the move.
    QTest::mouseClick(parallel, Qt::LeftButton, {}, view.axisPixel(1, 0.3));
    EXPECT_EQ(view.visibleTrialCount(), static_cast<int>(trials.size()));
    drag(parallel, view.axisPixel(1, 0.55), view.axisPixel(1, 1.0));
    EXPECT_EQ(visibleRows(view), kept);

    // The width axis's title (third) dropped on the validation axis (first): hidden, val, lr.
    drag(parallel, view.axisTitlePixel(1), view.axisTitlePixel(2) + QPoint(5, 0));
    EXPECT_EQ(view.axisOrder(), (std::vector<int>{1, 2, 0}));
    EXPECT_EQ(visibleRows(view), kept);
}

// Trials arriving one by one (a running exploration, then its trials.csv) keep the reader's
// brushes, axis order and heatmap settings; a space with other settings starts afresh.
TEST(ExplorationView, MoreTrialsOfTheSameSpaceKeepBrushesAndAxisOrder) {
    qm7::ui::ExplorationView view;
    view.resize(1280, 800);
    view.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
    const auto all = knownTrials();
    std::vector<ExplorationTrial> some(all.begin(), all.begin() + 10);
    view.setTrials(some);
    view.setBrush(0, 0.001, 0.001); // lr = 1e-3
    view.moveAxis(2, 0);
    view.setHeatmapSettings(QStringLiteral("hidden"), QStringLiteral("lr"));
    const std::vector<int> order = view.axisOrder();
    ASSERT_EQ(order, (std::vector<int>{2, 0, 1}));
    auto withLr = [](const std::vector<ExplorationTrial>& trials) {
        int n = 0;
        for (const auto& t : trials)
            n += qm7::settingValue(t.setting, "lr") == "0.001";
        return n;
    };
    ASSERT_EQ(view.visibleTrialCount(), withLr(some));
    for (std::size_t k = 10; k < all.size(); ++k) {
        some.push_back(all[k]);
        view.setTrials(some);
        ASSERT_EQ(view.axisOrder(), order) << k;
        ASSERT_EQ(view.visibleTrialCount(), withLr(some)) << k;
    }
    EXPECT_EQ(view.heatmap().xValues, (std::vector<std::string>{"10", "100", "1000", "10000"}));
    EXPECT_EQ(view.heatmap().yValues, (std::vector<std::string>{"0.0001", "0.001", "0.01"}));

    std::vector<ExplorationTrial> other = all;
    for (auto& t : other)
        t.setting = {{"lr", qm7::settingValue(t.setting, "lr")}};
    view.setTrials(other);
    EXPECT_EQ(view.axisOrder(), (std::vector<int>{0, 1}));
    EXPECT_EQ(view.visibleTrialCount(), static_cast<int>(other.size()));
}

// A homework folder holding an exploration (qm7 sweep --out DIR/exploration): the rendered
// report gets an Exploration section whose numbers are core's (summarizeSettings, bestSetting,
// settingEffect), the test error once beside the choice, and the exploration's figures.
TEST(ExplorationView, TheHomeworkReportHasAnExplorationSection) {
    const std::string dir = qm7::test::freshDir("exploration_homework");
    std::string log;
    ASSERT_EQ(qm7::test::runCommand(qm7::test::cliPath() + " homework --data " +
                                        qm7::test::demoDatasetPt() + " --out " + dir +
                                        " --hidden 16 --epochs 3 --eval-every 1 --seeds 1 "
                                        "--lrs 1e-3,1e-2 --sizes 100,300,1000 --threads 2 "
                                        "--no-figures",
                                    &log),
              0)
        << log;
    ASSERT_EQ(qm7::test::runCommand(qm7::test::cliPath() + " sweep --data " +
                                        qm7::test::demoDatasetPt() +
                                        " --grid \"lr=1e-3,1e-2; hidden=8,16\" --seeds 2 "
                                        "--epochs 3 --eval-every 1 --threads 2 --out " +
                                        dir + "/exploration",
                                    &log),
              0)
        << log;
    QString message;
    ASSERT_EQ(qm7::ui::renderReportCommand(QString::fromStdString(dir), &message), 0)
        << message.toStdString();
    QFile f(QString::fromStdString(dir + "/report.md"));
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QString md = QString::fromUtf8(f.readAll());
    const qsizetype at = md.indexOf(QStringLiteral("## Exploration"));
    ASSERT_GE(at, 0) << md.toStdString();
    const QString section = md.mid(at, md.indexOf(QStringLiteral("\n## "), at + 3) - at);

    const auto trials = qm7::readTrialsCsv(dir + "/exploration/trials.csv");
    const auto sums = qm7::summarizeSettings(trials);
    const int best = qm7::bestSetting(sums);
    ASSERT_GE(best, 0);
    const auto& b = sums[static_cast<std::size_t>(best)];
    // The chosen line's four numbers, read back from the text.
    const QRegularExpression chosen(
        QStringLiteral("Chosen on validation: (.*), validation RMSE ([0-9.]+) ± ([0-9.]+) "
                       "kcal/mol over (\\d+) seed\\(s\\)\\. Its test RMSE, shown once and "
                       "never used to choose: ([0-9.]+) ± ([0-9.]+) kcal/mol"));
    const auto m = chosen.match(section);
    ASSERT_TRUE(m.hasMatch()) << section.toStdString();
    EXPECT_EQ(m.captured(1).toStdString(), qm7::settingText(b.setting));
    EXPECT_NEAR(m.captured(2).toDouble(), b.valMean, 0.005);
    EXPECT_NEAR(m.captured(3).toDouble(), b.valStd, 0.005);
    EXPECT_EQ(m.captured(4).toInt(), 2);
    EXPECT_NEAR(m.captured(5).toDouble(), b.testMean, 0.005);
    EXPECT_NEAR(m.captured(6).toDouble(), b.testStd, 0.005);
    EXPECT_EQ(section.count(QStringLiteral("test RMSE")), 1); // shown once, beside the choice
    // One table row per setting with its mean validation RMSE, one sentence per setting.
    for (const auto& s : sums)
        EXPECT_TRUE(section.contains(QString::fromStdString(
            "| " + qm7::settingText(s.setting) + " | " + std::to_string(s.runs) + " | ")))
            << qm7::settingText(s.setting);
    for (const std::string name : {"lr", "hidden"})
        EXPECT_TRUE(section.contains(
            QString::fromStdString("- " + name + ": " + qm7::settingEffect(trials, name))))
            << name;
    // Its figures beside the others, linked from report.md.
    for (const char* stem : {"exploration_parallel", "exploration_heatmap", "exploration_profile"})
        for (const char* ext : {".png", ".svg"}) {
            const QString file =
                QStringLiteral("figures/%1%2").arg(QLatin1String(stem), QLatin1String(ext));
            EXPECT_GT(QFileInfo(QString::fromStdString(dir) + QLatin1Char('/') + file).size(), 1000)
                << file.toStdString();
            if (QLatin1String(ext) == QLatin1String(".png")) {
                EXPECT_TRUE(md.contains(QStringLiteral("(%1)").arg(file))) << file.toStdString();
            }
        }
}
