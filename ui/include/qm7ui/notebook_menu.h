#pragma once
/// @file notebook_menu.h
/// File > Open notebook losses / learning curve (CSV): a notebook's own numbers read by core
/// (notebook_numbers.h) into the session, which the Loss curves and Learning curve tabs draw
/// beside the workbench's; File > Remove notebook numbers takes them away.

#include <QString>

class QMenu;
class QTabWidget;
class QWidget;

namespace qm7::ui {

class LearningCurveView;
class LossPlot;
class Session;

/// Reads a losses CSV into the session; returns "" or the reason it cannot be used (the session
/// is then unchanged).
QString loadNotebookLosses(Session* session, const QString& path);
/// Reads a learning-curve CSV into the session; returns "" or the reason.
QString loadNotebookCurve(Session* session, const QString& path);

/// Adds the menu items to `menu` and keeps both tabs drawing the session's notebook numbers;
/// a loaded file brings its tab to the front of `tabs`.
void attachNotebookMenu(QWidget* window, QMenu* menu, Session* session, LossPlot* loss,
                        LearningCurveView* curve, QTabWidget* tabs);

} // namespace qm7::ui
