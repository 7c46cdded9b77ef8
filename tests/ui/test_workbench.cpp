// Widget tests of the workbench window: live training, cancel, invalid input, export, latency.

#include "qm7ui/data_panel.h"
#include "qm7ui/histogram_view.h"
#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/learning_curve_view.h"
#include "qm7ui/loss_plot.h"
#include "qm7ui/main_window.h"
#include "qm7ui/parity_view.h"
#include "qm7ui/plot_export.h"
#include "qm7ui/runs_table.h"
#include "qm7ui/session.h"
#include "qm7ui/sweep_view.h"
#include "qm7ui/training_controller.h"

#include "qm7/chem/dataset_builder.h"
#include "qm7/train/run_store.h"
#include "test_support.h"

#include <QChartView>
#include <QComboBox>
#include <QTabWidget>
#include <QSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QHeaderView>
#include <QTableView>
#include <QTest>
#include <QTimer>
#include <QXmlStreamReader>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <random>

using qm7::ui::MainWindow;

namespace {

/// A small synthetic data set (d = 6, N = 3): labels a noisy linear function of X.
qm7::ui::DatasetPtr syntheticData(int trainRows = 600) {
    auto data = std::make_shared<qm7::Dataset>();
    data->d = 6;
    data->atoms = 3;
    data->source = "synthetic";
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.f, 1.f);
    auto fill = [&](qm7::Split& s, int rows) {
        for (int r = 0; r < rows; ++r) {
            float y = -1500.f;
            for (int j = 0; j < 6; ++j) {
                const float x = normal(rng);
                s.X.push_back(x);
                y += 40.f * x * static_cast<float>(j + 1);
            }
            s.y.push_back(y + 5.f * normal(rng));
        }
    };
    fill(data->train, trainRows);
    fill(data->val, 150);
    fill(data->test, 150);
    return data;
}

/// Sets one hyperparameter field by its object name.
void setField(MainWindow& w, const char* name, const QString& text) {
    auto* edit = w.hyperparameters()->findChild<QLineEdit*>(QString::fromLatin1(name));
    ASSERT_NE(edit, nullptr) << name;
    edit->setText(text);
}

/// A window on a fresh project folder with small, fast settings.
std::unique_ptr<MainWindow> smallWindow(const std::string& name) {
    auto w = std::make_unique<MainWindow>(QString::fromStdString(qm7::test::freshDir(name)));
    setField(*w, "hidden", QStringLiteral("32"));
    setField(*w, "epochs", QStringLiteral("5"));
    setField(*w, "evalEvery", QStringLiteral("1"));
    setField(*w, "seeds", QStringLiteral("2"));
    setField(*w, "lr", QStringLiteral("1e-3"));
    w->resize(1200, 800);
    w->show();
    return w;
}

/// Waits for the window's job to end; returns its result.
qm7::ui::JobResult waitForJob(MainWindow& w, int timeoutMs) {
    QSignalSpy spy(&w, &MainWindow::jobFinished);
    if (w.isTraining())
        spy.wait(timeoutMs);
    if (spy.isEmpty())
        return {};
    return spy.takeFirst().at(0).value<qm7::ui::JobResult>();
}

} // namespace

TEST(Workbench, ShortRealTrainingFillsTheLossPlotAndStoresRuns) {
    QM7_SKIP_WITHOUT_SHARED("dataset.pt");
    auto w = smallWindow("ui_real_training");
    QString error;
    ASSERT_TRUE(w->loadData(QString::fromStdString(qm7::test::sharedData("dataset.pt")), &error))
        << error.toStdString();
    EXPECT_TRUE(w->dataPanel()->summaryText().contains(QStringLiteral("d = 276")));
    EXPECT_EQ(w->lossPlot()->pointCount(), 0);

    // The event loop is never blocked by the training: a 10 ms timer is never late by 500 ms.
    // (A tighter bound measures the machine's load, not the window: two training threads and
    // the GUI thread share two cores, and CI runs other tests beside this one.)
    QElapsedTimer clock;
    qint64 last = 0, worst = 0;
    QTimer ticker;
    ticker.setInterval(10);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
        const qint64 now = clock.elapsed();
        worst = std::max(worst, now - last - 10);
        last = now;
    });
    QSignalSpy epochs(w->controller(), &qm7::ui::TrainingController::epochs);
    ASSERT_TRUE(w->startTraining()) << w->statusText().toStdString();
    clock.start();
    ticker.start();
    QSignalSpy done(w.get(), &MainWindow::jobFinished);
    ASSERT_TRUE(done.wait(600000));
    ticker.stop();
    const auto result = done.takeFirst().at(0).value<qm7::ui::JobResult>();
    EXPECT_TRUE(result.error.isEmpty()) << result.error.toStdString();
    EXPECT_FALSE(result.cancelled);
    ASSERT_EQ(result.runs.size(), 2u);
    EXPECT_FALSE(epochs.isEmpty());
    EXPECT_LT(worst, 500) << "the event loop stalled for " << worst << " ms while training";

    QTest::qWait(100); // the throttled replot
    // 2 seeds x 5 epochs, train + validation, plus the two mean curves.
    EXPECT_EQ(w->lossPlot()->pointCount(), 2 * 5 * 2 + 2 * 5);
    EXPECT_TRUE(w->lossPlot()->csv().startsWith(QStringLiteral("run,label,epoch")));
    ASSERT_NE(w->parityView()->run(), nullptr);
    EXPECT_EQ(w->parityView()->run()->testTrue.size(), w->dataPanel()->dataset()->test.rows());
    EXPECT_TRUE(w->statusText().contains(QStringLiteral("Finished 2 run(s)")))
        << w->statusText().toStdString();

    // The runs are in the project folder, readable by the run store, and come back on reopen.
    ASSERT_EQ(w->runsTable()->rowCount(), 2);
    const QString dir = w->runsTable()->records().front().dir;
    EXPECT_TRUE(qm7::hasFinishedRun(dir.toStdString()));
    const QString project = w->runsTable()->projectDir();
    w.reset();
    MainWindow reopened(project);
    EXPECT_EQ(reopened.runsTable()->rowCount(), 2);
}

TEST(Workbench, StopCancelsMidRunAndCloseJoinsTheThread) {
    auto w = smallWindow("ui_cancel");
    w->dataPanel()->setDataset(syntheticData(20000), QStringLiteral("synthetic"));
    setField(*w, "epochs", QStringLiteral("5000"));
    setField(*w, "evalEvery", QStringLiteral("1"));
    QSignalSpy epochs(w->controller(), &qm7::ui::TrainingController::epochs);
    ASSERT_TRUE(w->startTraining()) << w->statusText().toStdString();
    EXPECT_FALSE(w->startTraining()); // one job at a time
    ASSERT_TRUE(epochs.wait(60000));
    QElapsedTimer t;
    t.start();
    w->stopTraining();
    const auto result = waitForJob(*w, 30000);
    EXPECT_LT(t.elapsed(), 10000);
    EXPECT_TRUE(result.cancelled);
    EXPECT_FALSE(w->isTraining());
    EXPECT_TRUE(w->statusText().startsWith(QStringLiteral("Stopped")));
    // Stop keeps what was done, as Ctrl-C does in the command line tool: the runs that trained
    // at least one epoch are saved, marked as stopped, and come back when the project reopens.
    ASSERT_GE(w->runsTable()->rowCount(), 1);
    for (const auto& record : w->runsTable()->records()) {
        EXPECT_TRUE(record.run->cancelled);
        EXPECT_GE(record.run->epochsDone, 1);
        EXPECT_TRUE(qm7::hasStoppedRun(record.dir.toStdString())) << record.dir.toStdString();
        EXPECT_FALSE(qm7::hasFinishedRun(record.dir.toStdString()));
    }
    EXPECT_TRUE(w->statusText().contains(QStringLiteral("stopped run(s) kept")))
        << w->statusText().toStdString();
    {
        MainWindow reopened(w->runsTable()->projectDir());
        EXPECT_EQ(reopened.runsTable()->rowCount(), w->runsTable()->rowCount());
    }

    // Closing mid-training cancels and joins.
    ASSERT_TRUE(w->startTraining());
    ASSERT_TRUE(epochs.wait(60000));
    t.restart();
    w->close();
    EXPECT_LT(t.elapsed(), 10000);
    EXPECT_FALSE(w->controller()->isRunning());
}

TEST(Workbench, ControllerDestructorStopsARunningJob) {
    auto controller = std::make_unique<qm7::ui::TrainingController>();
    qm7::ui::TrainJob job;
    job.data = syntheticData(20000);
    qm7::TrainConfig c;
    c.hidden = 16;
    c.epochs = 100000;
    job.configs = {c};
    QSignalSpy epochs(controller.get(), &qm7::ui::TrainingController::epochs);
    ASSERT_TRUE(controller->start(job));
    ASSERT_TRUE(epochs.wait(60000));
    QElapsedTimer t;
    t.start();
    controller.reset();
    EXPECT_LT(t.elapsed(), 10000);
}

TEST(Workbench, InvalidInputIsRefusedWithAReason) {
    auto w = smallWindow("ui_invalid");
    w->dataPanel()->setDataset(syntheticData(), QStringLiteral("synthetic"));
    auto* start = w->findChild<QPushButton*>(QStringLiteral("start"));
    ASSERT_NE(start, nullptr);
    EXPECT_TRUE(start->isEnabled());

    const struct {
        const char* field;
        const char* text;
        const char* reason;
    } cases[] = {{"epochs", "-5", "epochs -5 must be between 1 and 1000000"},
                 {"epochs", "ten", "epochs must be a whole number"},
                 {"lr", "0", "learning rate 0 must be > 0"},
                 {"lr", "1e-3, abc", "'abc' is not a number"},
                 {"batch", "0", "batch size 0 must be between 1"},
                 {"hidden", "", "hidden layers: give widths"},
                 {"seeds", "0", "seeds must be between 1 and 1000"},
                 {"seeds", "1001", "seeds must be between 1 and 1000"}};
    // The field says what it cannot parse; core's validate() says what it refuses.
    auto shown = [&](const char* field) {
        QString text;
        for (const QString& name : {QString::fromLatin1(field) + QStringLiteral("Error"),
                                    QStringLiteral("settingsError")}) {
            auto* label = w->hyperparameters()->findChild<QLabel*>(name);
            if (label && !label->isHidden())
                text += label->text();
        }
        return text;
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.field);
        setField(*w, "hidden", QStringLiteral("32"));
        setField(*w, "epochs", QStringLiteral("5"));
        setField(*w, "lr", QStringLiteral("1e-3"));
        setField(*w, "batch", QStringLiteral("100"));
        setField(*w, "seeds", QStringLiteral("2"));
        ASSERT_TRUE(w->hyperparameters()->isValid());
        setField(*w, c.field, QString::fromLatin1(c.text));
        EXPECT_TRUE(shown(c.field).contains(QString::fromLatin1(c.reason)))
            << shown(c.field).toStdString();
        EXPECT_FALSE(start->isEnabled());
        EXPECT_FALSE(w->startTraining());
        EXPECT_TRUE(w->statusText().contains(QString::fromLatin1(c.reason)))
            << w->statusText().toStdString();
        EXPECT_FALSE(w->isTraining());
    }
    // The limits are core's: 60 seeds were refused by a copy of them in the widget (max 50).
    setField(*w, "seeds", QStringLiteral("60"));
    EXPECT_TRUE(w->hyperparameters()->isValid())
        << w->hyperparameters()->firstError().toStdString();
    EXPECT_EQ(w->hyperparameters()->configs().size(), 60u);
    setField(*w, "seeds", QStringLiteral("1"));
    EXPECT_TRUE(start->isEnabled());

    // A bad file is refused with a message naming it, and the data set stays.
    QString error;
    EXPECT_FALSE(w->loadData(QStringLiteral("/nonexistent/dataset.pt"), &error));
    EXPECT_TRUE(error.contains(QStringLiteral("/nonexistent/dataset.pt"))) << error.toStdString();
    EXPECT_NE(w->dataPanel()->dataset(), nullptr);
}

TEST(Workbench, ExportsPngSvgPdfAndCsv) {
    auto w = smallWindow("ui_export");
    const auto data = syntheticData();
    w->dataPanel()->setDataset(data, QStringLiteral("synthetic"));
    ASSERT_TRUE(w->startTraining());
    const auto result = waitForJob(*w, 300000);
    ASSERT_TRUE(result.error.isEmpty()) << result.error.toStdString();
    QTest::qWait(100);

    const QString dir = QString::fromStdString(qm7::test::freshDir("ui_export_files"));
    QString error;
    // PNG at a chosen size and DPI.
    const QString png = dir + QStringLiteral("/loss.png");
    ASSERT_TRUE(qm7::ui::exportPlot(w->lossPlot()->plot(), png, QSize(1200, 900), 300, &error))
        << error.toStdString();
    QImage image(png);
    ASSERT_FALSE(image.isNull());
    EXPECT_EQ(image.size(), QSize(1200, 900));
    EXPECT_NEAR(image.dotsPerMeterX() * 0.0254, 300, 1);
    // Not blank: some pixels differ from the white background.
    int coloured = 0;
    for (int y = 0; y < image.height(); y += 7)
        for (int x = 0; x < image.width(); x += 7)
            coloured += image.pixelColor(x, y) != QColor(Qt::white);
    EXPECT_GT(coloured, 200);

    // The histogram (Qt Charts) too.
    const QString hpng = dir + QStringLiteral("/hist.png");
    ASSERT_TRUE(
        qm7::ui::exportPlot(w->histogramView()->chartView(), hpng, QSize(800, 600), 96, &error));
    EXPECT_EQ(QImage(hpng).size(), QSize(800, 600));

    // SVG: well-formed XML that Qt's renderer accepts, with the axis title in it.
    const QString svg = dir + QStringLiteral("/loss.svg");
    ASSERT_TRUE(qm7::ui::exportPlot(w->lossPlot()->plot(), svg, QSize(800, 600), 96, &error));
    QFile svgFile(svg);
    ASSERT_TRUE(svgFile.open(QIODevice::ReadOnly));
    const QByteArray svgBytes = svgFile.readAll();
    QXmlStreamReader xml(svgBytes);
    while (!xml.atEnd())
        xml.readNext();
    EXPECT_FALSE(xml.hasError()) << xml.errorString().toStdString();
    EXPECT_TRUE(svgBytes.contains("<svg"));
    EXPECT_TRUE(svgBytes.contains("epoch"));
    EXPECT_TRUE(QSvgRenderer(svgBytes).isValid());

    // PDF.
    const QString pdf = dir + QStringLiteral("/parity.pdf");
    ASSERT_TRUE(
        qm7::ui::exportPlot(w->parityView()->parityPlot(), pdf, QSize(800, 800), 96, &error));
    QFile pdfFile(pdf);
    ASSERT_TRUE(pdfFile.open(QIODevice::ReadOnly));
    EXPECT_TRUE(pdfFile.read(5) == "%PDF-");

    // CSV of the histogram: counts add up to the split sizes.
    const QString csv = w->histogramView()->csv();
    const QStringList lines = csv.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    ASSERT_GT(lines.size(), 2);
    EXPECT_EQ(lines.front(), QStringLiteral("bin_lo,bin_hi,train,validation,test"));
    int train = 0, val = 0, test = 0;
    for (int i = 1; i < lines.size(); ++i) {
        const QStringList f = lines[i].split(QLatin1Char(','));
        ASSERT_EQ(f.size(), 5);
        train += f[2].toInt();
        val += f[3].toInt();
        test += f[4].toInt();
    }
    EXPECT_EQ(train, 600);
    EXPECT_EQ(val, 150);
    EXPECT_EQ(test, 150);

    // Parity CSV: one row per test molecule, error = predicted - true.
    const QStringList parity = w->parityView()->csv().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    ASSERT_EQ(parity.size(), 151);
    const QStringList row = parity[1].split(QLatin1Char(','));
    EXPECT_NEAR(row[3].toDouble(), row[2].toDouble() - row[1].toDouble(), 1e-3);

    // The whole report: every figure in three formats, CSVs, report.md.
    const QString report = dir + QStringLiteral("/report");
    ASSERT_TRUE(w->exportAll(report, &error)) << error.toStdString();
    for (const char* f :
         {"loss_curves.png", "loss_curves.svg", "loss_curves.pdf", "energy_histogram.png",
          "parity.png", "residuals.png", "lr_sweep.png", "learning_curve.png", "loss_curves.csv",
          "energy_histogram.csv", "parity.csv", "report.md"})
        EXPECT_TRUE(QFile::exists(report + QLatin1Char('/') + QLatin1String(f))) << f;
    EXPECT_EQ(QImage(report + QStringLiteral("/loss_curves.png")).size(), QSize(1600, 1200));

    // A failed write leaves a message and no partial file.
    EXPECT_FALSE(qm7::ui::writeTextFile(QStringLiteral("/nonexistent/x.csv"), csv, &error));
    EXPECT_TRUE(error.contains(QStringLiteral("/nonexistent/x.csv")));
}

TEST(Workbench, SessionRoundTrips) {
    auto w = smallWindow("ui_session");
    w->dataPanel()->setDataset(syntheticData(), QStringLiteral("synthetic"));
    setField(*w, "hidden", QStringLiteral("48"));
    w->lossPlot()->setSmoothing(0.6);
    w->histogramView()->setBins(25);
    const QString path =
        QString::fromStdString(qm7::test::freshDir("ui_session_file")) + QStringLiteral("/s.json");
    QString error;
    ASSERT_TRUE(w->saveSession(path, &error)) << error.toStdString();
    auto other = smallWindow("ui_session_other");
    ASSERT_TRUE(other->loadSession(path, &error)) << error.toStdString();
    EXPECT_EQ(other->hyperparameters()->baseConfig().hidden, 48);
    EXPECT_NEAR(other->lossPlot()->smoothing(), 0.6, 1e-9);
    EXPECT_EQ(other->histogramView()->bins(), 25);
    EXPECT_FALSE(other->loadSession(QStringLiteral("/nonexistent.json"), &error));
}

TEST(Workbench, VersionNeedsNoDisplay) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(QM7_WORKBENCH), {QStringLiteral("--version")});
    ASSERT_TRUE(p.waitForFinished(30000));
    EXPECT_EQ(p.exitCode(), 0);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    EXPECT_TRUE(out.startsWith(QStringLiteral("qm7-workbench 0.")) &&
                out.contains(QStringLiteral("(git ")))
        << out.toStdString();
}

TEST(Workbench, SweepAndLearningCurveJobsFillTheirTabs) {
    auto w = smallWindow("ui_sweep_curve");
    w->dataPanel()->setDataset(syntheticData(), QStringLiteral("synthetic"));
    setField(*w, "epochs", QStringLiteral("3"));
    // One lr is no sweep: the sweep's lrs are the Hyperparameters' (no second field).
    EXPECT_FALSE(w->startSweep());
    EXPECT_TRUE(w->statusText().contains(QStringLiteral("several learning rates")))
        << w->statusText().toStdString();
    setField(*w, "lr", QStringLiteral("1e-3, 1e-2"));
    ASSERT_TRUE(w->startSweep()) << w->statusText().toStdString();
    auto result = waitForJob(*w, 300000);
    ASSERT_TRUE(result.error.isEmpty()) << result.error.toStdString();
    ASSERT_EQ(result.runs.size(), 4u);
    EXPECT_EQ(w->sweepView()->runs().size(), 4u);
    EXPECT_GT(w->sweepView()->chosenLr(), 0);
    EXPECT_EQ(w->sweepView()->csv().count(QLatin1Char('\n')), 3); // header + 2 learning rates
    // The Parity tab shows question 6's run: the chosen lr, its best-validation seed, titled,
    // with the sweep's other runs in its picker.
    ASSERT_NE(w->parityView()->run(), nullptr);
    EXPECT_DOUBLE_EQ(w->parityView()->run()->config.lr, w->sweepView()->chosenLr());
    for (const auto& r : w->sweepView()->runs()) {
        if (r->config.lr == w->sweepView()->chosenLr()) {
            EXPECT_LE(w->parityView()->run()->bestValLoss, r->bestValLoss);
        }
    }
    EXPECT_TRUE(w->parityView()->title().contains(QStringLiteral("question 6")))
        << w->parityView()->title().toStdString();
    EXPECT_EQ(w->parityView()->runPicker()->count(), 4);
    // The chosen lr is carried over to the learning curve.
    EXPECT_DOUBLE_EQ(w->learningCurveView()->learningRate(), w->sweepView()->chosenLr());

    w->learningCurveView()->setSizesText(QStringLiteral("100, 200, 400"));
    ASSERT_TRUE(w->startLearningCurve()) << w->statusText().toStdString();
    result = waitForJob(*w, 300000);
    ASSERT_TRUE(result.error.isEmpty()) << result.error.toStdString();
    ASSERT_EQ(w->learningCurveView()->points().size(), 3u);
    // The curve run showed its losses on the Loss tab, and the window came back to the curve.
    EXPECT_EQ(w->tabs()->currentWidget(), w->learningCurveView());
    EXPECT_DOUBLE_EQ(w->learningCurveView()->points()[2].n, 400);
    EXPECT_GT(w->learningCurveView()->points()[0].std, 0); // two seeds
    ASSERT_FALSE(w->learningCurveView()->fits().empty());
    EXPECT_EQ(w->runsTable()->rowCount(), 4 + 6);

    // A size beyond the training rows is refused with the reason.
    w->learningCurveView()->setSizesText(QStringLiteral("100, 5000"));
    EXPECT_FALSE(w->startLearningCurve());
    EXPECT_TRUE(w->statusText().contains(QStringLiteral("5000"))) << w->statusText().toStdString();
}

TEST(Workbench, RandomSortedTrainsOnFreshDrawsOfTheMolecules) {
    if (!qm7::ui::DataPanel::canBuildFromMolecules() || qm7::demoDataPath().empty())
        GTEST_SKIP() << "the bundled demo molecules are absent";
    auto trainOnce = [](const QString& representation, bool* augmented) {
        auto w = smallWindow("ui_random_sorted_" + representation.toStdString());
        setField(*w, "seeds", QStringLiteral("1"));
        setField(*w, "epochs", QStringLiteral("3"));
        QJsonObject state = w->hyperparameters()->state();
        state.insert(QStringLiteral("representation"), representation);
        w->hyperparameters()->setState(state);
        QString error;
        EXPECT_TRUE(w->loadData(QStringLiteral("demo"), &error)) << error.toStdString();
        *augmented = w->dataPanel()->augmentation() != nullptr;
        EXPECT_TRUE(w->startTraining()) << w->statusText().toStdString();
        const qm7::ui::JobResult result = waitForJob(*w, 300000);
        EXPECT_TRUE(result.error.isEmpty()) << result.error.toStdString();
        EXPECT_FALSE(result.cancelled);
        return result.runs.empty() ? nullptr : result.runs.front();
    };
    bool augmented = false;
    const auto random = trainOnce(QStringLiteral("random-sorted"), &augmented);
    EXPECT_TRUE(augmented);
    const auto plain = trainOnce(QStringLiteral("cm"), &augmented);
    EXPECT_FALSE(augmented);
    ASSERT_NE(random, nullptr);
    ASSERT_NE(plain, nullptr);
    EXPECT_EQ(random->epochsDone, 3);
    EXPECT_TRUE(std::isfinite(random->test.rmse));
    EXPECT_NE(random->test.rmse, plain->test.rmse);
    EXPECT_NE(random->finalValLoss, plain->finalValLoss);
}

TEST(Workbench, LoadsDataInTheBackgroundAndReportsErrors) {
    auto w = smallWindow("ui_background_load");
    const std::string course = qm7::test::sharedData("dataset.pt");
    const QString source = course.empty() ? QStringLiteral("demo") : QString::fromStdString(course);
    if (course.empty() && qm7::demoDataPath().empty())
        GTEST_SKIP() << "neither the course data set nor the demo molecules are present";
    QSignalSpy changed(w->dataPanel(), &qm7::ui::DataPanel::datasetChanged);
    QSignalSpy loading(w->dataPanel(), &qm7::ui::DataPanel::loadingChanged);
    // The event loop keeps turning while the file is read.
    int ticks = 0;
    QTimer ticker;
    ticker.setInterval(5);
    QObject::connect(&ticker, &QTimer::timeout, [&] { ++ticks; });
    ticker.start();
    ASSERT_TRUE(w->loadDataInBackground(source));
    EXPECT_TRUE(w->dataPanel()->isLoading());
    EXPECT_FALSE(w->loadDataInBackground(source)); // one load at a time
    EXPECT_FALSE(w->startTraining());              // not before the data is there
    ASSERT_TRUE(changed.wait(120000));
    ticker.stop();
    EXPECT_FALSE(w->dataPanel()->isLoading());
    EXPECT_EQ(loading.size(), 2);
    EXPECT_GT(ticks, 0);
    ASSERT_NE(w->dataPanel()->dataset(), nullptr);
    EXPECT_GT(w->dataPanel()->dataset()->train.rows(), 0u);

    // A bad file: the data stays, the reason is shown.
    QSignalSpy failed(w->dataPanel(), &qm7::ui::DataPanel::loadFailed);
    ASSERT_TRUE(w->loadDataInBackground(QStringLiteral("/nonexistent/molecules.xyz")));
    ASSERT_TRUE(failed.wait(60000));
    EXPECT_FALSE(failed.takeFirst().at(0).toString().isEmpty());
    EXPECT_TRUE(w->statusText().contains(QStringLiteral("Could not load data")))
        << w->statusText().toStdString();
    EXPECT_NE(w->dataPanel()->dataset(), nullptr);
}

TEST(Workbench, TheTrainingThreadsFieldIsTheTrainersThreadCount) {
    auto w = smallWindow("ui_threads");
    w->dataPanel()->setDataset(syntheticData(), QStringLiteral("synthetic"));
    auto* threads = w->hyperparameters()->findChild<QSpinBox*>(QStringLiteral("trainingThreads"));
    ASSERT_NE(threads, nullptr);
    bool labelled = false;
    for (auto* label : w->hyperparameters()->findChildren<QLabel*>())
        labelled = labelled || label->text() == QStringLiteral("Training threads");
    EXPECT_TRUE(labelled);
    threads->setValue(1);
    EXPECT_EQ(w->hyperparameters()->trainingThreads(), 1);
    QSignalSpy progress(w->controller(), &qm7::ui::TrainingController::progressed);
    ASSERT_TRUE(w->startTraining()) << w->statusText().toStdString();
    const auto result = waitForJob(*w, 300000);
    ASSERT_TRUE(result.error.isEmpty()) << result.error.toStdString();
    ASSERT_FALSE(progress.isEmpty());
    for (const auto& args : progress)
        EXPECT_EQ(args.at(0).value<qm7::Progress>().threads, 1);
}

TEST(Workbench, ChangingTheRepresentationRebuildsTheLoadedMolecules) {
    auto w = smallWindow("ui_representation");
    QString error;
    ASSERT_TRUE(w->loadData(QStringLiteral("demo"), &error)) << error.toStdString();
    const int d = w->dataPanel()->dataset()->d;
    EXPECT_EQ(w->dataPanel()->dataset()->representation, "cm");
    auto* combo = w->hyperparameters()->findChild<QComboBox*>(QStringLiteral("representation"));
    ASSERT_NE(combo, nullptr);
    QSignalSpy changed(w->dataPanel(), &qm7::ui::DataPanel::datasetChanged);
    combo->setCurrentIndex(combo->findData(QStringLiteral("eigen")));
    ASSERT_TRUE(changed.wait(120000));
    EXPECT_EQ(w->dataPanel()->dataset()->representation, "eigen");
    EXPECT_LT(w->dataPanel()->dataset()->d, d);
    EXPECT_EQ(w->dataPanel()->source(), QStringLiteral("demo"));
}

TEST(Workbench, TheRunsTableShowsTheDataSourceAndManyRowsAtTheDefaultSize) {
    QSettings().remove(QStringLiteral("window")); // no layout saved by an earlier test
    auto w =
        std::make_unique<MainWindow>(QString::fromStdString(qm7::test::freshDir("ui_runs_rows")));
    w->resize(1400, 900); // the default size
    w->show();
    w->tabs()->setCurrentWidget(w->runsTable()); // the Runs tab
    QTest::qWait(50);
    auto* view = w->runsTable()->view();
    const int rows = view->viewport()->height() / view->verticalHeader()->defaultSectionSize();
    EXPECT_GE(rows, 8);
    bool dataColumn = false;
    for (int c = 0; c < view->model()->columnCount(); ++c)
        dataColumn = dataColumn || view->model()->headerData(c, Qt::Horizontal).toString() ==
                                       QStringLiteral("Data");
    EXPECT_TRUE(dataColumn);
    // A run records where its data came from.
    w->dataPanel()->setDataset(syntheticData(), QStringLiteral("synthetic"));
    setField(*w, "seeds", QStringLiteral("1"));
    setField(*w, "epochs", QStringLiteral("2"));
    ASSERT_TRUE(w->startTraining());
    ASSERT_TRUE(waitForJob(*w, 300000).error.isEmpty());
    bool shown = false;
    for (int r = 0; r < view->model()->rowCount(); ++r)
        for (int c = 0; c < view->model()->columnCount(); ++c)
            shown = shown ||
                    view->model()->index(r, c).data().toString() == QStringLiteral("synthetic");
    EXPECT_TRUE(shown);
}

TEST(Workbench, FileDialogsOpenInTheLastUsedOrTheProjectFolder) {
    const QString project = QString::fromStdString(qm7::test::freshDir("ui_start_folder"));
    MainWindow w(project);
    QSettings().remove(QStringLiteral("export/dir"));
    EXPECT_EQ(w.startFolder(QStringLiteral("export/dir")), project); // not the home folder
    const QString used = QString::fromStdString(qm7::test::freshDir("ui_start_folder_used"));
    QSettings().setValue(QStringLiteral("export/dir"), used);
    EXPECT_EQ(w.startFolder(QStringLiteral("export/dir")), used);
    QSettings().setValue(QStringLiteral("export/dir"), QStringLiteral("/nonexistent/folder"));
    EXPECT_EQ(w.startFolder(QStringLiteral("export/dir")), project);
    QSettings().remove(QStringLiteral("export/dir"));
}

TEST(Workbench, LoadingOtherDataEmptiesEveryTabOfThePreviousResults) {
    auto w = smallWindow("ui_data_switch");
    w->dataPanel()->setDataset(syntheticData(), QStringLiteral("synthetic"));
    setField(*w, "epochs", QStringLiteral("3"));
    setField(*w, "lr", QStringLiteral("1e-3, 1e-2"));
    ASSERT_TRUE(w->startSweep()) << w->statusText().toStdString();
    ASSERT_TRUE(waitForJob(*w, 300000).error.isEmpty());
    w->learningCurveView()->setSizesText(QStringLiteral("100, 200, 400"));
    ASSERT_TRUE(w->startLearningCurve()) << w->statusText().toStdString();
    ASSERT_TRUE(waitForJob(*w, 300000).error.isEmpty());
    ASSERT_FALSE(w->sweepView()->summary().rows.empty());
    ASSERT_NE(w->parityView()->run(), nullptr);
    ASSERT_EQ(w->learningCurveView()->points().size(), 3u);
    ASSERT_GT(w->lossPlot()->pointCount(), 0);
    ASSERT_TRUE(w->session()->hasResults());
    EXPECT_EQ(w->sessionReport().sweepRuns.size(), 4u);
    const int storedRuns = w->runsTable()->rowCount();

    // Other data: no tab keeps the previous data's numbers, and the status says so.
    w->dataPanel()->setDataset(syntheticData(900), QStringLiteral("other"));
    EXPECT_EQ(w->session()->data(), w->dataPanel()->dataset());
    EXPECT_FALSE(w->session()->hasResults());
    EXPECT_TRUE(w->sweepView()->summary().rows.empty());
    EXPECT_TRUE(w->sweepView()->runs().empty());
    EXPECT_EQ(w->parityView()->run(), nullptr);
    EXPECT_FALSE(w->parityView()->runPicker()->isVisible());
    EXPECT_TRUE(w->learningCurveView()->points().empty());
    EXPECT_TRUE(w->learningCurveView()->fits().empty());
    EXPECT_TRUE(w->learningCurveView()->answerText().isEmpty());
    EXPECT_EQ(w->lossPlot()->pointCount(), 0);
    EXPECT_TRUE(w->sessionReport().sweepRuns.empty());
    EXPECT_TRUE(w->sessionReport().curveRuns.empty());
    EXPECT_TRUE(w->statusText().contains(QStringLiteral("emptied")))
        << w->statusText().toStdString();
    EXPECT_EQ(w->runsTable()->rowCount(), storedRuns); // the stored runs stay listed

    // A plain run after a curve: the status speaks of this run only.
    setField(*w, "lr", QStringLiteral("1e-3"));
    ASSERT_TRUE(w->startTraining()) << w->statusText().toStdString();
    ASSERT_TRUE(waitForJob(*w, 300000).error.isEmpty());
    EXPECT_FALSE(w->statusText().contains(QStringLiteral("curve")))
        << w->statusText().toStdString();
}
