// The homework report rendered with the workbench's plot widgets: by function and by
// `qm7-workbench --render-report DIR`, on a tiny homework of the bundled demo molecules; the
// CLI's and the window's report.md compared word for word.

#include "qm7ui/data_panel.h"
#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/learning_curve_view.h"
#include "qm7ui/loss_plot.h"
#include "qm7ui/main_window.h"
#include "qm7ui/report_renderer.h"
#include "qm7ui/sweep_view.h"
#include "qm7ui/training_controller.h"

#include "qm7/chem/dataset_builder.h"
#include "qm7/io/dataset.h"
#include "qm7/analysis/homework.h"
#include "test_support.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTabWidget>
#include <QTest>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace {

/// The bundled demo molecules (Coulomb matrices): every machine that builds the project has them.
const std::string kDemo = "demo";

/// The homework's settings, tiny: p 16, 5 epochs, two lrs, two seeds, three sizes.
qm7::HomeworkConfig tinyHomework() {
    qm7::HomeworkConfig config;
    config.base.hidden = 16;
    config.base.epochs = 5;
    config.base.evalEvery = 1;
    config.lrs = {1e-3, 1e-2};
    config.seeds = 2;
    config.sizes = {100, 300, 1000};
    return config;
}

/// Runs the tiny homework into a fresh folder of its own (ctest runs tests in parallel
/// processes); "" when the data set is absent.
std::string homeworkDir(const std::string& name) {
    const std::string out = qm7::test::freshDir(name);
    const qm7::Dataset dataset = qm7::loadDataSource(kDemo);
    qm7::runHomework(dataset, tinyHomework(), out, kDemo, qm7::TrainOptions{});
    return out;
}

/// report.md's lines without the wall-time line and the figure links (file names differ).
QStringList reportWords(const QString& dir) {
    QFile file(QDir(dir).filePath(QStringLiteral("report.md")));
    EXPECT_TRUE(file.open(QIODevice::ReadOnly)) << dir.toStdString();
    QStringList out;
    for (const QString& line : QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'))) {
        if (line.startsWith(QStringLiteral("Wall time")) || line.startsWith(QStringLiteral("![")) ||
            line.startsWith(QStringLiteral("## Figures")) || line.trimmed().isEmpty())
            continue;
        out << line;
    }
    return out;
}

/// The window's settings for the tiny homework.
void setTinySettings(qm7::ui::MainWindow& window) {
    QJsonObject hyper = window.hyperparameters()->state();
    hyper.insert(QStringLiteral("hidden"), QStringLiteral("16"));
    hyper.insert(QStringLiteral("epochs"), QStringLiteral("5"));
    hyper.insert(QStringLiteral("seeds"), QStringLiteral("2"));
    hyper.insert(QStringLiteral("evalEvery"), QStringLiteral("1"));
    hyper.insert(QStringLiteral("lr"), QStringLiteral("1e-3, 1e-2"));
    hyper.insert(QStringLiteral("representation"), QStringLiteral("cm"));
    window.hyperparameters()->setState(hyper);
    window.learningCurveView()->setSizesText(QStringLiteral("100, 300, 1000"));
}

/// Figure files linked from report.md as ![..](figures/x.png).
QStringList linkedFigures(const QString& dir) {
    QFile file(QDir(dir).filePath(QStringLiteral("report.md")));
    EXPECT_TRUE(file.open(QIODevice::ReadOnly));
    const QString md = QString::fromUtf8(file.readAll());
    QStringList links;
    const QRegularExpression link(QStringLiteral(R"(!\[[^\]]*\]\(([^)]+)\))"));
    for (auto it = link.globalMatch(md); it.hasNext();)
        links << it.next().captured(1);
    return links;
}

/// Every linked figure exists as a 1600 x 1000 PNG with a valid SVG beside it.
void expectFigures(const QString& dir, int expected) {
    const QStringList links = linkedFigures(dir);
    EXPECT_EQ(links.size(), expected) << links.join(QLatin1Char(' ')).toStdString();
    for (const QString& link : links) {
        SCOPED_TRACE(link.toStdString());
        EXPECT_TRUE(link.startsWith(QStringLiteral("figures/")));
        const QString png = QDir(dir).filePath(link);
        const QImage image(png);
        ASSERT_FALSE(image.isNull());
        EXPECT_EQ(image.size(), qm7::ui::kReportFigureSize);
        EXPECT_NEAR(image.dotsPerMeterX() * 0.0254, qm7::ui::kReportFigureDpi, 1);
        QString svg = png;
        svg.replace(QStringLiteral(".png"), QStringLiteral(".svg"));
        QSvgRenderer renderer(svg);
        EXPECT_TRUE(renderer.isValid());
        EXPECT_GT(QFileInfo(svg).size(), 1000);
    }
}

TEST(HomeworkReport, RendersEveryFigureAndLinksThem) {
    const std::string hw = homeworkDir("ui_report_function");
    const QString dir = QString::fromStdString(hw);
    QString message;
    ASSERT_EQ(qm7::ui::renderReportCommand(dir, &message), 0) << message.toStdString();
    // Histogram, loss curves, parity, sweep, learning curve.
    expectFigures(dir, 5);
    for (const char* table : {"sweep.csv", "curve.csv", "fits.csv"})
        EXPECT_TRUE(QFileInfo::exists(QDir(dir).filePath(QLatin1String(table)))) << table;
}

TEST(HomeworkReport, CommandLineWritesTheSameReport) {
    const std::string hw = homeworkDir("ui_report_command");
    const QString dir = QString::fromStdString(hw);
    QDir(QDir(dir).filePath(QStringLiteral("figures"))).removeRecursively();
    QFile::remove(QDir(dir).filePath(QStringLiteral("report.md")));
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("QT_QPA_PLATFORM")); // the command goes headless by itself
    env.remove(QStringLiteral("DISPLAY"));
    process.setProcessEnvironment(env);
    process.start(QStringLiteral(QM7_WORKBENCH), {QStringLiteral("--render-report"), dir});
    ASSERT_TRUE(process.waitForFinished(120000));
    EXPECT_EQ(process.exitCode(), 0) << process.readAllStandardError().toStdString();
    expectFigures(dir, 5);
}

TEST(HomeworkReport, RefusesAFolderThatIsNoFinishedHomework) {
    const std::string empty = qm7::test::freshDir("ui_report_empty");
    QString message;
    EXPECT_EQ(qm7::ui::renderReportCommand(QString::fromStdString(empty), &message), 2);
    EXPECT_TRUE(message.contains(QStringLiteral("not a finished homework")))
        << message.toStdString();
    QProcess process;
    process.start(QStringLiteral(QM7_WORKBENCH),
                  {QStringLiteral("--render-report"), QString::fromStdString(empty)});
    ASSERT_TRUE(process.waitForFinished(60000));
    EXPECT_EQ(process.exitCode(), 2);
    EXPECT_TRUE(process.readAllStandardError().contains("not a finished homework"));
}

TEST(HomeworkReport, SkipsTheHistogramWithANoteWhenTheDataIsGone) {
    const std::string hw = homeworkDir("ui_report_nodata_homework");
    const qm7::HomeworkResult result = qm7::loadHomework(hw);
    const std::string copy = qm7::test::freshDir("ui_report_nodata");
    const auto figures = qm7::ui::writeHomeworkReportWithFigures(
        result, QString::fromStdString(copy), "/nonexistent/dataset.pt", nullptr);
    EXPECT_EQ(figures.files.size(), 4u);
    ASSERT_EQ(figures.notes.size(), 1);
    EXPECT_TRUE(figures.notes.front().contains(QStringLiteral("histogram")));
    expectFigures(QString::fromStdString(copy), 4);
}

TEST(HomeworkReport, TheWindowRunsTheHomeworkAndWritesTheSameReport) {
    const std::string project = qm7::test::freshDir("ui_report_window_project");
    const QString dir = QString::fromStdString(qm7::test::freshDir("ui_report_window"));
    qm7::ui::MainWindow window(QString::fromStdString(project));
    setTinySettings(window);
    ASSERT_TRUE(window.loadData(QString::fromStdString(kDemo)));
    QSignalSpy finished(&window, &qm7::ui::MainWindow::jobFinished);
    QSignalSpy epochs(window.controller(), &qm7::ui::TrainingController::epochs);
    ASSERT_TRUE(window.startHomework(dir)) << window.lastError().toStdString();
    // The Loss tab draws the homework's runs live, as for Start.
    EXPECT_EQ(window.tabs()->currentWidget(), window.lossPlot());
    int livePoints = 0;
    while (finished.isEmpty() && livePoints == 0 && epochs.wait(60000)) {
        QTest::qWait(60); // the plot redraws at most every 33 ms
        if (window.isTraining())
            livePoints = window.lossPlot()->pointCount();
    }
    EXPECT_GT(livePoints, 0);
    if (finished.isEmpty()) {
        ASSERT_TRUE(finished.wait(300000));
    }
    EXPECT_TRUE(window.lastError().isEmpty()) << window.lastError().toStdString();
    EXPECT_TRUE(window.statusText().contains(QStringLiteral("report.md")))
        << window.statusText().toStdString();
    expectFigures(dir, 5);
    // The folder is a finished homework: the command line renders it again, the same way.
    QString message;
    EXPECT_EQ(qm7::ui::renderReportCommand(dir, &message), 0) << message.toStdString();
    expectFigures(dir, 5);
    EXPECT_GT(window.sweepView()->chosenLr(), 0);
    EXPECT_FALSE(window.learningCurveView()->fits().empty());

    // The CLI on the same settings writes the same report.md, word for word but the time.
    const QString cli = QString::fromStdString(qm7::test::freshDir("ui_report_cli"));
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QM7_WORKBENCH"), QStringLiteral(QM7_WORKBENCH));
    process.setProcessEnvironment(env);
    process.start(QString::fromStdString(qm7::test::cliPath()),
                  {QStringLiteral("homework"), QStringLiteral("--data"), QStringLiteral("demo"),
                   QStringLiteral("--out"), cli, QStringLiteral("--hidden"), QStringLiteral("16"),
                   QStringLiteral("--epochs"), QStringLiteral("5"), QStringLiteral("--eval-every"),
                   QStringLiteral("1"), QStringLiteral("--seeds"), QStringLiteral("2"),
                   QStringLiteral("--lrs"), QStringLiteral("1e-3,1e-2"), QStringLiteral("--sizes"),
                   QStringLiteral("100,300,1000")});
    ASSERT_TRUE(process.waitForFinished(600000));
    ASSERT_EQ(process.exitCode(), 0) << process.readAllStandardError().toStdString();
    const QStringList expected = reportWords(cli);
    EXPECT_GT(expected.size(), 10);
    EXPECT_EQ(reportWords(dir), expected);

    // The window's own export writes its report through the same writer: the same words.
    const QString exported = QString::fromStdString(qm7::test::freshDir("ui_report_export"));
    QString error;
    ASSERT_TRUE(window.exportAll(exported, &error)) << error.toStdString();
    EXPECT_EQ(reportWords(exported), expected);
}

TEST(HomeworkReport, AStoppedHomeworkResumesInTheSameFolder) {
    const QString dir = QString::fromStdString(qm7::test::freshDir("ui_report_resume"));
    qm7::ui::MainWindow window(QString::fromStdString(qm7::test::freshDir("ui_report_resume_p")));
    QJsonObject hyper = window.hyperparameters()->state();
    hyper.insert(QStringLiteral("hidden"), QStringLiteral("16"));
    hyper.insert(QStringLiteral("epochs"), QStringLiteral("40"));
    hyper.insert(QStringLiteral("seeds"), QStringLiteral("2"));
    hyper.insert(QStringLiteral("lr"), QStringLiteral("1e-3, 1e-2"));
    hyper.insert(QStringLiteral("representation"), QStringLiteral("cm"));
    window.hyperparameters()->setState(hyper);
    window.learningCurveView()->setSizesText(QStringLiteral("100, 300"));
    ASSERT_TRUE(window.loadData(QString::fromStdString(kDemo)));
    QSignalSpy finished(&window, &qm7::ui::MainWindow::jobFinished);
    ASSERT_TRUE(window.startHomework(dir));
    QTest::qWait(50);
    window.stopTraining();
    ASSERT_TRUE(finished.wait(120000));
    const auto stopped = finished.takeFirst().at(0).value<qm7::ui::JobResult>();
    EXPECT_TRUE(stopped.cancelled);
    EXPECT_FALSE(QFileInfo::exists(QDir(dir).filePath(QStringLiteral("report.md"))));
    EXPECT_TRUE(window.statusText().contains(QStringLiteral("resume")))
        << window.statusText().toStdString();
    // Again into the same folder: finishes (reusing what was done) and writes the report.
    ASSERT_TRUE(window.startHomework(dir)) << window.lastError().toStdString();
    ASSERT_TRUE(finished.wait(300000));
    EXPECT_FALSE(finished.takeFirst().at(0).value<qm7::ui::JobResult>().cancelled);
    expectFigures(dir, 5);
}

} // namespace
