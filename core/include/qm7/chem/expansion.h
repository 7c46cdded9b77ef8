#pragma once
/// @file expansion.h
/// The input expansion of Montavon et al. (NeurIPS 2012) on randomly sorted Coulomb matrices:
/// each entry x of the upper triangle becomes tanh((x - k) / theta) for k = 0, 1, ..., max,
/// max being the entry's largest value over 10 random draws of the training set (about 2100
/// inputs on QM7), then standardized (per-feature mean, one global standard deviation).
/// Coulomb matrices are in atomic units, unscaled. Fitted on training molecules only.

#include "qm7/chem/molecule.h"
#include "qm7/util/rng.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qm7 {

/// How the expansion is fitted.
struct ExpansionSettings {
    int atoms = 23;     ///< padding size N
    double theta = 1.0; ///< step and width of the tanh grid
    double sigma = 1.0; ///< noise of the random sorting (std of the added N(0, sigma))
    int fitDraws = 10;  ///< random draws of the training set for max, mean and std
    std::uint64_t seed = 0;
};

/// A molecule's unpadded Coulomb matrix and row norms, computed once; the source of its
/// randomly sorted draws.
struct PreparedCoulomb {
    int n = 0;
    std::vector<double> matrix; ///< n x n
    std::vector<double> norms;  ///< row norms
    std::vector<int> Z;
    /// Throws MoleculeError (molecule.h) when the molecule has more atoms than `atoms`.
    static PreparedCoulomb of(const Molecule& molecule, int atoms);
    /// The upper triangle (N(N+1)/2 entries, padding 0) of one random sorting: permutation =
    /// argsort of -(row norms + N(0, sigma) noise).
    void drawTriangle(Rng& rng, double sigma, int atoms, double* out) const;
};

class CoulombExpansion {
  public:
    CoulombExpansion() = default;
    /// Fits grid sizes, means and the global std on training molecules (throws
    /// std::invalid_argument when there are none, MoleculeError for an unusable molecule).
    static CoulombExpansion fit(const std::vector<Molecule>& train,
                                const ExpansionSettings& settings = {});

    int dim() const { return m_dim; }
    int atoms() const { return m_settings.atoms; }
    const ExpansionSettings& settings() const { return m_settings; }
    /// Grid points of triangle entry e (k = 0 .. count-1).
    const std::vector<int>& counts() const { return m_counts; }
    /// The elements seen in training.
    const std::vector<int>& elements() const { return m_elements; }

    /// Expands and standardizes one triangle (N(N+1)/2 values) into out (dim() floats).
    void expand(const double* triangle, float* out) const;
    /// One random draw of a prepared molecule, expanded and standardized.
    void draw(const PreparedCoulomb& molecule, Rng& rng, float* out) const;

    /// "" when the model can predict this molecule, else why not (an element never seen in
    /// training, more atoms than the padding, two atoms at the same place, ...).
    std::string check(const Molecule& molecule) const;

    /// JSON text (settings, counts, elements, means, std) and back; fromJson throws
    /// std::runtime_error for text it cannot use.
    std::string toJson() const;
    static CoulombExpansion fromJson(const std::string& json);

  private:
    void index();
    ExpansionSettings m_settings;
    std::vector<int> m_counts;   ///< per triangle entry
    std::vector<int> m_offsets;  ///< first feature of each entry
    std::vector<int> m_elements; ///< sorted
    std::vector<float> m_mean;   ///< per feature
    double m_std = 1.0;          ///< one for all features
    int m_dim = 0;
};

} // namespace qm7
