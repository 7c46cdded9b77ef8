#include "qm7ui/hyperparameter_panel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

#include <stdexcept>

namespace qm7::ui {
namespace {

/// A reason when text is not a whole number, else empty. The limits are core's (validate()).
QString checkInt(const QString& text, const QString& what) {
    bool ok = false;
    text.trimmed().toInt(&ok);
    return ok ? QString() : QObject::tr("%1 must be a whole number").arg(what);
}

const char* const kDefaults[][2] = {{"hidden", "1000"}, {"epochs", "1000"}, {"lr", "1e-3"},
                                    {"batch", "100"},   {"seeds", "3"},     {"evalEvery", "10"},
                                    {"trainSize", "0"}};

} // namespace

std::vector<int> parseLayerList(const QString& text, QString* error) {
    try {
        qm7::NetworkChoice n;
        n.layers = qm7::parseLayers(text.trimmed().toStdString());
        const std::string why = n.validate();
        if (why.empty())
            return n.layers;
        if (error)
            *error = QString::fromStdString(why);
    } catch (const std::invalid_argument& e) {
        if (error)
            *error = QString::fromStdString(e.what());
    }
    return {};
}

std::vector<double> parseNumberList(const QString& text, QString* error) {
    try {
        return qm7::parseNumberList(text.toStdString());
    } catch (const std::invalid_argument& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return {};
    }
}

HyperparameterPanel::HyperparameterPanel(QWidget* parent) : QWidget(parent) {
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setRowWrapPolicy(QFormLayout::DontWrapRows);
    addField(form, QStringLiteral("hidden"), tr("Hidden layers"),
             tr("Widths of the hidden layers: 1000 is the homework's one layer of p = 1000; "
                "400,100 is the paper's deeper network (trained by the deep trainer)"),
             [](const QString& t) {
                 QString error;
                 parseLayerList(t, &error);
                 return error;
             });
    addField(form, QStringLiteral("epochs"), tr("Epochs"),
             tr("Passes over the training set (homework: 1000)"),
             [](const QString& t) { return checkInt(t, tr("epochs")); });
    addField(form, QStringLiteral("lr"), tr("Learning rate(s)"),
             tr("Adam learning rate; several values (e.g. 1e-5, 1e-4, 1e-3, 1e-2) train one "
                "run per value and seed"),
             [](const QString& t) {
                 QString error;
                 parseNumberList(t, &error);
                 return error;
             });
    addField(form, QStringLiteral("batch"), tr("Batch size"), tr("Minibatch size (homework: 100)"),
             [](const QString& t) { return checkInt(t, tr("batch size")); });
    addField(form, QStringLiteral("seeds"), tr("Seeds"),
             tr("Runs per learning rate, seeds 0, 1, ..., k-1 (homework: 2-3)"),
             [](const QString& t) { return checkInt(t, tr("seeds")); });
    addField(form, QStringLiteral("evalEvery"), tr("Evaluate every"),
             tr("Epochs between two evaluations of the train and validation loss"),
             [](const QString& t) { return checkInt(t, tr("evaluation interval")); });
    addField(form, QStringLiteral("trainSize"), tr("Training size n"),
             tr("0 = the whole training split; else the first n of a seeded permutation"),
             [](const QString& t) { return checkInt(t, tr("n")); });

    m_activation = new QComboBox(this);
    m_activation->setObjectName(QStringLiteral("activation"));
    m_activation->addItem(tr("ReLU"), QStringLiteral("relu"));
    m_activation->addItem(tr("tanh"), QStringLiteral("tanh"));
    m_activation->addItem(tr("1.5 tanh(x/1.5) (the paper's)"), QStringLiteral("stanh"));
    m_activation->setToolTip(tr("Activation of the hidden layers (homework: ReLU)"));
    form->insertRow(1, tr("Activation"), m_activation); // beside the layers they belong to
    m_optimizer = new QComboBox(this);
    m_optimizer->setObjectName(QStringLiteral("optimizer"));
    m_optimizer->addItem(tr("Adam"), QStringLiteral("adam"));
    m_optimizer->addItem(tr("SGD (the paper's schedule)"), QStringLiteral("sgd"));
    m_optimizer->setToolTip(
        tr("Adam (homework), or the paper's SGD: the learning rate raised x2.5, x5, x10 after "
           "500, 2500, 12500 steps, per-layer rates, weights averaged"));
    form->insertRow(2, tr("Optimizer"), m_optimizer);
    for (QComboBox* box : {m_activation, m_optimizer})
        connect(box, &QComboBox::currentIndexChanged, this, [this] {
            revalidate();
            Q_EMIT changed();
        });

    m_representation = new QComboBox(this);
    m_representation->setObjectName(QStringLiteral("representation"));
    m_representation->addItem(tr("Coulomb matrix"), QStringLiteral("cm"));
    m_representation->addItem(tr("Sorted Coulomb matrix"), QStringLiteral("sorted"));
    m_representation->addItem(tr("Eigenspectrum"), QStringLiteral("eigen"));
    m_representation->addItem(tr("Randomly sorted (augmented)"), QStringLiteral("random-sorted"));
    m_representation->addItem(tr("Bag of Bonds (Hansen 2015)"), QStringLiteral("bob"));
    m_representation->setToolTip(tr("Features built from .xyz or .mat molecules"));
    form->addRow(tr("Representation"), m_representation);

    // The long item names ("1.5 tanh(x/1.5) (the paper's)") must not widen the settings column
    // on a laptop's screen: the boxes show what fits, the list shows everything.
    for (QComboBox* box : {m_activation, m_optimizer, m_representation}) {
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        box->setMinimumContentsLength(14);
    }

    connect(m_representation, &QComboBox::currentIndexChanged, this, [this] {
        revalidate(); // randomly sorted features train the homework's network only
        Q_EMIT changed();
    });

    const int cores = qMax(1, QThread::idealThreadCount());
    m_threads = new QSpinBox(this);
    m_threads->setObjectName(QStringLiteral("trainingThreads"));
    m_threads->setRange(0, cores);
    m_threads->setValue(0);
    m_threads->setSpecialValueText(tr("all cores"));
    m_threads->setToolTip(tr("Threads the training uses (runs side by side, or one run's steps "
                             "split); set 1 to leave the other cores to your neighbours"));
    connect(m_threads, &QSpinBox::valueChanged, this, &HyperparameterPanel::changed);
    form->addRow(tr("Training threads"), m_threads);

    // What core refuses (qm7::SweepConfig::validate), e.g. too many seeds.
    m_coreError = new QLabel(this);
    m_coreError->setObjectName(QStringLiteral("settingsError"));
    m_coreError->setStyleSheet(QStringLiteral("color: #b00020; font-size: small;"));
    m_coreError->setWordWrap(true);
    m_coreError->hide();
    form->addRow(m_coreError);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(form);
    resetDefaults();
}

QLineEdit* HyperparameterPanel::addField(QFormLayout* form, const QString& name,
                                         const QString& label, const QString& tip,
                                         std::function<QString(const QString&)> check) {
    Field f;
    f.edit = new QLineEdit(this);
    f.edit->setObjectName(name);
    f.edit->setToolTip(tip);
    f.error = new QLabel(this);
    f.error->setObjectName(name + QStringLiteral("Error"));
    f.error->setStyleSheet(QStringLiteral("color: #b00020; font-size: small;"));
    f.error->setWordWrap(true);
    f.error->hide();
    f.check = std::move(check);
    auto* box = new QVBoxLayout;
    box->setSpacing(1);
    box->addWidget(f.edit);
    box->addWidget(f.error);
    form->addRow(label, box);
    connect(f.edit, &QLineEdit::textChanged, this, [this] {
        revalidate();
        Q_EMIT changed();
    });
    m_fields.push_back(std::move(f));
    return m_fields.back().edit;
}

void HyperparameterPanel::revalidate() {
    bool valid = true;
    for (auto& f : m_fields) {
        const QString reason = f.check(f.edit->text());
        f.error->setText(reason);
        f.error->setVisible(!reason.isEmpty());
        f.edit->setStyleSheet(reason.isEmpty() ? QString()
                                               : QStringLiteral("border: 1px solid #b00020;"));
        valid = valid && reason.isEmpty();
    }
    const QString core = valid ? coreError() : QString();
    m_coreError->setText(core);
    m_coreError->setVisible(!core.isEmpty());
    valid = valid && core.isEmpty();
    if (valid != m_valid) {
        m_valid = valid;
        Q_EMIT validityChanged(valid);
    }
}

int HyperparameterPanel::intValue(const QString& name) const {
    for (const auto& f : m_fields) {
        if (f.edit->objectName() == name)
            return f.edit->text().trimmed().toInt();
    }
    return 0;
}

bool HyperparameterPanel::isValid() const {
    return m_valid;
}

QString HyperparameterPanel::firstError() const {
    for (const auto& f : m_fields) {
        const QString reason = f.check(f.edit->text());
        if (!reason.isEmpty())
            return reason;
    }
    return coreError();
}

QString HyperparameterPanel::coreError() const {
    const std::string sweep = sweepConfig().validate();
    const bool augmented = representation() == QLatin1String("random-sorted");
    return QString::fromStdString(sweep.empty() ? network().validate(augmented) : sweep);
}

qm7::NetworkChoice HyperparameterPanel::network() const {
    qm7::NetworkChoice n;
    for (const auto& f : m_fields) {
        if (f.edit->objectName() == QLatin1String("hidden"))
            n.layers = parseLayerList(f.edit->text(), nullptr);
    }
    n.activation = qm7::parseActivation(m_activation->currentData().toString().toStdString());
    n.optimizer = qm7::parseOptimizer(m_optimizer->currentData().toString().toStdString());
    return n;
}

std::vector<double> HyperparameterPanel::learningRates() const {
    for (const auto& f : m_fields) {
        if (f.edit->objectName() == QLatin1String("lr"))
            return parseNumberList(f.edit->text(), nullptr);
    }
    return {};
}

int HyperparameterPanel::seedCount() const {
    return intValue(QStringLiteral("seeds"));
}

qm7::TrainConfig HyperparameterPanel::baseConfig() const {
    qm7::TrainConfig c;
    const auto layers = network().layers;
    c.hidden = layers.empty() ? 0 : layers.front(); // the homework's p when there is one layer
    c.epochs = intValue(QStringLiteral("epochs"));
    c.batchSize = intValue(QStringLiteral("batch"));
    c.evalEvery = intValue(QStringLiteral("evalEvery"));
    c.trainSize = intValue(QStringLiteral("trainSize"));
    const auto lrs = learningRates();
    c.lr = lrs.empty() ? 1e-3 : lrs.front();
    c.seed = 0;
    return c;
}

qm7::SweepConfig HyperparameterPanel::sweepConfig() const {
    qm7::SweepConfig sweep;
    sweep.base = baseConfig();
    sweep.lrs = learningRates();
    sweep.seeds = seedCount();
    return sweep;
}

std::vector<qm7::TrainConfig> HyperparameterPanel::configs(QString* error) const {
    const QString reason = firstError();
    if (!reason.isEmpty()) {
        if (error)
            *error = reason;
        return {};
    }
    return qm7::sweepConfigs(sweepConfig());
}

int HyperparameterPanel::trainingThreads() const {
    return m_threads->value();
}

QString HyperparameterPanel::representation() const {
    return m_representation->currentData().toString();
}

void HyperparameterPanel::resetDefaults() {
    for (const auto& d : kDefaults) {
        for (auto& f : m_fields) {
            if (f.edit->objectName() == QLatin1String(d[0]))
                f.edit->setText(QString::fromLatin1(d[1]));
        }
    }
    m_representation->setCurrentIndex(0);
    m_activation->setCurrentIndex(0);
    m_optimizer->setCurrentIndex(0);
    revalidate();
}

QJsonObject HyperparameterPanel::state() const {
    QJsonObject o;
    for (const auto& f : m_fields)
        o.insert(f.edit->objectName(), f.edit->text());
    o.insert(QStringLiteral("representation"), representation());
    o.insert(QStringLiteral("activation"), m_activation->currentData().toString());
    o.insert(QStringLiteral("optimizer"), m_optimizer->currentData().toString());
    o.insert(QStringLiteral("trainingThreads"), m_threads->value());
    return o;
}

void HyperparameterPanel::setState(const QJsonObject& state) {
    for (auto& f : m_fields) {
        const QJsonValue v = state.value(f.edit->objectName());
        if (v.isString())
            f.edit->setText(v.toString());
    }
    const int rep =
        m_representation->findData(state.value(QStringLiteral("representation")).toString());
    if (rep >= 0)
        m_representation->setCurrentIndex(rep);
    for (QComboBox* box : {m_activation, m_optimizer}) {
        const int i = box->findData(state.value(box->objectName()).toString());
        box->setCurrentIndex(i >= 0 ? i : 0); // sessions from before: the homework's
    }
    if (state.contains(QStringLiteral("trainingThreads")))
        m_threads->setValue(state.value(QStringLiteral("trainingThreads")).toInt());
    revalidate();
}

} // namespace qm7::ui
