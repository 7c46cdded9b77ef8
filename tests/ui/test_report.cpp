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
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QXmlStreamReader>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTabWidget>
#include <QTest>
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <cmath>
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
    ASSERT_TRUE(window.startHomework(dir)) << window.lastError().toStdString();
    // The Loss tab draws the homework's runs live, as for Start: points are there while the job
    // has not finished. Polled every 10 ms (the plot redraws at most every 33 ms); sampling only
    // after each epoch signal missed the short tiny jobs between the homework's stages.
    EXPECT_EQ(window.tabs()->currentWidget(), window.lossPlot());
    int livePoints = 0;
    QElapsedTimer clock;
    clock.start();
    while (finished.isEmpty() && livePoints == 0 && clock.elapsed() < 300000) {
        QTest::qWait(10);
        if (finished.isEmpty())
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

namespace {

/// The fields of one CSV line (quoted fields may hold commas).
QStringList csvFields(const QString& line) {
    QStringList out;
    QString field;
    bool quoted = false;
    for (const QChar c : line) {
        if (c == QLatin1Char('"'))
            quoted = !quoted;
        else if (c == QLatin1Char(',') && !quoted) {
            out << field;
            field.clear();
        } else
            field += c;
    }
    out << field;
    return out;
}

/// fits.csv as one map of column -> value per law, in rank order.
std::vector<QMap<QString, QString>> fitsCsv(const QString& dir) {
    QFile file(QDir(dir).filePath(QStringLiteral("fits.csv")));
    EXPECT_TRUE(file.open(QIODevice::ReadOnly)) << dir.toStdString();
    const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'));
    std::vector<QMap<QString, QString>> rows;
    const QStringList header = csvFields(lines.value(0));
    for (int i = 1; i < lines.size(); ++i) {
        if (lines[i].trimmed().isEmpty())
            continue;
        const QStringList fields = csvFields(lines[i]);
        QMap<QString, QString> row;
        for (int c = 0; c < header.size(); ++c)
            row[header[c]] = fields.value(c);
        rows.push_back(row);
    }
    return rows;
}

/// The legend entry a law of fits.csv must have in the learning-curve figure: its formula, its
/// fit window and its forward error, as the CSV gives them ("" for a failed fit: not drawn).
QString expectedLegendName(const QMap<QString, QString>& row) {
    if (row.value(QStringLiteral("ok")) != QLatin1String("1"))
        return {};
    QString law = row.value(QStringLiteral("formula"));
    const QString from = row.value(QStringLiteral("fit_from_n"));
    if (!from.isEmpty())
        law += QStringLiteral(" on n ≥ ") + from;
    const QString fe = row.value(QStringLiteral("forward_ln_error"));
    const QString forward = fe.isEmpty() ? QString() : QString::number(fe.toDouble(), 'f', 3);
    if (row.value(QStringLiteral("chosen")) == QLatin1String("1"))
        return QStringLiteral("%1 (chosen; forward error %2)").arg(law, forward);
    if (row.value(QStringLiteral("usable")) == QLatin1String("1"))
        return QStringLiteral("%1 (forward error %2)").arg(law, forward);
    return forward.isEmpty() ? law + QStringLiteral(": rejected")
                             : QStringLiteral("%1: rejected (forward error %2)").arg(law, forward);
}

/// Every text element of an SVG figure (legend entries, tick labels, titles).
QStringList svgTexts(const QString& path) {
    QFile file(path);
    EXPECT_TRUE(file.open(QIODevice::ReadOnly)) << path.toStdString();
    QXmlStreamReader xml(&file);
    QStringList texts;
    while (!xml.atEnd()) {
        if (xml.readNext() == QXmlStreamReader::StartElement && xml.name() == QLatin1String("text"))
            texts << xml.readElementText(QXmlStreamReader::IncludeChildElements).trimmed();
    }
    EXPECT_FALSE(xml.hasError()) << xml.errorString().toStdString();
    return texts;
}

/// The rendered learning-curve figure names each law of fits.csv with its window and forward
/// error, and names exactly one law chosen: fits.csv's.
void expectFigureDrawsFitsCsv(const QString& dir) {
    const auto rows = fitsCsv(dir);
    ASSERT_FALSE(rows.empty());
    const QStringList texts =
        svgTexts(QDir(dir).filePath(QStringLiteral("figures/learning_curve.svg")));
    int chosen = 0;
    for (const auto& row : rows) {
        const QString name = expectedLegendName(row);
        if (name.isEmpty())
            continue;
        EXPECT_TRUE(texts.contains(name))
            << "missing legend entry \"" << name.toStdString() << "\" in "
            << texts.join(QStringLiteral(" | ")).toStdString();
        chosen += row.value(QStringLiteral("chosen")) == QLatin1String("1");
    }
    EXPECT_EQ(chosen, 1);
    EXPECT_EQ(texts.filter(QStringLiteral("(chosen;")).size(), 1)
        << texts.join(QStringLiteral(" | ")).toStdString();
}

/// A learning curve still steepening (local log-log slope 1.3 n / (n + 300), as the demo's):
/// forward validation fits the power law without its smallest size.
void steepeningCurve(std::vector<qm7::CurveRow>& rows, std::vector<qm7::RunResult>& runs) {
    const double eps[3][4] = {
        {0.03, -0.02, 0.01, -0.01}, {-0.02, 0.03, -0.02, 0.02}, {0.0, -0.01, 0.02, -0.01}};
    const int sizes[] = {100, 200, 500, 1000};
    rows.clear();
    runs.clear();
    for (int i = 0; i < 4; ++i) {
        const double truth = 1.5e7 * std::pow(sizes[i] + 300.0, -1.3);
        double sum = 0, sq = 0;
        for (int s = 0; s < 3; ++s) {
            qm7::RunResult r;
            r.config.seed = static_cast<std::uint64_t>(s);
            r.config.trainSize = sizes[i];
            r.test.mse = truth * std::exp(eps[s][i]);
            r.test.rmse = std::sqrt(r.test.mse);
            runs.push_back(r);
            sum += r.test.mse;
            sq += r.test.mse * r.test.mse;
        }
        qm7::CurveRow row;
        row.n = sizes[i];
        row.runs = 3;
        row.mseMean = sum / 3;
        row.mseStd = std::sqrt(std::max(0.0, (sq - 3 * row.mseMean * row.mseMean) / 2));
        row.rmseMean = std::sqrt(row.mseMean);
        rows.push_back(row);
    }
}

} // namespace

TEST(HomeworkReport, TheLearningCurveFigureDrawsTheRankingOfFitsCsv) {
    // A real homework, written as `qm7 homework` writes it, then rendered by --render-report.
    const std::string out = qm7::test::freshDir("ui_report_one_ranking");
    qm7::HomeworkConfig config = tinyHomework();
    config.sizes = {100, 200, 500, 1000}; // enough sizes for a fit window
    const qm7::HomeworkResult ran =
        qm7::runHomework(qm7::loadDataSource(kDemo), config, out, kDemo, qm7::TrainOptions{});
    qm7::writeReport(ran, out, kDemo);
    const QString dir = QString::fromStdString(out);
    QString message;
    ASSERT_EQ(qm7::ui::renderReportCommand(dir, &message), 0) << message.toStdString();
    expectFigureDrawsFitsCsv(dir);

    // Rendering again reads the report's ranking (ranking.json) and never ranks anew: a value
    // changed there is what the figure and fits.csv show afterwards.
    const QString json = QDir(dir).filePath(QStringLiteral("ranking.json"));
    QFile in(json);
    ASSERT_TRUE(in.open(QIODevice::ReadOnly));
    QJsonObject ranking = QJsonDocument::fromJson(in.readAll()).object();
    in.close();
    const int chosen = ranking.value(QStringLiteral("chosen")).toInt();
    ASSERT_GE(chosen, 0);
    QJsonArray laws = ranking.value(QStringLiteral("laws")).toArray();
    QJsonObject law = laws[chosen].toObject();
    law.insert(QStringLiteral("forward_error"), 0.04321);
    laws[chosen] = law;
    ranking.insert(QStringLiteral("laws"), laws);
    QFile outFile(json);
    ASSERT_TRUE(outFile.open(QIODevice::WriteOnly | QIODevice::Truncate));
    outFile.write(QJsonDocument(ranking).toJson());
    outFile.close();
    ASSERT_EQ(qm7::ui::renderReportCommand(dir, &message), 0) << message.toStdString();
    const auto rows = fitsCsv(dir);
    ASSERT_GT(rows.size(), static_cast<std::size_t>(chosen));
    EXPECT_EQ(rows[static_cast<std::size_t>(chosen)].value(QStringLiteral("forward_ln_error")),
              QStringLiteral("0.04321"));
    expectFigureDrawsFitsCsv(dir);
    const QStringList texts =
        svgTexts(QDir(dir).filePath(QStringLiteral("figures/learning_curve.svg")));
    EXPECT_EQ(texts.filter(QStringLiteral("(chosen; forward error 0.043)")).size(), 1)
        << texts.join(QStringLiteral(" | ")).toStdString();

    // A curve whose chosen fit leaves out the smallest size: the figure names that window.
    qm7::HomeworkResult result = qm7::loadHomework(out);
    steepeningCurve(result.curve, result.curveRuns);
    result.ranking = qm7::rankLaws(qm7::curvePoints(result.curve),
                                   qm7::perSeedCurves(result.curveRuns), result.targetN);
    ASSERT_NE(result.ranking.answer(), nullptr);
    ASSERT_GT(result.ranking.answer()->window, 0) << "the construction must choose a window";
    const QString windowed = QString::fromStdString(qm7::test::freshDir("ui_report_window_fit"));
    qm7::ui::writeHomeworkReportWithFigures(result, windowed, kDemo, nullptr);
    expectFigureDrawsFitsCsv(windowed);
    const QString label = QString::fromStdString(qm7::lawLabel(*result.ranking.answer()));
    EXPECT_TRUE(label.contains(QStringLiteral("on n ≥ 200"))) << label.toStdString();
    EXPECT_EQ(svgTexts(QDir(windowed).filePath(QStringLiteral("figures/learning_curve.svg")))
                  .filter(label + QStringLiteral(" (chosen;"))
                  .size(),
              1);

    // The tab's own model draws the same names (its legend items).
    qm7::ui::LearningCurveView view;
    view.showRanking(qm7::curvePoints(result.curve), result.ranking);
    QStringList legend;
    for (int i = 0; i < view.plot()->legend->itemCount(); ++i)
        if (auto* item = qobject_cast<QCPPlottableLegendItem*>(view.plot()->legend->item(i)))
            legend << item->plottable()->name();
    for (const auto& row : fitsCsv(windowed)) {
        const QString name = expectedLegendName(row);
        if (!name.isEmpty()) {
            EXPECT_TRUE(legend.contains(name)) << name.toStdString();
        }
    }
    EXPECT_EQ(view.ranking().chosen, result.ranking.chosen);
}
