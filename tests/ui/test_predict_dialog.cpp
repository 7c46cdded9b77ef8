// The workbench predicts molecules dropped on its window: a kernel ridge regression fold trained
// on demo molecules, an .xyz of some of its test molecules plus molecules it must refuse, a real
// drop event on the main window, and the rows of the prediction table.

#include "qm7ui/main_window.h"
#include "qm7ui/predict_dialog.h"

#include "qm7/analysis/deep_recipe.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/train/run_store.h"
#include "qm7/train/trainer.h"
#include "test_support.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QSettings>
#include <QTableWidget>
#include <QTest>
#include <QUrl>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

using qm7::ui::MainWindow;
using qm7::ui::PredictDialog;

namespace {

/// Processes events until done() or timeoutMs; false on timeout.
template <class F> bool waitFor(F done, int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() > timeoutMs)
            return false;
        QTest::qWait(20);
    }
    return true;
}

/// Sends a drag of the file onto the window, then its drop, as a user's drag and drop does.
bool dropFile(QWidget& window, const QString& path) {
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(path)});
    const QPoint at(window.width() / 2, window.height() / 2);
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enter);
    if (!enter.isAccepted())
        return false;
    QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &drop);
    return drop.isAccepted();
}

} // namespace

TEST(PredictDialog, AnXyzDroppedOnTheWindowFillsThePredictionTable) {
    const qm7::test::QuickFold fold = qm7::test::quickKrrFold("ui_predict_fold");
    if (fold.dir.empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    std::vector<qm7::Molecule> four;
    for (const auto& m : fold.test)
        if (m.atoms() >= 10 && four.size() < 4)
            four.push_back(m);
    const std::string xyz = fold.dir + "/mine.xyz";
    qm7::test::writeXyz(xyz, four,
                        "2\nname=silicon\nSi 0 0 0\nH 1.5 0 0\n"
                        "3\nname=clash\nC 0 0 0\nH 1.1 0 0\nH 1.1 0 0\n");
    QSettings().setValue(QStringLiteral("predict/runDir"), QString::fromStdString(fold.dir));

    MainWindow w(QString::fromStdString(qm7::test::freshDir("ui_predict_project")));
    w.resize(1200, 800);
    w.show();
    // The menu action exists with its shortcut.
    auto* action = w.findChild<QAction*>(QStringLiteral("predictAction"));
    ASSERT_NE(action, nullptr);
    EXPECT_EQ(action->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+P")));
    // Other files are not taken.
    EXPECT_FALSE(dropFile(w, QStringLiteral("/tmp/notes.txt")));
    ASSERT_TRUE(dropFile(w, QString::fromStdString(xyz)));

    PredictDialog* dialog = nullptr;
    ASSERT_TRUE(waitFor(
        [&] {
            dialog = w.findChild<PredictDialog*>();
            return dialog && dialog->isVisible() && !dialog->isBusy() &&
                   dialog->table()->rowCount() > 0;
        },
        60000))
        << "no prediction table after the drop";
    EXPECT_EQ(dialog->runDir(), QString::fromStdString(fold.dir)); // remembered in QSettings
    QTableWidget* table = dialog->table();
    ASSERT_EQ(table->rowCount(), 6);
    EXPECT_TRUE(dialog->statusText().contains(QStringLiteral("krr model")))
        << dialog->statusText().toStdString();
    for (int r = 0; r < 4; ++r) {
        SCOPED_TRACE(r);
        EXPECT_EQ(table->item(r, 0)->text(), QString::fromStdString(four[r].name));
        EXPECT_EQ(table->item(r, 1)->text().toInt(), four[r].atoms());
        bool ok = false;
        const double e = table->item(r, 2)->text().toDouble(&ok);
        ASSERT_TRUE(ok) << table->item(r, 2)->text().toStdString();
        EXPECT_NEAR(e, four[r].energy, 3 * fold.testRmse);
    }
    EXPECT_TRUE(table->item(4, 2)->text().contains(QStringLiteral("element Si")))
        << table->item(4, 2)->text().toStdString();
    EXPECT_TRUE(table->item(5, 2)->text().contains(QStringLiteral("at the same place")))
        << table->item(5, 2)->text().toStdString();

    if (qEnvironmentVariableIsSet("QM7_SCREENSHOTS")) // a look at the real table
        dialog->grab().save(qEnvironmentVariable("QM7_SCREENSHOTS") +
                            QStringLiteral("/predict_table.png"));

    // A folder that cannot predict says why instead of a table.
    dialog->setRunDir(QString::fromStdString(qm7::test::freshDir("ui_predict_empty")));
    ASSERT_TRUE(
        waitFor([&] { return !dialog->isBusy() && dialog->table()->rowCount() == 0; }, 60000));
    EXPECT_TRUE(dialog->statusText().contains(QStringLiteral("no model.json")))
        << dialog->statusText().toStdString();
    QSettings().remove(QStringLiteral("predict/runDir"));
}

TEST(PredictDialog, ADeepRunShowsTheSpreadAndABadFileSaysWhy) {
    const auto& demo = qm7::test::demoMolecules();
    if (demo.empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    qm7::MoleculeSplits splits;
    splits.train.assign(demo.begin() + 100, demo.begin() + 400);
    splits.val.assign(demo.begin() + 400, demo.begin() + 450);
    splits.test.assign(demo.begin() + 450, demo.begin() + 500);
    qm7::DeepConfig c;
    c.layers = {32, 16};
    c.steps = 300;
    c.evalEvery = 100;
    c.evalDraws = 2;
    const std::string dir = qm7::test::freshDir("ui_predict_deep");
    qm7::saveDeepRun(qm7::trainPaperRecipe(splits, c), dir, "demo");
    const std::vector<qm7::Molecule> mine = {demo[1], demo[460], demo[470], demo[480]};
    qm7::test::writeXyz(dir + "/mine.xyz", mine, "2\nname=silicon\nSi 0 0 0\nH 1.5 0 0\n");

    QWidget window;
    PredictDialog* dialog = PredictDialog::of(&window);
    EXPECT_EQ(PredictDialog::of(&window), dialog); // one dialog per window
    dialog->setRunDir(QString::fromStdString(dir));
    dialog->show();
    ASSERT_TRUE(dialog->predictFile(QString::fromStdString(dir + "/mine.xyz")));
    ASSERT_TRUE(waitFor([&] { return !dialog->isBusy(); }, 60000));
    ASSERT_EQ(dialog->table()->rowCount(), 5) << dialog->statusText().toStdString();
    EXPECT_TRUE(dialog->statusText().contains(QStringLiteral("deep network")))
        << dialog->statusText().toStdString();
    EXPECT_TRUE(dialog->table()->item(0, 2)->text().contains(QStringLiteral(" ± ")))
        << dialog->table()->item(0, 2)->text().toStdString();
    EXPECT_GT(dialog->predictions()[0].spread, 0.0); // ethane: six H atoms sorted at random
    EXPECT_TRUE(dialog->table()->item(4, 2)->text().contains(QStringLiteral("element Si")));
    if (qEnvironmentVariableIsSet("QM7_SCREENSHOTS"))
        dialog->grab().save(qEnvironmentVariable("QM7_SCREENSHOTS") +
                            QStringLiteral("/predict_table_deep.png"));

    // A damaged file: the reason names it, the table empties.
    const std::string bad = dir + "/bad.xyz";
    qm7::test::writeXyz(bad, {}, "2\nname=x\nC 0 0\n");
    ASSERT_TRUE(dialog->predictFile(QString::fromStdString(bad)));
    ASSERT_TRUE(waitFor([&] { return !dialog->isBusy(); }, 60000));
    EXPECT_EQ(dialog->table()->rowCount(), 0);
    EXPECT_TRUE(dialog->statusText().contains(QStringLiteral("bad.xyz")))
        << dialog->statusText().toStdString();
    QSettings().remove(QStringLiteral("predict/runDir"));
}

TEST(PredictDialog, AHomeworkRunMarksItsTrainingMoleculesAndTheChooserStartsInTheRuns) {
    if (qm7::test::demoMolecules().empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const QString project = QString::fromStdString(qm7::test::freshDir("ui_predict_network"));
    QSettings().remove(QStringLiteral("predict/runDir"));
    MainWindow w(project);
    w.resize(1200, 800);
    w.show();
    // A small run of the homework's network on the demo, saved in the project's runs folder.
    const qm7::BuildResult built = qm7::loadDataSourceDetailed("demo");
    qm7::TrainConfig config;
    config.hidden = 16;
    config.epochs = 3;
    config.trainSize = 200;
    qm7::TrainOptions one;
    one.threads = 1;
    const std::string dir = QDir(project).filePath(QStringLiteral("runs/small")).toStdString();
    qm7::saveRun(qm7::train(built.data, config, one), dir, "demo");
    const qm7::RunResult run = qm7::loadRun(dir);
    const qm7::MoleculeSplits& s = built.molecules;
    // Two test molecules, a fitted one and one from a plain comment line.
    std::vector<qm7::Molecule> mine = {
        s.test[0], s.test[1],
        s.train[static_cast<std::size_t>(qm7::trainingRows(1500, 200, 0)[0])]};
    const std::string xyz = qm7::test::freshDir("ui_predict_network_xyz") + "/mine.xyz";
    qm7::test::writeXyz(xyz, mine, "3\nmy water\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n");
    QSettings().setValue(QStringLiteral("predict/runDir"), QString::fromStdString(dir));
    ASSERT_TRUE(dropFile(w, QString::fromStdString(xyz)));
    PredictDialog* dialog = nullptr;
    ASSERT_TRUE(waitFor([&] { return (dialog = w.findChild<PredictDialog*>()) != nullptr; }, 5000));
    // The chooser opens in the project's runs folder.
    EXPECT_EQ(QDir(dialog->runsFolder()), QDir(QDir(project).filePath(QStringLiteral("runs"))));
    EXPECT_EQ(QDir(dialog->chooserStartFolder()), QDir(dialog->runsFolder()));
    ASSERT_TRUE(
        waitFor([&] { return !dialog->isBusy() && dialog->table()->rowCount() == 4; }, 60000))
        << dialog->statusText().toStdString();
    QTableWidget* table = dialog->table();
    EXPECT_TRUE(dialog->statusText().contains(QStringLiteral("one-hidden-layer network")))
        << dialog->statusText().toStdString();
    EXPECT_TRUE(dialog->statusText().contains(QStringLiteral("One of them is in the run's "
                                                             "training set")))
        << dialog->statusText().toStdString();
    EXPECT_FALSE(table->isColumnHidden(4));
    for (int r = 0; r < 2; ++r) {
        SCOPED_TRACE(r);
        EXPECT_EQ(table->item(r, 0)->text(), QString::fromStdString(mine[r].name));
        EXPECT_NEAR(table->item(r, 2)->text().toDouble(), run.testPred[static_cast<std::size_t>(r)],
                    0.006);
        EXPECT_EQ(table->item(r, 4)->text(), QStringLiteral("test set"));
    }
    EXPECT_TRUE(table->item(2, 4)->text().contains(QStringLiteral("a fitted value, not a "
                                                                  "prediction")))
        << table->item(2, 4)->text().toStdString();
    EXPECT_TRUE(dialog->predictions()[2].fitted());
    EXPECT_EQ(table->item(3, 0)->text(), QStringLiteral("my water"));
    EXPECT_EQ(table->item(3, 4)->text(), QStringLiteral("new"));
    if (qEnvironmentVariableIsSet("QM7_SCREENSHOTS"))
        dialog->grab().save(qEnvironmentVariable("QM7_SCREENSHOTS") +
                            QStringLiteral("/predict_table_network.png"));

    // The same run said to be trained on a dataset.pt: the reason, no table.
    {
        QFile file(QString::fromStdString(dir + "/config.json"));
        ASSERT_TRUE(file.open(QIODevice::ReadOnly));
        QByteArray text = file.readAll();
        file.close();
        text.replace("\"data\": \"demo\"", "\"data\": \"dataset.pt\"");
        ASSERT_TRUE(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(text);
    }
    dialog->setRunDir(QString());
    dialog->setRunDir(QString::fromStdString(dir));
    ASSERT_TRUE(
        waitFor([&] { return !dialog->isBusy() && dialog->table()->rowCount() == 0; }, 60000));
    EXPECT_TRUE(dialog->statusText().contains(QStringLiteral("trained on a dataset.pt")))
        << dialog->statusText().toStdString();
    EXPECT_EQ(QDir(dialog->chooserStartFolder()), QDir(dialog->runsFolder()));
    QSettings().remove(QStringLiteral("predict/runDir"));
}

TEST(PredictDialog, ASettingWrittenByAnotherWorkbenchDoesNotStartAPredictionOnClose) {
    const auto& demo = qm7::test::demoMolecules();
    if (demo.empty())
        GTEST_SKIP() << "the bundled demo data is absent";
    const std::string dir = qm7::test::freshDir("ui_predict_settings");
    qm7::test::saveSmallDeepRun(dir + "/run");
    qm7::test::writeXyz(dir + "/mine.xyz", {demo[1], demo[2]});

    QWidget window;
    PredictDialog* dialog = PredictDialog::of(&window);
    dialog->setRunDir(QString::fromStdString(dir + "/run"));
    dialog->show();
    dialog->activateWindow();
    auto* field = dialog->findChild<QLineEdit*>(QStringLiteral("predictRunDir"));
    ASSERT_NE(field, nullptr);
    field->setFocus();
    ASSERT_TRUE(dialog->predictFile(QString::fromStdString(dir + "/mine.xyz")));
    ASSERT_TRUE(waitFor([&] { return !dialog->isBusy(); }, 60000));
    ASSERT_EQ(dialog->table()->rowCount(), 2) << dialog->statusText().toStdString();

    // A second workbench (another process) remembers another run folder meanwhile; closing this
    // dialog moves the focus out of its field, which must not start a prediction with either.
    QSettings().setValue(QStringLiteral("predict/runDir"), QStringLiteral("/elsewhere"));
    dialog->close();
    EXPECT_FALSE(dialog->isBusy());
    EXPECT_EQ(dialog->runDir().toStdString(), dir + "/run");
    EXPECT_EQ(dialog->table()->rowCount(), 2);
    QSettings().remove(QStringLiteral("predict/runDir"));
}
