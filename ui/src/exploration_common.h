#pragma once
// What the Exploration tab's files share (exploration_view.h): the table's filter model and
// small helpers for numbers, labels and plots. Private to ui/src.

#include "qm7ui/plot_style.h"

#include <QSortFilterProxyModel>
#include <QStandardItem>
#include <qcustomplot.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

namespace qm7::ui {

/// The table's filter: the text filter over every column, and the rows the brushes keep.
class TrialFilterModel : public QSortFilterProxyModel {
  public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setKept(std::vector<bool> kept) {
        m_kept = std::move(kept);
        invalidateFilter();
    }

  protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override {
        if (row < static_cast<int>(m_kept.size()) && !m_kept[static_cast<std::size_t>(row)])
            return false;
        return QSortFilterProxyModel::filterAcceptsRow(row, parent);
    }

  private:
    std::vector<bool> m_kept;
};

namespace exploration {

inline constexpr int kValueRole = Qt::UserRole + 1;

inline QStandardItem* numberItem(double v, int digits = 4) {
    auto* item = new QStandardItem(formatNumber(v, digits));
    item->setData(v, kValueRole);
    item->setData(v, Qt::UserRole + 2);
    return item;
}

inline bool parseNumber(const std::string& s, double* v) {
    char* end = nullptr;
    *v = std::strtod(s.c_str(), &end);
    return !s.empty() && end && *end == '\0';
}

// An axis label: widths as 10, 100, 1000, 10 000 (not 1e+03), small rates as 1e-5.
// `lo` is the axis's lowest value: an axis reaching below 1e-3 writes both ends as 1e-k.
inline QString axisNumber(double v, double lo) {
    if (!std::isfinite(v))
        return formatNumber(v);
    if (v > 0 && lo > 0 && lo < 1e-3 && v < 1)
        return lrText(v);
    if (std::fabs(v) >= 1000 && std::fabs(v) < 1e9 && v == std::round(v)) {
        QString digits = QString::number(static_cast<long long>(std::fabs(v)));
        for (int i = digits.size() - 3; i > 0; i -= 3)
            if (digits.size() > 4) // 1000 stays whole, 10 000 is grouped
                digits.insert(i, QLatin1Char(' '));
        return (v < 0 ? QStringLiteral("-") : QString()) + digits;
    }
    return formatNumber(v, 3);
}

inline QCustomPlot* newPlot(QWidget* parent, const QString& name) {
    auto* plot = new QCustomPlot(parent);
    plot->setObjectName(name);
    stylePlot(plot);
    plot->setMinimumSize(260, 200);
    return plot;
}

} // namespace exploration
} // namespace qm7::ui
