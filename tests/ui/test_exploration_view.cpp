// The Exploration tab on known trials: the table, parallel coordinates and heatmap show the
// same trials with the same values, brushing and the text filter narrow the table, exports work.

#include "qm7ui/exploration_view.h"
#include "qm7ui/plot_export.h"

#include "test_support.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardItemModel>
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <cmath>
#include <map>

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

int column(QStandardItemModel* m, const QString& title) {
    for (int c = 0; c < m->columnCount(); ++c)
        if (m->headerData(c, Qt::Horizontal).toString().startsWith(title))
            return c;
    return -1;
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
