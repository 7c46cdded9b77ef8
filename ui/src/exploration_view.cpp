// The Exploration tab (exploration_view.h): its layout, the trials it shows, the summary and
// the exports; the Run form's trials fill it as they finish.
#include "qm7ui/exploration_view.h"

#include "exploration_common.h"

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

using namespace exploration;

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
    placeLegendOutside(m_profile, Qt::TopEdge); // inside, it covered the worst settings' points
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

void ExplorationView::setTrials(std::vector<qm7::ExplorationTrial> trials) {
    const std::vector<std::string> before = m_names;
    m_trials = std::move(trials);
    m_names = qm7::explorationSettingNames(m_trials);
    // More trials of the same space (a running exploration, then its trials.csv) keep what the
    // reader chose: brushes, axis order, the heatmap's and the profile's settings.
    const bool sameSpace = !before.empty() && m_names == before;
    const QStringList chosen = {m_heatX->currentText(), m_heatY->currentText(),
                                m_profileSetting->currentText()};
    if (!sameSpace) {
        m_brushes.clear();
        m_axisOrder.clear();
        for (int a = 0; a <= static_cast<int>(m_names.size()); ++a)
            m_axisOrder.push_back(a);
    }
    m_scales.clear();
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
    if (sameSpace) {
        QComboBox* boxes[] = {m_heatX, m_heatY, m_profileSetting};
        for (int k = 0; k < 3; ++k) {
            const QSignalBlocker block(boxes[k]);
            boxes[k]->setCurrentText(chosen[k]);
        }
    }
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

ExplorationView* addExplorationTab(QTabWidget* tabs) {
    auto* view = new ExplorationView(tabs);
    tabs->addTab(view, ExplorationView::tr("Exploration"));
    tabs->setTabToolTip(tabs->indexOf(view),
                        ExplorationView::tr("The trials of qm7 sweep --grid / --sample: table, "
                                            "parallel coordinates, heatmap and profile"));
    return view;
}

} // namespace qm7::ui
