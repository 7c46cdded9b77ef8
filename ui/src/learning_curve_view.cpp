#include "qm7ui/learning_curve_view.h"

#include "qm7ui/hyperparameter_panel.h"
#include "qm7ui/plot_style.h"

#include "qm7/analysis/experiments.h"
#include "qm7/util/series.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalBlocker>
#include <QScrollArea>
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

} // namespace

LearningCurveView::LearningCurveView(QWidget* parent) : PlotPage(parent), m_manualResidual(NAN) {
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("curvePlot"));
    stylePlot(m_plot);
    setLogAxis(m_plot->xAxis, true);
    setLogAxis(m_plot->yAxis, true);
    m_plot->xAxis->setLabel(tr("training set size n (molecules)"));
    m_plot->yAxis->setLabel(tr("test MSE (kcal²/mol²)"));
    placeLegendOutside(m_plot, Qt::TopEdge); // inside, it covered the measured points
    m_plot->legend->setWrap(2);
    m_plot->installEventFilter(this); // the legend's columns follow the plot's width
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom | QCP::iSelectPlottables);

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
    m_krrButton = new QPushButton(tr("KRR beside"), this);
    m_krrButton->setObjectName(QStringLiteral("curveKrr"));
    m_krrButton->setToolTip(tr("Kernel ridge regression (Laplacian kernel, sigma and lambda "
                               "chosen on the validation split) on the same training rows, "
                               "drawn beside the network's points: the baseline a chemist "
                               "tries first (Rupp et al. 2012)."));
    controls->addWidget(m_krrButton);
    m_measureSizes = new QLineEdit(QStringLiteral("2000, 3000, 4000"), this);
    m_measureSizes->setObjectName(QStringLiteral("curveMeasureSizes"));
    m_measureSizes->setMaximumWidth(140);
    m_measureSizes->setToolTip(tr("Train at these larger n with the same settings and seeds "
                                  "(molecules from outside validation and test) and compare "
                                  "with every law's prediction"));
    m_measure = new QPushButton(tr("Measure at these n"), this);
    m_measure->setObjectName(QStringLiteral("curveMeasure"));
    m_measureLabel = new QLabel(this);
    m_measureLabel->setObjectName(QStringLiteral("curveMeasureLabel"));
    m_measureLabel->setWordWrap(true);
    controls->addSpacing(12);
    controls->addWidget(m_measureSizes);
    controls->addWidget(m_measure);

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
    m_models->setToolTip(tr("The laws drawn (the chosen one always is); the table ranks every "
                            "law by how well it predicts sizes it was not fitted on"));
    m_logSpace = new QCheckBox(tr("Fit log(error)"), this);
    m_logSpace->setObjectName(QStringLiteral("curveLogSpace"));
    m_logSpace->setChecked(true);
    m_logSpace->setToolTip(tr("Fit ln(error) against ln(law), as the log-log plot shows it: "
                              "every size counts alike, not only the largest errors"));
    m_weighted = new QCheckBox(tr("Weight by spread"), this);
    m_weighted->setObjectName(QStringLiteral("curveWeighted"));
    m_weighted->setChecked(true);
    m_weighted->setToolTip(tr("Points whose seeds disagree more count less in the fit"));
    m_target = new QSpinBox(this);
    m_target->setObjectName(QStringLiteral("curveTarget"));
    m_target->setRange(2, 10000000);
    m_target->setValue(4000);
    m_target->setToolTip(tr("Extrapolate every fit to this n, with a 95% band"));
    m_hint =
        new QLabel(tr("Click a point to exclude it from the fits (click again to include)."), this);
    m_hint->setWordWrap(true);
    m_hint->setStyleSheet(QStringLiteral("color: palette(placeholder-text);"));

    auto* fitBox = new QGroupBox(tr("Laws drawn"), this);
    auto* fitLayout = new QVBoxLayout(fitBox);
    fitLayout->setSpacing(4);
    fitLayout->addWidget(m_models);
    auto* optionRow = new QHBoxLayout;
    optionRow->addWidget(m_logSpace);
    optionRow->addWidget(m_weighted);
    fitLayout->addLayout(optionRow);
    auto* targetRow = new QHBoxLayout;
    targetRow->addWidget(new QLabel(tr("Extrapolate to n ="), this));
    targetRow->addWidget(m_target, 1);
    fitLayout->addLayout(targetRow);

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
    m_manual->setToolTip(tr("Set A and b by hand and read the residual live"));
    // Unticked, the manual fit is one line: the fits above and it stay in view on a laptop.
    auto* manualBox = new QGroupBox(tr("Manual"), this);
    auto* manualForm = new QFormLayout(manualBox);
    manualForm->addRow(m_manual);
    auto* manualRows = new QWidget(this);
    auto* manualRowsForm = new QFormLayout(manualRows);
    manualRowsForm->setContentsMargins(0, 0, 0, 0);
    manualRowsForm->addRow(tr("Model"), m_manualModel);
    manualRowsForm->addRow(tr("A (log scale)"), m_sliderA);
    manualRowsForm->addRow(tr("b"), m_sliderB);
    manualRowsForm->addRow(m_manualLabel);
    manualForm->addRow(manualRows);

    auto* side = new QWidget(this);
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(fitBox);
    sideLayout->addWidget(manualBox);
    sideLayout->addWidget(m_hint);
    sideLayout->addStretch();
    // In a scroll area: the fits and manual boxes must not set the plot's minimum height,
    // which squeezed the table below it to 3.5 rows in a 1400 x 880 window.
    auto* sideScroll = new QScrollArea(this);
    sideScroll->setWidget(side);
    sideScroll->setWidgetResizable(true);
    sideScroll->setFrameShape(QFrame::NoFrame);
    sideScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    sideScroll->setMaximumWidth(340);
    sideScroll->setMinimumWidth(side->sizeHint().width() + 16);

    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("curveTable"));
    m_table->setColumnCount(11);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    // Every column as wide as its widest cell: a stretched last column was cut ("worse forwar")
    // when the others took the width.
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_answer = new QLabel(this);
    m_answer->setObjectName(QStringLiteral("curveAnswer"));
    m_answer->setWordWrap(true);
    m_answer->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* bottom = new QWidget(this);
    auto* bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(m_answer);
    m_notebookLabel = new QLabel(this);
    m_notebookLabel->setObjectName(QStringLiteral("notebookCurve"));
    m_notebookLabel->setWordWrap(true);
    m_notebookLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_notebookLabel->hide();
    bottomLayout->addWidget(m_notebookLabel);
    bottomLayout->addWidget(m_table, 1);

    auto* top = new QHBoxLayout;
    top->addWidget(m_plot, 1);
    top->addWidget(sideScroll);
    auto* topWidget = new QWidget(this);
    topWidget->setLayout(top);
    top->setContentsMargins(0, 0, 0, 0);
    auto* split = new QSplitter(Qt::Vertical, this);
    m_split = split;
    split->addWidget(topWidget);
    split->addWidget(bottom);
    split->setStretchFactor(0, 4);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(m_measureLabel);
    layout->addWidget(split, 1);
    connect(m_manual, &QCheckBox::toggled, this, [manualRows, sideScroll, this](bool on) {
        manualRows->setVisible(on);
        if (on)
            sideScroll->ensureWidgetVisible(m_manualLabel);
    });
    manualRows->setVisible(m_manual->isChecked());

    connect(m_run, &QPushButton::clicked, this, &LearningCurveView::runRequested);
    connect(m_krrButton, &QPushButton::clicked, this, [this] {
        if (isKrrRunning())
            stopKrr();
        else
            startKrr();
    });
    connect(m_measure, &QPushButton::clicked, this, [this] {
        if (isMeasuring())
            stopMeasure();
        else
            startMeasure();
    });
    connect(m_models, &QListWidget::itemChanged, this, &LearningCurveView::refit);
    connect(m_logSpace, &QCheckBox::toggled, this, &LearningCurveView::refit);
    connect(m_weighted, &QCheckBox::toggled, this, &LearningCurveView::refit);
    connect(m_target, qOverload<int>(&QSpinBox::valueChanged), this, &LearningCurveView::refit);
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
        m_lr->setText(lrText(lr));
}

void LearningCurveView::setRuns(const std::vector<RunResultPtr>& runs, int fullTrainRows) {
    std::vector<const qm7::RunResult*> done;
    for (const auto& r : runs)
        if (r && !r->cancelled && r->config.trainSize > 0)
            done.push_back(r.get());
    m_seedCurves = qm7::perSeedCurves(done);
    std::vector<const qm7::RunResult*> raw;
    for (const auto& r : runs)
        raw.push_back(r.get());
    setPoints(qm7::curvePointsFromRuns(raw, fullTrainRows)); // core's (experiments.h)
}

void LearningCurveView::setSeedCurves(const std::vector<std::vector<qm7::CurvePoint>>& curves) {
    m_seedCurves = curves;
    refit();
}

void LearningCurveView::setMeasured(const std::vector<qm7::CurveRow>& measured) {
    m_measured = measured;
    m_measureLabel->clear(); // a measurement's own status is set after this by onMeasureDone
    rebuildPlot();
    rebuildTable();
}

QString LearningCurveView::answerText() const {
    if (m_points.empty())
        return QString();
    const qm7::LawScore* a = m_ranking.answer();
    QString text;
    if (!a) {
        text = tr("<b>No answer:</b> no law predicts the held-out sizes with a finite, positive "
                  "error.");
    } else {
        const qm7::Extrapolation& e = a->band;
        // Only the chosen law: AIC is a column of the table, and naming its pick here named a
        // law the table rejects.
        text = tr("<b>Answer:</b> %1, the law that best predicts held-out sizes (forward error "
                  "%2 in ln). At n = %3: <b>%4 kcal²/mol²</b> [%5, %6], RMSE %7 kcal/mol. %8")
                   .arg(QString::fromStdString(qm7::lawLabel(*a)),
                        QString::fromStdString(qm7::lnErrorText(a->forwardError)))
                   .arg(targetN())
                   .arg(formatNumber(e.value, 4), formatNumber(e.lower, 3),
                        formatNumber(e.upper, 3), formatNumber(std::sqrt(e.value), 3),
                        QString::fromStdString(qm7::lawInWords(a->fit)));
        // The measured points on one line: the tab's table needs the height.
        QStringList measured;
        for (const auto& m : m_measured) {
            const qm7::Extrapolation p = qm7::predictWithHeldOutBand(*a, m.n);
            measured << tr("n = %1: %2 ± %3 (predicted %4 [%5, %6], %7)")
                            .arg(m.n)
                            .arg(formatNumber(m.mseMean, 3), formatNumber(m.mseStd, 2),
                                 formatNumber(p.value, 3), formatNumber(p.lower, 3),
                                 formatNumber(p.upper, 3),
                                 QString::fromStdString(qm7::bandVerdict(p, m.mseMean)));
        }
        if (!measured.isEmpty())
            text += tr("<br>Measured: %1.").arg(measured.join(QStringLiteral("; ")));
    }
    if (m_notebook) // two curves on the tab: say which one this answer and the table are about
        text = tr("<b>The workbench's curve (black discs; the table ranks it).</b> ") + text;
    return text +
           tr("<br><small>Bands: %1.</small>").arg(QString::fromStdString(m_ranking.bandNote));
}

void LearningCurveView::setPoints(const std::vector<qm7::CurvePoint>& points) {
    m_points = points;
    refit();
    onManualModelChanged();
}

void LearningCurveView::showRanking(const std::vector<qm7::CurvePoint>& points,
                                    const qm7::LawRanking& ranking) {
    {
        const QSignalBlocker b1(m_models), b2(m_logSpace), b3(m_weighted), b4(m_target);
        m_logSpace->setChecked(ranking.options.logSpace);
        m_weighted->setChecked(ranking.options.weightBySpread);
        m_target->setValue(static_cast<int>(ranking.targetN));
        for (qm7::CurveModel model : qm7::allCurveModels())
            setModelChecked(model, std::any_of(ranking.laws.begin(), ranking.laws.end(),
                                               [&](const auto& l) { return l.model == model; }));
    }
    m_points = points;
    m_ranking = ranking;
    rankNotebook(); // at the ranking's target n and options
    m_fits.clear();
    for (const qm7::LawScore& law : m_ranking.laws)
        m_fits.push_back(law.fit);
    markChosenLaw();
    onManualModelChanged(); // redraws
    rebuildTable();
}

void LearningCurveView::markChosenLaw() {
    const qm7::LawScore* chosen = m_ranking.answer();
    const QSignalBlocker blocker(m_models); // a check-state change here is not the user's
    for (int i = 0; i < m_models->count(); ++i) {
        QListWidgetItem* item = m_models->item(i);
        const bool isChosen =
            chosen && item->data(Qt::UserRole).toInt() == static_cast<int>(chosen->model);
        // The chosen law is drawn whatever its box says: the box shows it, and cannot hide it.
        item->setFlags(isChosen ? Qt::ItemIsEnabled
                                : (Qt::ItemIsUserCheckable | Qt::ItemIsEnabled));
        if (isChosen)
            item->setCheckState(Qt::Checked);
        item->setToolTip(isChosen ? tr("The chosen law is always drawn") : QString());
    }
    m_models->viewport()->update();
}

bool LearningCurveView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_plot && event->type() == QEvent::Resize)
        fitLegendColumns(m_plot, 2);
    return PlotPage::eventFilter(watched, event);
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
    m_ranking = qm7::LawRanking{};
    if (m_points.size() >= 2)
        m_ranking = qm7::rankLaws(m_points, m_seedCurves, targetN(), fitOptions());
    rankNotebook();  // the same target n and fit options as the workbench's curve
    markChosenLaw(); // before the fits: the chosen law's box is checked
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
        const double atTarget = qm7::evaluateCurve(model, manualParams(), targetN());
        text += tr("\nat n = %1: <b>%2 kcal²/mol²</b>%3")
                    .arg(targetN())
                    .arg(formatNumber(atTarget, 4),
                         atTarget > 0
                             ? tr(" (RMSE %1 kcal/mol)").arg(formatNumber(std::sqrt(atTarget), 3))
                             : QString());
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

void LearningCurveView::onPlottableClick(QCPAbstractPlottable* plottable, int dataIndex,
                                         QMouseEvent* /*event*/) {
    auto* graph = qobject_cast<QCPGraph*>(plottable);
    // A click on a point's error bar means the point: the bar is what lies under the cursor.
    if (auto* bars = qobject_cast<QCPErrorBars*>(plottable))
        graph = qobject_cast<QCPGraph*>(bars->dataPlottable());
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

} // namespace qm7::ui
