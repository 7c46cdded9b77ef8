#pragma once
/// @file histogram_view.h
/// Energy histogram of the train, validation and test labels (Qt Charts), mean and std marked.

#include "qm7ui/meta_types.h"
#include "qm7ui/plot_page.h"

class QChartView;
class QSpinBox;
class QComboBox;

namespace qm7::ui {

/// The histogram tab: step outlines per split, bins control, raw or normalized labels.
class HistogramView : public PlotPage {
    Q_OBJECT
  public:
    explicit HistogramView(QWidget* parent = nullptr);

    QString pageName() const override { return QStringLiteral("energy_histogram"); }
    QList<QPair<QString, QWidget*>> plots() const override;
    QString csv() const override;

    void setDataset(const DatasetPtr& data);
    void setBins(int bins);
    int bins() const;
    /// True: labels normalized with the train mean and std; false: kcal/mol.
    void setNormalized(bool normalized);
    bool normalized() const;
    QChartView* chartView() const { return m_view; }

  private:
    void rebuild();
    std::vector<float> labels(int split) const;

    DatasetPtr m_data;
    QChartView* m_view;
    QSpinBox* m_bins;
    QComboBox* m_units;
};

} // namespace qm7::ui
