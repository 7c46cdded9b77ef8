#include "screenshot_tour.h"

#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/learning_curve_view.h"
#include "qm7ui/main_window.h"
#include "qm7ui/sweep_view.h"

#include <QApplication>
#include <QDir>
#include <QLineEdit>
#include <QPixmap>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <functional>
#include <memory>

namespace {

void setField(qm7::ui::MainWindow* w, const char* name, const QString& text) {
    if (auto* edit = w->hyperparameters()->findChild<QLineEdit*>(QString::fromLatin1(name)))
        edit->setText(text);
}

bool grabTab(qm7::ui::MainWindow* w, int tab, const QString& path) {
    w->tabs()->setCurrentIndex(tab);
    QApplication::processEvents();
    QApplication::processEvents();
    const bool ok = w->grab().save(path);
    std::printf("%s %s\n", ok ? "wrote" : "FAILED", qPrintable(path));
    return ok;
}

} // namespace

void startScreenshotTour(qm7::ui::MainWindow* w, const QString& dir) {
    QDir().mkpath(dir);
    w->resize(1500, 950);
    setField(w, "hidden", QStringLiteral("64"));
    setField(w, "epochs", QStringLiteral("20"));
    setField(w, "evalEvery", QStringLiteral("1"));
    setField(w, "seeds", QStringLiteral("3"));
    setField(w, "lr", QStringLiteral("1e-3"));
    auto step = std::make_shared<int>(0);
    auto fail = [](const QString& why) {
        std::fprintf(stderr, "screenshot tour: %s\n", qPrintable(why));
        QApplication::exit(1);
    };
    auto next = std::make_shared<std::function<void()>>();
    *next = [w, dir, step, fail, next] {
        bool ok = true;
        switch ((*step)++) {
        case 0:
            ok = w->startTraining();
            break;
        case 1:
            ok = grabTab(w, 0, dir + QStringLiteral("/loss_curves.png")) &&
                 grabTab(w, 1, dir + QStringLiteral("/energy_histogram.png")) &&
                 grabTab(w, 2, dir + QStringLiteral("/parity.png"));
            setField(w, "seeds", QStringLiteral("2"));
            setField(w, "lr", QStringLiteral("1e-4, 1e-3, 1e-2"));
            ok = ok && w->startSweep();
            break;
        case 2:
            ok = grabTab(w, 3, dir + QStringLiteral("/lr_sweep.png"));
            w->learningCurveView()->setLearningRate(1e-3);
            setField(w, "seeds", QStringLiteral("3"));
            ok = ok && w->startLearningCurve();
            break;
        case 3:
            w->learningCurveView()->setModelChecked(qm7::CurveModel::Exponential, true);
            w->learningCurveView()->setModelChecked(qm7::CurveModel::LogPower, true);
            w->learningCurveView()->setModelChecked(qm7::CurveModel::Linear, true);
            ok = grabTab(w, 4, dir + QStringLiteral("/learning_curve.png"));
            w->learningCurveView()->setManual(true, qm7::CurveModel::Power);
            ok = ok && grabTab(w, 4, dir + QStringLiteral("/learning_curve_manual.png"));
            QApplication::exit(ok ? 0 : 1);
            return;
        }
        if (!ok)
            fail(w->statusText());
    };
    QObject::connect(w, &qm7::ui::MainWindow::jobFinished, w, [next](const qm7::ui::JobResult&) {
        QTimer::singleShot(300, [next] { (*next)(); });
    });
    QTimer::singleShot(500, [next] { (*next)(); });
}
