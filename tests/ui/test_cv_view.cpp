// The Cross-validation tab with real kernel ridge regression on the demo molecules: the table
// fills fold by fold beside the published anchors, cancel stops in the middle of a fold and
// leaves no half-written result, a rerun reads the finished folds, and a dataset.pt is refused
// with a hint. Headless widgets (offscreen), explicit wait loops that fail on timeout.
#include "qm7ui/cv_view.h"
#include "qm7ui/data_panel.h"
#include "qm7ui/main_window.h"

#include "qm7/chem/dataset_builder.h"
#include "qm7/util/atomic_file.h"
#include "test_support.h"
#include "ui_wait.h"

#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTableWidget>
#include <QThread>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>

namespace fs = std::filesystem;
using qm7::ui::CvView;

namespace {

using qm7::test::waitUntil;

QString cell(const CvView& view, int row, int column) {
    return qm7::test::cellText(view.table(), row, column);
}

/// A view on the demo molecules, KRR, 5 folds of n training molecules, results under dir.
void setUp(CvView& view, const std::string& dir, int n) {
    view.resize(1180, 640);
    view.setOutputFolder(QString::fromStdString(dir));
    view.setSource(QStringLiteral("demo"));
    view.setModel(qm7::CvModel::Krr);
    view.setFolds(5);
    view.setTrainSize(n);
}

struct Shown {
    int fold;
    bool fromDisk;
    bool running;
    int filled; ///< fold rows with an MAE at that moment
};

int filledRows(const CvView& view) {
    int n = 0;
    for (int f = 0; f < 5; ++f)
        n += cell(view, f, 4).isEmpty() ? 0 : 1;
    return n;
}

} // namespace

TEST(CvView, KrrFiveFoldsFillLiveBesideTheAnchors) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("cv_view_krr");
    CvView view;
    setUp(view, dir, 300);
    std::vector<Shown> shown;
    QObject::connect(&view, &CvView::foldShown, [&](int fold, bool fromDisk) {
        shown.push_back({fold, fromDisk, view.isRunning(), filledRows(view)});
    });
    auto* run = view.findChild<QPushButton*>(QStringLiteral("cvRun"));
    ASSERT_NE(run, nullptr);
    ASSERT_TRUE(run->isEnabled()) << view.message().toStdString();
    run->click(); // the one click
    ASSERT_TRUE(view.isRunning());
    ASSERT_TRUE(waitUntil([&] { return !view.isRunning(); }, 60000)) << "no end in 60 s";
    ASSERT_TRUE(view.message().startsWith(QStringLiteral("Done"))) << view.message().toStdString();
    ASSERT_EQ(shown.size(), 5u);
    for (std::size_t i = 0; i < shown.size(); ++i) {
        EXPECT_EQ(shown[i].fold, static_cast<int>(i));
        EXPECT_FALSE(shown[i].fromDisk);
        EXPECT_TRUE(shown[i].running);                       // filled while the study ran,
        EXPECT_EQ(shown[i].filled, static_cast<int>(i) + 1); // one row after the other
    }
    for (int f = 0; f < 5; ++f) {
        bool ok = false;
        const double mae = cell(view, f, 4).toDouble(&ok);
        ASSERT_TRUE(ok) << cell(view, f, 4).toStdString();
        EXPECT_TRUE(std::isfinite(mae) && mae > 0 && mae < 178) << mae; // mean predictor: 178.5
        EXPECT_GT(cell(view, f, 6).toDouble(), mae);                    // RMSE >= MAE
        EXPECT_GT(cell(view, f, 5).toDouble(), 0.0) << "the validation MAE beside the test's";
        EXPECT_EQ(cell(view, f, 1), QStringLiteral("300"));
        EXPECT_TRUE(cell(view, f, 7).endsWith(QStringLiteral(" s")))
            << cell(view, f, 7).toStdString();
        EXPECT_TRUE(cell(view, f, 8).contains(QStringLiteral("sigma")));
        EXPECT_TRUE(fs::exists(fs::path(view.resultsDir().toStdString()) /
                               ("fold-" + std::to_string(f)) / "result.json"));
    }
    EXPECT_TRUE(cell(view, 5, 0).contains(QStringLiteral("mean")));
    EXPECT_TRUE(cell(view, 5, 4).contains(QStringLiteral("±")));
    EXPECT_TRUE(cell(view, 6, 0).contains(QStringLiteral("Published")));
    bool paper = false, rupp = false;
    for (int row = 7; row < view.table()->rowCount(); ++row) {
        paper = paper || (cell(view, row, 4) == QStringLiteral("3.51") &&
                          cell(view, row, 8).contains(QStringLiteral("Montavon")));
        rupp = rupp || cell(view, row, 8).contains(QStringLiteral("Rupp"));
    }
    EXPECT_TRUE(paper);
    EXPECT_TRUE(rupp);
    EXPECT_TRUE(fs::exists(fs::path(view.resultsDir().toStdString()) / "cv.csv"));
    const QString png = QString::fromStdString(dir) + QStringLiteral("/cv_tab.png");
    ASSERT_TRUE(view.grab().save(png));
    std::cout << "screenshot: " << png.toStdString() << "\n";
}

TEST(CvView, BagOfBondsChosenInTheTabIsWhatKrrReadsAndHasItsOwnFolder) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("cv_view_bag");
    CvView view;
    setUp(view, dir, 200);
    view.setFolds(2);
    const QString sortedDir = view.resultsDir();
    auto* representation = view.findChild<QComboBox*>(QStringLiteral("cvRepresentation"));
    ASSERT_NE(representation, nullptr);
    representation->setCurrentIndex(
        representation->findData(static_cast<int>(qm7::Representation::BagOfBonds)));
    EXPECT_EQ(view.representation(), qm7::Representation::BagOfBonds);
    EXPECT_NE(view.resultsDir(), sortedDir) << "sorted and Bag of Bonds results share a folder";
    EXPECT_TRUE(view.resultsDir().contains(QStringLiteral("bob")))
        << view.resultsDir().toStdString();
    ASSERT_TRUE(view.run()) << view.message().toStdString();
    ASSERT_TRUE(waitUntil([&] { return !view.isRunning(); }, 120000)) << "no end in 120 s";
    ASSERT_TRUE(view.message().startsWith(QStringLiteral("Done"))) << view.message().toStdString();
    for (int f = 0; f < 2; ++f) {
        // The fold's own record of what it read, not the tab's.
        const qm7::FoldResult r =
            qm7::foldResultFromJson(qm7::readFile((fs::path(view.resultsDir().toStdString()) /
                                                   ("fold-" + std::to_string(f)) / "result.json")
                                                      .string()));
        EXPECT_EQ(r.detail.rfind("bob", 0), 0u) << r.detail;
        EXPECT_NE(r.fingerprint.find("representation bob"), std::string::npos) << r.fingerprint;
    }
    // The paper's network reads randomly sorted, expanded matrices: no choice to make.
    view.setModel(qm7::CvModel::Paper);
    EXPECT_FALSE(representation->isEnabled());
    EXPECT_FALSE(view.resultsDir().contains(QStringLiteral("bob")));
}

TEST(CvView, CancelInAFoldLeavesNoHalfResultAndRerunReusesFinishedFolds) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("cv_view_cancel");
    CvView view;
    setUp(view, dir, 700);
    // Cancel at the first progress of the second fold: in the middle of its grid search.
    bool cancelled = false;
    auto* progressText = view.findChild<QLabel*>(QStringLiteral("cvProgressText"));
    ASSERT_NE(progressText, nullptr);
    QObject::connect(view.progressBar(), &QProgressBar::valueChanged, [&](int value) {
        if (!cancelled && value > 0 && value < view.progressBar()->maximum() &&
            progressText->text().startsWith(QStringLiteral("Fold 2 of 5"))) {
            view.grab().save(QString::fromStdString(dir) + QStringLiteral("/cv_tab_running.png"));
            view.cancel();
            cancelled = true;
        }
    });
    ASSERT_TRUE(view.run());
    ASSERT_TRUE(waitUntil([&] { return !view.isRunning(); }, 60000)) << "no end in 60 s";
    ASSERT_TRUE(cancelled);
    EXPECT_TRUE(view.message().startsWith(QStringLiteral("Cancelled")))
        << view.message().toStdString();
    EXPECT_EQ(cell(view, 1, 8), QStringLiteral("cancelled"));
    const fs::path results = view.resultsDir().toStdString();
    EXPECT_TRUE(fs::exists(results / "fold-0" / "result.json"));
    for (int f = 1; f < 5; ++f) // the cancelled fold and those after it: nothing finished
        EXPECT_FALSE(fs::exists(results / ("fold-" + std::to_string(f)) / "result.json")) << f;
    const qm7::FoldResult first =
        qm7::foldResultFromJson(qm7::readFile((results / "fold-0" / "result.json").string()));
    const QString firstMae = cell(view, 0, 4), firstTime = cell(view, 0, 7);

    // A new view on the same folder shows the finished fold at once, before any run.
    CvView again;
    setUp(again, dir, 700);
    EXPECT_EQ(cell(again, 0, 4), firstMae);
    EXPECT_EQ(cell(again, 0, 7), firstTime); // the training's time, not the reading's
    EXPECT_TRUE(cell(again, 0, 8).contains(QStringLiteral("from disk")));
    EXPECT_TRUE(cell(again, 1, 4).isEmpty());
    std::vector<Shown> shown;
    QObject::connect(&again, &CvView::foldShown, [&](int fold, bool fromDisk) {
        shown.push_back({fold, fromDisk, again.isRunning(), 0});
    });
    ASSERT_TRUE(again.run());
    ASSERT_TRUE(waitUntil([&] { return !again.isRunning(); }, 60000)) << "no end in 60 s";
    ASSERT_TRUE(again.message().startsWith(QStringLiteral("Done")))
        << again.message().toStdString();
    int fromDisk = 0;
    for (const Shown& s : shown)
        fromDisk += s.fromDisk && s.running ? 1 : 0;
    EXPECT_EQ(fromDisk, 1); // fold 0 read by the study, not trained again
    EXPECT_EQ(cell(again, 0, 4), firstMae);
    const qm7::FoldResult kept =
        qm7::foldResultFromJson(qm7::readFile((results / "fold-0" / "result.json").string()));
    EXPECT_DOUBLE_EQ(kept.seconds, first.seconds);
    for (int f = 0; f < 5; ++f)
        EXPECT_TRUE(fs::exists(results / ("fold-" + std::to_string(f)) / "result.json")) << f;
}

namespace {

/// The step of the paper network's progress line ("... step 1,300 of 1,000,000 ..."), -1 if none.
long long stepShown(const QLabel* progressText) {
    const QRegularExpressionMatch m =
        QRegularExpression(QStringLiteral("step ([0-9,.\\s]+) of")).match(progressText->text());
    if (!m.hasMatch())
        return -1;
    QString digits = m.captured(1);
    digits.remove(QRegularExpression(QStringLiteral("[^0-9]")));
    return digits.toLongLong();
}

} // namespace

TEST(CvView, ACancelledPaperFoldKeepsItsCheckpointAndRunResumesIt) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("cv_view_paper");
    CvView view;
    setUp(view, dir, 100);
    view.setModel(qm7::CvModel::Paper);
    auto* progressText = view.findChild<QLabel*>(QStringLiteral("cvProgressText"));
    ASSERT_NE(progressText, nullptr);
    ASSERT_TRUE(view.run());
    ASSERT_TRUE(waitUntil([&] { return stepShown(progressText) >= 300; }, 60000))
        << progressText->text().toStdString();
    view.grab().save(QString::fromStdString(dir) + QStringLiteral("/cv_tab_paper.png"));
    view.cancel();
    ASSERT_TRUE(waitUntil([&] { return !view.isRunning(); }, 60000)) << "no end in 60 s";
    EXPECT_TRUE(view.message().startsWith(QStringLiteral("Cancelled")))
        << view.message().toStdString();
    EXPECT_EQ(cell(view, 0, 8), QStringLiteral("cancelled"));
    const fs::path fold = fs::path(view.resultsDir().toStdString()) / "fold-0";
    EXPECT_TRUE(fs::exists(fold / "checkpoint.bin"));
    EXPECT_FALSE(fs::exists(fold / "result.json"));
    // Run again: the network continues from its checkpoint (a fresh start reports step 100).
    ASSERT_TRUE(view.run());
    ASSERT_TRUE(waitUntil([&] { return stepShown(progressText) > 0; }, 60000))
        << progressText->text().toStdString();
    EXPECT_GT(stepShown(progressText), 300) << progressText->text().toStdString();
    view.cancel();
    ASSERT_TRUE(waitUntil([&] { return !view.isRunning(); }, 60000)) << "no end in 60 s";
    EXPECT_FALSE(fs::exists(fold / "result.json"));
}

TEST(CvView, ADatasetWithoutMoleculesIsRefusedWithAHint) {
    CvView view;
    view.setOutputFolder(QString::fromStdString(qm7::test::freshDir("cv_view_pt")));
    view.setSource(QStringLiteral("/data/course/dataset.pt"));
    QString error;
    EXPECT_FALSE(view.run(&error));
    EXPECT_FALSE(view.isRunning());
    EXPECT_TRUE(error.contains(QStringLiteral("needs molecules"))) << error.toStdString();
    EXPECT_TRUE(error.contains(QStringLiteral("Load demo data"))) << error.toStdString();
    EXPECT_FALSE(view.findChild<QPushButton*>(QStringLiteral("cvRun"))->isEnabled());
    EXPECT_TRUE(view.message().contains(QStringLiteral("needs molecules")));
    view.setSource(QString());
    EXPECT_FALSE(view.run(&error));
    EXPECT_TRUE(error.contains(QStringLiteral("Load molecules first"))) << error.toStdString();
}

TEST(CvView, TheWorkbenchHasTheTabAndItFollowsTheLoadedData) {
    if (qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    qm7::ui::MainWindow window(QString::fromStdString(qm7::test::freshDir("cv_view_window")));
    auto* view = window.findChild<CvView*>();
    ASSERT_NE(view, nullptr);
    bool tab = false;
    for (int i = 0; i < window.tabs()->count(); ++i)
        tab = tab || window.tabs()->tabText(i) == QStringLiteral("Cross-validation");
    EXPECT_TRUE(tab);
    QString error;
    ASSERT_TRUE(window.loadData(QStringLiteral("demo"), &error)) << error.toStdString();
    EXPECT_EQ(view->source(), QStringLiteral("demo"));
    EXPECT_TRUE(view->findChild<QPushButton*>(QStringLiteral("cvRun"))->isEnabled());
}
