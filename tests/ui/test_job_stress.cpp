// Closing in the middle of every kind of background job, 20 times each, while another thread
// keeps a core busy: training (the window closed, or destroyed), Measure at these n, KRR beside,
// cross-validation, the comparison, a prediction (its dialog closed, or destroyed) and a data
// load. Each close must cancel and join its job (the runner has no thread left), never crash
// (the sanitizer build runs this test too) and never leave a half-written file behind.
#include "qm7ui/cv_compare.h"
#include "qm7ui/cv_view.h"
#include "qm7ui/data_panel.h"
#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/job_runner.h"
#include "qm7ui/learning_curve_view.h"
#include "qm7ui/main_window.h"
#include "qm7ui/predict_dialog.h"

#include "qm7/analysis/deep_recipe.h"
#include "qm7/chem/dataset_builder.h"
#include "test_support.h"
#include "ui_wait.h"

#include <QFile>
#include <QJsonDocument>
#include <QLineEdit>
#include <QSettings>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <thread>

namespace fs = std::filesystem;
using qm7::test::waitUntil;
using qm7::ui::JobRunner;

namespace {

constexpr int kRounds = 20;

/// Keeps one core busy for the lifetime of the object (the machine of a student who trains).
class BusyCore {
  public:
    BusyCore()
        : m_thread([this] {
              volatile double x = 1.0;
              while (!m_stop.load())
                  x = x * 1.0000001 + 1e-9;
          }) {}
    ~BusyCore() {
        m_stop = true;
        m_thread.join();
    }

  private:
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

/// A few hundred demo molecules as an .xyz (a fast source for the molecule-based jobs).
std::string smallXyz(const std::string& dir, std::size_t count) {
    const auto& demo = qm7::test::demoMolecules();
    const std::vector<qm7::Molecule> some(demo.begin(),
                                          demo.begin() + std::min(count, demo.size()));
    const std::string path = dir + "/molecules.xyz";
    qm7::test::writeXyz(path, some);
    return path;
}

/// The molecules of an .xyz split 60/20/20% as a data set (the data of the jobs below).
qm7::ui::DatasetPtr smallData(const std::string& xyz) {
    qm7::BuildOptions options;
    options.split = qm7::parseSplit("0.6,0.2,0.2");
    return std::make_shared<const qm7::Dataset>(qm7::loadDataSource(xyz, options));
}

/// Processes events for a random 0 to 60 ms: the close lands at a different moment each round.
void runFor(std::mt19937& rng) {
    const int ms = std::uniform_int_distribution<int>(0, 60)(rng);
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < ms)
        QApplication::processEvents(QEventLoop::AllEvents, 5);
}

/// No temporary file of an atomic write is left, and every JSON file under dir parses.
void expectNoHalfWrittenFile(const std::string& dir) {
    if (!fs::exists(dir))
        return;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (!entry.is_regular_file())
            continue;
        const std::string name = entry.path().filename().string();
        EXPECT_EQ(name.find(".tmp"), std::string::npos) << "left behind: " << entry.path();
        if (entry.path().extension() == ".json") {
            QFile file(QString::fromStdString(entry.path().string()));
            ASSERT_TRUE(file.open(QIODevice::ReadOnly)) << entry.path();
            QJsonParseError error;
            QJsonDocument::fromJson(file.readAll(), &error);
            EXPECT_EQ(error.error, QJsonParseError::NoError) << "half-written: " << entry.path();
        }
    }
}

void setField(qm7::ui::MainWindow& w, const char* name, const QString& text) {
    auto* edit = w.hyperparameters()->findChild<QLineEdit*>(QString::fromLatin1(name));
    ASSERT_NE(edit, nullptr) << name;
    edit->setText(text);
}

#define QM7_SKIP_WITHOUT_DEMO()                                                                    \
    if (qm7::test::demoMolecules().empty())                                                        \
    GTEST_SKIP() << "the bundled demo data is absent"

} // namespace

TEST(JobStress, ClosingTheWindowInTheMiddleOfTrainingJoinsIt) {
    QM7_SKIP_WITHOUT_DEMO();
    BusyCore busy;
    const std::string dir = qm7::test::freshDir("stress_training");
    const std::string xyz = smallXyz(dir, 400);
    const qm7::ui::DatasetPtr data = smallData(xyz);
    std::mt19937 rng(1);
    for (int round = 0; round < kRounds; ++round) {
        auto w = std::make_unique<qm7::ui::MainWindow>(QString::fromStdString(dir + "/project"));
        w->dataPanel()->setDataset(data, QString::fromStdString(xyz));
        setField(*w, "hidden", QStringLiteral("16"));
        setField(*w, "epochs", QStringLiteral("2000"));
        setField(*w, "seeds", QStringLiteral("2"));
        w->show();
        ASSERT_TRUE(w->startTraining()) << w->statusText().toStdString();
        runFor(rng);
        if (round % 2 == 0)
            w->close(); // the close event cancels and joins
        w.reset();      // and the destructor of a window that was never closed does too
        EXPECT_EQ(JobRunner::instance().runningJobs(), 0) << "round " << round;
    }
    expectNoHalfWrittenFile(dir);
}

TEST(JobStress, DestroyingTheLearningCurveTabInTheMiddleOfMeasureAndKrrJoinsThem) {
    QM7_SKIP_WITHOUT_DEMO();
    BusyCore busy;
    const std::string dir = qm7::test::freshDir("stress_curve");
    const std::string xyz = smallXyz(dir, 600);
    const qm7::ui::DatasetPtr data = smallData(xyz);
    std::mt19937 rng(2);
    for (int round = 0; round < kRounds; ++round) {
        auto view = std::make_unique<qm7::ui::LearningCurveView>();
        view->setMeasureContextProvider([&] {
            qm7::ui::MeasureContext ctx;
            ctx.source = xyz;
            ctx.dataset = data;
            ctx.seeds = 2;
            ctx.base.hidden = 16;
            ctx.base.epochs = 500;
            ctx.dir = dir + "/measure";
            ctx.build.split = qm7::parseSplit("0.6,0.2,0.2");
            return ctx;
        });
        view->setSizesText(QStringLiteral("100, 200"));
        view->setMeasureSizesText(QStringLiteral("300"));
        QString why;
        ASSERT_TRUE(view->startKrr(&why)) << why.toStdString();
        ASSERT_TRUE(view->startMeasure(&why)) << why.toStdString();
        EXPECT_TRUE(view->isKrrRunning());
        EXPECT_TRUE(view->isMeasuring());
        runFor(rng);
        view.reset();
        EXPECT_EQ(JobRunner::instance().runningJobs(), 0) << "round " << round;
    }
    expectNoHalfWrittenFile(dir);
}

TEST(JobStress, DestroyingTheCrossValidationTabAndClosingTheComparisonJoinThem) {
    QM7_SKIP_WITHOUT_DEMO();
    BusyCore busy;
    const std::string dir = qm7::test::freshDir("stress_cv");
    const std::string xyz = smallXyz(dir, 500);
    std::mt19937 rng(3);
    for (int round = 0; round < kRounds; ++round) {
        auto view = std::make_unique<qm7::ui::CvView>();
        view->setOutputFolder(QString::fromStdString(dir + "/cv" + std::to_string(round % 3)));
        view->setSource(QString::fromStdString(xyz));
        view->setModel(round % 2 == 0 ? qm7::CvModel::Krr : qm7::CvModel::Mlp);
        view->setFolds(5);
        view->setTrainSize(200);
        ASSERT_TRUE(view->run());
        runFor(rng);
        view.reset();
        EXPECT_EQ(JobRunner::instance().runningJobs(), 0) << "round " << round;

        qm7::ui::CvCompareView compare;
        compare.setStudy(QString::fromStdString(xyz), 5, 200,
                         QString::fromStdString(dir + "/compare" + std::to_string(round % 3)));
        compare.setEpochs(50);
        QString error;
        ASSERT_TRUE(compare.run(&error)) << error.toStdString();
        runFor(rng);
        if (round % 2 == 0) {
            compare.show();
            compare.close(); // closing the window cancels and joins, the object stays usable
            EXPECT_FALSE(compare.isRunning());
            EXPECT_EQ(JobRunner::instance().runningJobs(), 0) << "round " << round;
            EXPECT_FALSE(compare.message().isEmpty());
        }
    }
    EXPECT_EQ(JobRunner::instance().runningJobs(), 0);
    expectNoHalfWrittenFile(dir);
}

TEST(JobStress, ClosingOrDestroyingThePredictDialogMidPredictionJoinsIt) {
    QM7_SKIP_WITHOUT_DEMO();
    BusyCore busy;
    const std::string dir = qm7::test::freshDir("stress_predict");
    qm7::test::saveSmallDeepRun(dir + "/run");
    const std::string xyz = smallXyz(dir, 200);
    std::mt19937 rng(4);
    for (int round = 0; round < kRounds; ++round) {
        QWidget window;
        qm7::ui::PredictDialog* dialog = qm7::ui::PredictDialog::of(&window);
        dialog->setRunDir(QString::fromStdString(dir + "/run"));
        dialog->show();
        ASSERT_TRUE(dialog->predictFile(QString::fromStdString(xyz)));
        runFor(rng);
        if (round % 2 == 0) {
            dialog->close();
            EXPECT_FALSE(dialog->isBusy());
        }
        // The remembered run folder differs from the field's text when the window goes: the
        // line edit's editingFinished during the teardown must not start a prediction.
        QSettings().remove(QStringLiteral("predict/runDir"));
    }
    EXPECT_EQ(JobRunner::instance().runningJobs(), 0);
    expectNoHalfWrittenFile(dir);
}

TEST(JobStress, DestroyingTheDataPanelMidLoadJoinsIt) {
    QM7_SKIP_WITHOUT_DEMO();
    BusyCore busy;
    const std::string dir = qm7::test::freshDir("stress_load");
    const std::string xyz = smallXyz(dir, 2000);
    std::mt19937 rng(5);
    for (int round = 0; round < kRounds; ++round) {
        auto panel = std::make_unique<qm7::ui::DataPanel>();
        ASSERT_TRUE(panel->loadInBackground(QString::fromStdString(xyz)));
        EXPECT_FALSE(panel->loadInBackground(QString::fromStdString(xyz))); // one at a time
        runFor(rng);
        panel.reset();
        EXPECT_EQ(JobRunner::instance().runningJobs(), 0) << "round " << round;
    }
}

TEST(JobRunner, DoneRunsAfterEverythingTheJobPostedAndAClosedOwnerIsRefused) {
    QObject owner;
    std::vector<int> seen;
    bool done = false;
    ASSERT_TRUE(JobRunner::instance().start(
        &owner, QStringLiteral("test"),
        [&seen](qm7::ui::JobContext& job) {
            for (int i = 0; i < 100; ++i)
                job.post([&seen, i] { seen.push_back(i); });
        },
        [&] { done = seen.size() == 100; }));
    EXPECT_FALSE(
        JobRunner::instance().start(&owner, QStringLiteral("test"), [](qm7::ui::JobContext&) {}));
    ASSERT_TRUE(waitUntil([&] { return !JobRunner::instance().isRunning(&owner); }, 10000));
    EXPECT_TRUE(done);

    // Cancel reaches the job; cancelAndJoin returns after it ended and ran its done.
    bool cancelledSeen = false;
    ASSERT_TRUE(JobRunner::instance().start(
        &owner, QStringLiteral("test"),
        [](qm7::ui::JobContext& job) {
            while (!job.cancelled())
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
        },
        [&] { cancelledSeen = true; }));
    JobRunner::instance().cancelAndJoin(&owner);
    EXPECT_TRUE(cancelledSeen);
    EXPECT_FALSE(JobRunner::instance().isRunning(&owner));

    JobRunner::instance().close(&owner);
    EXPECT_FALSE(
        JobRunner::instance().start(&owner, QStringLiteral("test"), [](qm7::ui::JobContext&) {}));
}
