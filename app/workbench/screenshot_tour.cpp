#include "screenshot_tour.h"

#include "qm7ui/data_panel.h"
#include "qm7ui/exploration_view.h"
#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/learning_curve_view.h"
#include "qm7ui/cv_view.h"
#include "qm7ui/main_window.h"
#include "qm7ui/model_curves_view.h"
#include "qm7ui/plot_style.h"
#include "qm7ui/runs_table.h"
#include "qm7ui/sweep_view.h"
#include "qm7ui/training_controller.h"

#include "qm7/analysis/curve_verify.h"
#include "qm7/train/run_store.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDirIterator>
#include <QDockWidget>
#include <QEventLoop>
#include <QFileInfo>
#include <QImage>
#include <QLineEdit>
#include <QPixmap>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <functional>
#include <memory>

namespace {

enum Tab { Loss = 0, Histogram = 1, Parity = 2, Sweep = 3, Curve = 4 };

void setField(qm7::ui::MainWindow* w, const char* name, const QString& text) {
    if (auto* edit = w->hyperparameters()->findChild<QLineEdit*>(QString::fromLatin1(name)))
        edit->setText(text);
}

/// Saves the window showing a tab under each name: small files (a palette of 256 colours,
/// which plots with flat colours keep without visible loss).
bool grabTab(qm7::ui::MainWindow* w, int tab, const QString& dir, const QStringList& names) {
    if (tab >= 0)
        w->tabs()->setCurrentIndex(tab);
    // Charts update their scene lazily: let them settle before the picture.
    QEventLoop settle;
    QTimer::singleShot(300, &settle, &QEventLoop::quit);
    settle.exec();
    const QImage image = w->grab().toImage().convertToFormat(QImage::Format_Indexed8,
                                                             Qt::ThresholdDither | Qt::AvoidDither);
    bool ok = true;
    for (const QString& name : names) {
        const QString path = QDir(dir).filePath(name + QStringLiteral(".png"));
        const bool saved = image.save(path, "PNG", 0);
        std::printf("%s %s\n", saved ? "wrote" : "FAILED", qPrintable(path));
        ok = ok && saved;
    }
    return ok;
}

/// A `qm7 curve --verify` folder (QM7_SCREENSHOT_CURVE) in the Learning curve tab: its runs and
/// the measured points at larger n.
bool grabCurveFolder(qm7::ui::MainWindow* w, const QString& folder, const QString& dir,
                     const QString& name) {
    std::vector<qm7::ui::RunResultPtr> runs;
    QDirIterator it(folder, {QStringLiteral("n*-seed*")}, QDir::Dirs);
    while (it.hasNext()) {
        const std::string d = it.next().toStdString();
        if (qm7::hasFinishedRun(d))
            runs.push_back(std::make_shared<const qm7::RunResult>(qm7::loadRun(d)));
    }
    if (runs.empty())
        return false;
    qm7::ui::LearningCurveView* view = w->learningCurveView();
    // The runs list small: this picture is about the plot and the table of laws.
    if (auto* runsDock = w->findChild<QDockWidget*>(QStringLiteral("runsDock")))
        w->resizeDocks({runsDock}, {120}, Qt::Vertical);
    view->setRuns(runs, 0);
    view->setMeasured(qm7::loadVerification(folder.toStdString()));
    return grabTab(w, Curve, dir, {name});
}

/// A folder holding a `cv-paper-demo-k5` results folder (QM7_SCREENSHOT_CV) in the
/// Cross-validation tab: its finished folds beside the published anchors.
bool grabCvFolder(qm7::ui::MainWindow* w, const QString& folder, const QString& dir,
                  const QString& name) {
    auto* view = w->findChild<qm7::ui::CvView*>();
    if (!view)
        return false;
    view->setFolds(5);
    view->setTrainSize(0);
    view->setOutputFolder(folder);
    // The first study the folder holds: the paper's network, else KRR or the one-layer network
    // on either representation.
    for (const qm7::CvModel model : {qm7::CvModel::Paper, qm7::CvModel::Krr, qm7::CvModel::Mlp})
        for (const qm7::Representation rep :
             {qm7::Representation::Sorted, qm7::Representation::BagOfBonds}) {
            view->setModel(model);
            view->setRepresentation(rep);
            if (QFileInfo::exists(view->resultsDir()))
                return grabTab(w, w->tabs()->indexOf(view), dir, {name});
        }
    return false;
}

/// A `qm7 invariance --curve` folder (QM7_SCREENSHOT_CURVES) in the Cross-validation tab's
/// learning-curves window, as large as the main window.
bool grabModelCurves(qm7::ui::MainWindow* w, const QString& folder, const QString& dir,
                     const QString& name) {
    auto* cv = w->findChild<qm7::ui::CvView*>();
    if (!cv)
        return false;
    qm7::ui::ModelCurvesView* view = cv->learningCurves();
    view->setStudy(cv->source(), folder);
    view->resize(w->size());
    QEventLoop settle;
    QTimer::singleShot(300, &settle, &QEventLoop::quit);
    settle.exec();
    view->reload(); // the legend's columns follow the window's final width
    const QImage image = view->grab().toImage().convertToFormat(
        QImage::Format_Indexed8, Qt::ThresholdDither | Qt::AvoidDither);
    const QString path = QDir(dir).filePath(name + QStringLiteral(".png"));
    const bool saved = !view->curves().empty() && image.save(path, "PNG", 0);
    std::printf("%s %s\n", saved ? "wrote" : "FAILED", qPrintable(path));
    view->close();
    return saved;
}

/// A `qm7 sweep --grid/--sample` folder (QM7_SCREENSHOT_EXPLORATION) in the Exploration tab.
bool grabExplorationFolder(qm7::ui::MainWindow* w, const QString& folder, const QString& dir,
                           const QString& name) {
    auto* view = w->findChild<qm7::ui::ExplorationView*>();
    QString error;
    if (!view || !view->openTrials(folder, &error)) {
        std::fprintf(stderr, "screenshot tour: %s\n", qPrintable(error));
        return false;
    }
    return grabTab(w, w->tabs()->indexOf(view), dir, {name});
}

} // namespace

// The tour follows docs/TUTORIAL.md: questions 1-2 (data), 5 (sweep, loss curves), 6 (parity),
// 7 (learning curve), 8 (another representation). Each step starts when the previous job ends.
void startScreenshotTour(qm7::ui::MainWindow* w, const QString& dir) {
    QDir().mkpath(dir);
    // QM7_SCREENSHOT_SIZE=1280x800 shows the window as a laptop does (default 1400x880).
    QSize size(1400, 880);
    if (const QStringList wh = qEnvironmentVariable("QM7_SCREENSHOT_SIZE").split(QLatin1Char('x'));
        wh.size() == 2 && wh[0].toInt() > 0 && wh[1].toInt() > 0)
        size = QSize(wh[0].toInt(), wh[1].toInt());
    w->resize(size);
    setField(w, "hidden", QStringLiteral("64"));
    setField(w, "epochs", QStringLiteral("30"));
    setField(w, "evalEvery", QStringLiteral("1"));
    setField(w, "seeds", QStringLiteral("3"));
    setField(w, "lr", QStringLiteral("1e-4, 1e-3, 1e-2"));
    auto step = std::make_shared<int>(0);
    auto fail = [](const QString& why) {
        std::fprintf(stderr, "screenshot tour: %s\n", qPrintable(why));
        QApplication::exit(1);
    };
    // One picture while the sweep trains: the curves grow live.
    auto live = std::make_shared<bool>(false);
    QObject::connect(w->controller(), &qm7::ui::TrainingController::progressed, w,
                     [w, dir, live](const qm7::Progress& p) {
                         if (*live || p.stepsTotal <= 0 || p.stepsDone * 3 < p.stepsTotal)
                             return;
                         *live = true;
                         grabTab(w, Loss, dir, {QStringLiteral("tutorial_5_training_live")});
                     });
    auto next = std::make_shared<std::function<void()>>();
    *next = [w, dir, step, fail, next] {
        bool ok = true;
        switch ((*step)++) {
        case 0: // questions 1 and 2: the data and its labels; the curve before any run
            ok = grabTab(w, Curve, dir, {QStringLiteral("learning_curve_empty")}) &&
                 grabTab(w, Histogram, dir, {QStringLiteral("energy_histogram")});
            // A real exploration folder, when given (before any job: nothing else is needed).
            if (const QString folder = qEnvironmentVariable("QM7_SCREENSHOT_EXPLORATION");
                ok && !folder.isEmpty())
                ok = grabExplorationFolder(w, folder, dir, QStringLiteral("exploration"));
            ok = ok && w->startTraining(); // several lrs: the sweep of question 5
            break;
        case 1: // questions 5 and 6
            ok = grabTab(w, Loss, dir, {QStringLiteral("loss_curves")}) &&
                 grabTab(w, Sweep, dir, {QStringLiteral("lr_sweep")}) &&
                 grabTab(w, Parity, dir, {QStringLiteral("parity")});
            // Question 7 at the chosen lr (carried over to the curve tab).
            ok = ok && w->startLearningCurve();
            break;
        case 2:
            w->learningCurveView()->setModelChecked(qm7::CurveModel::Exponential, true);
            w->learningCurveView()->setModelChecked(qm7::CurveModel::LogPower, true);
            w->learningCurveView()->setModelChecked(qm7::CurveModel::Linear, true);
            ok = grabTab(w, Curve, dir, {QStringLiteral("learning_curve")});
            w->learningCurveView()->setManual(true, qm7::CurveModel::Power);
            ok = ok && grabTab(w, Curve, dir, {QStringLiteral("learning_curve_manual")});
            w->learningCurveView()->setManual(false);
            // A real `qm7 curve --verify` folder, when given: measured points at larger n (on
            // the Coulomb matrix the data box still shows).
            if (const QString folder = qEnvironmentVariable("QM7_SCREENSHOT_CURVE");
                ok && !folder.isEmpty())
                ok =
                    grabCurveFolder(w, folder, dir, QStringLiteral("learning_curve_demo_measured"));
            // Question 8: another representation; the loaded molecules are rebuilt.
            if (auto* rep =
                    w->hyperparameters()->findChild<QComboBox*>(QStringLiteral("representation"))) {
                // The chosen rate is read now: loading the rebuilt data empties the sweep tab.
                const QString chosenLr = qm7::ui::lrText(w->sweepView()->chosenLr());
                QObject::connect(
                    w->dataPanel(), &qm7::ui::DataPanel::datasetChanged, w,
                    [w, chosenLr, fail] {
                        setField(w, "lr", chosenLr);
                        QTimer::singleShot(300, [w, fail] {
                            if (!w->startTraining())
                                fail(w->statusText());
                        });
                    },
                    Qt::SingleShotConnection);
                rep->setCurrentIndex(rep->findData(QStringLiteral("eigen")));
            } else {
                ok = false;
            }
            break;
        case 3:
            ok = grabTab(w, Parity, dir, {QStringLiteral("tutorial_8_eigenspectrum")});
            if (auto* cv = w->findChild<qm7::ui::CvView*>(); ok && cv)
                ok = grabTab(w, w->tabs()->indexOf(cv), dir, {QStringLiteral("cross_validation")});
            if (auto* runs = w->findChild<qm7::ui::RunsTable*>(); ok && runs)
                ok = grabTab(w, w->tabs()->indexOf(runs), dir, {QStringLiteral("runs")});
            // Real cross-validation results, when given: a five-fold study read from its folder.
            if (const QString cv = qEnvironmentVariable("QM7_SCREENSHOT_CV"); ok && !cv.isEmpty())
                ok = grabCvFolder(w, cv, dir, QStringLiteral("cross_validation_folds"));
            if (const QString curves = qEnvironmentVariable("QM7_SCREENSHOT_CURVES");
                ok && !curves.isEmpty())
                ok = grabModelCurves(w, curves, dir, QStringLiteral("learning_curves_models"));
            QApplication::exit(ok ? 0 : 1);
            return;
        }
        if (!ok)
            fail(w->statusText());
    };
    QObject::connect(w, &qm7::ui::MainWindow::jobFinished, w, [next](const qm7::ui::JobResult&) {
        QTimer::singleShot(300, [next] { (*next)(); });
    });
    QObject::connect(w->learningCurveView(), &qm7::ui::LearningCurveView::measureFinished, w,
                     [next](const QString&) { QTimer::singleShot(300, [next] { (*next)(); }); });
    QTimer::singleShot(500, [next] { (*next)(); });
}
