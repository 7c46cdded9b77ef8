#pragma once
/// @file notebook_session.h
/// The notebook's numbers in a saved session: the paths of the losses and learning-curve CSVs
/// the session holds, and, when a session is opened, the same files read again by core's readers
/// (notebook_numbers.h, through notebook_menu.h). The session file itself has one writer
/// (MainWindow::saveSession); these give and take its "notebook" member.

#include <QJsonObject>
#include <QString>

namespace qm7::ui {

class Session;

/// {"losses": path, "curve": path} of the notebook files the session holds (each only when
/// held).
QJsonObject notebookSessionState(const Session& session);

/// Reads the files named in state into session again; a file not named there is removed. Returns
/// "" or one message naming each file that could not be read again (vanished, or no longer a
/// usable CSV) and why; that file is then left out and everything else is kept.
QString applyNotebookSessionState(Session& session, const QJsonObject& state);

} // namespace qm7::ui
