#pragma once
/// @file screenshot_tour.h
/// Drives the window through a short real training, sweep and learning curve, and saves a
/// screenshot of every tab (for docs/screenshots; `qm7-workbench --screenshots DIR`).

#include <QString>

namespace qm7::ui {
class MainWindow;
}

/// Starts the tour; the application quits with 0 when every screenshot is written, else 1.
void startScreenshotTour(qm7::ui::MainWindow* window, const QString& dir);
