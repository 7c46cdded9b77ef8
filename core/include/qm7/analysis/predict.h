#pragma once
/// @file predict.h
/// Atomization energies of new molecules with a trained run folder: a fold of qm7 cv (kernel
/// ridge regression or the one-hidden-layer network, described by its model.json) or a deep run
/// trained on randomly sorted, expanded Coulomb matrices. Each molecule gets the mean over random
/// draws with their spread, or the reason the model cannot take it (an element it never saw,
/// more atoms than its padding, two atoms at the same place).

#include "qm7/chem/molecule.h"

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace qm7 {

/// One molecule's answer.
struct PredictedMolecule {
    std::string name;       ///< the molecule's name, else its 1-based number in the input
    int atoms = 0;          ///< how many atoms it has
    double energy = NAN;    ///< predicted atomization energy, kcal/mol; NaN when refused
    double spread = NAN;    ///< std over the random draws, kcal/mol; NaN for fixed inputs
    double reference = NAN; ///< the energy given with the molecule, NaN when none
    std::string reason;     ///< why the model cannot predict it; empty when it did
    bool predicted() const { return reason.empty(); }
};

/// A folder that cannot predict molecules (no model, damaged files, fixed-feature run).
class PredictError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// A run folder loaded once to predict molecules (safe to use from any one thread).
class MoleculePredictor {
  public:
    /// Loads dir; throws PredictError with a clear message when it cannot predict molecules.
    explicit MoleculePredictor(const std::string& dir);
    ~MoleculePredictor();
    MoleculePredictor(MoleculePredictor&&) noexcept;
    MoleculePredictor& operator=(MoleculePredictor&&) noexcept;

    /// The model in words, e.g. "krr model (sorted Coulomb matrices)" or "deep network (mean
    /// and spread over 10 random sortings)".
    std::string description(int draws = 10) const;
    /// True when predictions average random sortings (then draws matter).
    bool randomDraws() const;
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
/// molecule. Throws MoleculeError for an unreadable file.
std::vector<Molecule> readMoleculesToPredict(const std::string& path,
                                             const std::string& energyKey = "energy");

} // namespace qm7
