#pragma once
// Waiting for the GUI in tests: process events until a condition holds (false on timeout, so
// the caller's ASSERT fails), and the text of a table cell.
#include <QApplication>
#include <QElapsedTimer>
#include <QTableWidget>
#include <QThread>

#include <functional>

namespace qm7::test {

/// Processes events until done() or timeoutMs; false on timeout.
inline bool waitUntil(const std::function<bool()>& done, int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() > timeoutMs)
            return false;
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(2);
    }
    return true;
}

/// The text of a cell, empty when the cell has no item.
inline QString cellText(const QTableWidget* table, int row, int column) {
    const QTableWidgetItem* it = table->item(row, column);
    return it ? it->text() : QString();
}

} // namespace qm7::test
