// "Compare representations" of the Cross-validation tab on the demo molecules (3 folds of 200
// training molecules, 5 epochs, no paper network): the window's table gets one finished row per
// representation with finite errors above the anchors, comparison.csv is written, cancel stops
// and a rerun reads every fold back. Headless widgets, explicit wait loops that fail on timeout.
#include "qm7ui/cv_compare.h"
#include "qm7ui/cv_view.h"

#include "qm7/chem/dataset_builder.h"
#include "test_support.h"
#include "ui_wait.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QPushButton>
#include <QTableWidget>
#include <QThread>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <utility>
#include <vector>

namespace fs = std::filesystem;
using qm7::ui::CvCompareView;
using qm7::ui::CvView;

namespace {

using qm7::test::waitUntil;

QString cell(const CvCompareView& view, int row, int column) {
    return qm7::test::cellText(view.table(), row, column);
}

} // namespace

TEST(CvCompare, EveryRepresentationOnTheSameFoldsThenRerunReadsThemBack) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("ui_cv_compare");
    CvView view;
    view.resize(1180, 640);
    view.setOutputFolder(QString::fromStdString(dir));
    view.setSource(QStringLiteral("demo"));
    view.setFolds(3);
    view.setTrainSize(200);
    const QString compareDir = view.compareDir();
    EXPECT_TRUE(compareDir.endsWith(QStringLiteral("compare-demo-k3-n200")))
        << compareDir.toStdString();
    CvCompareView* compare = view.compareView();
    compare->setEpochs(5);
    compare->setPaper(false);
    std::vector<std::pair<int, int>> shown; // (row, rows with an MAE at that moment)
    QObject::connect(compare, &CvCompareView::rowShown, [&](int row) {
        int filled = 0;
        for (int r = 0; r < 4; ++r)
            filled += cell(*compare, r, 2).isEmpty() ? 0 : 1;
        shown.emplace_back(row, filled);
    });
    auto* button = view.findChild<QPushButton*>(QStringLiteral("cvCompare"));
    ASSERT_NE(button, nullptr);
    ASSERT_TRUE(button->isEnabled());
    button->click();
    ASSERT_TRUE(compare->isRunning()) << compare->message().toStdString();
    EXPECT_EQ(compare->resultsDir(), compareDir);
    EXPECT_EQ(cell(*compare, 0, 0), QStringLiteral("cm"));

    // Rows fill one after another, each with finite errors.
    ASSERT_TRUE(waitUntil([&] { return !compare->isRunning(); }, 60000))
        << "the comparison did not finish in 60 s";
    EXPECT_EQ(compare->rowsDone(), 4) << compare->message().toStdString();
    ASSERT_EQ(shown.size(), 4u);
    for (int i = 0; i < 4; ++i) // row by row, in the plan's order
        EXPECT_EQ(shown[static_cast<std::size_t>(i)], std::make_pair(i, i + 1));
    const QStringList reps = {"cm", "sorted", "eigen", "random-sorted"};
    for (int r = 0; r < 4; ++r) {
        EXPECT_EQ(cell(*compare, r, 0), reps[r]);
        bool ok = false;
        const double mae = cell(*compare, r, 2).section(QStringLiteral(" ± "), 0, 0).toDouble(&ok);
        EXPECT_TRUE(ok && std::isfinite(mae) && mae > 0) << cell(*compare, r, 2).toStdString();
        EXPECT_TRUE(cell(*compare, r, 2).contains(QStringLiteral(" ± ")));
        EXPECT_EQ(cell(*compare, r, 4), QStringLiteral("3/3"));
        // seconds in 3 significant digits: a fold of 200 eigenspectra takes a few ms
        bool secondsOk = false;
        EXPECT_GT(cell(*compare, r, 5).toDouble(&secondsOk), 0.0)
            << cell(*compare, r, 5).toStdString();
        EXPECT_TRUE(secondsOk);
    }
    EXPECT_TRUE(cell(*compare, 4, 0).startsWith(QStringLiteral("Published")));
    const fs::path out = compareDir.toStdString();
    ASSERT_TRUE(fs::exists(out / "comparison.csv"));
    EXPECT_TRUE(fs::exists(out / "comparison.md"));
    EXPECT_TRUE(fs::exists(out / "cv-mlp-sorted" / "partition.json"));
    EXPECT_FALSE(fs::exists(out / "cv-paper"));
    const QString png = QString::fromStdString((fs::path(dir) / "cv_compare.png").string());
    ASSERT_TRUE(compare->grab().save(png));
    std::cout << "screenshot: " << png.toStdString() << "\n";

    // A rerun trains nothing: every fold of every study comes from disk.
    const QString firstMae = cell(*compare, 1, 2);
    ASSERT_TRUE(compare->run());
    ASSERT_TRUE(waitUntil([&] { return !compare->isRunning(); }, 20000))
        << "the rerun did not finish in 20 s";
    EXPECT_EQ(compare->rowsDone(), 4);
    for (int r = 0; r < 4; ++r)
        EXPECT_EQ(cell(*compare, r, 4), QStringLiteral("3/3 (3 from disk)"));
    EXPECT_EQ(cell(*compare, 1, 2), firstMae);
}

TEST(CvCompare, CancelStopsAndKeepsFinishedFolds) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("ui_cv_compare_cancel");
    CvCompareView compare;
    compare.setStudy(QStringLiteral("demo"), 3, 200, QString::fromStdString(dir + "/cmp"));
    compare.setEpochs(200);
    bool cancelled = false;
    QObject::connect(&compare, &CvCompareView::finished,
                     [&](bool c, const QString&) { cancelled = c; });
    ASSERT_TRUE(compare.run());
    ASSERT_TRUE(
        waitUntil([&] { return cell(compare, 0, 5) == QStringLiteral("training…"); }, 20000))
        << "no study started in 20 s";
    compare.cancel();
    ASSERT_TRUE(waitUntil([&] { return !compare.isRunning(); }, 20000))
        << "cancel did not stop the comparison in 20 s";
    EXPECT_TRUE(cancelled);
    EXPECT_LT(compare.rowsDone(), 4);
    EXPECT_TRUE(compare.message().startsWith(QStringLiteral("Cancelled")))
        << compare.message().toStdString();
    EXPECT_TRUE(fs::exists(fs::path(dir) / "cmp" / "comparison.csv"));
}
