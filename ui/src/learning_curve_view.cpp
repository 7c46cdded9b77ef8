#include "qm7ui/learning_curve_view.h"

#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/plot_style.h"

#include "qm7/analysis/homework.h"
#include "qm7/util/series.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace qm7::ui {
namespace {

constexpr int kSliderSteps = 1000;

QString modelLabel(qm7::CurveModel model) {
    return QString::fromStdString(qm7::curveModelFormula(model));
}

/// "12.3 ± 0.4" for parameter i of a fit.
QString paramText(const qm7::FitResult& fit, std::size_t i) {
    if (i >= fit.params.size())
        return QString();
    const double se = i < fit.stderrs.size() ? fit.stderrs[i] : NAN;
    return formatNumber(fit.params[i], 4) + QStringLiteral(" ± ") + formatNumber(se, 2);
}

} // namespace

std::vector<qm7::CurvePoint> curvePointsFromRuns(const std::vector<RunResultPtr>& runs,
                                                 int fullTrainRows) {
    // The statistics are core's (summarizeFinishedCurve, curvePoints); here only which runs
    // count and at which n.
    std::vector<qm7::RunResult> wholeSplit; // runs on the whole split with trainRows unset
    std::vector<const qm7::RunResult*> done;
    qm7::CurveConfig curve;
    curve.sizes.clear();
    for (const auto& r : runs) {
        if (!r || r->cancelled || r->testTrue.empty())
            continue;
        int n = r->config.trainSize > 0 ? r->config.trainSize : r->trainRows;
        if (n <= 0) {
            n = fullTrainRows;
            wholeSplit.reserve(runs.size());
            wholeSplit.push_back(*r);
            wholeSplit.back().trainRows = n;
        } else {
            done.push_back(r.get());
        }
        if (std::find(curve.sizes.begin(), curve.sizes.end(), n) == curve.sizes.end())
            curve.sizes.push_back(n);
    }
    for (const auto& r : wholeSplit)
        done.push_back(&r);
    std::sort(curve.sizes.begin(), curve.sizes.end());
    return qm7::curvePoints(qm7::summarizeFinishedCurve(curve, done));
}

LearningCurveView::LearningCurveView(QWidget* parent) : PlotPage(parent), m_manualResidual(NAN) {
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("curvePlot"));
    stylePlot(m_plot);
    setLogAxis(m_plot->xAxis, true);
    setLogAxis(m_plot->yAxis, true);
    m_plot->xAxis->setLabel(tr("training set size n (molecules)"));
    m_plot->yAxis->setLabel(tr("test MSE (kcal²/mol²)"));
    m_plot->legend->setVisible(true);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom | QCP::iSelectPlottables);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignLeft);

    m_sizes = new QLineEdit(QStringLiteral("100, 200, 500, 1000"), this);
    m_sizes->setObjectName(QStringLiteral("curveSizes"));
    m_sizes->setToolTip(tr("Training sizes; nested subsets of one seeded permutation"));
    m_lr = new QLineEdit(QStringLiteral("1e-3"), this);
    m_lr->setObjectName(QStringLiteral("curveLr"));
    m_lr->setMaximumWidth(80);
    m_lr->setToolTip(tr("Learning rate of every run (the sweep's choice is copied here)"));
    m_run = new QPushButton(tr("Run learning curve"), this);
    m_run->setObjectName(QStringLiteral("runCurve"));
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Sizes n:"), this));
    controls->addWidget(m_sizes, 1);
    controls->addWidget(new QLabel(tr("lr:"), this));
    controls->addWidget(m_lr);
    controls->addWidget(m_run);

    // Fit controls.
    m_models = new QListWidget(this);
    m_models->setObjectName(QStringLiteral("curveModels"));
    for (qm7::CurveModel model : qm7::allCurveModels()) {
        auto* item = new QListWidgetItem(modelLabel(model), m_models);
        item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
        item->setCheckState(model == qm7::CurveModel::Power ? Qt::Checked : Qt::Unchecked);
        item->setData(Qt::UserRole, static_cast<int>(model));
    }
    m_models->setMaximumHeight(m_models->sizeHintForRow(0) * 5 + 8);
    m_logSpace = new QCheckBox(tr("Fit log(error)"), this);
    m_logSpace->setObjectName(QStringLiteral("curveLogSpace"));
    m_logSpace->setChecked(true);
    m_weighted = new QCheckBox(tr("Weight by seed spread"), this);
    m_weighted->setObjectName(QStringLiteral("curveWeighted"));
    m_weighted->setChecked(true);
    m_target = new QSpinBox(this);
    m_target->setObjectName(QStringLiteral("curveTarget"));
    m_target->setRange(2, 10000000);
    m_target->setValue(4000);
    m_target->setToolTip(tr("Extrapolate every fit to this n, with a 95% band"));
    m_hint =
        new QLabel(tr("Click a point to exclude it from the fits (click again to include)."), this);
    m_hint->setWordWrap(true);

    auto* fitBox = new QGroupBox(tr("Fits"), this);
    auto* fitLayout = new QVBoxLayout(fitBox);
    fitLayout->addWidget(m_models);
    fitLayout->addWidget(m_logSpace);
    fitLayout->addWidget(m_weighted);
    auto* targetRow = new QHBoxLayout;
    targetRow->addWidget(new QLabel(tr("Extrapolate to n ="), this));
    targetRow->addWidget(m_target, 1);
    fitLayout->addLayout(targetRow);
    fitLayout->addWidget(m_hint);

    m_manual = new QCheckBox(tr("Manual fit (by inspection)"), this);
    m_manual->setObjectName(QStringLiteral("curveManual"));
    m_manualModel = new QComboBox(this);
    m_manualModel->setObjectName(QStringLiteral("curveManualModel"));
    for (qm7::CurveModel model : qm7::allCurveModels())
        m_manualModel->addItem(modelLabel(model), static_cast<int>(model));
    m_manualModel->setCurrentIndex(static_cast<int>(qm7::CurveModel::Power));
    m_sliderA = new QSlider(Qt::Horizontal, this);
    m_sliderA->setObjectName(QStringLiteral("curveSliderA"));
    m_sliderB = new QSlider(Qt::Horizontal, this);
    m_sliderB->setObjectName(QStringLiteral("curveSliderB"));
    for (QSlider* s : {m_sliderA, m_sliderB})
        s->setRange(0, kSliderSteps);
    m_manualLabel = new QLabel(this);
    m_manualLabel->setObjectName(QStringLiteral("curveManualLabel"));
    m_manualLabel->setWordWrap(true);
    auto* manualBox = new QGroupBox(tr("Manual"), this);
    auto* manualForm = new QFormLayout(manualBox);
    manualForm->addRow(m_manual);
    manualForm->addRow(tr("Model"), m_manualModel);
    manualForm->addRow(tr("A (log scale)"), m_sliderA);
    manualForm->addRow(tr("b"), m_sliderB);
    manualForm->addRow(m_manualLabel);

    auto* side = new QWidget(this);
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(fitBox);
    sideLayout->addWidget(manualBox);
    sideLayout->addStretch();
    side->setMaximumWidth(330);

    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("curveTable"));
    m_table->setColumnCount(8);
    m_table->setHorizontalHeaderLabels({tr("model"), tr("A ± se"), tr("b ± se"), tr("C ± se"),
                                        tr("R²"), tr("AIC"), tr("RMS log\nresidual"),
                                        tr("at target n [95% band]")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setMinimumHeight(170);

    auto* top = new QHBoxLayout;
    top->addWidget(m_plot, 1);
    top->addWidget(side);
    auto* topWidget = new QWidget(this);
    topWidget->setLayout(top);
    top->setContentsMargins(0, 0, 0, 0);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(topWidget);
    split->addWidget(m_table);
    split->setStretchFactor(0, 4);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(split, 1);

    connect(m_run, &QPushButton::clicked, this, &LearningCurveView::runRequested);
    connect(m_models, &QListWidget::itemChanged, this, &LearningCurveView::refit);
    connect(m_logSpace, &QCheckBox::toggled, this, &LearningCurveView::refit);
    connect(m_weighted, &QCheckBox::toggled, this, &LearningCurveView::refit);
    connect(m_target, qOverload<int>(&QSpinBox::valueChanged), this, [this] {
        rebuildPlot();
        rebuildTable();
    });
    connect(m_manual, &QCheckBox::toggled, this, &LearningCurveView::onManualModelChanged);
    connect(m_manualModel, qOverload<int>(&QComboBox::currentIndexChanged), this,
            &LearningCurveView::onManualModelChanged);
    connect(m_sliderA, &QSlider::valueChanged, this, &LearningCurveView::onSlidersMoved);
    connect(m_sliderB, &QSlider::valueChanged, this, &LearningCurveView::onSlidersMoved);
    connect(m_plot, &QCustomPlot::plottableClick, this, &LearningCurveView::onPlottableClick);
    connect(m_sizes, &QLineEdit::textChanged, this, [this] {
        QString error;
        sizes(&error);
        m_sizes->setStyleSheet(error.isEmpty() ? QString()
                                               : QStringLiteral("border: 1px solid #b00020;"));
        m_sizes->setToolTip(error.isEmpty() ? tr("Training sizes") : error);
        m_run->setEnabled(error.isEmpty());
    });
    onManualModelChanged();
    refit();
}

QList<QPair<QString, QWidget*>> LearningCurveView::plots() const {
    return {{QStringLiteral("learning_curve"), m_plot}};
}

std::vector<int> LearningCurveView::sizes(QString* error) const {
    QString e;
    const auto values = parseNumberList(m_sizes->text(), &e);
    std::vector<int> out;
    for (double v : values) {
        if (e.isEmpty() && (v < 2 || v != std::floor(v) || v > 1e8))
            e = tr("sizes must be whole numbers of at least 2");
        out.push_back(static_cast<int>(v));
    }
    if (e.isEmpty() && out.size() < 2)
        e = tr("enter at least two sizes");
    if (error)
        *error = e;
    return e.isEmpty() ? out : std::vector<int>{};
}

void LearningCurveView::setSizesText(const QString& text) {
    m_sizes->setText(text);
}
QString LearningCurveView::sizesText() const {
    return m_sizes->text();
}

double LearningCurveView::learningRate() const {
    bool ok = false;
    const double lr = m_lr->text().toDouble(&ok);
    return ok && lr > 0 ? lr : 0;
}

void LearningCurveView::setLearningRate(double lr) {
    if (lr > 0)
        m_lr->setText(QString::number(lr, 'g', 6));
}

void LearningCurveView::setRuns(const std::vector<RunResultPtr>& runs, int fullTrainRows) {
    setPoints(curvePointsFromRuns(runs, fullTrainRows));
}

void LearningCurveView::setPoints(const std::vector<qm7::CurvePoint>& points) {
    m_points = points;
    refit();
    onManualModelChanged();
}

void LearningCurveView::showFits(const std::vector<qm7::CurvePoint>& points,
                                 const std::vector<qm7::FitResult>& fits,
                                 const qm7::FitOptions& options) {
    {
        const QSignalBlocker b1(m_models), b2(m_logSpace), b3(m_weighted);
        m_logSpace->setChecked(options.logSpace);
        m_weighted->setChecked(options.weightBySpread);
        for (qm7::CurveModel model : qm7::allCurveModels()) {
            bool shown = false;
            for (const auto& f : fits)
                shown = shown || f.model == model;
            setModelChecked(model, shown);
        }
    }
    m_points = points;
    m_fits = fits;
    onManualModelChanged(); // redraws
    rebuildTable();
}

void LearningCurveView::setExcluded(int index, bool excluded) {
    if (index < 0 || index >= static_cast<int>(m_points.size()))
        return;
    m_points[static_cast<std::size_t>(index)].excluded = excluded;
    refit();
}

void LearningCurveView::setModelChecked(qm7::CurveModel model, bool checked) {
    for (int i = 0; i < m_models->count(); ++i) {
        QListWidgetItem* item = m_models->item(i);
        if (item->data(Qt::UserRole).toInt() == static_cast<int>(model))
            item->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
    }
}

std::vector<qm7::CurveModel> LearningCurveView::checkedModels() const {
    std::vector<qm7::CurveModel> out;
    for (int i = 0; i < m_models->count(); ++i) {
        if (m_models->item(i)->checkState() == Qt::Checked)
            out.push_back(
                static_cast<qm7::CurveModel>(m_models->item(i)->data(Qt::UserRole).toInt()));
    }
    return out;
}

void LearningCurveView::setTargetN(int n) {
    m_target->setValue(n);
}
int LearningCurveView::targetN() const {
    return m_target->value();
}

qm7::FitOptions LearningCurveView::fitOptions() const {
    qm7::FitOptions o;
    o.logSpace = m_logSpace->isChecked();
    o.weightBySpread = m_weighted->isChecked();
    return o;
}

void LearningCurveView::refit() {
    m_fits.clear();
    if (m_points.size() >= 2) {
        for (qm7::CurveModel model : checkedModels())
            m_fits.push_back(qm7::fitCurve(model, m_points, fitOptions()));
    }
    onSlidersMoved();
    rebuildTable();
}

void LearningCurveView::onManualModelChanged() {
    const auto model = static_cast<qm7::CurveModel>(m_manualModel->currentData().toInt());
    // Centre the sliders on this model's least-squares fit when there is one.
    qm7::FitResult fit;
    if (m_points.size() >= 2)
        fit = qm7::fitCurve(model, m_points, fitOptions());
    double maxN = 1000, maxMean = 1000;
    for (const auto& p : m_points) {
        maxN = std::max(maxN, p.n);
        maxMean = std::max(maxMean, p.mean);
    }
    double a = fit.ok ? fit.params[0] : maxMean;
    double b = fit.ok ? fit.params[1] : 0;
    m_manualC = fit.ok && fit.params.size() > 2 ? fit.params[2] : 0;
    const double aCenter = std::log10(std::max(std::abs(a), 1e-3));
    m_aLoLog = aCenter - 2;
    m_aHiLog = aCenter + 2;
    switch (model) {
    case qm7::CurveModel::Exponential:
        m_bLo = 0;
        m_bHi = std::max(5.0 / maxN, 3 * std::abs(b));
        break;
    case qm7::CurveModel::Linear:
        m_bLo = -2 * maxMean / maxN;
        m_bHi = 2 * maxMean / maxN;
        break;
    case qm7::CurveModel::LogPower:
        m_bLo = 0;
        m_bHi = std::max(10.0, 2 * std::abs(b));
        break;
    default:
        m_bLo = 0;
        m_bHi = std::max(2.0, 2 * std::abs(b));
        break;
    }
    m_updatingSliders = true;
    m_sliderA->setValue(
        qRound((std::log10(std::max(a, 1e-12)) - m_aLoLog) / (m_aHiLog - m_aLoLog) * kSliderSteps));
    m_sliderB->setValue(qRound((b - m_bLo) / (m_bHi - m_bLo) * kSliderSteps));
    m_updatingSliders = false;
    m_sliderA->setEnabled(m_manual->isChecked());
    m_sliderB->setEnabled(m_manual->isChecked());
    m_manualModel->setEnabled(m_manual->isChecked());
    onSlidersMoved();
}

std::vector<double> LearningCurveView::manualParams() const {
    const auto model = static_cast<qm7::CurveModel>(m_manualModel->currentData().toInt());
    std::vector<double> params = {m_manualA, m_manualB};
    if (qm7::curveModelParamCount(model) > 2)
        params.push_back(m_manualC);
    return params;
}

void LearningCurveView::onSlidersMoved() {
    if (m_updatingSliders)
        return;
    m_manualA = std::pow(10.0, m_aLoLog + (m_aHiLog - m_aLoLog) * m_sliderA->value() /
                                              double(kSliderSteps));
    m_manualB = m_bLo + (m_bHi - m_bLo) * m_sliderB->value() / double(kSliderSteps);
    m_manualResidual = NAN;
    if (m_manual->isChecked()) {
        const auto model = static_cast<qm7::CurveModel>(m_manualModel->currentData().toInt());
        m_manualResidual = qm7::manualResidual(model, manualParams(), m_points, fitOptions());
        QString text =
            tr("A = %1, b = %2").arg(formatNumber(m_manualA, 4), formatNumber(m_manualB, 4));
        if (manualParams().size() > 2)
            text += tr(", C = %1 (from the fit)").arg(formatNumber(m_manualC, 4));
        text += tr("\nRMS residual%1: <b>%2</b>")
                    .arg(fitOptions().logSpace ? tr(" (log space)") : QString(),
                         formatNumber(m_manualResidual, 4));
        m_manualLabel->setText(text.replace(QLatin1Char('\n'), QStringLiteral("<br>")));
    } else {
        m_manualLabel->setText(tr("Tick to set A and b by hand and read the residual live."));
    }
    rebuildPlot();
}

void LearningCurveView::setManual(bool on, qm7::CurveModel model) {
    m_manualModel->setCurrentIndex(static_cast<int>(model));
    m_manual->setChecked(on);
    onManualModelChanged();
}

void LearningCurveView::setManualParams(double a, double b) {
    m_updatingSliders = true;
    m_sliderA->setValue(
        qRound((std::log10(std::max(a, 1e-12)) - m_aLoLog) / (m_aHiLog - m_aLoLog) * kSliderSteps));
    m_sliderB->setValue(qRound((b - m_bLo) / (m_bHi - m_bLo) * kSliderSteps));
    m_updatingSliders = false;
    onSlidersMoved();
}

void LearningCurveView::rebuildPlot() {
    m_plot->clearPlottables();
    m_plot->clearItems();
    if (m_points.empty()) {
        auto* hint = new QCPItemText(m_plot);
        hint->position->setType(QCPItemPosition::ptAxisRectRatio);
        hint->position->setCoords(0.5, 0.5);
        hint->setText(tr("Press Run learning curve: test errors for each n appear here."));
        hint->setColor(QColor(120, 120, 120));
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
    QVector<double> grid;
    for (int i = 0; i <= 120; ++i)
        grid << std::exp(std::log(nLo / 1.3) +
                         (std::log(nHi * 1.3) - std::log(nLo / 1.3)) * i / 120);

    // Band of the first fit (95%, from the parameter covariance).
    bool bandDrawn = false;
    for (std::size_t f = 0; f < m_fits.size() && !bandDrawn; ++f) {
        const auto& fit = m_fits[f];
        // The band of the best-ranked fit that extrapolates to the target n.
        const qm7::Extrapolation atTarget = qm7::extrapolate95(fit, target);
        if (!fit.ok || !atTarget.ok || !(atTarget.lower > 0))
            continue;
        QVector<double> lo, hi, xs;
        for (double n : grid) {
            const qm7::Extrapolation e = qm7::extrapolate95(fit, n);
            if (e.ok && e.lower > 0 && std::isfinite(e.upper)) {
                xs << n;
                lo << e.lower;
                hi << e.upper;
            }
        }
        if (xs.size() < 2)
            continue;
        const QColor color = paletteColor(static_cast<int>(fit.model) + 1);
        QCPGraph* gl = m_plot->addGraph();
        gl->setData(xs, lo, true);
        gl->setPen(Qt::NoPen);
        gl->removeFromLegend();
        QCPGraph* gh = m_plot->addGraph();
        gh->setData(xs, hi, true);
        gh->setPen(Qt::NoPen);
        gh->setBrush(faded(color, 40));
        gh->setChannelFillGraph(gl);
        gh->setName(tr("95% band of %1").arg(modelLabel(fit.model)));
        bandDrawn = true;
    }

    for (const auto& fit : m_fits) {
        if (!fit.ok)
            continue;
        const QColor color = paletteColor(static_cast<int>(fit.model) + 1);
        QVector<double> xs, ys;
        for (double n : grid) {
            const double v = qm7::evaluateCurve(fit.model, fit.params, n);
            if (std::isfinite(v) && v > 0) {
                xs << n;
                ys << v;
            }
        }
        QCPGraph* g = m_plot->addGraph();
        g->setData(xs, ys, true);
        g->setPen(QPen(color, 2));
        g->setName(tr("%1  (R² %2)").arg(modelLabel(fit.model), formatNumber(fit.r2, 3)));
        const qm7::Extrapolation e = qm7::extrapolate95(fit, target);
        if (e.ok) {
            QCPGraph* point = m_plot->addGraph();
            point->setData(QVector<double>{target}, QVector<double>{e.value});
            point->setLineStyle(QCPGraph::lsNone);
            point->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, color, color, 9));
            point->removeFromLegend();
            auto* bars = new QCPErrorBars(m_plot->xAxis, m_plot->yAxis);
            bars->setDataPlottable(point);
            bars->setData(QVector<double>{e.upper - e.value}, QVector<double>{e.value - e.lower});
            bars->setPen(QPen(color, 1.5));
            bars->removeFromLegend();
            yLo = std::min(yLo, e.lower);
            yHi = std::max(yHi, e.upper);
        }
    }

    if (m_manual->isChecked()) {
        const auto model = static_cast<qm7::CurveModel>(m_manualModel->currentData().toInt());
        QVector<double> xs, ys;
        for (double n : grid) {
            const double v = qm7::evaluateCurve(model, manualParams(), n);
            if (std::isfinite(v) && v > 0) {
                xs << n;
                ys << v;
            }
        }
        QCPGraph* g = m_plot->addGraph();
        g->setData(xs, ys, true);
        g->setPen(QPen(QColor(40, 40, 40), 2, Qt::DashDotLine));
        g->setName(tr("manual %1").arg(modelLabel(model)));
    }

    // The measured points last, on top: filled when used, hollow grey when excluded.
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
    pts->setName(tr("test MSE, mean ± std over seeds"));
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
    auto* err = new QCPErrorBars(m_plot->xAxis, m_plot->yAxis);
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

    m_plot->xAxis->setRange(nLo / 1.4, nHi * 1.4);
    m_plot->yAxis->setRange(std::max(yLo / 1.6, 1e-6), yHi * 1.6);
    m_plot->replot();
}

void LearningCurveView::rebuildTable() {
    m_table->setRowCount(static_cast<int>(m_fits.size()));
    for (std::size_t r = 0; r < m_fits.size(); ++r) {
        const auto& fit = m_fits[r];
        QStringList cells;
        cells << modelLabel(fit.model);
        if (fit.ok) {
            const qm7::Extrapolation e = qm7::extrapolate95(fit, targetN());
            cells << paramText(fit, 0) << paramText(fit, 1) << paramText(fit, 2)
                  << formatNumber(fit.r2, 4) << formatNumber(fit.aic, 4)
                  << formatNumber(fit.rmsLogResidual, 3)
                  << (e.ok ? tr("%1 [%2, %3]")
                                 .arg(formatNumber(e.value, 4), formatNumber(e.lower, 3),
                                      formatNumber(e.upper, 3))
                           : QString::fromStdString(e.message));
        } else {
            cells << tr("fit failed: %1").arg(QString::fromStdString(fit.message));
        }
        for (int c = 0; c < m_table->columnCount(); ++c) {
            auto* item = new QTableWidgetItem(c < cells.size() ? cells[c] : QString());
            item->setForeground(paletteColor(static_cast<int>(fit.model) + 1));
            if (c == 0)
                item->setToolTip(QString::fromStdString(fit.message));
            m_table->setItem(static_cast<int>(r), c, item);
        }
    }
}

void LearningCurveView::onPlottableClick(QCPAbstractPlottable* plottable, int dataIndex,
                                         QMouseEvent* /*event*/) {
    auto* graph = qobject_cast<QCPGraph*>(plottable);
    if (!graph || dataIndex < 0 || dataIndex >= graph->dataCount())
        return;
    if (graph->objectName() == QLatin1String("points")) {
        if (dataIndex < static_cast<int>(m_points.size()))
            setExcluded(dataIndex, !m_points[static_cast<std::size_t>(dataIndex)].excluded);
    } else if (graph->objectName() == QLatin1String("excluded")) {
        const double n = (graph->data()->constBegin() + dataIndex)->key;
        for (std::size_t i = 0; i < m_points.size(); ++i) {
            if (m_points[i].n == n && m_points[i].excluded) {
                setExcluded(static_cast<int>(i), false);
                return;
            }
        }
    }
}

QString LearningCurveView::csv() const {
    if (m_points.empty())
        return {};
    QString out = QStringLiteral("n,test_mse_mean_kcal2,test_mse_std_kcal2,excluded\n");
    for (const auto& p : m_points) {
        out += QStringLiteral("%1,%2,%3,%4\n")
                   .arg(p.n, 0, 'g', 10)
                   .arg(p.mean, 0, 'g', 10)
                   .arg(p.std, 0, 'g', 10)
                   .arg(p.excluded ? 1 : 0);
    }
    return out;
}

QList<QPair<QString, QString>> LearningCurveView::csvFiles() const {
    QList<QPair<QString, QString>> files = {{QStringLiteral("learning_curve"), csv()}};
    if (m_fits.empty())
        return files;
    QString fits = QStringLiteral("model,ok,A,A_se,b,b_se,C,C_se,r2,aic,rms_log_residual,"
                                  "target_n,at_target,lower95,upper95\n");
    for (const auto& f : m_fits) {
        auto param = [&](std::size_t i) {
            if (!f.ok || i >= f.params.size())
                return QStringLiteral(",");
            return QStringLiteral("%1,%2")
                .arg(f.params[i], 0, 'g', 10)
                .arg(f.stderrs[i], 0, 'g', 10);
        };
        const qm7::Extrapolation e = qm7::extrapolate95(f, targetN());
        fits += QStringLiteral("%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12\n")
                    .arg(QString::fromStdString(qm7::curveModelName(f.model)))
                    .arg(f.ok ? 1 : 0)
                    .arg(param(0), param(1), param(2))
                    .arg(f.r2, 0, 'g', 10)
                    .arg(f.aic, 0, 'g', 10)
                    .arg(f.rmsLogResidual, 0, 'g', 10)
                    .arg(targetN())
                    .arg(e.value, 0, 'g', 10)
                    .arg(e.lower, 0, 'g', 10)
                    .arg(e.upper, 0, 'g', 10);
    }
    files.append({QStringLiteral("learning_curve_fits"), fits});
    return files;
}

} // namespace qm7::ui
