// Hidden layers, activation and optimizer in the workbench's hyperparameters: a deeper tanh
// network with the paper's SGD trains on the demo data through the Start button with its loss
// curves drawn live, its run folder says what it trained, and invalid layers are refused.

#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/loss_plot.h"
#include "qm7ui/main_window.h"
#include "qm7ui/runs_table.h"
#include "qm7ui/training_controller.h"

#include "qm7/util/atomic_file.h"
#include "test_support.h"

#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <memory>

using qm7::ui::HyperparameterPanel;
using qm7::ui::MainWindow;

namespace {

void setField(HyperparameterPanel& p, const char* name, const QString& text) {
    auto* edit = p.findChild<QLineEdit*>(QString::fromLatin1(name));
    ASSERT_NE(edit, nullptr) << name;
    edit->setText(text);
}

void choose(HyperparameterPanel& p, const char* box, const char* value) {
    auto* combo = p.findChild<QComboBox*>(QString::fromLatin1(box));
    ASSERT_NE(combo, nullptr) << box;
    const int i = combo->findData(QString::fromLatin1(value));
    ASSERT_GE(i, 0) << value;
    combo->setCurrentIndex(i);
}

} // namespace

TEST(NetworkSettings, HomeworkDefaultsAndStateRoundTrip) {
    HyperparameterPanel panel;
    const qm7::NetworkChoice homework = panel.network();
    EXPECT_TRUE(homework.homework());
    EXPECT_EQ(homework.layers, std::vector<int>{1000});
    EXPECT_EQ(panel.baseConfig().hidden, 1000); // the homework's trainer, p = 1000
    setField(panel, "hidden", QStringLiteral("400,100"));
    choose(panel, "activation", "stanh");
    choose(panel, "optimizer", "sgd");
    EXPECT_FALSE(panel.network().homework());
    HyperparameterPanel back;
    back.setState(panel.state());
    EXPECT_EQ(back.network().layers, (std::vector<int>{400, 100}));
    EXPECT_EQ(back.network().activation, qm7::Activation::ScaledTanh);
    EXPECT_EQ(back.network().optimizer, qm7::Optimizer::Sgd);
    back.resetDefaults();
    EXPECT_TRUE(back.network().homework());
    // One ReLU layer of another width with Adam is still the homework's trainer.
    setField(back, "hidden", QStringLiteral("64"));
    EXPECT_TRUE(back.network().homework());
    EXPECT_EQ(back.baseConfig().hidden, 64);
}

TEST(NetworkSettings, InvalidLayersShowTheReasonAndDisableStart) {
    MainWindow w(QString::fromStdString(qm7::test::freshDir("ui_layers_invalid")));
    w.show();
    ASSERT_TRUE(w.loadData(QStringLiteral("demo")));
    auto* start = w.findChild<QPushButton*>(QStringLiteral("start"));
    ASSERT_NE(start, nullptr);
    ASSERT_TRUE(start->isEnabled());
    auto* error = w.hyperparameters()->findChild<QLabel*>(QStringLiteral("hiddenError"));
    ASSERT_NE(error, nullptr);
    for (const char* bad : {"0", "abc", "-5", "400,,100", "1,2,3,4,5,6,7,8,9"}) {
        SCOPED_TRACE(bad);
        setField(*w.hyperparameters(), "hidden", QString::fromLatin1(bad));
        QString shown = error->isHidden() ? QString() : error->text();
        EXPECT_TRUE(shown.contains(QStringLiteral("hidden layers")) ||
                    shown.contains(QStringLiteral("at most 8")))
            << shown.toStdString();
        EXPECT_FALSE(start->isEnabled());
        EXPECT_FALSE(w.startTraining());
        if (std::string(bad) == "abc" && qEnvironmentVariableIsSet("QM7_SCREENSHOTS")) {
            QTest::qWait(50); // the form's layout takes the error line
            w.hyperparameters()->grab().save(qEnvironmentVariable("QM7_SCREENSHOTS") +
                                             QStringLiteral("/hyperparameters_invalid.png"));
        }
    }
    setField(*w.hyperparameters(), "hidden", QStringLiteral("32,16"));
    EXPECT_TRUE(error->isHidden());
    EXPECT_TRUE(start->isEnabled());
    // Randomly sorted features are drawn for the homework's network only: core says so.
    choose(*w.hyperparameters(), "representation", "random-sorted");
    auto* settings = w.hyperparameters()->findChild<QLabel*>(QStringLiteral("settingsError"));
    ASSERT_NE(settings, nullptr);
    EXPECT_FALSE(settings->isHidden());
    EXPECT_TRUE(settings->text().contains(QStringLiteral("randomly sorted")))
        << settings->text().toStdString();
    EXPECT_FALSE(start->isEnabled());
    choose(*w.hyperparameters(), "representation", "cm");
    EXPECT_TRUE(settings->isHidden());
    QElapsedTimer clock; // the molecules are built again in the background meanwhile
    clock.start();
    while (!start->isEnabled()) {
        ASSERT_LT(clock.elapsed(), 60000) << w.statusText().toStdString();
        QTest::qWait(20);
    }
}

TEST(NetworkSettings, DeepTanhSgdNetworkTrainsLiveAndSavesItsRun) {
    MainWindow w(QString::fromStdString(qm7::test::freshDir("ui_layers_train")));
    w.resize(1200, 800);
    w.show();
    ASSERT_TRUE(w.loadData(QStringLiteral("demo")));
    HyperparameterPanel& p = *w.hyperparameters();
    setField(p, "hidden", QStringLiteral("32,16"));
    choose(p, "activation", "tanh");
    choose(p, "optimizer", "sgd");
    // 1500 training molecules in batches of 100: 15 steps an epoch, 20 epochs = 300 steps.
    setField(p, "epochs", QStringLiteral("20"));
    setField(p, "evalEvery", QStringLiteral("2"));
    setField(p, "seeds", QStringLiteral("1"));
    setField(p, "lr", QStringLiteral("1e-3"));
    ASSERT_TRUE(p.isValid()) << p.firstError().toStdString();

    if (qEnvironmentVariableIsSet("QM7_SCREENSHOTS"))
        p.grab().save(qEnvironmentVariable("QM7_SCREENSHOTS") +
                      QStringLiteral("/hyperparameters.png"));

    QSignalSpy done(&w, &MainWindow::jobFinished);
    QSignalSpy epochs(w.controller(), &qm7::ui::TrainingController::epochs);
    auto* start = w.findChild<QPushButton*>(QStringLiteral("start"));
    ASSERT_TRUE(start->isEnabled());
    QTest::mouseClick(start, Qt::LeftButton);
    ASSERT_TRUE(w.isTraining()) << w.statusText().toStdString();
    QElapsedTimer clock;
    clock.start();
    while (done.isEmpty()) {
        ASSERT_LT(clock.elapsed(), 180000) << "the deep run did not finish in 3 minutes";
        QTest::qWait(20);
    }
    const auto result = done.takeFirst().at(0).value<qm7::ui::JobResult>();
    ASSERT_TRUE(result.error.isEmpty()) << result.error.toStdString();
    EXPECT_FALSE(result.cancelled);
    ASSERT_EQ(result.runs.size(), 1u);
    EXPECT_EQ(result.runs[0]->epochsDone, 20);
    EXPECT_GT(result.runs[0]->test.mae, 0.0);
    QTest::qWait(100); // the throttled replot
    // 10 evaluations (every 2 epochs), train and validation curves.
    EXPECT_GE(w.lossPlot()->pointCount(), 2 * 10);
    // The evaluations reached the GUI thread as the homework's epochs do, run 0, epochs 2..20.
    std::vector<int> evaluated;
    for (const auto& args : epochs)
        for (const qm7::EpochStats& e : args.at(0).value<qm7::ui::EpochBatch>())
            if (e.evaluated && e.run == 0)
                evaluated.push_back(e.epoch);
    ASSERT_EQ(evaluated.size(), 10u);
    EXPECT_EQ(evaluated.front(), 2);
    EXPECT_EQ(evaluated.back(), 20);

    ASSERT_EQ(w.runsTable()->rowCount(), 1);
    const QString dir = w.runsTable()->records().front().dir;
    ASSERT_FALSE(dir.isEmpty());
    const auto config = nlohmann::json::parse(
        qm7::readFile(QDir(dir).filePath(QStringLiteral("config.json")).toStdString()));
    EXPECT_EQ(config.at("kind"), "deep");
    EXPECT_EQ(config.at("layers"), (std::vector<int>{32, 16}));
    EXPECT_EQ(config.at("activation"), "tanh");
    EXPECT_EQ(config.at("optimizer"), "sgd");
    EXPECT_EQ(config.at("steps"), 300);
    EXPECT_TRUE(QFileInfo::exists(QDir(dir).filePath(QStringLiteral("model.pt"))));

    // The project opened again lists the deep run with its curves and settings.
    MainWindow reopened(w.runsTable()->projectDir());
    ASSERT_EQ(reopened.runsTable()->rowCount(), 1);
    const qm7::RunResult& back = *reopened.runsTable()->records().front().run;
    EXPECT_EQ(back.config.epochs, 20);
    EXPECT_EQ(back.config.evalEvery, 2);
    EXPECT_EQ(back.config.hidden, 32);
    EXPECT_EQ(back.epochsDone, 20);
    ASSERT_EQ(back.history.size(), 10u);
    EXPECT_EQ(back.history.back().epoch, 20);
    EXPECT_NEAR(back.test.mae, result.runs[0]->test.mae, 1e-3);
}
