// "Compare representations": core's comparison (qm7::runComparison) on a thread of the job runner,
// its rows filled in a table as the studies finish, the published anchors below.
#include "qm7ui/cv_compare.h"

#include "qm7ui/job_runner.h"
#include "qm7ui/message_line.h"

#include "qm7/chem/dataset_builder.h"
#include "qm7/train/threads.h"

#include <QCheckBox>
#include <QDir>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <exception>
#include <functional>
#include <memory>

namespace qm7::ui {

namespace {

enum Column { Rep, Network, Mae, Rmse, Folds, Seconds, Columns };

QTableWidgetItem* item(const QString& text, bool right = true) {
    return tableCell(text, right);
}

QString meanStd(const qm7::MeanStd& m) {
    if (m.n == 0 || !std::isfinite(m.mean))
        return QStringLiteral("-");
    if (m.n == 1)
        return QString::number(m.mean, 'f', 2);
    return QStringLiteral("%1 ± %2").arg(m.mean, 0, 'f', 2).arg(m.std, 0, 'f', 2);
}

QString anchor(double v) {
    return v > 0 ? QString::number(v, 'f', 2) : QStringLiteral("-");
}

/// Turns a study's fold and epoch calls into queued progress text (at most every 200 ms).
class CompareObserver : public qm7::CvStudyObserver {
  public:
    CompareObserver(const JobContext& job, std::function<void(int, QString)> report, int row,
                    int folds, int epochs)
        : m_job(job), m_report(std::move(report)), m_row(row), m_folds(folds), m_epochs(epochs) {
        m_clock.start();
    }
    void onFoldStart(int fold, const qm7::FoldSplit& s) override {
        m_fold = fold;
        send(QObject::tr("fold %1 of %2: training on %3 molecules")
                 .arg(fold + 1)
                 .arg(m_folds)
                 .arg(s.train.size()),
             true);
    }
    void onEpoch(const qm7::EpochStats& s) override {
        send(QObject::tr("fold %1 of %2: epoch %3 of %4")
                 .arg(m_fold + 1)
                 .arg(m_folds)
                 .arg(s.epoch)
                 .arg(m_epochs),
             false);
    }
    void onDeepProgress(long long step, long long total, double) override {
        send(QObject::tr("fold %1 of %2: step %L3 of %L4")
                 .arg(m_fold + 1)
                 .arg(m_folds)
                 .arg(step)
                 .arg(total),
             false);
    }

  private:
    void send(const QString& text, bool always) {
        if (!always && m_clock.elapsed() - m_last < 200)
            return;
        m_last = m_clock.elapsed();
        auto report = m_report;
        const int row = m_row;
        m_job.post([report, row, text] { report(row, text); });
    }

    const JobContext& m_job;
    std::function<void(int, QString)> m_report;
    int m_row, m_folds, m_epochs, m_fold = 0;
    QElapsedTimer m_clock;
    qint64 m_last = -100000;
};

} // namespace

QTableWidgetItem* tableCell(const QString& text, bool right) {
    auto* it = new QTableWidgetItem(text);
    it->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    if (right)
        it->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return it;
}

CvCompareView::CvCompareView(QWidget* parent) : JobWindow(parent) {
    setWindowTitle(tr("Compare representations"));
    m_what = new QLabel(this);
    m_what->setWordWrap(true);
    m_epochs = new QSpinBox(this);
    m_epochs->setObjectName(QStringLiteral("compareEpochs"));
    m_epochs->setRange(1, 100000);
    m_epochs->setValue(qm7::TrainConfig{}.epochs);
    m_paper = new QCheckBox(tr("Also the paper's network (about 30 minutes per fold)"), this);
    m_paper->setObjectName(QStringLiteral("comparePaper"));
    m_run = new QPushButton(tr("Run"), this);
    m_run->setObjectName(QStringLiteral("compareRun"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("compareCancel"));
    m_cancel->setEnabled(false);
    m_progress = new QLabel(this);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("compareTable"));
    m_table->setColumnCount(Columns);
    m_table->setHorizontalHeaderLabels({tr("Representation"), tr("Network"), tr("MAE kcal/mol"),
                                        tr("RMSE kcal/mol"), tr("Folds"), tr("s per fold")});
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);

    auto* options = new QHBoxLayout;
    options->addWidget(new QLabel(tr("Epochs"), this));
    options->addWidget(m_epochs);
    options->addWidget(m_paper);
    options->addStretch();
    options->addWidget(m_run);
    options->addWidget(m_cancel);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_what);
    layout->addLayout(options);
    layout->addWidget(m_progress);
    layout->addWidget(m_message);
    layout->addWidget(m_table, 1);
    connect(m_run, &QPushButton::clicked, this, [this] { run(); });
    connect(m_cancel, &QPushButton::clicked, this, &CvCompareView::cancel);
    resize(980, 460);
}

void CvCompareView::setStudy(const QString& source, int folds, int trainSize, const QString& dir) {
    m_source = source;
    m_folds = folds;
    m_trainSize = trainSize;
    m_dir = dir;
    m_what->setText(
        tr("The one-hidden-layer network on every representation, %1 folds of %2%3, "
           "all on the same folds; results in %4")
            .arg(folds)
            .arg(source == QLatin1String("demo") ? tr("the demo molecules")
                                                 : QDir::toNativeSeparators(source))
            .arg(trainSize > 0 ? tr(", %1 training molecules per fold").arg(trainSize) : QString())
            .arg(QDir::toNativeSeparators(dir)));
}

void CvCompareView::setEpochs(int epochs) {
    m_epochs->setValue(epochs);
}

void CvCompareView::setPaper(bool on) {
    m_paper->setChecked(on);
}

QString CvCompareView::message() const {
    return m_message->text();
}

void CvCompareView::setMessage(const QString& text, bool error) {
    setMessageLine(m_message, text, error);
}

qm7::CvComparisonSettings CvCompareView::settings() const {
    qm7::CvComparisonSettings s;
    s.sourceName = m_source.toStdString();
    s.out = m_dir.toStdString();
    s.folds = m_folds;
    s.trainSize = m_trainSize;
    s.representations = qm7::allRepresentations();
    s.mlp.epochs = m_epochs->value();
    s.paper = m_paper->isChecked();
    return s;
}

bool CvCompareView::run(QString* error) {
    std::vector<qm7::CvComparisonStudy> plan;
    QString why;
    if (isRunning())
        why = tr("A comparison is already running.");
    else if (m_source.isEmpty() || m_dir.isEmpty())
        why = tr("Load molecules and choose a results folder in the Cross-validation tab.");
    else {
        try {
            plan = qm7::planComparison(settings());
        } catch (const std::exception& e) {
            why = QString::fromStdString(e.what());
        }
    }
    if (!why.isEmpty()) {
        setMessage(why, true);
        if (error)
            *error = why;
        return false;
    }
    buildTable(plan);
    m_rowsDone = 0;
    const qm7::CvComparisonSettings s = settings();
    const std::string source = m_source.toStdString();
    const auto report = [this](int row, const QString& text) { onProgress(row, text); };
    const bool started = runOnMolecules(
        QStringLiteral("compare"), source,
        [this, s, plan, report](const qm7::MoleculeSource& molecules, JobContext& job) {
            std::unique_ptr<CompareObserver> observer;
            qm7::CvComparisonCallbacks callbacks;
            callbacks.studyStarts = [&](std::size_t i, const qm7::CvComparisonStudy&) {
                observer = std::make_unique<CompareObserver>(job, report, static_cast<int>(i),
                                                             s.folds, s.mlp.epochs);
                return static_cast<qm7::CvStudyObserver*>(observer.get());
            };
            callbacks.studyDone = [this, &job](std::size_t i, const qm7::CvComparisonRow& row) {
                job.post([this, i, row] { showRow(static_cast<int>(i), row); });
            };
            return qm7::runComparison(molecules, s, plan, callbacks, &job.control()).cancelled;
        },
        [this](bool cancelled, const QString& failure) { onDone(cancelled, failure); });
    if (!started)
        return false;
    m_run->setEnabled(false);
    m_cancel->setEnabled(true);
    m_epochs->setEnabled(false);
    m_paper->setEnabled(false);
    m_progress->setText(tr("Reading the molecules…"));
    setMessage(tr("Running %1 studies; finished folds in %2 are read, not trained again.")
                   .arg(plan.size())
                   .arg(QDir::toNativeSeparators(m_dir)));
    return true;
}

void CvCompareView::cancel() {
    if (isRunning()) {
        JobRunner::instance().cancel(this);
        m_progress->setText(tr("Cancelling: the running fold stops at its next step…"));
    }
}

void CvCompareView::buildTable(const std::vector<qm7::CvComparisonStudy>& plan) {
    const auto anchors = qm7::publishedAnchors();
    const int n = static_cast<int>(plan.size());
    m_table->clearSpans();
    m_table->setRowCount(n + 1 + static_cast<int>(anchors.size()));
    for (int r = 0; r < n; ++r) {
        const auto& p = plan[static_cast<std::size_t>(r)];
        m_table->setItem(r, Rep, item(QString::fromStdString(p.representation), false));
        m_table->setItem(r, Network, item(QString::fromStdString(p.network), false));
        for (int c = Mae; c < Columns; ++c)
            m_table->setItem(r, c, item(c == Seconds ? tr("waiting") : QString()));
    }
    QFont bold = m_table->font();
    bold.setBold(true);
    auto* header = item(tr("Published, official qm7.mat (7165 molecules, 5-fold "
                           "cross-validation)"),
                        false);
    header->setFont(bold);
    m_table->setSpan(n, 0, 1, Columns);
    m_table->setItem(n, 0, header);
    for (std::size_t i = 0; i < anchors.size(); ++i) {
        const int row = n + 1 + static_cast<int>(i);
        m_table->setItem(row, Rep, item(QString::fromStdString(anchors[i].method), false));
        m_table->setItem(row, Network, item(QString::fromStdString(anchors[i].source), false));
        m_table->setItem(row, Mae, item(anchor(anchors[i].mae)));
        m_table->setItem(row, Rmse, item(anchor(anchors[i].rmse)));
        m_table->setItem(row, Folds, item(QString()));
        m_table->setItem(row, Seconds, item(QString()));
        for (int c = 0; c < Columns; ++c)
            m_table->item(row, c)->setForeground(palette().placeholderText());
    }
    m_table->resizeColumnsToContents();
}

void CvCompareView::onProgress(int row, const QString& text) {
    if (!isRunning() || row < 0 || row >= m_table->rowCount())
        return;
    m_table->item(row, Seconds)->setText(tr("training…"));
    m_progress->setText(m_table->item(row, Rep)->text() + QStringLiteral(" / ") +
                        m_table->item(row, Network)->text() + QStringLiteral(": ") + text);
}

void CvCompareView::showRow(int row, const qm7::CvComparisonRow& r) {
    if (row < 0 || row >= m_table->rowCount())
        return;
    m_table->item(row, Mae)->setText(meanStd(r.mae));
    m_table->item(row, Rmse)->setText(meanStd(r.rmse));
    m_table->item(row, Folds)
        ->setText(QStringLiteral("%1/%2").arg(r.foldsDone).arg(r.foldsTotal) +
                  (r.foldsReused > 0 ? tr(" (%1 from disk)").arg(r.foldsReused) : QString()));
    m_table->item(row, Seconds)
        ->setText(r.seconds.n > 0 ? QString::number(r.seconds.mean, 'g', 3) : QStringLiteral("-"));
    m_table->resizeColumnsToContents();
    ++m_rowsDone;
    Q_EMIT rowShown(row);
}

void CvCompareView::onDone(bool cancelled, const QString& error) {
    m_run->setEnabled(true);
    m_cancel->setEnabled(false);
    m_epochs->setEnabled(true);
    m_paper->setEnabled(true);
    const QString dir = QDir::toNativeSeparators(m_dir);
    m_progress->setText(error.isEmpty() ? (cancelled ? tr("Cancelled.") : tr("Done.")) : QString());
    if (!error.isEmpty())
        setMessage(tr("Comparison failed: %1").arg(error), true);
    else if (cancelled)
        setMessage(
            tr("Cancelled. Finished folds are kept in %1; Run continues from there.").arg(dir));
    else
        setMessage(tr("Done: comparison.csv and comparison.md are in %1.").arg(dir));
    Q_EMIT finished(cancelled, error);
}

} // namespace qm7::ui
