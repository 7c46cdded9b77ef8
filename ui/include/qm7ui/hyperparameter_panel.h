#pragma once
/// @file hyperparameter_panel.h
/// The training settings, validated in the field with the reason shown; defaults are the
/// homework's. Hidden layers, activation and optimizer other than the homework's (one layer,
/// ReLU, Adam) train with core's deep trainer (qm7/train/deep_runs.h).

#include "qm7/analysis/experiments.h"
#include "qm7/train/deep_runs.h"
#include "qm7/train/trainer.h"

#include <QJsonObject>
#include <QWidget>

#include <functional>
#include <vector>

class QLineEdit;
class QLabel;
class QComboBox;
class QSpinBox;
class QFormLayout;

namespace qm7::ui {

/// Hidden layers, activation, optimizer, epochs, learning rate(s), batch, seeds, evaluation
/// interval, n, threads.
class HyperparameterPanel : public QWidget {
    Q_OBJECT
  public:
    explicit HyperparameterPanel(QWidget* parent = nullptr);

    /// The settings as core's sweep (every lr of the field x seeds); its validate() is the
    /// only place limits live.
    qm7::SweepConfig sweepConfig() const;
    /// Every (lr, seed) pair as a config (qm7::sweepConfigs); empty with a reason when a field
    /// or core's validate() refuses the settings.
    std::vector<qm7::TrainConfig> configs(QString* error = nullptr) const;
    /// The settings with the first learning rate and seed 0.
    qm7::TrainConfig baseConfig() const;
    std::vector<double> learningRates() const;
    int seedCount() const;
    /// Training threads (qm7::TrainOptions::threads), 0 = all cores.
    int trainingThreads() const;
    /// Hidden layers, activation and optimizer; network().homework() means the homework's
    /// trainer (TrainConfig::hidden is the first width).
    qm7::NetworkChoice network() const;
    /// The representation chosen for data built from molecules (cm, sorted, eigen, random-sorted).
    QString representation() const;

    /// True when every field holds a valid value.
    bool isValid() const;
    /// The first reason a field is refused, empty when all are valid.
    QString firstError() const;

    /// Restores the homework's defaults.
    void resetDefaults();
    QJsonObject state() const;
    void setState(const QJsonObject& state);

  Q_SIGNALS:
    void validityChanged(bool valid);
    void changed();

  private:
    struct Field {
        QLineEdit* edit = nullptr;
        QLabel* error = nullptr;
        std::function<QString(const QString&)> check;
    };
    QLineEdit* addField(QFormLayout* form, const QString& name, const QString& label,
                        const QString& tip, std::function<QString(const QString&)> check);
    void revalidate();
    int intValue(const QString& name) const;
    QString coreError() const;

    std::vector<Field> m_fields;
    QComboBox* m_activation;
    QComboBox* m_optimizer;
    QComboBox* m_representation;
    QSpinBox* m_threads;
    QLabel* m_coreError;
    bool m_valid = true;
};

/// qm7::parseLayers ("400,100") checked by qm7::NetworkChoice::validate, with the message in
/// error instead of an exception.
std::vector<int> parseLayerList(const QString& text, QString* error);

/// qm7::parseNumberList ("1e-3, 1e-4") with its message in error instead of an exception.
std::vector<double> parseNumberList(const QString& text, QString* error);

} // namespace qm7::ui
