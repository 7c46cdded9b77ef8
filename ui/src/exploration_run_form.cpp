// The Exploration tab's Run form (exploration_run_form.h).
#include "qm7ui/exploration_run_form.h"

#include "qm7ui/job_runner.h"
#include "qm7ui/plot_style.h"

#include "qm7/analysis/exploration_run.h"

#include <QCheckBox>
#include <QDir>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <memory>

namespace qm7::ui {

namespace {

const QString kLane = QStringLiteral("exploration");

// Forwards the loop's events to the GUI thread; called on the trainer's threads.
class PostingObserver : public qm7::ExplorationObserver {
  public:
    PostingObserver(JobContext& job, std::function<void(const qm7::ExplorationTrial&)> trial,
                    std::function<void(const qm7::ExplorationProgress&)> progress)
        : m_job(job), m_trial(std::move(trial)), m_progress(std::move(progress)) {}
    void onTrialFinished(const qm7::ExplorationTrial& t) override {
        m_job.post([f = m_trial, t] { f(t); });
    }
    void onProgress(const qm7::ExplorationProgress& p) override {
        m_job.post([f = m_progress, p] { f(p); });
    }

  private:
    JobContext& m_job;
    std::function<void(const qm7::ExplorationTrial&)> m_trial;
    std::function<void(const qm7::ExplorationProgress&)> m_progress;
};

QSpinBox* spin(QWidget* parent, const char* name, int lo, int hi, const QString& tip) {
    auto* box = new QSpinBox(parent);
    box->setObjectName(QLatin1String(name));
    box->setRange(lo, hi);
    box->setToolTip(tip);
    return box;
}

} // namespace

ExplorationRunForm::ExplorationRunForm(QWidget* parent) : QWidget(parent) {
    m_space = new QLineEdit(this);
    m_space->setObjectName(QStringLiteral("explorationSpace"));
    m_space->setPlaceholderText(QStringLiteral("lr=1e-4,1e-3,1e-2; hidden=10,100,1000"));
    m_space->setToolTip(
        tr("Settings as in qm7 sweep --grid: name=values separated by ';' (lr, hidden, batch, "
           "epochs, weight_decay, activation, layers, representation). With Sample > 0, ranges "
           "such as \"lr=1e-5..1e-1 log\" are drawn from, as in --sample N --space. Settings "
           "not in the space are the Hyperparameters panel's."));
    m_sample = spin(this, "explorationSample", 0, 10000,
                    tr("0: every combination (a grid); N: N settings drawn from the space"));
    m_sample->setSpecialValueText(tr("grid"));
    m_seeds = spin(this, "explorationSeeds", 1, 100, tr("Seeds per setting"));
    m_epochs = spin(this, "explorationEpochs", 1, 100000,
                    tr("Epochs of every run (successive halving: the last rung's budget)"));
    m_halving = new QCheckBox(tr("Halving"), this);
    m_halving->setObjectName(QStringLiteral("explorationHalving"));
    m_halving->setToolTip(tr("Successive halving (Jamieson & Talwalkar 2016; qm7 sweep "
                             "--halving): train every setting a short budget, continue the best "
                             "third, up to the epochs"));
    m_run = new QPushButton(tr("Run"), this);
    m_run->setObjectName(QStringLiteral("explorationRun"));
    m_run->setToolTip(tr("Train the space on the loaded data into the project's exploration "
                         "folder; finished runs there are reused"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("explorationCancel"));
    m_cancel->setEnabled(false);
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("explorationProgress"));
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    // The status is the bar's text: a label of its own left the space field 120 px at 1280.
    m_progress->setTextVisible(true);
    m_progress->setFormat(tr("not started"));
    m_progress->setMinimumWidth(130);
    m_progress->setMaximumWidth(200);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("explorationSpaceError"));
    m_error->setStyleSheet(QStringLiteral("color: #b00020"));
    m_error->setWordWrap(true);
    m_error->hide();
    m_baseLine = new QLabel(this);
    m_baseLine->setObjectName(QStringLiteral("explorationBase"));
    m_baseLine->setStyleSheet(QStringLiteral("color: #555"));
    // A smaller line: at 1366x768 every plot of the tab must keep its 300 px.
    QFont small = m_baseLine->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    m_baseLine->setFont(small);
    m_baseLine->setToolTip(tr("Settings the space leaves unset come from the Hyperparameters "
                              "panel; epochs and seeds from this row"));

    auto* row = new QHBoxLayout;
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(2); // its own (it took the form's, which is now 0 between lines)
    row->addWidget(new QLabel(tr("Space:"), this));
    row->addWidget(m_space, 4);
    row->addWidget(new QLabel(tr("Sample:"), this));
    row->addWidget(m_sample);
    row->addWidget(new QLabel(tr("Seeds:"), this));
    row->addWidget(m_seeds);
    row->addWidget(new QLabel(tr("Epochs:"), this));
    row->addWidget(m_epochs);
    row->addWidget(m_halving);
    row->addWidget(m_run);
    row->addWidget(m_cancel);
    row->addWidget(m_progress);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(row);
    layout->addWidget(m_error);
    layout->addWidget(m_baseLine);

    connect(m_run, &QPushButton::clicked, this, [this] { run(); });
    connect(m_cancel, &QPushButton::clicked, this, [this] { cancel(); });
    connect(m_space, &QLineEdit::returnPressed, this, [this] {
        if (!isRunning())
            run();
    });
    readSettings();
    refreshBase();
}

ExplorationRunForm::~ExplorationRunForm() {
    JobRunner::instance().close(this); // finished runs stay in the folder
}

void ExplorationRunForm::setData(std::function<DatasetPtr()> data,
                                 std::function<QString()> source) {
    m_data = std::move(data);
    m_source = std::move(source);
}

void ExplorationRunForm::setBase(std::function<ExplorationBase()> base) {
    m_base = std::move(base);
    refreshBase();
}

void ExplorationRunForm::refreshBase() {
    const ExplorationBase base = m_base ? m_base() : ExplorationBase{};
    m_baseLine->setText(base.error.isEmpty()
                            ? tr("Other settings: %1").arg(explorationBaseText(base))
                            : tr("The Hyperparameters panel cannot train: %1").arg(base.error));
}

QString ExplorationRunForm::baseText() const {
    return m_baseLine->text();
}

QString explorationBaseText(const ExplorationBase& base) {
    const qm7::TrainConfig& c = base.config;
    const qm7::NetworkChoice& n = base.network;
    QStringList parts;
    parts << (base.learningRates > 1 ? ExplorationRunForm::tr("lr %1 (the first of %2)")
                                           .arg(c.lr, 0, 'g', 4)
                                           .arg(base.learningRates)
                                     : ExplorationRunForm::tr("lr %1").arg(c.lr, 0, 'g', 4));
    if (n.layers.size() <= 1)
        parts << ExplorationRunForm::tr("hidden %1").arg(c.hidden);
    else {
        QStringList widths;
        for (int w : n.layers)
            widths << QString::number(w);
        parts << ExplorationRunForm::tr("layers %1").arg(widths.join(QLatin1Char(',')));
    }
    parts << ExplorationRunForm::tr("batch %1").arg(c.batchSize);
    parts << QString::fromStdString(qm7::activationName(n.activation)) + QLatin1Char(' ') +
                 QString::fromStdString(qm7::optimizerName(n.optimizer));
    if (c.weightDecay > 0)
        parts << ExplorationRunForm::tr("weight decay %1").arg(c.weightDecay, 0, 'g', 3);
    parts << (c.trainSize > 0 ? ExplorationRunForm::tr("n %1").arg(c.trainSize)
                              : ExplorationRunForm::tr("all training molecules"));
    parts << (base.threads > 0 ? ExplorationRunForm::tr("%n thread(s)", "", base.threads)
                               : ExplorationRunForm::tr("all cores"));
    return parts.join(QStringLiteral(", "));
}

bool ExplorationRunForm::isRunning() const {
    return JobRunner::instance().isRunning(this, kLane);
}

QString ExplorationRunForm::spaceError() const {
    return m_error->isHidden() ? QString() : m_error->text();
}

QString ExplorationRunForm::statusText() const {
    return m_progress->format();
}

void ExplorationRunForm::setStatus(const QString& text, const QString& tip) {
    m_progress->setFormat(text);
    m_progress->setToolTip(tip.isEmpty() ? text : tip);
}

bool ExplorationRunForm::run() {
    if (isRunning())
        return false;
    auto refuse = [this](const QString& why) {
        m_error->setText(why);
        m_error->show();
        return false;
    };
    qm7::ExplorationPlan plan;
    const std::string space = m_space->text().trimmed().toStdString();
    if (space.empty())
        return refuse(tr("Write a space, e.g. lr=1e-4,1e-3,1e-2; hidden=10,100,1000"));
    try {
        plan.settings = qm7::explorationSettings(space, m_sample->value(), 0);
    } catch (const std::invalid_argument& e) {
        return refuse(QString::fromUtf8(e.what()));
    }
    const ExplorationBase base = m_base ? m_base() : ExplorationBase{};
    refreshBase();
    if (!base.error.isEmpty())
        return refuse(tr("The Hyperparameters panel cannot train: %1").arg(base.error));
    plan.base = base.config;
    plan.base.representation = qm7::TrainConfig().representation; // the loaded data's
    plan.base.seed = 0;
    plan.network = base.network;
    plan.seeds = m_seeds->value();
    plan.base.epochs = m_epochs->value();
    plan.base.evalEvery = std::max(1, std::min(plan.base.evalEvery, plan.base.epochs));
    plan.halving = m_halving->isChecked();
    if (const std::string why = qm7::explorationPlanProblem(plan); !why.empty())
        return refuse(QString::fromStdString(why));
    m_error->clear();
    m_error->hide();
    writeSettings();
    const DatasetPtr data = m_data ? m_data() : nullptr;
    if (!data) {
        setStatus(tr("no data loaded"), tr("Load a data set first (the Data panel)."));
        return false;
    }
    m_out = m_outFolder ? m_outFolder() : QString();
    if (m_out.isEmpty() || !QDir().mkpath(m_out)) {
        setStatus(tr("cannot write the folder"),
                  tr("Cannot write the exploration folder %1").arg(m_out));
        return false;
    }
    const std::string out = QDir(m_out).absolutePath().toStdString();
    const std::string source = m_source ? m_source().toStdString() : std::string();
    // Shared by the worker and the GUI thread's done: how the loop ended.
    auto outcome = std::make_shared<qm7::ExplorationOutcome::Status>(
        qm7::ExplorationOutcome::Status::Cancelled);
    auto error = std::make_shared<QString>();
    QPointer<ExplorationRunForm> self(this);
    auto onTrial = [self](const qm7::ExplorationTrial& t) {
        if (self)
            Q_EMIT self->trialFinished(t);
    };
    auto onProgress = [self](const qm7::ExplorationProgress& p) {
        if (!self || p.epochsTotal <= 0)
            return;
        const double f = static_cast<double>(p.epochsDone) / static_cast<double>(p.epochsTotal);
        self->m_progress->setValue(static_cast<int>(std::lround(1000 * std::clamp(f, 0.0, 1.0))));
        QString text = tr("%1/%2 runs").arg(p.runsDone).arg(p.runsTotal);
        if (f > 0.02 && f < 1)
            text += tr(", %1 left").arg(durationText(p.seconds * (1 - f) / f));
        self->setStatus(text, tr("%1 of %2 runs, %3 of %4 epochs trained")
                                  .arg(p.runsDone)
                                  .arg(p.runsTotal)
                                  .arg(p.epochsDone)
                                  .arg(p.epochsTotal));
    };
    Q_EMIT started(m_out);
    const bool ok = JobRunner::instance().start(
        this, kLane,
        [data, plan, out, source, outcome, error, onTrial, onProgress,
         threads = base.threads](JobContext& job) {
            PostingObserver observer(job, onTrial, onProgress);
            qm7::ExplorationRunOptions options;
            options.threads = threads;
            options.observer = &observer;
            options.control = &job.control();
            options.dataSource = source;
            try {
                *outcome = qm7::runExploration(*data, plan, out, options).status;
            } catch (const std::exception& e) {
                *error = QString::fromUtf8(e.what());
            }
        },
        [this, outcome, error] {
            setRunning(false);
            const bool finished =
                error->isEmpty() && *outcome == qm7::ExplorationOutcome::Status::Done;
            if (!error->isEmpty())
                setStatus(tr("failed"), *error);
            else if (finished) {
                m_progress->setValue(m_progress->maximum());
                setStatus(tr("done"), tr("trials.csv written in %1").arg(m_out));
            } else
                setStatus(tr("cancelled"),
                          tr("Cancelled: the finished runs are kept; Run again trains the rest"));
            Q_EMIT ended(finished, m_out);
        });
    if (!ok)
        return false;
    m_progress->setValue(0);
    setStatus(tr("starting…"));
    setRunning(true);
    return true;
}

void ExplorationRunForm::cancel() {
    if (!isRunning())
        return;
    setStatus(tr("cancelling…"));
    JobRunner::instance().cancel(this, kLane);
}

void ExplorationRunForm::setRunning(bool running) {
    m_run->setEnabled(!running);
    m_cancel->setEnabled(running);
    for (QWidget* w :
         std::initializer_list<QWidget*>{m_space, m_sample, m_seeds, m_epochs, m_halving})
        w->setEnabled(!running);
}

void ExplorationRunForm::readSettings() {
    QSettings s;
    s.beginGroup(QStringLiteral("exploration"));
    m_space->setText(
        s.value(QStringLiteral("space"), QStringLiteral("lr=1e-4,1e-3,1e-2; hidden=10,100,1000"))
            .toString());
    m_sample->setValue(s.value(QStringLiteral("sample"), 0).toInt());
    m_seeds->setValue(s.value(QStringLiteral("seeds"), 3).toInt());
    m_epochs->setValue(s.value(QStringLiteral("epochs"), 100).toInt());
    m_halving->setChecked(s.value(QStringLiteral("halving"), false).toBool());
}

void ExplorationRunForm::writeSettings() const {
    QSettings s;
    s.beginGroup(QStringLiteral("exploration"));
    s.setValue(QStringLiteral("space"), m_space->text());
    s.setValue(QStringLiteral("sample"), m_sample->value());
    s.setValue(QStringLiteral("seeds"), m_seeds->value());
    s.setValue(QStringLiteral("epochs"), m_epochs->value());
    s.setValue(QStringLiteral("halving"), m_halving->isChecked());
}

} // namespace qm7::ui
