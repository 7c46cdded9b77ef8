// The loss-curves tab's notebook losses: drawn beside the workbench's runs in black with
// markers, and the line under the plot that names the file and the columns used.
#include "qm7ui/loss_plot.h"

#include "qm7/util/series.h"

#include <QFileInfo>
#include <QLabel>
#include <qcustomplot.h>

#include <cmath>

namespace qm7::ui {

void LossPlot::setNotebook(std::shared_ptr<const qm7::NotebookLosses> losses) {
    m_notebook = std::move(losses);
    m_notebookLabel->setText(notebookText());
    m_notebookLabel->setVisible(m_notebook != nullptr);
    rebuild(); // at once: the legend and the line below never disagree
}

QString LossPlot::notebookText() const {
    if (!m_notebook)
        return {};
    QString text = tr("Your notebook (%1): %2.")
                       .arg(QFileInfo(QString::fromStdString(m_notebook->file)).fileName(),
                            QString::fromStdString(m_notebook->columnsUsed));
    if (units() == Units::RmseKcal)
        text += tr(" Its losses are not drawn in RMSE (kcal/mol): the file gives them in the "
                   "notebook's units; choose Units: MSE, normalized labels.");
    else
        text += tr(" Drawn in black with markers, as the notebook wrote them (normalized MSE if "
                   "it followed the homework).");
    return text;
}

void LossPlot::drawNotebook() {
    if (!m_notebook)
        return;
    m_notebookLabel->setText(notebookText()); // the units may have changed
    if (units() == Units::RmseKcal)
        return;
    const double w = smoothing();
    const auto add = [&](const std::vector<double>& values, const QString& name,
                         Qt::PenStyle style) {
        if (values.empty())
            return;
        // Missing values (empty cells) and, on log axes, non-positive ones are left out.
        std::vector<double> x, y;
        for (std::size_t i = 0; i < values.size() && i < m_notebook->epoch.size(); ++i) {
            if (std::isfinite(values[i]) && std::isfinite(m_notebook->epoch[i]) &&
                (!logY() || values[i] > 0)) {
                x.push_back(m_notebook->epoch[i]);
                y.push_back(values[i]);
            }
        }
        const std::vector<double> ys = debiasedEma(y, w);
        QCPGraph* g = m_plot->addGraph();
        g->setObjectName(QStringLiteral("notebook"));
        g->setData(QVector<double>(x.begin(), x.end()), QVector<double>(ys.begin(), ys.end()),
                   true);
        g->setPen(QPen(Qt::black, 1.8, style));
        g->setScatterStyle(x.size() <= 60
                               ? QCPScatterStyle(QCPScatterStyle::ssCircle, Qt::black, Qt::white, 5)
                               : QCPScatterStyle(QCPScatterStyle::ssNone));
        g->setName(name);
        g->setProperty("label", name);
    };
    add(m_notebook->train, tr("your notebook: train"), Qt::DashLine);
    add(m_notebook->val, tr("your notebook: val"), Qt::SolidLine);
    add(m_notebook->test, tr("your notebook: test"), Qt::DotLine);
}

} // namespace qm7::ui
