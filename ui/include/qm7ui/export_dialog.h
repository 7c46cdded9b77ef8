#pragma once
/// @file export_dialog.h
/// Asks which plot to export and at which size and DPI.

#include <QDialog>
#include <QSize>

class QComboBox;
class QSpinBox;

namespace qm7::ui {

/// Plot choice, pixel size and DPI for an image export.
class ExportDialog : public QDialog {
    Q_OBJECT
  public:
    ExportDialog(const QStringList& plotNames, QSize size, int dpi, QWidget* parent = nullptr);
    int plotIndex() const;
    QSize pixelSize() const;
    int dpi() const;

  private:
    QComboBox* m_plot;
    QSpinBox* m_width;
    QSpinBox* m_height;
    QSpinBox* m_dpi;
};

} // namespace qm7::ui
