// The Exploration tab's Run form on the demo data: a tiny space fills the table with the trials
// of trials.csv as they finish; Cancel stops within seconds, leaves no partial trial and Run
// again trains only the rest; closing during a run joins the worker; a bad space trains nothing.
// Dragging a parallel-coordinates axis draws a marker that follows the mouse.

#include "qm7ui/data_panel.h"
#include "qm7ui/exploration_run_form.h"
#include "qm7ui/exploration_view.h"
#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/job_runner.h"
#include "qm7ui/main_window.h"

#include "qm7/analysis/deep_recipe.h"
#include "qm7/analysis/exploration_run.h"
#include "qm7/io/dataset.h"
#include "qm7/train/resumable.h"
#include "qm7/train/run_store.h"

#include "test_support.h"
#include "ui_wait.h"

#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableView>
#include <QStandardItemModel>
#include <QTest>
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <cmath>
#include <filesystem>
#include <memory>

namespace fs = std::filesystem;
using qm7::ui::ExplorationRunForm;
using qm7::ui::ExplorationView;

namespace {

qm7::ui::DatasetPtr demo() {
    static const auto data =
        std::make_shared<const qm7::Dataset>(qm7::loadDataset(qm7::test::demoDatasetPt()));
    return data;
}

// Fills the form as a user does and points it at the demo data and folder dir.
void fill(ExplorationRunForm* form, const QString& space, int seeds, int epochs,
          const QString& dir) {
    form->setData([] { return demo(); }, [] { return QStringLiteral("demo"); });
    form->setOutputFolder([dir] { return dir; });
    form->findChild<QLineEdit*>(QStringLiteral("explorationSpace"))->setText(space);
    form->findChild<QSpinBox*>(QStringLiteral("explorationSample"))->setValue(0);
    form->findChild<QSpinBox*>(QStringLiteral("explorationSeeds"))->setValue(seeds);
    form->findChild<QSpinBox*>(QStringLiteral("explorationEpochs"))->setValue(epochs);
    form->findChild<QCheckBox*>(QStringLiteral("explorationHalving"))->setChecked(false);
}

void clickRun(ExplorationRunForm* form) {
    QTest::mouseClick(form->findChild<QPushButton*>(QStringLiteral("explorationRun")),
                      Qt::LeftButton);
}

// Run folders under dir/runs holding a finished run of their own config.
int finishedRunFolders(const std::string& dir) {
    int n = 0;
    if (!fs::exists(dir + "/runs"))
        return 0;
    for (const auto& e : fs::directory_iterator(dir + "/runs")) {
        try {
            const qm7::RunResult r = qm7::loadRun(e.path().string());
            if (qm7::loadFinishedRun(e.path().string(), r.config, nullptr))
                ++n;
        } catch (const std::exception&) {
        }
    }
    return n;
}

bool hasTemporaryFiles(const std::string& dir) {
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.path().filename().string().find(".tmp") != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST(ExplorationRun, RunFromTheTabFillsTheTableWithTheFilesTrials) {
    ExplorationView view;
    view.resize(1280, 800);
    view.show();
    const QString dir = QString::fromStdString(qm7::test::freshDir("exploration_run_tab"));
    ExplorationRunForm* form = view.runForm();
    fill(form, QStringLiteral("lr=1e-3,1e-2; hidden=4,8"), 2, 3, dir);
    std::vector<int> rowsSeen; // the table's rows after each finished trial
    bool ended = false, finished = false;
    QObject::connect(form, &ExplorationRunForm::trialFinished, &view,
                     [&] { rowsSeen.push_back(view.model()->rowCount()); });
    QObject::connect(form, &ExplorationRunForm::ended, &view, [&](bool done, const QString&) {
        ended = true;
        finished = done;
    });
    clickRun(form);
    ASSERT_TRUE(form->isRunning());
    ASSERT_TRUE(qm7::test::waitUntil([&] { return ended; }, 60000));
    EXPECT_TRUE(finished) << form->statusText().toStdString();
    // The table filled one trial at a time while the runs finished.
    ASSERT_EQ(rowsSeen.size(), 8u);
    for (std::size_t i = 0; i < rowsSeen.size(); ++i)
        EXPECT_EQ(rowsSeen[i], static_cast<int>(i) + 1);
    // In the end it shows trials.csv: the same trials, number for number.
    const auto file = qm7::readTrialsCsv((dir + QStringLiteral("/trials.csv")).toStdString());
    ASSERT_EQ(file.size(), 8u);
    ASSERT_EQ(view.model()->rowCount(), 8);
    ASSERT_EQ(view.trials().size(), 8u);
    int valColumn = -1;
    for (int c = 0; c < view.model()->columnCount(); ++c)
        if (view.model()->headerData(c, Qt::Horizontal).toString().startsWith("val RMSE"))
            valColumn = c;
    ASSERT_GE(valColumn, 0);
    for (std::size_t i = 0; i < file.size(); ++i) {
        EXPECT_EQ(view.trials()[i].run, file[i].run);
        EXPECT_EQ(view.trials()[i].valLoss, file[i].valLoss);
        EXPECT_EQ(view.trials()[i].testRmse, file[i].testRmse);
        EXPECT_EQ(
            view.model()->item(static_cast<int>(i), valColumn)->data(Qt::UserRole + 2).toDouble(),
            file[i].valRmse);
    }
    EXPECT_EQ(view.folder(), QDir(dir).absolutePath());
}

TEST(ExplorationRun, CancelStopsSoonAndRunAgainTrainsTheRest) {
    ExplorationView view;
    view.resize(1280, 800);
    view.show();
    const std::string out = qm7::test::freshDir("exploration_run_cancel");
    const QString dir = QString::fromStdString(out);
    ExplorationRunForm* form = view.runForm();
    // Eight runs long enough that the cancel lands in the middle.
    fill(form, QStringLiteral("hidden=16,32,64,128"), 2, 400, dir);
    int finishedFirst = 0;
    bool ended = false, finished = true;
    QElapsedTimer sinceCancel;
    auto trial = QObject::connect(form, &ExplorationRunForm::trialFinished, &view, [&] {
        if (++finishedFirst == 1) {
            QTest::mouseClick(form->findChild<QPushButton*>(QStringLiteral("explorationCancel")),
                              Qt::LeftButton);
            sinceCancel.start();
        }
    });
    auto end =
        QObject::connect(form, &ExplorationRunForm::ended, &view, [&](bool done, const QString&) {
            ended = true;
            finished = done;
        });
    clickRun(form);
    ASSERT_TRUE(qm7::test::waitUntil([&] { return ended; }, 120000));
    ASSERT_TRUE(sinceCancel.isValid()) << "no trial finished";
    EXPECT_LT(sinceCancel.elapsed(), 5000);
    EXPECT_FALSE(finished);
    EXPECT_FALSE(form->isRunning());
    EXPECT_FALSE(fs::exists(out + "/trials.csv"));
    EXPECT_FALSE(hasTemporaryFiles(out));
    const int saved = finishedRunFolders(out);
    EXPECT_GE(saved, 1);
    EXPECT_LT(saved, 8);
    EXPECT_EQ(saved, finishedFirst); // every saved run was reported, none half-done
    QObject::disconnect(trial);
    QObject::disconnect(end);

    int finishedSecond = 0;
    ended = false;
    QObject::connect(form, &ExplorationRunForm::trialFinished, &view, [&] { ++finishedSecond; });
    QObject::connect(form, &ExplorationRunForm::ended, &view, [&](bool done, const QString&) {
        ended = true;
        finished = done;
    });
    // Shorter runs would be different runs: the same form trains the same eight.
    clickRun(form);
    ASSERT_TRUE(qm7::test::waitUntil([&] { return ended; }, 120000));
    EXPECT_TRUE(finished) << form->statusText().toStdString();
    EXPECT_EQ(finishedSecond, 8 - saved);
    EXPECT_EQ(qm7::readTrialsCsv(out + "/trials.csv").size(), 8u);
    EXPECT_EQ(view.model()->rowCount(), 8);
}

TEST(ExplorationRun, ClosingDuringARunJoinsTheWorker) {
    {
        auto* view = new ExplorationView;
        view->show();
        fill(view->runForm(), QStringLiteral("hidden=64,128"), 3, 2000,
             QString::fromStdString(qm7::test::freshDir("exploration_run_close_view")));
        ASSERT_TRUE(view->runForm()->run());
        QTest::qWait(200);
        delete view; // the form's destructor cancels and joins
        EXPECT_EQ(qm7::ui::JobRunner::instance().runningJobs(), 0);
    }
    qm7::ui::MainWindow window(QString::fromStdString(qm7::test::freshDir("exploration_run_win")));
    window.dataPanel()->setDataset(demo(), QStringLiteral("demo"));
    window.show();
    auto* view = window.findChild<ExplorationView*>();
    ASSERT_NE(view, nullptr);
    fill(view->runForm(), QStringLiteral("hidden=64,128"), 3, 2000,
         QString::fromStdString(qm7::test::freshDir("exploration_run_close_win")));
    ASSERT_TRUE(view->runForm()->run());
    QTest::qWait(200);
    QElapsedTimer clock;
    clock.start();
    window.close();
    EXPECT_FALSE(view->runForm()->isRunning());
    EXPECT_EQ(qm7::ui::JobRunner::instance().runningJobs(), 0);
    EXPECT_LT(clock.elapsed(), 5000);
}

// What the space leaves unset is the Hyperparameters panel's, shown under the row and used:
// two tanh layers of 16 and 8, lr 0.003 and batch 50 there give a deep run of exactly those; a
// refused panel field stops Run with its reason and writes nothing.
TEST(ExplorationRun, SettingsNotInTheSpaceAreTheHyperparameterPanels) {
    qm7::ui::MainWindow window(QString::fromStdString(qm7::test::freshDir("exploration_run_base")));
    window.dataPanel()->setDataset(demo(), QStringLiteral("demo"));
    window.resize(1280, 800);
    window.show();
    auto* panel = window.findChild<qm7::ui::HyperparameterPanel*>();
    auto* view = window.findChild<ExplorationView*>();
    ASSERT_TRUE(panel && view);
    auto field = [&](const char* name) {
        return panel->findChild<QLineEdit*>(QString::fromLatin1(name));
    };
    field("hidden")->setText(QStringLiteral("16,8"));
    field("lr")->setText(QStringLiteral("0.003"));
    field("batch")->setText(QStringLiteral("50"));
    auto* activation = panel->findChild<QComboBox*>(QStringLiteral("activation"));
    activation->setCurrentIndex(activation->findData(QStringLiteral("tanh")));
    ASSERT_EQ(panel->network().activation, qm7::Activation::Tanh);
    ExplorationRunForm* form = view->runForm();
    const QString base = form->baseText();
    for (const char* part : {"lr 0.003", "layers 16,8", "batch 50", "tanh adam"})
        EXPECT_TRUE(base.contains(QLatin1String(part))) << base.toStdString() << " / " << part;

    const std::string out = qm7::test::freshDir("exploration_run_base_out");
    fill(form, QStringLiteral("weight_decay=0,0.01"), 1, 2, QString::fromStdString(out));
    bool ended = false, finished = false;
    QObject::connect(form, &ExplorationRunForm::ended, form, [&](bool f, const QString&) {
        ended = true;
        finished = f;
    });
    ASSERT_TRUE(form->run());
    ASSERT_TRUE(qm7::test::waitUntil([&] { return ended; }, 120000));
    ASSERT_TRUE(finished) << form->statusText().toStdString();
    const auto trials = qm7::readTrialsCsv(out + "/trials.csv");
    ASSERT_EQ(trials.size(), 2u);
    for (const auto& t : trials) {
        const std::string dir = out + "/runs/" + t.run;
        ASSERT_TRUE(qm7::isDeepRun(dir)) << dir;
        const qm7::DeepConfig c = qm7::loadDeepRun(dir).result.config;
        EXPECT_EQ(c.layers, (std::vector<int>{16, 8}));
        EXPECT_EQ(c.activation, qm7::Activation::Tanh);
        EXPECT_EQ(c.lr, 0.003);
        EXPECT_EQ(c.batchSize, 50);
        EXPECT_EQ(c.weightDecay, std::stod(qm7::settingValue(t.setting, "weight_decay")));
    }
    // Their loss curves open from the table like the homework network's.
    ASSERT_TRUE(qm7::test::waitUntil([&] { return view->model()->rowCount() == 2; }, 5000));
    view->findChild<QTableView*>(QStringLiteral("explorationTable"))->selectAll();
    std::size_t shown = 0;
    QObject::connect(view, &ExplorationView::lossCurvesRequested,
                     [&](const std::vector<qm7::ui::RunResultPtr>& runs, const QStringList&) {
                         shown = runs.size();
                         for (const auto& r : runs) // evaluated at its last epoch
                             EXPECT_TRUE(!r->history.empty() && r->history.back().epoch == 2);
                     });
    QString why;
    EXPECT_TRUE(view->showSelectedLossCurves(&why)) << why.toStdString();
    EXPECT_EQ(shown, 2u);
    field("lr")->setText(QStringLiteral("0.003, 0.01"));
    EXPECT_TRUE(form->baseText().contains(QStringLiteral("lr 0.003 (the first of 2)")))
        << form->baseText().toStdString();

    field("batch")->setText(QStringLiteral("-3"));
    const std::string refused = qm7::test::freshDir("exploration_run_base_refused");
    fill(form, QStringLiteral("lr=1e-3"), 1, 2, QString::fromStdString(refused + "/o"));
    EXPECT_FALSE(form->run());
    EXPECT_TRUE(form->spaceError().contains(QStringLiteral("Hyperparameters panel")))
        << form->spaceError().toStdString();
    EXPECT_TRUE(form->baseText().contains(QStringLiteral("cannot train")));
    EXPECT_FALSE(fs::exists(refused + "/o"));
}

TEST(ExplorationRun, ABadSpaceShowsTheParsersMessageAndTrainsNothing) {
    ExplorationView view;
    view.show();
    const std::string out = qm7::test::freshDir("exploration_run_bad") + "/exploration";
    ExplorationRunForm* form = view.runForm();
    for (const char* space : {"lr=-1; hidden=10", "speed=3", "hidden=", "hidden=-5"}) {
        fill(form, QString::fromLatin1(space), 1, 2, QString::fromStdString(out));
        std::string expected;
        try {
            qm7::explorationSettings(space, 0, 0);
        } catch (const std::invalid_argument& e) {
            expected = e.what();
        }
        ASSERT_FALSE(expected.empty()) << space;
        clickRun(form);
        EXPECT_FALSE(form->isRunning()) << space;
        EXPECT_EQ(form->spaceError().toStdString(), expected) << space;
        EXPECT_TRUE(form->findChild<QLabel*>(QStringLiteral("explorationSpaceError"))->isVisible());
        EXPECT_FALSE(fs::exists(out)) << space;
    }
    // A space that parses but that the trainer cannot train: the plan's sentence.
    fill(form, QStringLiteral("epochs=2,4"), 1, 4, QString::fromStdString(out));
    form->findChild<QCheckBox*>(QStringLiteral("explorationHalving"))->setChecked(true);
    clickRun(form);
    EXPECT_FALSE(form->isRunning());
    EXPECT_NE(form->spaceError().indexOf("--halving sets the epochs itself"), -1);
    EXPECT_FALSE(fs::exists(out));
    // Fixing the space clears the message.
    fill(form, QStringLiteral("hidden=4"), 1, 1, QString::fromStdString(out));
    bool ended = false;
    QObject::connect(form, &ExplorationRunForm::ended, &view, [&] { ended = true; });
    clickRun(form);
    EXPECT_TRUE(form->spaceError().isEmpty());
    ASSERT_TRUE(qm7::test::waitUntil([&] { return ended; }, 30000));
    EXPECT_TRUE(fs::exists(out + "/trials.csv"));
}

TEST(ExplorationRun, ADraggedAxisFollowsTheMouse) {
    ExplorationView view;
    view.resize(1280, 800);
    view.show();
    std::vector<qm7::ExplorationTrial> trials;
    for (const char* lr : {"0.001", "0.01"})
        for (const char* h : {"10", "100"}) {
            qm7::ExplorationTrial t;
            t.setting = {{"lr", lr}, {"hidden", h}};
            t.run = qm7::trialRunName(t.setting, 0);
            t.valRmse = std::stod(h) / 10 + std::stod(lr);
            trials.push_back(t);
        }
    view.setTrials(trials);
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
    auto* plot = view.findChild<QCustomPlot*>(QStringLiteral("explorationParallel"));
    ASSERT_NE(plot, nullptr);
    const QPoint from = view.axisTitlePixel(0);
    EXPECT_TRUE(std::isnan(view.dragMarkerX()));
    QTest::mousePress(plot, Qt::LeftButton, {}, from);
    const int right = static_cast<int>(std::lround(plot->xAxis->coordToPixel(1.6)));
    QTest::mouseMove(plot, QPoint((from.x() + right) / 2, from.y()));
    const double middle = plot->xAxis->pixelToCoord((from.x() + right) / 2);
    EXPECT_NEAR(view.dragMarkerX(), middle, 0.02); // drawn while the button is down
    QTest::mouseMove(plot, QPoint(right, from.y()));
    EXPECT_NEAR(view.dragMarkerX(), 1.6, 0.02);
    QTest::mouseRelease(plot, Qt::LeftButton, {}, QPoint(right, from.y()));
    EXPECT_TRUE(std::isnan(view.dragMarkerX()));
    EXPECT_EQ(view.axisOrder(), (std::vector<int>{1, 2, 0}));
}
