#pragma once
/// @file plot_page.h
/// A tab of the workbench that shows plots: what can be exported from it.

#include <QList>
#include <QPair>
#include <QString>
#include <QWidget>

namespace qm7::ui {

/// Base of every plot tab: named plot widgets for image export and the data behind them as CSV.
class PlotPage : public QWidget {
    Q_OBJECT
  public:
    using QWidget::QWidget;

    /// A file-name stem for this page, e.g. "loss_curves".
    virtual QString pageName() const = 0;
    /// The plots of this page: file-name stem and widget (QCustomPlot or QChartView).
    virtual QList<QPair<QString, QWidget*>> plots() const = 0;
    /// The data shown, as CSV with a header line; empty when there is nothing to show.
    virtual QString csv() const = 0;
    /// Every CSV file of this page: file-name stem and contents (by default just csv()).
    virtual QList<QPair<QString, QString>> csvFiles() const { return {{pageName(), csv()}}; }
};

} // namespace qm7::ui
