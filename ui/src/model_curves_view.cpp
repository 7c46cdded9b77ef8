// "Learning curves of models": core's model_curves.h read from a folder and drawn, its missing
// points trained on a thread of the job runner.
#include "qm7ui/model_curves_view.h"

#include "qm7ui/cv_compare.h"
#include "qm7ui/job_runner.h"
#include "qm7ui/message_line.h"
#include "qm7ui/model_curves_plot.h"
#include "qm7ui/plot_export.h"
#include "qm7ui/plot_style.h"
#include "qm7ui/report_renderer.h"

#include "qm7/chem/dataset_builder.h"
#include "qm7/train/threads.h"

#include "qcustomplot.h"

#include <QCheckBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <memory>

namespace qm7::ui {

namespace {

enum Column { Model, N, Mae, Rmse, ValMae, Minutes, Detail, Columns };

QString number(double v, int decimals) {
    return std::isfinite(v) ? QString::number(v, 'f', decimals) : QStringLiteral("-");
}

/// Turns the points' progress into queued text (at most every 250 ms, always at a point's
/// start and end).
class CurvesObserver : public qm7::ModelCurvesObserver {
  public:
    CurvesObserver(const JobContext& job, ModelCurvesView* view,
                   std::function<void(int, int, QString)> report)
        : m_job(job), m_view(view), m_report(std::move(report)) {
        m_clock.start();
    }
    void onPoint(const qm7::CurveModelSpec& spec, int size, int index, int total) override {
        m_index = index;
        m_total = total;
        m_what = QString::fromStdString(qm7::curveModelLabel(spec)) + QStringLiteral(", n = ") +
                 (size == 0 ? QObject::tr("all") : QString::number(size));
        send(QObject::tr("reading or starting"), true);
    }
    void onKrrProgress(int done, int total) override {
        send(QObject::tr("kernel grid %1 of %2").arg(done).arg(total), false);
    }
    void onEpoch(const qm7::EpochStats& s) override {
        send(QObject::tr("epoch %1").arg(s.epoch), false);
    }
    void onDeepProgress(long long step, long long total, double) override {
        send(QObject::tr("step %L1 of %L2").arg(step).arg(total), false);
    }
    void onFoldDone(const qm7::FoldResult&, bool) override {
        send(QObject::tr("done"), true);
        ModelCurvesView* view = m_view;
        m_job.post([view] { view->reload(); });
    }

  private:
    void send(const QString& text, bool always) {
        if (!always && m_clock.elapsed() - m_last < 250)
            return;
        m_last = m_clock.elapsed();
        auto report = m_report;
        const int index = m_index, total = m_total;
        const QString line = m_what + QStringLiteral(": ") + text;
        m_job.post([report, index, total, line] { report(index, total, line); });
    }

    const JobContext& m_job;
    ModelCurvesView* m_view;
    std::function<void(int, int, QString)> m_report;
    int m_index = 0, m_total = 0;
    QString m_what;
    QElapsedTimer m_clock;
    qint64 m_last = -100000;
};

} // namespace

ModelCurvesView::ModelCurvesView(QWidget* parent) : JobWindow(parent) {
    setWindowTitle(tr("Learning curves of models"));
    m_what = new QLabel(this);
    m_what->setWordWrap(true);
    m_folder = new QLineEdit(this);
    m_folder->setObjectName(QStringLiteral("curvesFolder"));
    auto* browse = new QPushButton(tr("Choose…"), this);
    auto* reloadButton = new QPushButton(tr("Reload"), this);
    for (const qm7::CurveModelSpec& spec : qm7::defaultCurveModels()) {
        auto* box = new QCheckBox(QString::fromStdString(qm7::curveModelLabel(spec)), this);
        box->setObjectName(QString::fromStdString(qm7::curveModelKey(spec)));
        box->setChecked(spec.model == qm7::CvModel::Krr);
        m_models.push_back(box);
    }
    m_models[3]->setToolTip(tr("200,000 minibatch steps at every size (the paper trains "
                               "1,000,000): about 8 minutes per size on one core"));
    m_models[4]->setToolTip(tr("80 epochs, at least 4,000 steps at small sizes: 5 to 40 minutes "
                               "per size on one core"));
    m_sizes = new QLineEdit(QStringLiteral("100, 300, 1000, 3000, all"), this);
    m_sizes->setObjectName(QStringLiteral("curvesSizes"));
    m_sizes->setToolTip(tr("Training molecules, increasing; \"all\" = every training molecule "
                           "of the fold"));
    m_run = new QPushButton(tr("Run"), this);
    m_run->setObjectName(QStringLiteral("curvesRun"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("curvesCancel"));
    m_cancel->setEnabled(false);
    m_export = new QPushButton(tr("Export…"), this);
    m_progress = new QProgressBar(this);
    m_progress->setVisible(false);
    m_progressText = new QLabel(this);
    m_progressText->setVisible(false);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setVisible(false);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("curvesPlot"));
    m_plot->setMinimumHeight(260);
    stylePlot(m_plot);
    placeLegendOutside(m_plot, Qt::TopEdge);
    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("curvesTable"));
    m_table->setColumnCount(Columns);
    m_table->setHorizontalHeaderLabels({tr("Model"), tr("n"), tr("Test MAE"), tr("Test RMSE"),
                                        tr("Val MAE"), tr("Minutes"), tr("Chosen")});
    m_table->horizontalHeaderItem(Mae)->setToolTip(tr("kcal/mol, on the fold's test molecules"));
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);

    auto* folderRow = new QHBoxLayout;
    folderRow->addWidget(new QLabel(tr("Results folder"), this));
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(browse);
    folderRow->addWidget(reloadButton);
    auto* modelRow = new QHBoxLayout;
    for (QCheckBox* box : m_models)
        modelRow->addWidget(box);
    modelRow->addStretch();
    auto* runRow = new QHBoxLayout;
    runRow->addWidget(new QLabel(tr("Training sizes"), this));
    runRow->addWidget(m_sizes, 1);
    runRow->addWidget(m_run);
    runRow->addWidget(m_cancel);
    runRow->addWidget(m_export);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_plot);
    split->addWidget(m_table);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_what);
    layout->addLayout(folderRow);
    layout->addLayout(modelRow);
    layout->addLayout(runRow);
    layout->addWidget(m_progress);
    layout->addWidget(m_progressText);
    layout->addWidget(m_message);
    layout->addWidget(split, 1);

    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir =
            QFileDialog::getExistingDirectory(this, tr("Learning-curve results"), m_folder->text());
        if (!dir.isEmpty()) {
            m_folder->setText(dir);
            reload();
        }
    });
    connect(reloadButton, &QPushButton::clicked, this, &ModelCurvesView::reload);
    // Return, not editingFinished: focus leaves the field also while the window is destroyed.
    connect(m_folder, &QLineEdit::returnPressed, this, &ModelCurvesView::reload);
    connect(m_run, &QPushButton::clicked, this, [this] { run(); });
    connect(m_cancel, &QPushButton::clicked, this, &ModelCurvesView::cancel);
    connect(m_export, &QPushButton::clicked, this, &ModelCurvesView::exportDialog);
    resize(1100, 720);
}

void ModelCurvesView::setStudy(const QString& source, const QString& dir) {
    m_source = source;
    m_folder->setText(dir);
    m_what->setText(
        tr("Test MAE against training molecules on fold 0 of 5 of %1, one curve per model with "
           "the slope of its power law (Faber et al. 2017; Collins et al. 2018). The same folder "
           "as `qm7 invariance --curve --out FOLDER`; finished points are read, not trained "
           "again.")
            .arg(source == QLatin1String("demo") ? tr("the demo molecules")
                                                 : QDir::toNativeSeparators(source)));
    reload();
}

QString ModelCurvesView::resultsDir() const {
    return m_folder->text().trimmed();
}

void ModelCurvesView::setModels(const QStringList& keys) {
    for (QCheckBox* box : m_models)
        box->setChecked(keys.contains(box->objectName()));
}

void ModelCurvesView::setSizes(const QString& sizes) {
    m_sizes->setText(sizes);
}

QString ModelCurvesView::message() const {
    return m_message->text();
}

void ModelCurvesView::setMessage(const QString& text, bool error) {
    setMessageLine(m_message, text, error);
    m_message->setVisible(!text.isEmpty()); // no empty band above the plot
}

void ModelCurvesView::reload() {
    std::vector<qm7::ModelCurve> curves;
    try {
        curves = qm7::collectModelCurves(resultsDir().toStdString());
    } catch (const std::exception& e) {
        setMessage(tr("Cannot read the folder: %1").arg(QString::fromStdString(e.what())), true);
    }
    showCurves(curves);
}

void ModelCurvesView::showCurves(const std::vector<qm7::ModelCurve>& curves) {
    m_curves = curves;
    drawModelCurves(m_plot, m_curves);
    fitLegendColumns(m_plot, 3);
    m_plot->replot();
    int rows = 0;
    for (const qm7::ModelCurve& c : m_curves)
        rows += static_cast<int>(c.points.size());
    m_table->setRowCount(rows);
    int row = 0;
    for (const qm7::ModelCurve& c : m_curves)
        for (const qm7::ModelCurvePoint& p : c.points) {
            const qm7::FoldResult& r = p.result;
            m_table->setItem(row, Model, tableCell(modelCurveLegend(c), false));
            m_table->setItem(row, N, tableCell(QString::number(r.trainRows)));
            m_table->setItem(row, Mae,
                             tableCell(r.failed() ? tr("failed") : number(r.test.mae, 2)));
            m_table->setItem(row, Rmse, tableCell(number(r.test.rmse, 2)));
            m_table->setItem(row, ValMae, tableCell(number(r.valMae, 2)));
            m_table->setItem(row, Minutes, tableCell(number(r.seconds / 60, 1)));
            m_table->setItem(row, Detail, tableCell(QString::fromStdString(r.detail), false));
            ++row;
        }
    m_table->resizeColumnsToContents();
    m_export->setEnabled(!m_curves.empty());
}

bool ModelCurvesView::config(qm7::ModelCurvesConfig* out, QString* why) const {
    qm7::ModelCurvesConfig c;
    c.out = resultsDir().toStdString();
    c.sourceName = m_source.toStdString();
    c.models.clear();
    for (QCheckBox* box : m_models)
        if (box->isChecked())
            c.models.push_back(qm7::parseCurveModel(box->objectName().toStdString()));
    try {
        c.sizes = qm7::parseCurveSizes(m_sizes->text().toStdString());
    } catch (const std::invalid_argument& e) {
        *why = QString::fromStdString(e.what());
        return false;
    }
    if (m_source.isEmpty())
        *why = tr("Load molecules first (the demo, an .xyz or a qm7.mat): a dataset.pt holds no "
                  "molecules to split into folds.");
    else if (c.out.empty())
        *why = tr("Choose a results folder.");
    else
        *why = QString::fromStdString(qm7::validateModelCurves(c));
    *out = c;
    return why->isEmpty();
}

bool ModelCurvesView::run(QString* error) {
    qm7::ModelCurvesConfig c;
    QString why;
    if (isRunning())
        why = tr("The learning curves are already running.");
    else
        config(&c, &why);
    if (!why.isEmpty()) {
        setMessage(why, true);
        if (error)
            *error = why;
        return false;
    }
    const std::string source = m_source.toStdString();
    const auto report = [this](int index, int total, const QString& text) {
        onProgress(index, total, text);
    };
    const bool started = runOnMolecules(
        QStringLiteral("curves"), source,
        [this, c, report](const qm7::MoleculeSource& molecules, JobContext& job) {
            CurvesObserver observer(job, this, report);
            return qm7::runModelCurves(molecules, c, &observer, &job.control()).cancelled;
        },
        [this](bool cancelled, const QString& failure) { onDone(cancelled, failure); });
    if (!started)
        return false;
    m_run->setEnabled(false);
    m_cancel->setEnabled(true);
    m_sizes->setEnabled(false);
    for (QCheckBox* box : m_models)
        box->setEnabled(false);
    m_progress->setRange(0, static_cast<int>(c.models.size() * c.sizes.size()));
    m_progress->setValue(0);
    m_progress->setVisible(true);
    m_progressText->setVisible(true);
    m_progressText->setText(tr("Reading the molecules…"));
    setMessage(tr("Finished points in %1 are read, not trained again.")
                   .arg(QDir::toNativeSeparators(resultsDir())));
    return true;
}

void ModelCurvesView::cancel() {
    if (isRunning()) {
        JobRunner::instance().cancel(this);
        m_progressText->setText(tr("Cancelling: the running point stops at its next step…"));
    }
}

void ModelCurvesView::onProgress(int index, int total, const QString& text) {
    if (!isRunning())
        return;
    m_progress->setMaximum(total);
    m_progress->setValue(index);
    m_progressText->setText(tr("Point %1 of %2: %3").arg(index + 1).arg(total).arg(text));
}

void ModelCurvesView::onDone(bool cancelled, const QString& error) {
    m_run->setEnabled(true);
    m_cancel->setEnabled(false);
    m_sizes->setEnabled(true);
    for (QCheckBox* box : m_models)
        box->setEnabled(true);
    m_progress->setVisible(false);
    m_progressText->clear();
    m_progressText->setVisible(false);
    reload();
    const QString dir = QDir::toNativeSeparators(resultsDir());
    if (!error.isEmpty())
        setMessage(tr("The learning curves stopped: %1").arg(error), true);
    else if (cancelled)
        setMessage(tr("Cancelled. Finished points are kept in %1; Run continues.").arg(dir));
    else
        setMessage(tr("Done: curves.csv is in %1.").arg(dir));
    Q_EMIT finished(cancelled, error);
}

bool ModelCurvesView::exportTo(const QString& path, QString* error) {
    if (path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive))
        return writeTextFile(path, QString::fromStdString(qm7::modelCurvesCsv(m_curves)), error);
    return exportPlot(m_plot, path, kReportFigureSize, kReportFigureDpi, error);
}

void ModelCurvesView::exportDialog() {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export learning curves"),
        QDir(resultsDir()).filePath(QStringLiteral("learning_curves.png")),
        tr("Figure (*.png *.svg);;Table (*.csv)"));
    if (path.isEmpty())
        return;
    QString error;
    if (exportTo(path, &error))
        setMessage(tr("Wrote %1").arg(QDir::toNativeSeparators(path)));
    else
        setMessage(error, true);
}

} // namespace qm7::ui
