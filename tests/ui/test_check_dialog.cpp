// The check dialog on models written by Python at test time: one model beside a trained
// reference (the table's numbers are core's, the parity plot holds its predictions), a whole
// pickled module refused with its reason, a folder of five files in five rows, the menu actions;
// at 1280x800 the reference's parity points and residuals are exactly its first seed's test
// pairs (those of the table's and the verdict's Reference), legends and the table read whole.
#include "qm7ui/check_dialog.h"
#include "qm7ui/parity_view.h"

#include "qm7/analysis/model_check.h"
#include "qm7/train/metrics.h"
#include "qm7/util/atomic_file.h"
#include "qm7/util/series.h"
#include "test_support.h"
#include "ui_wait.h"

#include <QAction>
#include <QApplication>
#include <QHeaderView>
#include <QMainWindow>
#include <QMenu>
#include <QSignalSpy>
#include <gtest/gtest.h>

#include <qcustomplot.h>

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <utility>

using qm7::ui::CheckDialog;

namespace {

const std::string& models() {
    return qm7::test::studentModels("check_dialog_models_");
}

qm7::ui::DatasetPtr demo() {
    static const auto d = std::make_shared<const qm7::Dataset>(qm7::test::demoDataset());
    return d;
}

bool finish(CheckDialog& d) {
    return qm7::test::waitUntil([&d] { return !d.isBusy(); }, 120000);
}

using Pairs = std::vector<std::pair<double, double>>;

/// The (x[i], y[i]) pairs, sorted as a plot keeps them (by x, then y).
Pairs pairsOf(const std::vector<float>& x, const std::vector<float>& y) {
    Pairs out;
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i)
        out.emplace_back(x[i], y[i]);
    std::sort(out.begin(), out.end());
    return out;
}

/// The parity plot's graph of that object name, or null.
QCPGraph* graphNamed(QCustomPlot* plot, const QString& objectName) {
    for (int i = 0; i < plot->graphCount(); ++i)
        if (plot->graph(i)->objectName() == objectName)
            return plot->graph(i);
    return nullptr;
}

/// The graph's (key, value) points, sorted by key, then value.
Pairs pointsOf(const QCPGraph* g) {
    Pairs out;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
        out.emplace_back(it->key, it->value);
    std::sort(out.begin(), out.end());
    return out;
}

/// Every legend item of plot lies inside the plot (no entry cut at an edge).
void expectLegendWhole(QCustomPlot* plot, const QStringList& names) {
    ASSERT_TRUE(plot->legend->visible());
    QStringList shown;
    for (int i = 0; i < plot->legend->itemCount(); ++i) {
        auto* item = qobject_cast<QCPPlottableLegendItem*>(plot->legend->item(i));
        if (!item)
            continue;
        shown << item->plottable()->name();
        const QRect r = item->outerRect();
        EXPECT_TRUE(plot->rect().contains(r))
            << item->plottable()->name().toStdString() << " at " << r.x() << "," << r.y() << " "
            << r.width() << "x" << r.height() << " in " << plot->width() << "x" << plot->height();
        EXPECT_GE(r.width(), plot->legend->item(i)->minimumOuterSizeHint().width())
            << item->plottable()->name().toStdString();
    }
    EXPECT_EQ(shown, names);
}

} // namespace

TEST(CheckDialog, OneModelBesideTheReferenceWithItsParityPlot) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    CheckDialog dialog([] { return demo(); });
    dialog.setReference(true, 30, 1e-3, 2);
    QSignalSpy done(&dialog, &CheckDialog::checkFinished);
    const QString good = QString::fromStdString(models() + "/trained/good.pt");
    ASSERT_TRUE(dialog.checkFile(good));
    EXPECT_FALSE(dialog.checkFile(good)); // one check at a time
    ASSERT_TRUE(finish(dialog));
    ASSERT_EQ(done.count(), 1);
    const qm7::ModelCheck core = qm7::checkModel(*demo(), good.toStdString(), {}, nullptr);
    ASSERT_TRUE(core.ok);
    EXPECT_EQ(qm7::test::cellText(dialog.metricsTable(), 0, 0),
              QString::number(core.test.rmse, 'f', 2));
    EXPECT_EQ(qm7::test::cellText(dialog.metricsTable(), 1, 0),
              QString::number(core.test.mae, 'f', 2));
    EXPECT_FALSE(qm7::test::cellText(dialog.metricsTable(), 0, 1).isEmpty());
    EXPECT_NE(qm7::test::cellText(dialog.metricsTable(), 0, 1), "-");
    EXPECT_TRUE(dialog.verdictText().contains("inside the reference's seed spread"))
        << dialog.verdictText().toStdString();
    EXPECT_TRUE(dialog.statusText().contains("fc1, fc2")) << dialog.statusText().toStdString();
    ASSERT_TRUE(dialog.parity()->run());
    EXPECT_EQ(dialog.parity()->run()->testPred, core.testPred);

    ASSERT_TRUE(dialog.checkFile(QString::fromStdString(models() + "/whole_module.pt")));
    ASSERT_TRUE(finish(dialog));
    EXPECT_TRUE(dialog.statusText().contains("whole pickled module"))
        << dialog.statusText().toStdString();
    EXPECT_TRUE(dialog.statusText().contains("torch.save(model.state_dict()"));
}

TEST(CheckDialog, FolderOfFiveInFiveRowsWithTheReasons) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const std::string dir = qm7::test::freshDir("check_dialog_folder");
    for (const char* f : {"sd_net.pt", "scripted.pt", "deep_scripted.pt", "d23.pt", "truncated.pt"})
        std::filesystem::copy_file(models() + "/" + f, dir + "/" + f);
    CheckDialog dialog([] { return demo(); });
    dialog.setReference(false, 30, 1e-3, 1);
    ASSERT_TRUE(dialog.checkFolder(QString::fromStdString(dir)));
    ASSERT_TRUE(finish(dialog));
    QTableWidget* t = dialog.folderTable();
    ASSERT_EQ(t->rowCount(), 5);
    int unreadable = 0;
    for (int r = 0; r < 5; ++r) {
        const QString name = qm7::test::cellText(t, r, 0);
        const QString why = qm7::test::cellText(t, r, 4);
        if (qm7::test::cellText(t, r, 1) == "unreadable") {
            ++unreadable;
            EXPECT_TRUE(name == "d23.pt" || name == "truncated.pt") << name.toStdString();
            EXPECT_TRUE(why.contains(name == "d23.pt" ? "d = 23" : "truncated"))
                << why.toStdString();
        } else {
            EXPECT_FALSE(qm7::test::cellText(t, r, 2).isEmpty());
        }
    }
    EXPECT_EQ(unreadable, 2);
    const std::string csv = dir + "/rows.csv";
    ASSERT_TRUE(dialog.exportCsv(QString::fromStdString(csv)));
    const std::string text = qm7::readFile(csv);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6);
}

TEST(CheckDialog, MenuActionsAndNoDataMessage) {
    QMainWindow window;
    QMenu* file = new QMenu(&window);
    CheckDialog::attach(&window, file, [] { return qm7::ui::DatasetPtr(); });
    QStringList texts;
    for (QAction* a : file->actions())
        texts << a->text();
    EXPECT_TRUE(texts.contains("Open a &PyTorch model…")) << texts.join("|").toStdString();
    CheckDialog dialog([] { return qm7::ui::DatasetPtr(); });
    EXPECT_FALSE(dialog.checkFile("model.pt"));
    EXPECT_TRUE(dialog.statusText().contains("Load the data set"));
}

TEST(CheckDialog, ReferenceParityAndResidualsAreTheReferenceRunsPairs) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    CheckDialog dialog([] { return demo(); });
    dialog.resize(1280, 800);
    dialog.show();
    dialog.setReference(true, 30, 1e-3, 1); // one seed: the table's mean is seed 0's RMSE
    const QString good = QString::fromStdString(models() + "/trained/good.pt");
    ASSERT_TRUE(dialog.checkFile(good));
    ASSERT_TRUE(finish(dialog));
    QApplication::processEvents();
    const qm7::ModelCheck core = qm7::checkModel(*demo(), good.toStdString(), {}, nullptr);
    ASSERT_TRUE(core.ok);

    // The Reference shown is the one the verdict used: its first seed on the check's test rows.
    const qm7::Reference& ref = dialog.shownReference();
    ASSERT_EQ(ref.seeds.size(), 1u);
    EXPECT_EQ(ref.testTrue, core.testTrue);
    ASSERT_EQ(ref.testPred.size(), core.testTrue.size());
    const qm7::Metrics refMetrics = qm7::computeMetrics(ref.testTrue, ref.testPred);
    EXPECT_NEAR(refMetrics.rmse, ref.seeds.front().rmse, 1e-4);
    EXPECT_TRUE(qm7::test::cellText(dialog.metricsTable(), 0, 1)
                    .startsWith(QString::number(refMetrics.rmse, 'f', 2) + " ("))
        << qm7::test::cellText(dialog.metricsTable(), 0, 1).toStdString();
    EXPECT_TRUE(dialog.verdictText().contains(QString::number(ref.seeds.front().rmse, 'f', 2)))
        << dialog.verdictText().toStdString();
    // The same settings trained again give the same reference (the trainer is deterministic).
    qm7::TrainConfig config;
    config.epochs = 30;
    config.lr = 1e-3;
    config.hidden = core.hidden;
    const qm7::Reference again = qm7::trainReference(*demo(), config, 1);
    EXPECT_LT(qm7::test::maxAbsDiff(again.testPred, ref.testPred), 1e-3);

    // Parity: the reference's points are exactly its (true, predicted) pairs, drawn under the
    // model's, which are core's check's pairs.
    QCustomPlot* parity = dialog.parity()->parityPlot();
    QCPGraph* refGraph = graphNamed(parity, QStringLiteral("reference"));
    ASSERT_NE(refGraph, nullptr);
    EXPECT_EQ(pointsOf(refGraph), pairsOf(ref.testTrue, ref.testPred));
    ASSERT_NE(parity->graph(0), refGraph);
    EXPECT_EQ(pointsOf(parity->graph(0)), pairsOf(core.testTrue, core.testPred));
    EXPECT_LT(refGraph->layer()->index(), parity->graph(0)->layer()->index()); // under it

    // Residuals: the reference's outline has the reference's residual counts on the model's bins.
    QCustomPlot* residuals = dialog.parity()->residualPlot();
    QCPCurve* outline = nullptr;
    QCPBars* bars = nullptr;
    for (int i = 0; i < residuals->plottableCount(); ++i) {
        if (auto* c = qobject_cast<QCPCurve*>(residuals->plottable(i)))
            outline = c;
        if (auto* b = qobject_cast<QCPBars*>(residuals->plottable(i)))
            bars = b;
    }
    ASSERT_NE(outline, nullptr);
    ASSERT_NE(bars, nullptr);
    const int bins = bars->data()->size();
    const double lo = bars->data()->constBegin()->key - bars->width() / 2;
    const double hi = (bars->data()->constEnd() - 1)->key + bars->width() / 2;
    std::vector<double> refResiduals;
    for (std::size_t i = 0; i < ref.testTrue.size(); ++i)
        refResiduals.push_back(double(ref.testPred[i]) - double(ref.testTrue[i]));
    const qm7::Histogram h = qm7::histogram(refResiduals, bins, lo, hi);
    std::vector<double> drawn; // the outline's level over each bin (its points 1, 3, 5, ...)
    int k = 0;
    for (auto it = outline->data()->constBegin(); it != outline->data()->constEnd(); ++it, ++k)
        if (k % 2 == 1 && k < 2 * bins)
            drawn.push_back(it->value);
    std::vector<double> counts(h.counts.begin(), h.counts.end());
    EXPECT_EQ(drawn, counts);
    EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), 0.0),
              static_cast<double>(ref.testTrue.size()));

    // Both legends whole, naming the model and the reference.
    const QStringList names = {QString::fromStdString(core.name),
                               QStringLiteral("reference, seed 0")};
    expectLegendWhole(parity, names);
    expectLegendWhole(residuals, names);
    EXPECT_TRUE(dialog.parity()->csv().startsWith(
        "index,true_kcal_mol,predicted_kcal_mol,error_kcal_mol,reference_predicted_kcal_mol,"));

    // Every header and cell of the table reads whole at 1280x800.
    QTableWidget* t = dialog.metricsTable();
    const QFontMetrics header(t->horizontalHeader()->font());
    for (int c = 0; c < t->columnCount(); ++c) {
        const QString text = t->horizontalHeaderItem(c)->text();
        EXPECT_GE(t->horizontalHeader()->sectionSize(c), header.horizontalAdvance(text))
            << text.toStdString();
        for (int r = 0; r < t->rowCount(); ++r) {
            const QString cell = qm7::test::cellText(t, r, c);
            EXPECT_GE(t->columnWidth(c), QFontMetrics(t->font()).horizontalAdvance(cell))
                << cell.toStdString();
        }
    }
    for (int r = 0; r < t->rowCount(); ++r)
        EXPECT_GE(t->verticalHeader()->width(),
                  header.horizontalAdvance(t->verticalHeaderItem(r)->text()));
    EXPECT_GE(t->viewport()->width(), t->horizontalHeader()->length()); // no column cut off
    EXPECT_GE(t->viewport()->height(), t->verticalHeader()->length());
    EXPECT_FALSE(t->horizontalHeaderItem(1)->toolTip().isEmpty());

    // Without a reference: no reference drawn, no legend.
    dialog.setReference(false, 30, 1e-3, 1);
    ASSERT_TRUE(dialog.checkFile(good));
    ASSERT_TRUE(finish(dialog));
    EXPECT_TRUE(dialog.shownReference().empty());
    EXPECT_EQ(graphNamed(dialog.parity()->parityPlot(), QStringLiteral("reference")), nullptr);
    EXPECT_FALSE(dialog.parity()->parityPlot()->legend->visible());
}
