// A notebook's numbers in a saved session: saved with the session (the CSVs' paths), read again
// by core's readers when the session is opened in another window, which then draws the same
// points; a CSV deleted or spoiled since gives one message naming it, and the rest of the session
// still opens.
#include "qm7ui/histogram_view.h"
#include "qm7ui/learning_curve_view.h"
#include "qm7ui/loss_plot.h"
#include "qm7ui/main_window.h"
#include "qm7ui/notebook_menu.h"
#include "qm7ui/session.h"

#include "notebook_csvs.h"
#include "test_support.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <filesystem>
#include <utility>
#include <vector>

using qm7::ui::MainWindow;

namespace {

namespace fs = std::filesystem;

/// The fixture CSV copied into dir (the test may delete or spoil the copy).
QString copyCsv(const std::string& name, const std::string& dir) {
    const fs::path from = fs::path(qm7::test::notebookCsvs("ui_notebook_session_csv_")) / name;
    const fs::path to = fs::path(dir) / name;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    return QString::fromStdString(to.string());
}

using Points = std::vector<std::pair<double, double>>;

/// The points of the plot's graphs of that name (legend) or object name, in order.
Points pointsOf(QCustomPlot* plot, const QString& name) {
    Points out;
    for (int i = 0; i < plot->graphCount(); ++i) {
        QCPGraph* g = plot->graph(i);
        if (g->name() != name && g->objectName() != name)
            continue;
        for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
            out.emplace_back(it->key, it->value);
    }
    return out;
}

Points lossPoints(MainWindow& w) {
    w.lossPlot()->replotNow();
    return pointsOf(w.lossPlot()->plot(), QStringLiteral("your notebook: val"));
}

Points curvePoints(MainWindow& w) {
    return pointsOf(w.learningCurveView()->plot(), QStringLiteral("notebookPoints"));
}

} // namespace

TEST(NotebookSession, SavedAndReopenedShowsTheSameNotebookPoints) {
    const std::string dir = qm7::test::freshDir("ui_notebook_session_same");
    const QString losses = copyCsv("losses_pandas.csv", dir);
    const QString curve = copyCsv("curve_pandas.csv", dir);
    MainWindow w;
    ASSERT_EQ(qm7::ui::loadNotebookLosses(w.session(), losses), QString());
    ASSERT_EQ(qm7::ui::loadNotebookCurve(w.session(), curve), QString());
    const Points savedLoss = lossPoints(w);
    const Points savedCurve = curvePoints(w);
    ASSERT_EQ(savedLoss.size(), 19u);
    ASSERT_FALSE(savedCurve.empty());
    const QString session = QString::fromStdString(dir + "/session.json");
    QString error;
    ASSERT_TRUE(w.saveSession(session, &error)) << error.toStdString();
    QFile file(session);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    const QJsonObject notebook =
        QJsonDocument::fromJson(file.readAll()).object().value("notebook").toObject();
    EXPECT_EQ(notebook.value("losses").toString(), losses);
    EXPECT_EQ(notebook.value("curve").toString(), curve);

    MainWindow other;
    ASSERT_TRUE(other.loadSession(session, &error)) << error.toStdString();
    EXPECT_EQ(other.lastError(), QString());
    ASSERT_NE(other.session()->notebookLosses(), nullptr);
    ASSERT_NE(other.session()->notebookCurve(), nullptr);
    EXPECT_EQ(lossPoints(other), savedLoss);
    EXPECT_EQ(curvePoints(other), savedCurve);
    EXPECT_EQ(other.learningCurveView()->notebookRanking().chosen,
              w.learningCurveView()->notebookRanking().chosen);

    // A session saved without notebook numbers removes those of the window it is opened in.
    MainWindow empty;
    const QString bare = QString::fromStdString(dir + "/bare.json");
    ASSERT_TRUE(empty.saveSession(bare, &error));
    ASSERT_TRUE(other.loadSession(bare, &error));
    EXPECT_EQ(other.session()->notebookLosses(), nullptr);
    EXPECT_TRUE(lossPoints(other).empty());
}

TEST(NotebookSession, DeletedOrSpoiledCsvGivesAMessageAndTheRestOpens) {
    const std::string dir = qm7::test::freshDir("ui_notebook_session_gone");
    const QString losses = copyCsv("losses_pandas.csv", dir);
    const QString curve = copyCsv("curve_pandas.csv", dir);
    MainWindow w;
    ASSERT_EQ(qm7::ui::loadNotebookLosses(w.session(), losses), QString());
    ASSERT_EQ(qm7::ui::loadNotebookCurve(w.session(), curve), QString());
    w.histogramView()->setBins(25);
    const QString session = QString::fromStdString(dir + "/session.json");
    QString error;
    ASSERT_TRUE(w.saveSession(session, &error)) << error.toStdString();

    // The losses CSV deleted: the curve still comes back, the losses are named in one message.
    ASSERT_TRUE(fs::remove(losses.toStdString()));
    {
        MainWindow other;
        ASSERT_TRUE(other.loadSession(session, &error)) << error.toStdString();
        EXPECT_EQ(other.histogramView()->bins(), 25);
        EXPECT_EQ(other.session()->notebookLosses(), nullptr);
        EXPECT_TRUE(lossPoints(other).empty());
        ASSERT_NE(other.session()->notebookCurve(), nullptr);
        EXPECT_EQ(curvePoints(other), curvePoints(w));
        const QString message = other.lastError();
        EXPECT_TRUE(message.contains(losses)) << message.toStdString();
        EXPECT_TRUE(message.contains("losses")) << message.toStdString();
        EXPECT_FALSE(message.contains(curve)) << message.toStdString();
        EXPECT_TRUE(other.statusText().contains(losses)) << other.statusText().toStdString();
    }

    // The curve CSV since overwritten with one size only (unusable): both left out, both named.
    fs::copy_file(fs::path(qm7::test::notebookCsvs("ui_notebook_session_csv_")) /
                      "curve_one_size.csv",
                  curve.toStdString(), fs::copy_options::overwrite_existing);
    MainWindow other;
    other.show(); // visible: the message also comes as a (non-modal) box
    ASSERT_TRUE(other.loadSession(session, &error)) << error.toStdString();
    EXPECT_EQ(other.session()->notebookCurve(), nullptr);
    EXPECT_TRUE(curvePoints(other).empty());
    EXPECT_TRUE(other.lastError().contains(curve)) << other.lastError().toStdString();
    EXPECT_TRUE(other.lastError().contains("at least two")) << other.lastError().toStdString();
    EXPECT_TRUE(other.lastError().contains(losses)) << other.lastError().toStdString();
    EXPECT_EQ(other.histogramView()->bins(), 25);
}
