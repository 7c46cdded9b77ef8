#include "qm7ui/exploration_view.h"

#include "qm7ui/exploration_run_form.h"
#include "qm7ui/plot_export.h"
#include "qm7ui/plot_style.h"

#include "qm7/train/run_store.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <set>

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

namespace {

constexpr int kValueRole = Qt::UserRole + 1;

QStandardItem* numberItem(double v, int digits = 4) {
    auto* item = new QStandardItem(formatNumber(v, digits));
    item->setData(v, kValueRole);
    item->setData(v, Qt::UserRole + 2);
    return item;
}

bool parseNumber(const std::string& s, double* v) {
    char* end = nullptr;
    *v = std::strtod(s.c_str(), &end);
    return !s.empty() && end && *end == '\0';
}

// An axis label: widths as 10, 100, 1000, 10 000 (not 1e+03), small rates as 1e-5.
// `lo` is the axis's lowest value: an axis reaching below 1e-3 writes both ends as 1e-k.
QString axisNumber(double v, double lo) {
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

QCustomPlot* newPlot(QWidget* parent, const QString& name) {
    auto* plot = new QCustomPlot(parent);
    plot->setObjectName(name);
    stylePlot(plot);
    plot->setMinimumSize(260, 200);
    return plot;
}

} // namespace

ExplorationView::ExplorationView(QWidget* parent) : PlotPage(parent) {
    m_model = new QStandardItemModel(this);
    m_proxy = new TrialFilterModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(Qt::UserRole + 2);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("explorationTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("explorationFilter"));
    m_filter->setPlaceholderText(tr("Filter trials (any column)"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, this, [this] { applyFilters(); });

    m_parallel = newPlot(this, QStringLiteral("explorationParallel"));
    m_parallel->setInteractions({});
    m_parallel->yAxis->setRange(-0.08, 1.08);
    m_parallel->yAxis->setTicks(false);
    m_parallel->yAxis->setTickLabels(false);
    m_parallel->setToolTip(tr("One line per trial, coloured by validation RMSE. Drag along an "
                              "axis to keep the trials in that range; click the axis to clear. "
                              "Drag an axis's name sideways to move the axis."));
    connect(m_parallel, &QCustomPlot::mousePress, this, &ExplorationView::brushPress);
    connect(m_parallel, &QCustomPlot::mouseRelease, this, &ExplorationView::brushRelease);
    connect(m_parallel, &QCustomPlot::mouseMove, this, &ExplorationView::brushMove);
    m_heat = newPlot(this, QStringLiteral("explorationHeatmap"));
    m_heat->setInteractions({});
    m_profile = newPlot(this, QStringLiteral("explorationProfile"));
    m_heatX = new QComboBox(this);
    m_heatX->setObjectName(QStringLiteral("heatmapX"));
    m_heatY = new QComboBox(this);
    m_heatY->setObjectName(QStringLiteral("heatmapY"));
    m_profileSetting = new QComboBox(this);
    m_profileSetting->setObjectName(QStringLiteral("profileSetting"));
    for (QComboBox* box : {m_heatX, m_heatY})
        connect(box, &QComboBox::currentTextChanged, this, [this] { drawHeatmap(); });
    connect(m_profileSetting, &QComboBox::currentTextChanged, this, [this] { drawProfile(); });
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("explorationSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_source = new QLabel(tr("Open the folder of <tt>qm7 sweep --grid</tt> or <tt>--sample</tt> "
                             "(its trials.csv)."),
                          this);
    auto* open = new QPushButton(tr("Open sweep…"), this);
    open->setObjectName(QStringLiteral("openExploration"));
    connect(open, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Sweep folder"));
        QString error;
        if (!dir.isEmpty() && !openTrials(dir, &error))
            m_source->setText(error);
    });

    // The choosers of the heatmap's axes and the profile's setting share the top row: on a
    // 1366x768 screen a row of their own above each plot left the plots under 300 px.
    m_source->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    for (QComboBox* box : {m_heatX, m_heatY, m_profileSetting}) {
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        box->setMinimumContentsLength(10);
    }
    auto* top = new QHBoxLayout;
    top->addWidget(m_source, 1);
    top->addWidget(open);
    top->addWidget(new QLabel(tr("Heatmap x:"), this));
    top->addWidget(m_heatX);
    top->addWidget(new QLabel(tr("y:"), this));
    top->addWidget(m_heatY);
    top->addWidget(new QLabel(tr("Error against:"), this));
    top->addWidget(m_profileSetting);
    auto* curves = new QPushButton(tr("Show loss curves"), this);
    curves->setObjectName(QStringLiteral("showLossCurves"));
    curves->setToolTip(tr("Open the selected trials' train and validation loss on the Loss "
                          "curves tab (select several with Ctrl or Shift)"));
    auto requestCurves = [this] {
        QString error;
        if (!showSelectedLossCurves(&error))
            m_source->setText(error);
    };
    connect(curves, &QPushButton::clicked, this, requestCurves);
    connect(m_table, &QTableView::customContextMenuRequested, this,
            [this, requestCurves](const QPoint& at) {
                QMenu menu(this);
                menu.addAction(tr("Show loss curves"), this, requestCurves)
                    ->setEnabled(!selectedRuns().isEmpty());
                menu.exec(m_table->viewport()->mapToGlobal(at));
            });
    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(m_filter, 1);
    filterRow->addWidget(curves);
    auto* tableBox = new QWidget(this);
    auto* tableLayout = new QVBoxLayout(tableBox);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->addLayout(filterRow);
    tableLayout->addWidget(m_table, 1);
    tableLayout->addWidget(m_summary);

    auto* plotsTop = new QSplitter(Qt::Horizontal, this);
    plotsTop->addWidget(m_parallel);
    plotsTop->addWidget(tableBox);
    auto* plotsBottom = new QSplitter(Qt::Horizontal, this);
    for (QWidget* plot : {static_cast<QWidget*>(m_heat), static_cast<QWidget*>(m_profile)}) {
        auto* box = new QWidget(this); // a plot straight in a splitter kept its 200 px hint
        auto* boxLayout = new QVBoxLayout(box);
        boxLayout->setContentsMargins(0, 0, 0, 0);
        boxLayout->addWidget(plot, 1);
        plotsBottom->addWidget(box);
    }
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(plotsTop);
    split->addWidget(plotsBottom);
    split->setSizes({1000, 1000}); // two rows of equal height
    m_runForm = new ExplorationRunForm(this);
    connect(m_runForm, &ExplorationRunForm::started, this, [this](const QString& dir) {
        m_runTrials.clear();
        setTrials({});
        m_folder = dir; // the finished runs' curves are read from there
        m_source->setText(tr("Running the exploration…"));
    });
    connect(m_runForm, &ExplorationRunForm::trialFinished, this, &ExplorationView::addRunTrial);
    connect(m_runForm, &ExplorationRunForm::ended, this, [this](bool finished, const QString& dir) {
        QString error;
        if (finished && !openTrials(dir, &error))
            m_source->setText(error);
        else if (!finished)
            m_source->setText(
                tr("Cancelled: %1 trials finished this time").arg(m_runTrials.size()));
    });
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_runForm);
    layout->addWidget(split, 1);
}

void ExplorationView::addRunTrial(const qm7::ExplorationTrial& trial) {
    // Successive halving trains a setting again at a larger budget: its latest run replaces it.
    auto same = std::find_if(m_runTrials.begin(), m_runTrials.end(),
                             [&](const auto& t) { return t.run == trial.run; });
    if (same != m_runTrials.end())
        *same = trial;
    else
        m_runTrials.push_back(trial);
    setTrials(m_runTrials);
}

QList<QPair<QString, QWidget*>> ExplorationView::plots() const {
    return {{QStringLiteral("exploration_parallel"), m_parallel},
            {QStringLiteral("exploration_heatmap"), m_heat},
            {QStringLiteral("exploration_profile"), m_profile}};
}

QString ExplorationView::csv() const {
    return m_trials.empty() ? QString() : QString::fromStdString(qm7::trialsCsv(m_trials));
}

QList<QPair<QString, QString>> ExplorationView::csvFiles() const {
    QList<QPair<QString, QString>> files = {{QStringLiteral("exploration_trials"), csv()}};
    if (m_trials.empty())
        return files;
    QString heat = QStringLiteral("%1,%2,mean_val_rmse_kcal,runs\n")
                       .arg(m_heatX->currentText(), m_heatY->currentText());
    for (std::size_t y = 0; y < m_heatmap.yValues.size(); ++y)
        for (std::size_t x = 0; x < m_heatmap.xValues.size(); ++x)
            heat += QStringLiteral("%1,%2,%3,%4\n")
                        .arg(QString::fromStdString(m_heatmap.xValues[x]),
                             QString::fromStdString(m_heatmap.yValues[y]),
                             QString::number(m_heatmap.mean[y][x], 'g', 17))
                        .arg(m_heatmap.runs[y][x]);
    files.append({QStringLiteral("exploration_heatmap"), heat});
    const std::string name = m_profileSetting->currentText().toStdString();
    QString profile = QStringLiteral("%1,mean_val_rmse_kcal,std,min,max,runs\n")
                          .arg(QString::fromStdString(name));
    for (const auto& p : qm7::settingProfile(m_trials, name))
        profile += QStringLiteral("%1,%2,%3,%4,%5,%6\n")
                       .arg(QString::fromStdString(p.value))
                       .arg(p.mean, 0, 'g', 17)
                       .arg(p.std, 0, 'g', 17)
                       .arg(p.min, 0, 'g', 17)
                       .arg(p.max, 0, 'g', 17)
                       .arg(p.runs);
    files.append({QStringLiteral("exploration_profile"), profile});
    return files;
}

bool ExplorationView::openTrials(const QString& path, QString* error) {
    QString file = path;
    if (QFileInfo(path).isDir())
        file = QDir(path).filePath(QStringLiteral("trials.csv"));
    try {
        setTrials(qm7::readTrialsCsv(file.toStdString()));
    } catch (const std::exception& e) {
        if (error)
            *error = tr("Could not read %1: %2").arg(file, QString::fromUtf8(e.what()));
        return false;
    }
    m_folder = QFileInfo(file).absolutePath();
    // The folder's name only: a long path was cut off at 1280 px; the whole path in the tip.
    m_source->setText(tr("Trials of %1").arg(QDir(m_folder).dirName()));
    m_source->setToolTip(QDir::toNativeSeparators(QFileInfo(file).absoluteFilePath()));
    return true;
}

QStringList ExplorationView::selectedRuns() const {
    QStringList runs;
    for (int r = 0; r < m_proxy->rowCount(); ++r)
        if (m_table->selectionModel()->isRowSelected(r, QModelIndex())) {
            const int row = m_proxy->mapToSource(m_proxy->index(r, 0)).row();
            runs << QString::fromStdString(m_trials[static_cast<std::size_t>(row)].run);
        }
    return runs;
}

bool ExplorationView::showSelectedLossCurves(QString* error) {
    const QStringList names = selectedRuns();
    auto fail = [error](const QString& message) {
        if (error)
            *error = message;
        return false;
    };
    if (names.isEmpty())
        return fail(tr("Select one or more trials in the table first."));
    if (m_folder.isEmpty())
        return fail(tr("These trials have no sweep folder to read their runs from."));
    std::vector<RunResultPtr> runs;
    QStringList labels;
    for (const QString& name : names) {
        const auto t = std::find_if(m_trials.begin(), m_trials.end(),
                                    [&](const auto& x) { return x.run == name.toStdString(); });
        const std::string dir = qm7::trialRunDir(m_folder.toStdString(), name.toStdString());
        if (dir.empty())
            return fail(tr("No run folder %1 in %2").arg(name, m_folder));
        try {
            runs.push_back(std::make_shared<const qm7::RunResult>(qm7::loadRun(dir)));
        } catch (const std::exception& e) {
            return fail(tr("Could not read the run %1: %2").arg(name, QString::fromUtf8(e.what())));
        }
        labels << tr("%1, seed %2%3")
                      .arg(QString::fromStdString(qm7::settingText(t->setting)))
                      .arg(t->seed)
                      .arg(t->status == "finished"
                               ? QString()
                               : QStringLiteral(" (%1)").arg(QString::fromStdString(t->status)));
    }
    Q_EMIT lossCurvesRequested(runs, labels);
    return true;
}

void ExplorationView::setTrials(std::vector<qm7::ExplorationTrial> trials) {
    m_trials = std::move(trials);
    m_names = qm7::explorationSettingNames(m_trials);
    m_brushes.clear();
    m_scales.clear();
    m_axisOrder.clear();
    for (int a = 0; a <= static_cast<int>(m_names.size()); ++a)
        m_axisOrder.push_back(a);
    for (std::size_t a = 0; a <= m_names.size(); ++a) {
        AxisScale s;
        std::vector<double> values;
        std::vector<std::string> texts;
        for (const auto& t : m_trials) {
            if (a == m_names.size()) {
                if (std::isfinite(t.valRmse))
                    values.push_back(t.valRmse);
                continue;
            }
            const std::string v = qm7::settingValue(t.setting, m_names[a]);
            double x = 0;
            if (parseNumber(v, &x))
                values.push_back(x);
            else
                s.numeric = false;
            if (std::find(texts.begin(), texts.end(), v) == texts.end())
                texts.push_back(v);
        }
        if (!s.numeric) {
            s.categories = texts;
            s.lo = 0;
            s.hi = std::max<double>(1, static_cast<double>(texts.size()) - 1);
        } else if (!values.empty()) {
            s.lo = *std::min_element(values.begin(), values.end());
            s.hi = *std::max_element(values.begin(), values.end());
            s.log = s.lo > 0 && s.hi / s.lo >= 10;
        }
        m_scales.push_back(s);
    }
    for (QComboBox* box : {m_heatX, m_heatY, m_profileSetting}) {
        const QSignalBlocker block(box);
        box->clear();
        for (const auto& n : m_names)
            box->addItem(QString::fromStdString(n));
    }
    m_heatY->setCurrentIndex(m_names.size() > 1 ? 1 : 0);
    rebuildTable();
    drawParallel();
    drawHeatmap();
    drawProfile();
    const auto sums = qm7::summarizeSettings(m_trials);
    const int best = qm7::bestSetting(sums);
    QString text;
    if (best >= 0) {
        const auto& b = sums[static_cast<std::size_t>(best)];
        text = tr("<b>Best on validation:</b> %1 — validation RMSE %2 ± %3 kcal/mol over %4 "
                  "seed(s); its test RMSE, shown once and never used to choose: %5 ± %6 kcal/mol.")
                   .arg(QString::fromStdString(qm7::settingText(b.setting)).toHtmlEscaped(),
                        formatNumber(b.valMean, 3), formatNumber(b.valStd, 2))
                   .arg(b.runs)
                   .arg(formatNumber(b.testMean, 3), formatNumber(b.testStd, 2));
    }
    for (const auto& n : m_names)
        text += QStringLiteral("<br>• <b>%1</b>: %2")
                    .arg(QString::fromStdString(n),
                         QString::fromStdString(qm7::settingEffect(m_trials, n)).toHtmlEscaped());
    m_summary->setText(text);
}

QString ExplorationView::summaryText() const {
    return m_summary->text();
}

void ExplorationView::rebuildTable() {
    m_model->clear();
    QStringList header = {tr("status"), tr("seed")};
    for (const auto& n : m_names)
        header << QString::fromStdString(n);
    header << tr("val RMSE\n(kcal/mol)") << tr("test RMSE\n(kcal/mol)") << tr("epochs")
           << tr("seconds");
    m_model->setHorizontalHeaderLabels(header);
    for (const auto& t : m_trials) {
        QList<QStandardItem*> row;
        auto* status = new QStandardItem(QString::fromStdString(t.status));
        status->setData(QString::fromStdString(t.status), Qt::UserRole + 2);
        row << status << numberItem(static_cast<double>(t.seed));
        for (const auto& n : m_names) {
            const std::string v = qm7::settingValue(t.setting, n);
            double x = 0;
            auto* item = new QStandardItem(QString::fromStdString(v));
            item->setData(parseNumber(v, &x) ? QVariant(x) : QVariant(QString::fromStdString(v)),
                          Qt::UserRole + 2);
            row << item;
        }
        row << numberItem(t.valRmse) << numberItem(t.testRmse)
            << numberItem(static_cast<double>(t.epochs)) << numberItem(t.seconds, 3);
        m_model->appendRow(row);
    }
    applyFilters();
}

double ExplorationView::axisRaw(const qm7::ExplorationTrial& t, int axis) const {
    const auto a = static_cast<std::size_t>(axis);
    if (a == m_names.size())
        return t.valRmse;
    const std::string v = qm7::settingValue(t.setting, m_names[a]);
    const AxisScale& s = m_scales[a];
    if (!s.numeric)
        return static_cast<double>(std::find(s.categories.begin(), s.categories.end(), v) -
                                   s.categories.begin());
    double x = NAN;
    parseNumber(v, &x);
    return x;
}

double ExplorationView::axisValue(const qm7::ExplorationTrial& t, int axis) const {
    const AxisScale& s = m_scales[static_cast<std::size_t>(axis)];
    const double x = axisRaw(t, axis);
    if (s.hi <= s.lo)
        return 0.5;
    if (s.log)
        return (std::log(x) - std::log(s.lo)) / (std::log(s.hi) - std::log(s.lo));
    return (x - s.lo) / (s.hi - s.lo);
}

void ExplorationView::drawParallel() {
    m_parallel->clearGraphs();
    m_parallel->clearItems();
    m_dragMarker = nullptr;
    m_dragLabel = nullptr;
    m_brushMarker = nullptr;
    const int axes = static_cast<int>(m_scales.size());
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int p = 0; p < axes; ++p) {
        const int a = m_axisOrder[static_cast<std::size_t>(p)];
        ticker->addTick(p, a < static_cast<int>(m_names.size())
                               ? QString::fromStdString(m_names[static_cast<std::size_t>(a)])
                               : tr("val RMSE"));
    }
    m_parallel->xAxis->setTicker(ticker);
    m_parallel->xAxis->setRange(-0.3, std::max(1, axes - 1) + 0.3);
    QCPColorGradient gradient(QCPColorGradient::gpThermal);
    const AxisScale& val = m_scales.empty() ? AxisScale{} : m_scales.back();
    // The worst trial at 80 % of the gradient: its end is near white, invisible on the page.
    const QCPRange valRange(val.lo, val.log ? val.lo * std::pow(val.hi / val.lo, 1.25)
                                            : val.hi + 0.25 * (val.hi - val.lo) + 1e-12);
    std::vector<bool> kept(m_trials.size(), true);
    for (std::size_t i = 0; i < m_trials.size(); ++i)
        for (auto b = m_brushes.cbegin(); b != m_brushes.cend(); ++b) {
            const double x = axisRaw(m_trials[i], b.key());
            if (!(x >= b.value().first && x <= b.value().second))
                kept[i] = false;
        }
    // Filtered-out trials first, grey and beneath the others.
    for (int pass = 0; pass < 2; ++pass)
        for (std::size_t i = 0; i < m_trials.size(); ++i) {
            if (kept[i] != (pass == 1))
                continue;
            QCPGraph* g = m_parallel->addGraph();
            g->setProperty("trial", static_cast<int>(i));
            QVector<double> xs, ys;
            for (int p = 0; p < axes; ++p) {
                xs << p;
                ys << axisValue(m_trials[i], m_axisOrder[static_cast<std::size_t>(p)]);
            }
            g->setData(xs, ys, true);
            QColor c =
                kept[i] ? QColor::fromRgba(gradient.color(m_trials[i].valRmse, valRange, val.log))
                        : QColor(200, 200, 200, 120);
            if (m_trials[i].status == "stopped" && kept[i])
                c.setAlpha(110);
            g->setPen(QPen(c, kept[i] ? 1.6 : 1.0,
                           m_trials[i].status == "stopped" ? Qt::DashLine : Qt::SolidLine));
        }
    for (int p = 0; p < axes; ++p) {
        const int a = m_axisOrder[static_cast<std::size_t>(p)];
        auto* line = new QCPItemLine(m_parallel);
        line->start->setCoords(p, 0);
        line->end->setCoords(p, 1);
        line->setPen(QPen(Qt::black, 1));
        const AxisScale& s = m_scales[static_cast<std::size_t>(a)];
        for (int end = 0; end < 2; ++end) {
            auto* label = new QCPItemText(m_parallel);
            label->setObjectName(QStringLiteral("axisLabel"));
            label->position->setCoords(p, end == 0 ? -0.05 : 1.05);
            label->setFont(QFont(font().family(), 8));
            label->setText(!s.numeric ? QString::fromStdString(end == 0 ? s.categories.front()
                                                                        : s.categories.back())
                                      : axisNumber(end == 0 ? s.lo : s.hi, s.lo));
        }
        if (m_brushes.contains(a)) {
            auto* rect = new QCPItemRect(m_parallel);
            const auto r = m_brushes.value(a);
            auto norm = [&](double x) {
                if (s.hi <= s.lo)
                    return 0.5;
                return s.log ? (std::log(std::max(x, s.lo)) - std::log(s.lo)) /
                                   (std::log(s.hi) - std::log(s.lo))
                             : (x - s.lo) / (s.hi - s.lo);
            };
            rect->topLeft->setCoords(p - 0.06, std::min(1.0, norm(r.second)));
            rect->bottomRight->setCoords(p + 0.06, std::max(0.0, norm(r.first)));
            rect->setBrush(QColor(70, 130, 180, 70));
            rect->setPen(QPen(QColor(70, 130, 180)));
        }
    }
    m_proxy->setKept(kept);
    m_parallel->replot();
}

void ExplorationView::drawHeatmap() {
    m_heat->clearPlottables();
    m_heat->clearItems();
    for (auto* e : m_heat->plotLayout()->elements(false))
        if (qobject_cast<QCPColorScale*>(e))
            m_heat->plotLayout()->remove(e);
    m_heat->plotLayout()->simplify();
    const std::string x = m_heatX->currentText().toStdString();
    const std::string y = m_heatY->currentText().toStdString();
    if (m_trials.empty() || x.empty() || y.empty()) {
        m_heatmap = {};
        m_heat->replot();
        return;
    }
    m_heatmap = qm7::settingHeatmap(m_trials, x, y);
    const int nx = static_cast<int>(m_heatmap.xValues.size());
    const int ny = static_cast<int>(m_heatmap.yValues.size());
    auto* map = new QCPColorMap(m_heat->xAxis, m_heat->yAxis);
    map->data()->setSize(nx, ny);
    map->data()->setRange(QCPRange(0, std::max(1, nx - 1)), QCPRange(0, std::max(1, ny - 1)));
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (int j = 0; j < ny; ++j)
        for (int i = 0; i < nx; ++i) {
            const double v =
                m_heatmap.mean[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)];
            map->data()->setCell(i, j, std::isfinite(v) ? v : 0);
            if (!std::isfinite(v))
                map->data()->setAlpha(i, j, 0);
            else {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
                auto* label = new QCPItemText(m_heat);
                label->position->setCoords(i, j);
                label->setText(formatNumber(v, 3));
                label->setFont(QFont(font().family(), 8));
                label->setProperty("value", v);
            }
        }
    auto* scale = new QCPColorScale(m_heat);
    m_heat->plotLayout()->addElement(0, 1, scale);
    scale->setLabel(tr("mean val RMSE (kcal/mol)"));
    map->setColorScale(scale); // before the range: the scale's own range would replace it
    map->setGradient(QCPColorGradient(QCPColorGradient::gpThermal));
    if (lo <= hi)
        map->setDataRange(QCPRange(lo, hi > lo ? hi : lo + 1e-9));
    // Each cell's number in black on light cells, white on dark ones.
    QCPColorGradient cells(QCPColorGradient::gpThermal); // color() is not const
    for (int k = 0; k < m_heat->itemCount(); ++k)
        if (auto* label = qobject_cast<QCPItemText*>(m_heat->item(k))) {
            const QColor c = QColor::fromRgb(
                cells.color(label->property("value").toDouble(), map->dataRange(), false));
            label->setColor(c.lightnessF() < 0.5 ? Qt::white : Qt::black);
        }
    map->setInterpolate(false);
    auto tick = [](const std::vector<std::string>& values) {
        auto t = QSharedPointer<QCPAxisTickerText>::create();
        for (std::size_t k = 0; k < values.size(); ++k)
            t->addTick(static_cast<double>(k), QString::fromStdString(values[k]));
        return t;
    };
    m_heat->xAxis->setTicker(tick(m_heatmap.xValues));
    m_heat->yAxis->setTicker(tick(m_heatmap.yValues));
    m_heat->xAxis->setLabel(QString::fromStdString(x));
    m_heat->yAxis->setLabel(QString::fromStdString(y));
    m_heat->xAxis->setRange(-0.5, nx - 0.5);
    m_heat->yAxis->setRange(-0.5, ny - 0.5);
    m_heat->replot();
}

void ExplorationView::drawProfile() {
    m_profile->clearPlottables();
    const std::string name = m_profileSetting->currentText().toStdString();
    const auto points = qm7::settingProfile(m_trials, name);
    if (points.empty()) {
        m_profile->replot();
        return;
    }
    const auto a =
        static_cast<std::size_t>(std::find(m_names.begin(), m_names.end(), name) - m_names.begin());
    const bool numeric = a < m_scales.size() && m_scales[a].numeric;
    const bool logX = numeric && m_scales[a].log;
    setLogAxis(m_profile->xAxis, logX);
    setLogAxis(m_profile->yAxis, true);
    QVector<double> xs, mean, err, sx, sy;
    for (const auto& p : points) {
        xs << p.x;
        mean << p.mean;
        err << p.std;
    }
    for (const auto& t : m_trials)
        if (t.status == "finished")
            for (const auto& p : points)
                if (qm7::settingValue(t.setting, name) == p.value) {
                    sx << p.x;
                    sy << t.valRmse;
                }
    auto* seeds = m_profile->addGraph();
    seeds->setData(sx, sy);
    seeds->setLineStyle(QCPGraph::lsNone);
    seeds->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, faded(paletteColor(0)),
                                           faded(paletteColor(0)), 4));
    seeds->setName(tr("each trial"));
    auto* line = m_profile->addGraph();
    line->setData(xs, mean, true);
    line->setPen(QPen(paletteColor(0), 2));
    line->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
    line->setName(tr("mean ± std over the other settings and seeds"));
    auto* bars = new QCPErrorBars(m_profile->xAxis, m_profile->yAxis);
    bars->setDataPlottable(line);
    bars->setData(err);
    bars->removeFromLegend();
    if (!numeric) {
        auto t = QSharedPointer<QCPAxisTickerText>::create();
        for (const auto& p : points)
            t->addTick(p.x, QString::fromStdString(p.value));
        m_profile->xAxis->setTicker(t);
    }
    m_profile->xAxis->setLabel(QString::fromStdString(name));
    m_profile->yAxis->setLabel(tr("validation RMSE (kcal/mol)"));
    m_profile->legend->setVisible(true);
    m_profile->rescaleAxes();
    const QCPRange xr = m_profile->xAxis->range();
    if (logX)
        m_profile->xAxis->setRange(xr.lower / 1.5, xr.upper * 1.5);
    else
        m_profile->xAxis->setRange(xr.lower - 0.5, xr.upper + 0.5);
    const QCPRange yr = m_profile->yAxis->range();
    m_profile->yAxis->setRange(yr.lower / 1.2, yr.upper * 1.2);
    m_profile->replot();
}

void ExplorationView::applyFilters() {
    m_proxy->setFilterFixedString(m_filter->text());
}

int ExplorationView::visibleTrialCount() const {
    return m_proxy->rowCount();
}

void ExplorationView::setBrush(int axis, double lo, double hi) {
    if (axis < 0 || axis >= static_cast<int>(m_scales.size()))
        return;
    if (lo > hi)
        m_brushes.remove(axis);
    else
        m_brushes.insert(axis, {lo, hi});
    drawParallel();
}

void ExplorationView::setTextFilter(const QString& text) {
    m_filter->setText(text);
}

void ExplorationView::setHeatmapSettings(const QString& x, const QString& y) {
    const QSignalBlocker bx(m_heatX), by(m_heatY);
    m_heatX->setCurrentText(x);
    m_heatY->setCurrentText(y);
    drawHeatmap();
}

void ExplorationView::setProfileSetting(const QString& name) {
    m_profileSetting->setCurrentText(name);
}

int ExplorationView::positionOf(int axis) const {
    const auto it = std::find(m_axisOrder.begin(), m_axisOrder.end(), axis);
    return it == m_axisOrder.end() ? -1 : static_cast<int>(it - m_axisOrder.begin());
}

void ExplorationView::moveAxis(int axis, int position) {
    const int from = positionOf(axis);
    if (from < 0 || m_axisOrder.empty())
        return;
    position = std::clamp(position, 0, static_cast<int>(m_axisOrder.size()) - 1);
    m_axisOrder.erase(m_axisOrder.begin() + from);
    m_axisOrder.insert(m_axisOrder.begin() + position, axis);
    drawParallel();
}

QPoint ExplorationView::axisTitlePixel(int axis) const {
    const int p = positionOf(axis);
    // The titles are the x axis's tick labels, below the axis rect.
    return {static_cast<int>(std::lround(m_parallel->xAxis->coordToPixel(p))),
            m_parallel->axisRect()->bottom() + 12};
}

QPoint ExplorationView::axisPixel(int axis, double u) const {
    return {static_cast<int>(std::lround(m_parallel->xAxis->coordToPixel(positionOf(axis)))),
            static_cast<int>(std::lround(m_parallel->yAxis->coordToPixel(u)))};
}

void ExplorationView::brushPress(QMouseEvent* e) {
    const double x = m_parallel->xAxis->pixelToCoord(e->pos().x());
    const int p = static_cast<int>(std::lround(x));
    const bool near = std::fabs(x - p) < 0.25 && p >= 0 && p < static_cast<int>(m_axisOrder.size());
    m_pressAxis = near ? m_axisOrder[static_cast<std::size_t>(p)] : -1;
    m_dragAxis = near && e->pos().y() > m_parallel->axisRect()->bottom();
    m_pressY = m_parallel->yAxis->pixelToCoord(e->pos().y());
    if (m_dragAxis)
        m_parallel->setCursor(Qt::ClosedHandCursor);
}

double ExplorationView::dragMarkerX() const {
    return m_dragMarker ? m_dragMarker->start->coords().x() : NAN;
}

// Live feedback while the mouse is down: the moving axis follows it, a brush shows its range.
void ExplorationView::brushMove(QMouseEvent* e) {
    if (m_pressAxis < 0)
        return;
    const double x = m_parallel->xAxis->pixelToCoord(e->pos().x());
    const double y = std::clamp(m_parallel->yAxis->pixelToCoord(e->pos().y()), 0.0, 1.0);
    const QColor ink = palette().color(QPalette::Highlight);
    if (m_dragAxis) {
        if (!m_dragMarker) {
            m_dragMarker = new QCPItemLine(m_parallel);
            m_dragMarker->setPen(QPen(ink, 3));
            m_dragLabel = new QCPItemText(m_parallel);
            m_dragLabel->setColor(ink);
            m_dragLabel->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
            const auto a = static_cast<std::size_t>(m_pressAxis);
            m_dragLabel->setText(a < m_names.size() ? QString::fromStdString(m_names[a])
                                                    : tr("val RMSE"));
        }
        m_dragMarker->start->setCoords(x, 0);
        m_dragMarker->end->setCoords(x, 1);
        m_dragLabel->position->setCoords(x, 1.04);
    } else {
        if (!m_brushMarker) {
            m_brushMarker = new QCPItemRect(m_parallel);
            m_brushMarker->setPen(QPen(ink, 1));
            QColor fill = ink;
            fill.setAlpha(60);
            m_brushMarker->setBrush(fill);
        }
        const double p = positionOf(m_pressAxis);
        m_brushMarker->topLeft->setCoords(p - 0.05, std::max(y, m_pressY));
        m_brushMarker->bottomRight->setCoords(p + 0.05, std::min(y, m_pressY));
    }
    m_parallel->replot(QCustomPlot::rpQueuedReplot);
}

void ExplorationView::brushRelease(QMouseEvent* e) {
    if (m_pressAxis < 0)
        return;
    for (QCPAbstractItem* item :
         {static_cast<QCPAbstractItem*>(m_dragMarker), static_cast<QCPAbstractItem*>(m_dragLabel),
          static_cast<QCPAbstractItem*>(m_brushMarker)})
        if (item)
            m_parallel->removeItem(item);
    m_dragMarker = nullptr;
    m_dragLabel = nullptr;
    m_brushMarker = nullptr;
    m_parallel->replot(QCustomPlot::rpQueuedReplot);
    const int axis = m_pressAxis;
    m_pressAxis = -1;
    if (m_dragAxis) {
        m_dragAxis = false;
        m_parallel->unsetCursor();
        moveAxis(axis,
                 static_cast<int>(std::lround(m_parallel->xAxis->pixelToCoord(e->pos().x()))));
        return;
    }
    const double y = m_parallel->yAxis->pixelToCoord(e->pos().y());
    if (std::fabs(y - m_pressY) < 0.02) {
        setBrush(axis, 1, 0);
        return;
    }
    // Normalized positions back to the axis's own values.
    const AxisScale& s = m_scales[static_cast<std::size_t>(axis)];
    auto raw = [&](double u) {
        if (u <= 0)
            return s.lo; // the ends exactly: exp(log(hi)) may fall short of hi
        if (u >= 1)
            return s.hi;
        return s.log ? std::exp(std::log(s.lo) + u * (std::log(s.hi) - std::log(s.lo)))
                     : s.lo + u * (s.hi - s.lo);
    };
    setBrush(axis, raw(std::min(y, m_pressY)), raw(std::max(y, m_pressY)));
}

ExplorationView* addExplorationTab(QTabWidget* tabs) {
    auto* view = new ExplorationView(tabs);
    tabs->addTab(view, ExplorationView::tr("Exploration"));
    tabs->setTabToolTip(tabs->indexOf(view),
                        ExplorationView::tr("The trials of qm7 sweep --grid / --sample: table, "
                                            "parallel coordinates, heatmap and profile"));
    return view;
}

} // namespace qm7::ui
