#include "qm7ui/main_window.h"

#include "qm7ui/data_panel.h"
#include "qm7ui/histogram_view.h"
#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/learning_curve_view.h"
#include "qm7ui/loss_plot.h"
#include "qm7ui/notebook_session.h"
#include "qm7ui/plot_export.h"
#include "qm7ui/runs_table.h"
#include "qm7ui/sweep_view.h"

#include "qm7/analysis/curve_fit.h"

#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSettings>
#include <QTabWidget>

/// Session save and restore (JSON), the project folder, and the window's QSettings.

namespace qm7::ui {

void MainWindow::openProjectDialog() {
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Project folder"), m_runs->projectDir());
    if (dir.isEmpty())
        return;
    m_runs->setProjectDir(dir);
    QSettings().setValue(QStringLiteral("project/dir"), dir);
}

QJsonObject MainWindow::sessionState() const {
    QJsonObject o;
    o.insert(QStringLiteral("format"), QStringLiteral("qm7-workbench-session"));
    o.insert(QStringLiteral("version"), 1);
    o.insert(QStringLiteral("data"), m_data->source());
    o.insert(QStringLiteral("project"), m_runs->projectDir());
    o.insert(QStringLiteral("hyperparameters"), m_hyper->state());
    o.insert(QStringLiteral("tab"), m_tabs->currentIndex());
    QJsonObject loss;
    loss.insert(QStringLiteral("logY"), m_loss->logY());
    loss.insert(QStringLiteral("smoothing"), m_loss->smoothing());
    loss.insert(QStringLiteral("units"), static_cast<int>(m_loss->units()));
    o.insert(QStringLiteral("loss"), loss);
    QJsonObject hist;
    hist.insert(QStringLiteral("bins"), m_histogram->bins());
    hist.insert(QStringLiteral("normalized"), m_histogram->normalized());
    o.insert(QStringLiteral("histogram"), hist);
    QJsonObject sweep;
    sweep.insert(QStringLiteral("useBest"), m_sweep->useBest());
    o.insert(QStringLiteral("sweep"), sweep);
    QJsonObject curve;
    curve.insert(QStringLiteral("sizes"), m_curve->sizesText());
    curve.insert(QStringLiteral("lr"), m_curve->learningRate());
    curve.insert(QStringLiteral("target"), m_curve->targetN());
    QJsonArray models, points;
    for (auto m : m_curve->checkedModels())
        models.append(QString::fromStdString(qm7::curveModelName(m)));
    for (const auto& p : m_curve->points()) {
        points.append(QJsonObject{{QStringLiteral("n"), p.n},
                                  {QStringLiteral("mean"), p.mean},
                                  {QStringLiteral("std"), p.std},
                                  {QStringLiteral("excluded"), p.excluded}});
    }
    curve.insert(QStringLiteral("models"), models);
    curve.insert(QStringLiteral("points"), points);
    o.insert(QStringLiteral("curve"), curve);
    QJsonArray checked;
    for (const auto& r : m_runs->checkedRuns())
        checked.append(r.id);
    o.insert(QStringLiteral("overlay"), checked);
    o.insert(QStringLiteral("notebook"), notebookSessionState(*m_session));
    return o;
}

void MainWindow::applySessionState(const QJsonObject& o) {
    const QString project = o.value(QStringLiteral("project")).toString();
    if (!project.isEmpty() && project != m_runs->projectDir() && QDir(project).exists())
        m_runs->setProjectDir(project);
    m_hyper->setState(o.value(QStringLiteral("hyperparameters")).toObject());
    const QString data = o.value(QStringLiteral("data")).toString();
    if (!data.isEmpty() && data != m_data->source())
        loadData(data);
    const QJsonObject loss = o.value(QStringLiteral("loss")).toObject();
    m_loss->setLogY(loss.value(QStringLiteral("logY")).toBool(true));
    m_loss->setSmoothing(loss.value(QStringLiteral("smoothing")).toDouble());
    m_loss->setUnits(static_cast<LossPlot::Units>(loss.value(QStringLiteral("units")).toInt()));
    const QJsonObject hist = o.value(QStringLiteral("histogram")).toObject();
    m_histogram->setBins(hist.value(QStringLiteral("bins")).toInt(40));
    m_histogram->setNormalized(hist.value(QStringLiteral("normalized")).toBool());
    const QJsonObject sweep = o.value(QStringLiteral("sweep")).toObject();
    m_sweep->setUseBest(sweep.value(QStringLiteral("useBest")).toBool(true));
    const QJsonObject curve = o.value(QStringLiteral("curve")).toObject();
    if (curve.contains(QStringLiteral("sizes")))
        m_curve->setSizesText(curve.value(QStringLiteral("sizes")).toString());
    m_curve->setLearningRate(curve.value(QStringLiteral("lr")).toDouble());
    m_curve->setTargetN(curve.value(QStringLiteral("target")).toInt(4000));
    if (curve.contains(QStringLiteral("models"))) {
        QStringList names;
        for (const auto& v : curve.value(QStringLiteral("models")).toArray())
            names << v.toString();
        for (auto m : qm7::allCurveModels())
            m_curve->setModelChecked(
                m, names.contains(QString::fromStdString(qm7::curveModelName(m))));
    }
    std::vector<qm7::CurvePoint> points;
    for (const auto& v : curve.value(QStringLiteral("points")).toArray()) {
        const QJsonObject p = v.toObject();
        qm7::CurvePoint c;
        c.n = p.value(QStringLiteral("n")).toDouble();
        c.mean = p.value(QStringLiteral("mean")).toDouble();
        c.std = p.value(QStringLiteral("std")).toDouble();
        c.excluded = p.value(QStringLiteral("excluded")).toBool();
        points.push_back(c);
    }
    if (!points.empty())
        m_curve->setPoints(points);
    QStringList overlay;
    for (const auto& v : o.value(QStringLiteral("overlay")).toArray())
        overlay << v.toString();
    if (!overlay.isEmpty())
        m_runs->setChecked(overlay);
    m_tabs->setCurrentIndex(o.value(QStringLiteral("tab")).toInt());
    const QString notebook =
        applyNotebookSessionState(*m_session, o.value(QStringLiteral("notebook")).toObject());
    if (!notebook.isEmpty()) { // the rest of the session stays open
        m_lastError = notebook;
        showStatus(QString(notebook).replace(QLatin1Char('\n'), QLatin1Char(' ')));
        if (isVisible())
            warn(tr("Notebook numbers left out"), notebook);
    }
}

bool MainWindow::saveSession(const QString& path, QString* error) const {
    return writeTextFile(path, QString::fromUtf8(QJsonDocument(sessionState()).toJson()), error);
}

bool MainWindow::loadSession(const QString& path, QString* error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = tr("cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    QJsonParseError parse;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parse);
    if (doc.isNull() || !doc.isObject() ||
        doc.object().value(QStringLiteral("format")).toString() !=
            QLatin1String("qm7-workbench-session")) {
        if (error)
            *error = tr("%1 is not a qm7-workbench session (%2)")
                         .arg(path, parse.error ? parse.errorString() : tr("wrong format"));
        return false;
    }
    applySessionState(doc.object());
    return true;
}

void MainWindow::saveSessionDialog() {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save session"),
        QDir(startFolder(QStringLiteral("session/dir"))).filePath(QStringLiteral("session.json")),
        tr("Session (*.json)"));
    if (path.isEmpty())
        return;
    QSettings().setValue(QStringLiteral("session/dir"), QFileInfo(path).path());
    QString error;
    if (!saveSession(path, &error))
        warn(tr("Save failed"), error);
}

void MainWindow::loadSessionDialog() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Load session"),
                                                      startFolder(QStringLiteral("session/dir")),
                                                      tr("Session (*.json)"));
    if (path.isEmpty())
        return;
    QSettings().setValue(QStringLiteral("session/dir"), QFileInfo(path).path());
    QString error;
    if (!loadSession(path, &error))
        warn(tr("Load failed"), error);
}

void MainWindow::readSettings() {
    QSettings s;
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    const QJsonObject hyper =
        QJsonDocument::fromJson(s.value(QStringLiteral("session/hyperparameters")).toByteArray())
            .object();
    if (!hyper.isEmpty())
        m_hyper->setState(hyper);
    if (!s.contains(QStringLiteral("window/geometry")))
        resize(1400, 900);
}

void MainWindow::writeSettings() const {
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("session/hyperparameters"),
               QJsonDocument(m_hyper->state()).toJson(QJsonDocument::Compact));
    s.setValue(QStringLiteral("project/dir"), m_runs->projectDir());
}

} // namespace qm7::ui
