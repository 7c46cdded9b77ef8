#include "qm7ui/hyperparameter_panel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

#include <cmath>

namespace qm7::ui {
namespace {

/// A reason when text is not an integer in [lo, hi], else empty.
QString checkInt(const QString& text, long long lo, long long hi, const QString& what) {
    bool ok = false;
    const long long v = text.trimmed().toLongLong(&ok);
    if (!ok)
        return QObject::tr("%1 must be a whole number").arg(what);
    if (v < lo || v > hi)
        return QObject::tr("%1 must be between %2 and %3").arg(what).arg(lo).arg(hi);
    return {};
}

const char* const kDefaults[][2] = {{"hidden", "1000"}, {"epochs", "1000"}, {"lr", "1e-3"},
                                    {"batch", "100"},   {"seeds", "3"},     {"evalEvery", "10"},
                                    {"trainSize", "0"}};

} // namespace

std::vector<double> parseNumberList(const QString& text, QString* error) {
    std::vector<double> out;
    const QStringList parts =
        text.split(QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts);
    for (const QString& p : parts) {
        bool ok = false;
        const double v = p.toDouble(&ok);
        if (!ok || !std::isfinite(v)) {
            if (error)
                *error = QObject::tr("'%1' is not a number").arg(p);
            return {};
        }
        out.push_back(v);
    }
    if (out.empty() && error)
        *error = QObject::tr("enter at least one value");
    return out;
}

HyperparameterPanel::HyperparameterPanel(QWidget* parent) : QWidget(parent) {
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setRowWrapPolicy(QFormLayout::DontWrapRows);
    addField(form, QStringLiteral("hidden"), tr("Hidden width p"),
             tr("Neurons in the hidden layer (homework: 1000)"),
             [](const QString& t) { return checkInt(t, 1, 100000, tr("p")); });
    addField(form, QStringLiteral("epochs"), tr("Epochs"),
             tr("Passes over the training set (homework: 1000)"),
             [](const QString& t) { return checkInt(t, 1, 1000000, tr("epochs")); });
    addField(form, QStringLiteral("lr"), tr("Learning rate(s)"),
             tr("Adam learning rate; several values (e.g. 1e-5, 1e-4, 1e-3, 1e-2) train one "
                "run per value and seed"),
             [](const QString& t) {
                 QString error;
                 const auto lrs = parseNumberList(t, &error);
                 if (!error.isEmpty())
                     return error;
                 for (double lr : lrs) {
                     if (!(lr > 0) || lr > 10)
                         return tr("a learning rate must be > 0 and at most 10");
                 }
                 if (lrs.size() > 12)
                     return tr("at most 12 learning rates");
                 return QString();
             });
    addField(form, QStringLiteral("batch"), tr("Batch size"), tr("Minibatch size (homework: 100)"),
             [this](const QString& t) {
                 const long long hi = m_trainRows > 0 ? m_trainRows : 1000000;
                 return checkInt(t, 1, hi, tr("batch size"));
             });
    addField(form, QStringLiteral("seeds"), tr("Seeds"),
             tr("Runs per learning rate, seeds 0, 1, ..., k-1 (homework: 2-3)"),
             [](const QString& t) { return checkInt(t, 1, 50, tr("seeds")); });
    addField(form, QStringLiteral("evalEvery"), tr("Evaluate every"),
             tr("Epochs between two evaluations of the train and validation loss"),
             [this](const QString& t) {
                 QString e = checkInt(t, 1, 1000000, tr("evaluation interval"));
                 if (e.isEmpty() && intValue(QStringLiteral("epochs")) > 0 &&
                     t.trimmed().toLongLong() > intValue(QStringLiteral("epochs")))
                     e = tr("evaluation interval must not exceed the epochs");
                 return e;
             });
    addField(form, QStringLiteral("trainSize"), tr("Training size n"),
             tr("0 = the whole training split; else the first n of a seeded permutation"),
             [this](const QString& t) {
                 const long long hi = m_trainRows > 0 ? m_trainRows : 100000000;
                 return checkInt(t, 0, hi, tr("n"));
             });

    m_representation = new QComboBox(this);
    m_representation->setObjectName(QStringLiteral("representation"));
    m_representation->addItem(tr("Coulomb matrix"), QStringLiteral("cm"));
    m_representation->addItem(tr("Sorted Coulomb matrix"), QStringLiteral("sorted"));
    m_representation->addItem(tr("Eigenspectrum"), QStringLiteral("eigen"));
    m_representation->addItem(tr("Randomly sorted (augmented)"), QStringLiteral("random-sorted"));
    m_representation->setToolTip(tr("Features built from .xyz or .mat molecules"));
    form->addRow(tr("Representation"), m_representation);

    const int cores = qMax(1, QThread::idealThreadCount());
    m_torchThreads = new QSpinBox(this);
    m_torchThreads->setObjectName(QStringLiteral("torchThreads"));
    m_torchThreads->setRange(1, cores);
    m_torchThreads->setValue(1);
    m_torchThreads->setToolTip(tr("LibTorch intra-op threads (1 is fastest with a wide BLAS)"));
    m_blasThreads = new QSpinBox(this);
    m_blasThreads->setObjectName(QStringLiteral("blasThreads"));
    m_blasThreads->setRange(0, cores);
    m_blasThreads->setValue(0);
    m_blasThreads->setSpecialValueText(tr("all cores"));
    m_blasThreads->setToolTip(tr("OpenBLAS pool size"));
    auto* threads = new QHBoxLayout;
    threads->addWidget(new QLabel(tr("torch"), this));
    threads->addWidget(m_torchThreads);
    threads->addWidget(new QLabel(tr("BLAS"), this));
    threads->addWidget(m_blasThreads);
    form->addRow(tr("Threads"), threads);

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
    return {};
}

void HyperparameterPanel::setTrainRows(int rows) {
    m_trainRows = rows;
    revalidate();
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
    c.hidden = intValue(QStringLiteral("hidden"));
    c.epochs = intValue(QStringLiteral("epochs"));
    c.batchSize = intValue(QStringLiteral("batch"));
    c.evalEvery = intValue(QStringLiteral("evalEvery"));
    c.trainSize = intValue(QStringLiteral("trainSize"));
    const auto lrs = learningRates();
    c.lr = lrs.empty() ? 1e-3 : lrs.front();
    c.seed = 0;
    return c;
}

std::vector<qm7::TrainConfig> HyperparameterPanel::configs(QString* error) const {
    const QString reason = firstError();
    if (!reason.isEmpty()) {
        if (error)
            *error = reason;
        return {};
    }
    std::vector<qm7::TrainConfig> out;
    const qm7::TrainConfig base = baseConfig();
    for (double lr : learningRates()) {
        for (int s = 0; s < seedCount(); ++s) {
            qm7::TrainConfig c = base;
            c.lr = lr;
            c.seed = static_cast<std::uint64_t>(s);
            const std::string bad = c.validate();
            if (!bad.empty()) {
                if (error)
                    *error = QString::fromStdString(bad);
                return {};
            }
            out.push_back(c);
        }
    }
    return out;
}

int HyperparameterPanel::threadSettings() const {
    return m_blasThreads->value();
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
    revalidate();
}

QJsonObject HyperparameterPanel::state() const {
    QJsonObject o;
    for (const auto& f : m_fields)
        o.insert(f.edit->objectName(), f.edit->text());
    o.insert(QStringLiteral("representation"), representation());
    o.insert(QStringLiteral("torchThreads"), m_torchThreads->value());
    o.insert(QStringLiteral("blasThreads"), m_blasThreads->value());
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
    if (state.contains(QStringLiteral("torchThreads")))
        m_torchThreads->setValue(state.value(QStringLiteral("torchThreads")).toInt());
    if (state.contains(QStringLiteral("blasThreads")))
        m_blasThreads->setValue(state.value(QStringLiteral("blasThreads")).toInt());
    revalidate();
}

} // namespace qm7::ui
