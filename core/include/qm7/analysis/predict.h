#pragma once
/// @file predict.h
/// Atomization energies of new molecules with a trained run folder: a fold of qm7 cv (kernel
/// ridge regression or the one-hidden-layer network, described by its model.json), a deep run
/// trained on randomly sorted, expanded Coulomb matrices, or a run of the homework's network
/// (qm7 train, the workbench, a homework's sweep, final or curve runs) trained on molecules (the
/// demo, an .xyz or a qm7.mat). Each molecule gets the mean over random draws with their spread,
/// or the reason the model cannot take it (an element it never saw, more atoms than its padding,
/// two atoms at the same place), and where it lies in the run's own data when the run knows its
/// molecules: a training molecule's value is fitted, not predicted.

#include "qm7/chem/molecule.h"

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace qm7 {

/// Where a molecule lies in the data a run was trained on (matched by elements and geometry,
/// whatever the atom order, position or orientation).
enum class DataRole {
    Unknown,    ///< the run does not know its molecules (cv folds, deep runs)
    New,        ///< not among the run's molecules: a true prediction
    Training,   ///< fitted by the run: a fitted value, not a prediction
    Unused,     ///< in the training split but not among the rows this run fitted (train size n)
    Validation, ///< in the validation split (chose the run's best epoch, never fitted)
    Test        ///< in the test split: the run's own test prediction
};

/// The role in words for a table cell, e.g. "training set: a fitted value, not a prediction";
/// "" for Unknown.
std::string dataRoleText(DataRole role);

/// One molecule's answer.
struct PredictedMolecule {
    std::string name;       ///< the molecule's name, else its 1-based number in the input
    int atoms = 0;          ///< how many atoms it has
    double energy = NAN;    ///< predicted atomization energy, kcal/mol; NaN when refused
    double spread = NAN;    ///< std over the random draws, kcal/mol; NaN for fixed inputs
    double reference = NAN; ///< the energy given with the molecule, NaN when none
    std::string reason;     ///< why the model cannot predict it; empty when it did
    DataRole role = DataRole::Unknown; ///< where it lies in the run's data
    int sourceIndex = -1; ///< its 0-based index in the run's data source when found there
    bool predicted() const { return reason.empty(); }
    /// True when the run was fitted on this molecule: its value is not a prediction.
    bool fitted() const { return role == DataRole::Training; }
};

/// A folder that cannot predict molecules (no model, damaged files, a run trained on a dataset.pt
/// or on fixed features, molecules that no longer give the run's own test predictions).
class PredictError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// A run folder loaded once to predict molecules (safe to use from any one thread).
class MoleculePredictor {
  public:
    /// Loads dir; throws PredictError with a clear message when it cannot predict molecules.
    /// A homework-network run rebuilds its data from the molecules named in its config.json
    /// (through core's data set builder: the same split, padding and feature scale) and must give
    /// its own test predictions (predictions.csv) again; when config.json does not name the
    /// representation, the one that does is taken.
    explicit MoleculePredictor(const std::string& dir);
    ~MoleculePredictor();
    MoleculePredictor(MoleculePredictor&&) noexcept;
    MoleculePredictor& operator=(MoleculePredictor&&) noexcept;

    /// The model in words, e.g. "krr model (sorted Coulomb matrices)" or "deep network (mean
    /// and spread over 10 random sortings)".
    std::string description(int draws = 10) const;
    /// True when predictions average random sortings (then draws matter).
    bool randomDraws() const;
    /// True when the run knows its molecules: predict() sets each molecule's role.
    bool knowsItsMolecules() const;
    /// Predicts every molecule (draws random sortings each when randomDraws()); molecules the
    /// model cannot take get a reason. Throws std::invalid_argument when draws < 1.
    std::vector<PredictedMolecule> predict(const std::vector<Molecule>& molecules,
                                           int draws = 10) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Reads the molecules of an .xyz / .xyz.gz file to predict: energies are optional (read from
/// energyKey when present) and coincident atoms are kept, so that predict() names them per
/// molecule. Each is named by its comment line (name=... in extended XYZ, else the plain
/// comment), else by its 1-based number. Throws MoleculeError for an unreadable file.
std::vector<Molecule> readMoleculesToPredict(const std::string& path,
                                             const std::string& energyKey = "energy");

} // namespace qm7
