#include "qm7ui/notebook_menu.h"

#include "qm7ui/learning_curve_view.h"
#include "qm7ui/loss_plot.h"
#include "qm7ui/session.h"

#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QTabWidget>

namespace qm7::ui {

QString loadNotebookLosses(Session* session, const QString& path) {
    try {
        session->setNotebookLosses(std::make_shared<const qm7::NotebookLosses>(
            qm7::readNotebookLosses(path.toStdString())));
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

QString loadNotebookCurve(Session* session, const QString& path) {
    try {
        session->setNotebookCurve(
            std::make_shared<const qm7::NotebookCurve>(qm7::readNotebookCurve(path.toStdString())));
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

void attachNotebookMenu(QWidget* window, QMenu* menu, Session* session, LossPlot* loss,
                        LearningCurveView* curve, QTabWidget* tabs) {
    QObject::connect(session, &Session::notebookChanged, loss, [session, loss, curve] {
        loss->setNotebook(session->notebookLosses());
        curve->setNotebook(session->notebookCurve());
    });
    const auto open = [window, tabs](const QString& title, QWidget* tab,
                                     QString (*load)(Session*, const QString&), Session* s) {
        const QString path = QFileDialog::getOpenFileName(
            window, title, QString(), QObject::tr("CSV files (*.csv *.txt);;All files (*)"));
        if (path.isEmpty())
            return;
        const QString error = load(s, path);
        if (!error.isEmpty()) {
            QMessageBox::warning(window, title, error);
            return;
        }
        tabs->setCurrentWidget(tab);
    };
    menu->addAction(QObject::tr("Open notebook &losses (CSV)…"), window, [=] {
        open(QObject::tr("Open notebook losses"), loss, &loadNotebookLosses, session);
    });
    menu->addAction(QObject::tr("Open notebook learning c&urve (CSV)…"), window, [=] {
        open(QObject::tr("Open notebook learning curve"), curve, &loadNotebookCurve, session);
    });
    menu->addAction(QObject::tr("Remove notebook numbers"), window, [session] {
        session->setNotebookLosses(nullptr);
        session->setNotebookCurve(nullptr);
    });
}

} // namespace qm7::ui
