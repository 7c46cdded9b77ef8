// The notebook's CSVs in a saved session: their paths saved, the files read again on opening.
#include "qm7ui/notebook_session.h"

#include "qm7ui/notebook_menu.h"
#include "qm7ui/session.h"

#include <QObject>
#include <QStringList>

namespace qm7::ui {

namespace {

const QString kLosses = QStringLiteral("losses");
const QString kCurve = QStringLiteral("curve");

} // namespace

QJsonObject notebookSessionState(const Session& session) {
    QJsonObject o;
    if (const auto losses = session.notebookLosses())
        o.insert(kLosses, QString::fromStdString(losses->file));
    if (const auto curve = session.notebookCurve())
        o.insert(kCurve, QString::fromStdString(curve->file));
    return o;
}

QString applyNotebookSessionState(Session& session, const QJsonObject& state) {
    QStringList problems;
    const QString losses = state.value(kLosses).toString();
    const QString curve = state.value(kCurve).toString();
    // Nothing of another session's notebook stays: a file that cannot be read is left out.
    session.setNotebookLosses(nullptr);
    session.setNotebookCurve(nullptr);
    if (!losses.isEmpty()) {
        const QString error = loadNotebookLosses(&session, losses);
        if (!error.isEmpty())
            problems << QObject::tr("losses: %1").arg(error);
    }
    if (!curve.isEmpty()) {
        const QString error = loadNotebookCurve(&session, curve);
        if (!error.isEmpty())
            problems << QObject::tr("learning curve: %1").arg(error);
    }
    if (problems.isEmpty())
        return {};
    return QObject::tr(
               "The session's notebook numbers could not all be read again, so they are left out "
               "(the rest of the session is open; open the file again with File > Open notebook "
               "losses / learning curve):\n%1")
        .arg(problems.join(QLatin1Char('\n')));
}

} // namespace qm7::ui
