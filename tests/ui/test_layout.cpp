// The window on a laptop screen (1280 x 800, 1366 x 768): every control reachable, every plot
// at least 300 px tall, no table cell cut, an empty plot that says what to do, and no tracker
// numbers in any text a student reads.

#include "qm7ui/learning_curve_view.h"
#include "qm7ui/loss_plot.h"
#include "qm7ui/main_window.h"
#include "qm7ui/plot_page.h"
#include "qm7ui/sweep_view.h"
#include "curve_fixtures.h"

#include <QAbstractButton>
#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QFile>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QStyle>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QTest>
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <cmath>
#include <memory>

using qm7::ui::MainWindow;

namespace {

using qm7::test::demoLikePoints;

/// A window of the given size on the demo data, shown and laid out.
std::unique_ptr<MainWindow> laptopWindow(const QString& project, QSize size) {
    auto w = std::make_unique<MainWindow>(project);
    w->loadData(QStringLiteral("demo"));
    w->resize(size);
    w->show();
    EXPECT_TRUE(QTest::qWaitForWindowExposed(w.get()));
    QTest::qWait(50);
    return w;
}

/// True when the whole of widget lies inside every ancestor up to its window (a scroll area's
/// viewport clips what lies outside it).
bool wholeInView(const QWidget* widget) {
    const QRect own = widget->rect();
    for (const QWidget* p = widget->parentWidget(); p; p = p->parentWidget()) {
        const QRect inP(widget->mapTo(p, own.topLeft()), own.size());
        if (!p->rect().contains(inP))
            return false;
        if (p->isWindow())
            break;
    }
    return true;
}

/// Every line of text fits in width px of font metrics fm beside padding px of the style's
/// margins (a cell's text is elided, "worse forwar", when it does not).
bool fits(const QFontMetrics& fm, const QString& text, int width, int padding) {
    for (const QString& line : text.split(QLatin1Char('\n')))
        if (fm.horizontalAdvance(line) + padding > width)
            return false;
    return true;
}

class Layout : public ::testing::TestWithParam<QSize> {};

TEST_P(Layout, StartStaysInViewAndEveryPlotIsTallEnough) {
    const QSize size = GetParam();
    QTemporaryDir project;
    auto w = laptopWindow(project.path(), size);
    // The window's own minimum fits the screen: nothing pushes it beyond.
    EXPECT_LE(w->width(), size.width());
    EXPECT_LE(w->height(), size.height());
    EXPECT_LE(w->minimumSizeHint().width(), size.width());
    EXPECT_LE(w->minimumSizeHint().height(), size.height());

    for (const char* name : {"start", "pause", "stop"}) {
        auto* button = w->findChild<QPushButton*>(QString::fromLatin1(name));
        ASSERT_NE(button, nullptr) << name;
        EXPECT_TRUE(button->isVisible()) << name;
        const QRect inWindow(button->mapTo(w.get(), QPoint(0, 0)), button->size());
        EXPECT_TRUE(w->rect().contains(inWindow)) << name << " at " << inWindow.y();
        EXPECT_TRUE(wholeInView(button)) << name << " is scrolled out of view";
    }

    QTabWidget* tabs = w->tabs();
    for (int i = 0; i < tabs->count(); ++i) {
        tabs->setCurrentIndex(i);
        QTest::qWait(20);
        auto* page = qobject_cast<qm7::ui::PlotPage*>(tabs->widget(i));
        if (!page)
            continue;
        for (const auto& [stem, plot] : page->plots()) {
            EXPECT_TRUE(plot->isVisible()) << stem.toStdString();
            EXPECT_GE(plot->height(), 300)
                << stem.toStdString() << " in tab " << tabs->tabText(i).toStdString() << " at "
                << size.width() << "x" << size.height();
        }
    }
}

TEST_P(Layout, TheFitsTableCutsNoCellAndTheManualFitIsInView) {
    QTemporaryDir project;
    auto w = laptopWindow(project.path(), GetParam());
    w->tabs()->setCurrentWidget(w->learningCurveView());
    qm7::ui::LearningCurveView* view = w->learningCurveView();
    view->setPoints(demoLikePoints());
    for (qm7::CurveModel m : qm7::allCurveModels())
        view->setModelChecked(m, true);
    QTest::qWait(50);

    auto* table = view->findChild<QTableWidget*>(QStringLiteral("curveTable"));
    ASSERT_NE(table, nullptr);
    ASSERT_GT(table->rowCount(), 0);
    const QFontMetrics header(table->horizontalHeader()->font());
    // The style's margins around a header's and a cell's text (QCommonStyle's).
    const int headerPadding = 2 * table->style()->pixelMetric(QStyle::PM_HeaderMargin);
    const int cellPadding =
        2 * (table->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, table) + 1);
    for (int c = 0; c < table->columnCount(); ++c) {
        const int width = table->columnWidth(c);
        const QString title = table->horizontalHeaderItem(c)->text();
        EXPECT_TRUE(fits(header, title, width, headerPadding))
            << "header " << title.toStdString() << " in " << width << " px";
        for (int r = 0; r < table->rowCount(); ++r) {
            const QTableWidgetItem* cell = table->item(r, c);
            if (!cell)
                continue;
            EXPECT_TRUE(fits(QFontMetrics(cell->font()), cell->text(), width, cellPadding))
                << "row " << r << " column " << title.toStdString() << ": "
                << cell->text().toStdString() << " in " << width << " px";
        }
    }
    auto* manual = view->findChild<QWidget*>(QStringLiteral("curveManual"));
    ASSERT_NE(manual, nullptr);
    EXPECT_TRUE(manual->isVisible());
    EXPECT_TRUE(wholeInView(manual)) << "the manual fit is hidden";
    auto* plot = view->findChild<QCustomPlot*>(QStringLiteral("curvePlot"));
    ASSERT_NE(plot, nullptr);
    EXPECT_GE(plot->height(), 300);
}

/// A finished sweep of three learning rates over two seeds (made up, as core would report).
std::vector<qm7::ui::RunResultPtr> madeUpSweep() {
    std::vector<qm7::ui::RunResultPtr> runs;
    for (double lr : {1e-4, 1e-3, 1e-2}) {
        for (int seed = 0; seed < 2; ++seed) {
            auto r = std::make_shared<qm7::RunResult>();
            r->config.lr = lr;
            r->config.seed = seed;
            r->config.hidden = 64;
            for (int e = 1; e <= 30; ++e) {
                qm7::EpochStats s;
                s.epoch = e;
                s.evaluated = true;
                s.trainLoss = 0.9 * std::exp(-e * lr * 100) + 0.01 * (seed + 1);
                s.valLoss = s.trainLoss * 1.1;
                s.trainRmse = 224 * std::sqrt(s.trainLoss);
                s.valRmse = 224 * std::sqrt(s.valLoss);
                r->history.push_back(s);
            }
            r->bestEpoch = 30;
            r->bestValLoss = r->history.back().valLoss;
            r->finalValLoss = r->bestValLoss;
            r->test.rmse = r->history.back().valRmse;
            r->epochsDone = 30;
            runs.push_back(r);
        }
    }
    return runs;
}

TEST_P(Layout, FilledTabsStillFitTheScreen) {
    const QSize size = GetParam();
    QTemporaryDir project;
    auto w = laptopWindow(project.path(), size);
    const auto runs = madeUpSweep();
    w->sweepView()->setRuns(runs);
    w->lossPlot()->showRuns(runs, {});
    w->learningCurveView()->setPoints(demoLikePoints());
    for (qm7::CurveModel m : qm7::allCurveModels())
        w->learningCurveView()->setModelChecked(m, true);
    QTabWidget* tabs = w->tabs();
    for (int i = 0; i < tabs->count(); ++i) {
        tabs->setCurrentIndex(i);
        QTest::qWait(20);
        // Filled tables and legends do not push the window beyond the screen.
        EXPECT_LE(w->width(), size.width()) << tabs->tabText(i).toStdString();
        EXPECT_LE(w->minimumSizeHint().width(), size.width()) << tabs->tabText(i).toStdString();
        EXPECT_LE(w->height(), size.height()) << tabs->tabText(i).toStdString();
        if (auto* page = qobject_cast<qm7::ui::PlotPage*>(tabs->widget(i))) {
            for (const auto& [stem, plot] : page->plots())
                EXPECT_GE(plot->height(), 300) << stem.toStdString();
        }
    }
    // The sweep's table shows every column: no scroll bar hides the test RMSE.
    auto* sweepTable = w->sweepView()->findChild<QTableWidget*>(QStringLiteral("sweepTable"));
    ASSERT_NE(sweepTable, nullptr);
    tabs->setCurrentWidget(w->sweepView());
    QTest::qWait(20);
    EXPECT_LE(sweepTable->horizontalHeader()->length(), sweepTable->viewport()->width());
}

INSTANTIATE_TEST_SUITE_P(Laptop, Layout, ::testing::Values(QSize(1280, 800), QSize(1366, 768)),
                         [](const ::testing::TestParamInfo<QSize>& size) {
                             return QStringLiteral("%1x%2")
                                 .arg(size.param.width())
                                 .arg(size.param.height())
                                 .toStdString();
                         });

TEST(EmptyPlots, TheLearningCurveSaysWhatToDoOnReadableAxes) {
    QTemporaryDir project;
    auto w = laptopWindow(project.path(), QSize(1280, 800));
    w->tabs()->setCurrentWidget(w->learningCurveView());
    QTest::qWait(20);
    auto* plot = w->learningCurveView()->findChild<QCustomPlot*>(QStringLiteral("curvePlot"));
    ASSERT_NE(plot, nullptr);
    QString hint;
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto* text = qobject_cast<QCPItemText*>(plot->item(i)))
            hint += text->text();
    EXPECT_TRUE(hint.contains(QStringLiteral("Run learning curve"))) << hint.toStdString();
    // Axes a student can read: the whole axis rect, not a strip.
    EXPECT_GE(plot->axisRect()->height(), 200);
    EXPECT_GE(plot->axisRect()->width(), 300);
    EXPECT_GE(plot->xAxis->tickVector().size(), 2);
    EXPECT_GE(plot->yAxis->tickVector().size(), 2);
}

TEST(EmptyPlots, EveryEmptyPlotHasAxesNotAStrip) {
    QTemporaryDir project;
    auto w = laptopWindow(project.path(), QSize(1280, 800));
    QTabWidget* tabs = w->tabs();
    for (int i = 0; i < tabs->count(); ++i) {
        tabs->setCurrentIndex(i);
        QTest::qWait(20);
        auto* page = qobject_cast<qm7::ui::PlotPage*>(tabs->widget(i));
        if (!page)
            continue;
        for (const auto& [stem, widget] : page->plots()) {
            auto* plot = qobject_cast<QCustomPlot*>(widget);
            if (!plot)
                continue; // the histogram is a chart
            EXPECT_GE(plot->axisRect()->width(), 150) << stem.toStdString();
            EXPECT_GE(plot->axisRect()->height(), 200) << stem.toStdString();
        }
    }
}

/// Every text of a widget a student can read: its text, title, tooltip, items, actions.
QStringList textsOf(QWidget* widget) {
    QStringList out = {widget->toolTip(), widget->windowTitle(), widget->statusTip(),
                       widget->whatsThis()};
    if (auto* label = qobject_cast<QLabel*>(widget))
        out << label->text();
    if (auto* button = qobject_cast<QAbstractButton*>(widget))
        out << button->text();
    if (auto* box = qobject_cast<QGroupBox*>(widget))
        out << box->title();
    if (auto* combo = qobject_cast<QComboBox*>(widget))
        for (int i = 0; i < combo->count(); ++i)
            out << combo->itemText(i) << combo->itemData(i, Qt::ToolTipRole).toString();
    if (auto* tabs = qobject_cast<QTabWidget*>(widget))
        for (int i = 0; i < tabs->count(); ++i)
            out << tabs->tabText(i) << tabs->tabToolTip(i);
    if (auto* table = qobject_cast<QTableWidget*>(widget)) {
        for (int c = 0; c < table->columnCount(); ++c)
            if (auto* h = table->horizontalHeaderItem(c))
                out << h->text() << h->toolTip();
        for (int r = 0; r < table->rowCount(); ++r)
            for (int c = 0; c < table->columnCount(); ++c)
                if (auto* item = table->item(r, c))
                    out << item->text() << item->toolTip();
    }
    for (QAction* action : widget->actions())
        out << action->text() << action->toolTip() << action->statusTip();
    return out;
}

TEST(Words, NoTrackerNumberInTheWindow) {
    QTemporaryDir project;
    auto w = laptopWindow(project.path(), QSize(1280, 800));
    const QRegularExpression tracker(QStringLiteral("issue\\s*#?\\s*\\d"),
                                     QRegularExpression::CaseInsensitiveOption);
    QList<QWidget*> widgets = w->findChildren<QWidget*>();
    widgets << w.get();
    int seen = 0;
    for (QWidget* widget : widgets) {
        for (const QString& text : textsOf(widget)) {
            ++seen;
            EXPECT_FALSE(tracker.match(text).hasMatch())
                << widget->metaObject()->className() << " " << widget->objectName().toStdString()
                << ": " << text.toStdString();
        }
    }
    for (QAction* action : w->menuBar()->actions()) {
        if (QMenu* menu = action->menu()) {
            for (QAction* item : menu->actions()) {
                EXPECT_FALSE(tracker.match(item->text() + item->toolTip()).hasMatch())
                    << item->text().toStdString();
            }
        }
    }
    EXPECT_GT(seen, 200); // the walk saw the window's texts, not an empty shell
}

TEST(Words, TheRepresentationIsNamedInWords) {
    QTemporaryDir project;
    auto w = laptopWindow(project.path(), QSize(1280, 800));
    auto* summary = w->findChild<QLabel*>(QStringLiteral("dataSummary"));
    ASSERT_NE(summary, nullptr);
    EXPECT_TRUE(summary->text().contains(QStringLiteral("Coulomb matrix")))
        << summary->text().toStdString();
    EXPECT_FALSE(summary->text().contains(QStringLiteral("(cm)")));
}

TEST(Words, HelpShowsTheTutorialWithItsPictures) {
    QTemporaryDir project;
    MainWindow w(project.path());
    QAction* tutorial = nullptr;
    for (QAction* action : w.menuBar()->actions())
        if (QMenu* menu = action->menu())
            for (QAction* item : menu->actions())
                if (item->text().remove(QLatin1Char('&')) == QStringLiteral("Tutorial"))
                    tutorial = item;
    ASSERT_NE(tutorial, nullptr);
    tutorial->trigger();
    auto* dialog = w.findChild<QDialog*>(QStringLiteral("tutorial"));
    ASSERT_NE(dialog, nullptr);
    auto* text = dialog->findChild<QTextBrowser*>(QStringLiteral("tutorialText"));
    ASSERT_NE(text, nullptr);
    EXPECT_TRUE(text->toPlainText().contains(QStringLiteral("Question 1")));
    // Every picture the tutorial names is built in.
    const QString markdown = text->toMarkdown();
    const QRegularExpression image(QStringLiteral("\\]\\((screenshots/[^)]+\\.png)\\)"));
    int pictures = 0;
    for (auto it = image.globalMatch(markdown); it.hasNext(); ++pictures) {
        const QString name = it.next().captured(1);
        EXPECT_TRUE(QFile::exists(QStringLiteral(":/qm7/docs/") + name)) << name.toStdString();
    }
    EXPECT_GE(pictures, 5);
    dialog->close();
}

} // namespace
