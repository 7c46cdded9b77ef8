// A window whose jobs end with it.
#include "qm7ui/job_window.h"

#include "qm7ui/job_runner.h"

#include "qm7/chem/dataset_builder.h"
#include "qm7/train/threads.h"

#include <QCloseEvent>

#include <exception>
#include <memory>
#include <utility>

namespace qm7::ui {

JobWindow::JobWindow(QWidget* parent) : QWidget(parent, Qt::Window) {}

JobWindow::~JobWindow() {
    JobRunner::instance().close(this);
}

bool JobWindow::isRunning() const {
    return JobRunner::instance().isRunning(this);
}

bool JobWindow::runOnMolecules(const QString& lane, const std::string& source, MoleculeWork work,
                               MoleculeDone done) {
    auto outcome = std::make_shared<std::pair<bool, QString>>(false, QString());
    return JobRunner::instance().start(
        this, lane,
        [source, work = std::move(work), outcome](JobContext& job) {
            try {
                qm7::setUpNumerics();
                outcome->first = work(qm7::readMolecules(source), job);
            } catch (const std::exception& e) {
                outcome->second = QString::fromStdString(e.what());
            }
        },
        [done = std::move(done), outcome] { done(outcome->first, outcome->second); });
}

void JobWindow::closeEvent(QCloseEvent* event) {
    JobRunner::instance().cancelAndJoin(this);
    QWidget::closeEvent(event);
}

} // namespace qm7::ui
