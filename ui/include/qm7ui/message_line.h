#pragma once
/// @file message_line.h
/// The message line under a tab's or window's controls: plain text, or red for an error.

#include <QLabel>
#include <QString>

namespace qm7::ui {

inline void setMessageLine(QLabel* line, const QString& text, bool error) {
    line->setText(text);
    line->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QString());
}

} // namespace qm7::ui
