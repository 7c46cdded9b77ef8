#pragma once
/// @file hyperparameter_panel.h
/// The training settings, validated in the field with the reason shown; defaults are the
/// homework's.

#include "qm7/train/threads.h"
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

/// Hidden width, epochs, learning rate(s), batch, seeds, evaluation interval, n, threads.
class HyperparameterPanel : public QWidget {
    Q_OBJECT
  public:
    explicit HyperparameterPanel(QWidget* parent = nullptr);

    /// Every (lr, seed) pair as a config; empty with a reason when a field is invalid.
    std::vector<qm7::TrainConfig> configs(QString* error = nullptr) const;
    /// The settings with the first learning rate and seed 0.
    qm7::TrainConfig baseConfig() const;
    std::vector<double> learningRates() const;
    int seedCount() const;
    int threadSettings() const; ///< training threads, 0 = all cores
    /// The representation chosen for data built from molecules (cm, sorted, eigen, random-sorted).
    QString representation() const;

    /// True when every field holds a valid value.
    bool isValid() const;
    /// The first reason a field is refused, empty when all are valid.
    QString firstError() const;
    /// Rows of the loaded training split (bounds batch size and n); 0 = unknown.
    void setTrainRows(int rows);

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

    std::vector<Field> m_fields;
    QComboBox* m_representation;
    QSpinBox* m_torchThreads;
    QSpinBox* m_blasThreads;
    int m_trainRows = 0;
    bool m_valid = true;
};

/// Parses "1e-3, 1e-4" (commas, semicolons or spaces) into numbers; empty with a reason on error.
std::vector<double> parseNumberList(const QString& text, QString* error);

} // namespace qm7::ui
