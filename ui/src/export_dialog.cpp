#include "qm7ui/export_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QSpinBox>

namespace qm7::ui {

ExportDialog::ExportDialog(const QStringList& plotNames, QSize size, int dpi, QWidget* parent)
    : QDialog(parent) {
    setWindowTitle(tr("Export plot"));
    m_plot = new QComboBox(this);
    m_plot->addItems(plotNames);
    m_width = new QSpinBox(this);
    m_height = new QSpinBox(this);
    for (QSpinBox* s : {m_width, m_height}) {
        s->setRange(100, 20000);
        s->setSuffix(tr(" px"));
    }
    m_width->setValue(size.width());
    m_height->setValue(size.height());
    m_dpi = new QSpinBox(this);
    m_dpi->setRange(48, 1200);
    m_dpi->setValue(dpi);
    m_dpi->setToolTip(tr("For PNG: 96 = screen size text; 300 = print (text scaled up)"));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    auto* form = new QFormLayout(this);
    // One plot: no chooser (a parented widget left out of the form would float over it).
    if (plotNames.size() > 1)
        form->addRow(tr("Plot"), m_plot);
    else
        m_plot->hide();
    form->addRow(tr("Width"), m_width);
    form->addRow(tr("Height"), m_height);
    form->addRow(tr("DPI (PNG)"), m_dpi);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

int ExportDialog::plotIndex() const {
    return m_plot->currentIndex();
}
QSize ExportDialog::pixelSize() const {
    return {m_width->value(), m_height->value()};
}
int ExportDialog::dpi() const {
    return m_dpi->value();
}

} // namespace qm7::ui
