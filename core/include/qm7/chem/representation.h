#pragma once
/// @file representation.h
/// Coulomb matrices, Eq. (1), and their permutation-invariant variants as feature vectors.

#include "qm7/util/rng.h"
#include "qm7/chem/bag_of_bonds.h"
#include "qm7/chem/molecule.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qm7 {

/// How a molecule becomes a feature vector.
enum class Representation {
    CoulombMatrix, ///< "cm": upper triangle of the Coulomb matrix in the file's atom order
    Sorted,        ///< "sorted": rows and columns sorted by descending row norm
    Eigenspectrum, ///< "eigen": eigenvalues by descending magnitude (d = N)
    RandomSorted,  ///< "random-sorted": sorted by row norms plus Gaussian noise (Montavon 2012)
    BagOfBonds     ///< "bob": Bag of Bonds (Hansen et al. 2015); its width depends on the data
};

/// The short name: cm, sorted, eigen, random-sorted or bob.
std::string representationName(Representation representation);

/// The name in words, for people: "Coulomb matrix", "sorted Coulomb matrix", "eigenspectrum",
/// "randomly sorted Coulomb matrix", "Bag of Bonds".
std::string representationTitle(Representation representation);

/// Parses cm|sorted|eigen|random-sorted|bob; throws std::invalid_argument listing the choices.
Representation parseRepresentation(const std::string& name);

/// The representations computed from one Coulomb matrix padded to N atoms, in the order above
/// (Bag of Bonds, whose width needs a layout fitted on the data, is not among them).
std::vector<Representation> allRepresentations();

/// Features per molecule: N(N+1)/2 for the matrix forms, N for the eigenspectrum. Throws
/// std::invalid_argument for Bag of Bonds (its width is its layout's: featureSize(options)).
int featureSize(Representation representation, int atoms);

/// Settings of a representation.
struct RepresentationOptions {
    Representation kind = Representation::CoulombMatrix;
    int atoms = 23;     ///< N, the padding size
    double sigma = 1.0; ///< noise on the row norms for RandomSorted
    /// BagOfBonds: the bags, fitted on the data (BagLayout::fit); required for that kind
    std::shared_ptr<const BagLayout> bags;
};

/// Features per molecule of these options: the layout's width for Bag of Bonds (throws
/// std::invalid_argument without a layout), featureSize(kind, atoms) otherwise.
int featureSize(const RepresentationOptions& options);

/// The Coulomb matrix of Eq. (1) in atomic units, zero-padded to atoms x atoms (row-major):
/// M_ii = 0.5 Z_i^2.4, M_ij = Z_i Z_j / |R_i - R_j|. Throws MoleculeError when the molecule
/// has more atoms than the padding size or two atoms at one place.
std::vector<double> coulombMatrix(const Molecule& molecule, int atoms);

/// The upper triangle of an n x n row-major matrix, diagonal included, row by row
/// (the order of torch.triu_indices(n, n)).
std::vector<double> upperTriangle(const std::vector<double>& matrix, int n);

/// Atom order by descending row norm of the Coulomb matrix (ties broken by Z, then index);
/// with noise > 0, each norm gets N(0, sigma^2) noise drawn from seed first.
std::vector<int> rowNormOrder(const Molecule& molecule, double sigma = 0.0, std::uint64_t seed = 0);

/// The Coulomb matrix with rows and columns sorted by descending row norm, padded.
std::vector<double> sortedCoulombMatrix(const Molecule& molecule, int atoms);

/// A randomly sorted Coulomb matrix: sorted by row norms plus N(0, sigma^2) noise, padded.
std::vector<double> randomSortedCoulombMatrix(const Molecule& molecule, int atoms, double sigma,
                                              std::uint64_t seed);

/// Eigenvalues of the Coulomb matrix sorted by descending magnitude, zero-padded to atoms.
std::vector<double> eigenspectrum(const Molecule& molecule, int atoms);

/// The feature vector of a molecule (featureSize values); seed only matters for RandomSorted.
/// Bag of Bonds needs options.bags (std::invalid_argument without it).
std::vector<double> features(const Molecule& molecule, const RepresentationOptions& options,
                             std::uint64_t seed = 0);

/// A random relabelling of n atoms (a permutation), the same for the same seed everywhere.
std::vector<int> randomAtomOrder(int n, std::uint64_t seed);

} // namespace qm7
