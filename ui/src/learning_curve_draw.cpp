// The Learning curve tab's figure and table: the laws ranked by forward validation with their
// bands, the predictions at the target n, measured points, and the CSV of what is shown.
#include "qm7ui/learning_curve_view.h"

#include "qm7ui/plot_style.h"

#include "qm7/analysis/report.h"

#include <QHeaderView>
#include <QLabel>
#include <QScrollBar>
#include <QSplitter>
#include <QTableWidget>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace qm7::ui {
namespace {

QString lawLabel(qm7::CurveModel model) {
    return QString::fromStdString(qm7::curveModelFormula(model));
}

/// The law's name with its fit window (core's lawLabel).
QString lawName(const qm7::LawScore& law) {
    return QString::fromStdString(qm7::lawLabel(law));
}

/// A forward or LOO error in core's words (qm7::lnErrorText).
QString lnErrorText(double error) {
    return QString::fromStdString(qm7::lnErrorText(error));
}

/// A table number in few characters: "3.113e7" for "3.113e+07", "8.4e-3" for "8.4e-03" (the
/// table must fit a laptop's width).
QString shortNumber(double value, int digits) {
    QString text = formatNumber(value, digits);
    text.replace(QStringLiteral("e+0"), QStringLiteral("e"));
    text.replace(QStringLiteral("e+"), QStringLiteral("e"));
    text.replace(QStringLiteral("e-0"), QStringLiteral("e-"));
    return text;
}

/// "12.3 ± 0.4" for parameter i of a fit.
QString paramText(const qm7::FitResult& fit, std::size_t i) {
    if (!fit.ok || i >= fit.params.size())
        return QString();
    const double se = i < fit.stderrs.size() ? fit.stderrs[i] : NAN;
    return shortNumber(fit.params[i], 4) + QStringLiteral(" ± ") + shortNumber(se, 2);
}

QString shortVerdict(const qm7::LawRanking& r, std::size_t i) {
    if (static_cast<int>(i) == r.chosen)
        return QObject::tr("chosen");
    return r.laws[i].usable ? QObject::tr("worse forward") : QObject::tr("rejected");
}

const QColor kMeasured(0, 120, 60);
const QColor kKrr(120, 60, 160); // the kernel-ridge-regression baseline

} // namespace

void LearningCurveView::drawLaws(double nLo, double nHi, double& yLo, double& yHi) {
    const double target = targetN();
    const double dataLo = yLo, dataHi = yHi; // the range of the fitted points
    const auto checked = checkedModels();
    auto isChecked = [&](qm7::CurveModel m) {
        return std::find(checked.begin(), checked.end(), m) != checked.end();
    };
    QVector<double> grid;
    for (int i = 0; i <= 120; ++i)
        grid << std::exp(std::log(nLo / 1.3) +
                         (std::log(nHi * 1.3) - std::log(nLo / 1.3)) * i / 120);
    // The laws drawn, in ranking order; their predictions at the target sit side by side.
    std::vector<std::size_t> shown;
    // The chosen law is always drawn: the answer never names a curve the plot does not show.
    for (std::size_t i = 0; i < m_ranking.laws.size(); ++i)
        if ((isChecked(m_ranking.laws[i].model) || static_cast<int>(i) == m_ranking.chosen) &&
            m_ranking.laws[i].fit.ok)
            shown.push_back(i);
    // Bands first (under the lines): only laws that passed forward validation get one.
    for (std::size_t k = 0; k < shown.size(); ++k) {
        const qm7::LawScore& law = m_ranking.laws[shown[k]];
        if (!law.usable)
            continue;
        const bool chosen = static_cast<int>(shown[k]) == m_ranking.chosen;
        QVector<double> xs, lo, hi;
        for (double n : grid) {
            // Another law's band only where it extrapolates: overlapping bands over the fitted
            // range hid the points.
            if (!chosen && n < law.nMaxFitted)
                continue;
            const qm7::Extrapolation e = qm7::predictWithHeldOutBand(law, n);
            if (e.ok && e.lower > 0 && std::isfinite(e.upper)) {
                xs << n;
                lo << e.lower;
                hi << e.upper;
            }
        }
        if (xs.size() < 2)
            continue;
        const QColor color = paletteColor(static_cast<int>(law.model) + 1);
        QCPGraph* gl = m_plot->addGraph();
        gl->setData(xs, lo, true);
        gl->setPen(Qt::NoPen);
        gl->removeFromLegend();
        QCPGraph* gh = m_plot->addGraph();
        gh->setData(xs, hi, true);
        gh->setPen(Qt::NoPen);
        gh->setBrush(faded(color, chosen ? 55 : 22));
        gh->setChannelFillGraph(gl);
        if (chosen)
            gh->setName(tr("95% band of the chosen law"));
        else
            gh->removeFromLegend();
    }
    const double spread = 0.07; // ln-n offset between neighbouring bars at the target
    for (std::size_t k = 0; k < shown.size(); ++k) {
        const qm7::LawScore& law = m_ranking.laws[shown[k]];
        const bool chosen = static_cast<int>(shown[k]) == m_ranking.chosen;
        const QColor color = paletteColor(static_cast<int>(law.model) + 1);
        QVector<double> xs, ys;
        for (double n : grid) {
            const double v = qm7::evaluateCurve(law.model, law.fit.params, n);
            if (std::isfinite(v) && v > 0) {
                xs << n;
                ys << v;
            }
        }
        QCPGraph* g = m_plot->addGraph();
        g->setData(xs, ys, true);
        g->setPen(law.usable ? QPen(color, chosen ? 2.5 : 1.5)
                             : QPen(faded(color, 150), 1.2, Qt::DashLine));
        // The name as the ranking has it: law, fit window, forward error (as fits.csv and
        // report.md give them).
        const QString forward = lnErrorText(law.forwardError);
        const QString name = chosen ? tr("%1 (chosen; forward error %2)").arg(lawName(law), forward)
                             : law.usable ? tr("%1 (forward error %2)").arg(lawName(law), forward)
                             : std::isfinite(law.forwardError)
                                 ? tr("%1: rejected (forward error %2)").arg(lawName(law), forward)
                                 : tr("%1: rejected").arg(lawName(law));
        g->setName(name);
        const qm7::Extrapolation& e = law.band;
        if (!(std::isfinite(e.value) && e.value > 0))
            continue;
        // Side by side just right of the target, so that a point measured at n = target stays
        // visible; the dotted line marks the target itself.
        const double x = target * std::exp(spread * (static_cast<double>(k) + 1.0));
        QCPGraph* point = m_plot->addGraph();
        point->setData(QVector<double>{x}, QVector<double>{e.value});
        point->setLineStyle(QCPGraph::lsNone);
        point->setScatterStyle(
            law.usable ? QCPScatterStyle(QCPScatterStyle::ssDiamond, color, color, 9)
                       : QCPScatterStyle(QCPScatterStyle::ssDiamond, QPen(color, 1), Qt::white, 7));
        point->removeFromLegend();
        if (!law.usable || !e.ok)
            continue; // a rejected law's band is not drawn as if it were trustworthy
        auto* bars = new QCPErrorBars(m_plot->xAxis, m_plot->yAxis);
        bars->setDataPlottable(point);
        // The chosen law's bar sets the axes; another law's is cut at 10x beyond the data (a
        // wide band of a worse law squeezed the points into a sliver; the table has its band).
        const double lower = chosen ? e.lower : std::max(e.lower, std::min(dataLo / 10, e.value));
        const double upper = chosen ? e.upper : std::min(e.upper, std::max(dataHi * 10, e.value));
        // setData(minus, plus): the lower end below, the upper end above the value.
        bars->setData(QVector<double>{e.value - lower}, QVector<double>{upper - e.value});
        bars->setPen(QPen(color, 1.5));
        bars->removeFromLegend();
        yLo = std::min(yLo, lower);
        yHi = std::max(yHi, upper);
    }
}

namespace {

/// Rows of mean ± std test MSE as a graph with error bars (the measured points, the KRR
/// curve); the y range grows to hold them.
QCPGraph* addRowsWithBars(QCustomPlot* plot, const std::vector<qm7::CurveRow>& rows,
                          const QString& objectName, const QColor& color, double& yLo,
                          double& yHi) {
    QVector<double> xs, ys, es;
    for (const auto& r : rows) {
        xs << r.n;
        ys << r.mseMean;
        es << r.mseStd;
        yLo = std::min(yLo, std::max(r.mseMean - r.mseStd, r.mseMean / 3));
        yHi = std::max(yHi, r.mseMean + r.mseStd);
    }
    QCPGraph* g = plot->addGraph();
    g->setObjectName(objectName);
    g->setData(xs, ys, true);
    auto* bars = new QCPErrorBars(plot->xAxis, plot->yAxis);
    bars->setDataPlottable(g);
    bars->setData(es);
    bars->setPen(QPen(color, 1.5));
    bars->removeFromLegend();
    return g;
}

} // namespace

void LearningCurveView::drawMeasured(double& yLo, double& yHi) {
    if (m_measured.empty())
        return;
    QCPGraph* g =
        addRowsWithBars(m_plot, m_measured, QStringLiteral("measured"), kMeasured, yLo, yHi);
    g->setLineStyle(QCPGraph::lsNone);
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssTriangle, QPen(kMeasured, 2),
                                       QColor(200, 240, 210), 12));
    g->setName(tr("measured at larger n (not fitted)"));
}

void LearningCurveView::drawKrr(double& yLo, double& yHi) {
    if (m_krr.empty())
        return;
    QCPGraph* g = addRowsWithBars(m_plot, m_krr, QStringLiteral("krr"), kKrr, yLo, yHi);
    g->setPen(QPen(kKrr, 1.5, Qt::DashLine));
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, QPen(kKrr, 1.5), Qt::white, 9));
    g->setName(tr("kernel ridge regression, same rows (not fitted)"));
}

void LearningCurveView::rebuildPlot() {
    m_plot->clearPlottables();
    m_plot->clearItems();
    // An empty legend row squeezed the empty axes into a 50 px strip: no legend until there
    // is something to name.
    m_plot->legend->setVisible(!m_points.empty() || m_notebook);
    if (m_points.empty() && !m_notebook) {
        auto* hint = new QCPItemText(m_plot);
        hint->setObjectName(QStringLiteral("emptyHint"));
        hint->position->setType(QCPItemPosition::ptAxisRectRatio);
        hint->position->setCoords(0.5, 0.5);
        hint->setText(tr("No learning curve yet.\nPress Run learning curve: the test error at "
                         "each n of Sizes\nappears here, with the laws fitted to it."));
        hint->setTextAlignment(Qt::AlignCenter);
        hint->setColor(QColor(110, 110, 110));
        hint->setBrush(QColor(255, 255, 255, 230));
        hint->setPadding(QMargins(8, 6, 8, 6));
        m_plot->xAxis->setRange(50, 5000);
        m_plot->yAxis->setRange(10, 1e5);
        m_plot->replot();
        return;
    }
    const double target = targetN();
    double nLo = INFINITY, nHi = target, yLo = INFINITY, yHi = 0;
    for (const auto& p : m_points) {
        nLo = std::min(nLo, p.n);
        nHi = std::max(nHi, p.n);
        yLo = std::min(yLo, std::max(p.mean - p.std, p.mean / 3));
        yHi = std::max(yHi, p.mean + p.std);
    }
    if (m_notebook) {
        for (const auto& p : m_notebook->points) {
            nLo = std::min(nLo, p.n);
            nHi = std::max(nHi, p.n);
        }
    }
    for (const auto& m : m_measured)
        nHi = std::max(nHi, static_cast<double>(m.n));
    drawLaws(nLo, nHi, yLo, yHi);
    drawNotebook(nLo, nHi, yLo, yHi);

    if (m_manual->isChecked()) {
        const auto model = static_cast<qm7::CurveModel>(m_manualModel->currentData().toInt());
        QVector<double> xs, ys;
        for (int i = 0; i <= 120; ++i) {
            const double n = std::exp(std::log(nLo / 1.3) +
                                      (std::log(nHi * 1.3) - std::log(nLo / 1.3)) * i / 120);
            const double v = qm7::evaluateCurve(model, manualParams(), n);
            if (std::isfinite(v) && v > 0) {
                xs << n;
                ys << v;
            }
        }
        QCPGraph* g = m_plot->addGraph();
        g->setData(xs, ys, true);
        g->setPen(QPen(QColor(40, 40, 40), 2, Qt::DashDotLine));
        g->setName(tr("manual %1").arg(lawLabel(model)));
    }
    drawMeasured(yLo, yHi);
    drawKrr(yLo, yHi);

    // The fitted points last, on top: filled when used, hollow red when excluded.
    QVector<double> xs, ys, es;
    for (const auto& p : m_points) {
        xs << p.n;
        ys << p.mean;
        es << p.std;
    }
    QCPGraph* pts = m_plot->addGraph();
    pts->setObjectName(QStringLiteral("points"));
    pts->setData(xs, ys, true);
    pts->setLineStyle(QCPGraph::lsNone);
    pts->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, Qt::black, Qt::black, 9));
    pts->setName(m_notebook ? tr("workbench: test MSE, mean ± std over seeds")
                            : tr("test MSE, mean ± std over seeds"));
    if (m_points.empty())
        pts->removeFromLegend(); // only the notebook's curve is drawn
    pts->setSelectable(QCP::stSingleData);
    pts->setSelectionDecorator(nullptr);
    QVector<double> ex, ey;
    for (const auto& p : m_points) {
        if (p.excluded) {
            ex << p.n;
            ey << p.mean;
        }
    }
    if (!ex.isEmpty()) {
        QCPGraph* excluded = m_plot->addGraph();
        excluded->setData(ex, ey, true);
        excluded->setLineStyle(QCPGraph::lsNone);
        excluded->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle,
                                                  QPen(QColor(150, 40, 40), 1.5), Qt::white, 11));
        excluded->setName(tr("excluded from the fits (click to include)"));
        excluded->setObjectName(QStringLiteral("excluded"));
        excluded->setSelectable(QCP::stSingleData);
        excluded->setSelectionDecorator(nullptr);
    }
    // The error bars take clicks too: onPlottableClick maps them to their point.
    auto* err = new QCPErrorBars(m_plot->xAxis, m_plot->yAxis);
    err->setObjectName(QStringLiteral("pointBars"));
    err->setDataPlottable(pts);
    err->setData(es);
    err->setPen(QPen(Qt::black, 1.2));
    err->removeFromLegend();

    auto* targetLine = new QCPItemStraightLine(m_plot);
    targetLine->point1->setCoords(target, 1);
    targetLine->point2->setCoords(target, 2);
    targetLine->setPen(QPen(QColor(120, 120, 120), 1, Qt::DotLine));
    auto* targetLabel = new QCPItemText(m_plot);
    targetLabel->position->setTypeX(QCPItemPosition::ptPlotCoords);
    targetLabel->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    targetLabel->position->setCoords(target, 0.02);
    targetLabel->setPositionAlignment(Qt::AlignTop | Qt::AlignRight);
    targetLabel->setPadding(QMargins(4, 2, 6, 2));
    targetLabel->setText(tr("target n = %1").arg(targetN()));
    targetLabel->setColor(QColor(90, 90, 90));

    // Every drawn bar end inside the axes (the bars at the target sit up to +40 % right of it).
    m_plot->xAxis->setRange(nLo / 1.4, nHi * 1.8);
    m_plot->yAxis->setRange(std::max(yLo / 1.6, 1e-9), yHi * 1.6);
    fitLegendColumns(m_plot, 2); // one column when two would be cut at the plot's edge
    m_plot->replot();
}

void LearningCurveView::rebuildTable() {
    const auto& laws = m_ranking.laws;
    m_table->setRowCount(static_cast<int>(laws.size()));
    for (std::size_t r = 0; r < laws.size(); ++r) {
        const qm7::LawScore& law = laws[r];
        const qm7::FitResult& fit = law.fit;
        const qm7::Extrapolation& e = law.band;
        QStringList cells;
        cells << QStringLiteral("%1. %2").arg(r + 1).arg(lawName(law));
        cells << paramText(fit, 0) << paramText(fit, 1) << paramText(fit, 2);
        cells << lnErrorText(law.forwardError) << lnErrorText(law.looError);
        const qm7::FitResult& all = law.allSizes; // AIC and R² of the fit on every size
        cells << (all.ok ? formatNumber(all.r2, 4) : QString())
              << (all.ok ? formatNumber(all.aic, 4) : QString());
        if (law.usable)
            cells << tr("%1 [%2, %3]")
                         .arg(shortNumber(e.value, 4), shortNumber(e.lower, 3),
                              shortNumber(e.upper, 3))
                  << formatNumber(std::sqrt(e.value), 3);
        else if (std::isfinite(e.value))
            cells << tr("%1 (not trusted)").arg(shortNumber(e.value, 4))
                  << (e.value > 0 ? formatNumber(std::sqrt(e.value), 3) : QString());
        else
            cells << QString() << QString();
        cells << shortVerdict(m_ranking, r);
        for (int c = 0; c < m_table->columnCount(); ++c) {
            auto* item = new QTableWidgetItem(c < cells.size() ? cells[c] : QString());
            item->setForeground(paletteColor(static_cast<int>(law.model) + 1));
            if (static_cast<int>(r) == m_ranking.chosen) {
                QFont f = item->font();
                f.setBold(true);
                item->setFont(f);
            }
            item->setToolTip(QString::fromStdString(
                law.verdict + (fit.message.empty() ? std::string() : "\n" + fit.message)));
            m_table->setItem(static_cast<int>(r), c, item);
        }
    }
    m_table->setHorizontalHeaderLabels(
        {tr("law (ranked)"), tr("A ± se"), tr("b ± se"), tr("C ± se"), tr("forward\nerror (ln)"),
         tr("LOO\nerror (ln)"), tr("R²"), tr("AIC"),
         tr("test MSE at n = %1\nkcal²/mol² [95% band]").arg(targetN()), tr("RMSE there\nkcal/mol"),
         tr("verdict")});
    // What each column means, in plain words (the header's tooltips).
    const QString se = tr("The fitted value ± its standard error");
    const QStringList tips = {
        tr("The laws, best predictor first. \"on n ≥ 200\": fitted on the larger sizes only, "
           "which predicted the held-out sizes better."),
        se,
        se,
        se,
        tr("Forward error: fit the law on the smaller sizes, predict the next larger size it has "
           "not seen, and compare with the measured error (each seed's curve). The typical miss, "
           "in ln: 0.1 means about 10% off. The ranking and the choice use this."),
        tr("Leave-one-out error: fit without one size, predict that size, repeat for every size. "
           "The typical miss in ln (0.1 means about 10% off)."),
        tr("R²: the share of the spread of the points the fit on every size explains (1 = "
           "through every point). A high R² does not make a good extrapolation."),
        tr("AIC (Akaike information criterion): how well the fit on every size matches the "
           "points, with a penalty for each extra parameter. Lower is better; only differences "
           "between laws mean something."),
        tr("The law's prediction at the target n. The band is where the true value lies with "
           "95% probability: the parameters' uncertainty plus the law's forward error, wider the "
           "further n lies beyond the fitted sizes."),
        tr("The square root of the predicted MSE: the typical error per molecule in kcal/mol."),
        tr("chosen: the law with the lowest forward error whose prediction can be trusted; worse "
           "forward: trusted, but predicts unseen sizes worse; rejected: its predictions of "
           "unseen sizes failed, so its band is not drawn.")};
    for (int c = 0; c < m_table->columnCount() && c < tips.size(); ++c)
        m_table->horizontalHeaderItem(c)->setToolTip(tips[c]);
    m_table->resizeColumnsToContents();
    m_table->resizeRowsToContents();
    // Every row visible: header + rows + the horizontal scroll bar.
    // (the header's size hint: its height() is not yet the two-line header's before it is shown)
    int height = m_table->horizontalHeader()->sizeHint().height() + 2 * m_table->frameWidth() +
                 m_table->horizontalScrollBar()->sizeHint().height() + 4;
    for (int r = 0; r < m_table->rowCount(); ++r)
        height += m_table->rowHeight(r);
    m_table->setMinimumHeight(height);
    m_answer->setText(answerText());
    // The splitter keeps the sizes it had when the table was empty: give the table its rows,
    // and the plot what they do not need.
    if (m_split && m_split->isVisible() && m_split->count() == 2) {
        QList<int> sizes = m_split->sizes();
        const int need = m_answer->heightForWidth(std::max(m_answer->width(), 200)) + height + 12;
        if (sizes[1] < need || sizes[1] > need + 40) {
            const int total = sizes[0] + sizes[1];
            sizes[1] = std::min(need, total - 200);
            sizes[0] = total - sizes[1];
            m_split->setSizes(sizes);
        }
    }
}

QString LearningCurveView::csv() const {
    if (m_points.empty())
        return {};
    QString out = QStringLiteral("n,test_mse_mean_kcal2,test_mse_std_kcal2,excluded,measured\n");
    for (const auto& p : m_points) {
        out += QStringLiteral("%1,%2,%3,%4,0\n")
                   .arg(p.n, 0, 'g', 10)
                   .arg(p.mean, 0, 'g', 10)
                   .arg(p.std, 0, 'g', 10)
                   .arg(p.excluded ? 1 : 0);
    }
    for (const auto& m : m_measured)
        out += QStringLiteral("%1,%2,%3,0,1\n")
                   .arg(m.n)
                   .arg(m.mseMean, 0, 'g', 10)
                   .arg(m.mseStd, 0, 'g', 10);
    return out;
}

QList<QPair<QString, QString>> LearningCurveView::csvFiles() const {
    QList<QPair<QString, QString>> files = {{QStringLiteral("learning_curve"), csv()}};
    if (m_notebook) { // the notebook's curve per n and its ranking, by the same writers
        files.append({QStringLiteral("learning_curve_notebook"),
                      QString::fromStdString(curveCsv(m_notebook->rows))});
        files.append({QStringLiteral("learning_curve_notebook_fits"),
                      QString::fromStdString(lawRankingCsv(m_notebookRanking))});
    }
    if (m_ranking.laws.empty() || m_points.empty())
        return files;
    // One writer: the same CSV as fits.csv of `qm7 curve` and the homework.
    files.append(
        {QStringLiteral("learning_curve_fits"), QString::fromStdString(lawRankingCsv(m_ranking))});
    if (!m_krr.empty())
        files.append(
            {QStringLiteral("learning_curve_krr"), QString::fromStdString(curveCsv(m_krr))});
    if (!m_measured.empty())
        files.append({QStringLiteral("learning_curve_verify"),
                      QString::fromStdString(verifyCsv(m_ranking, m_measured, fitOptions()))});
    return files;
}

} // namespace qm7::ui
