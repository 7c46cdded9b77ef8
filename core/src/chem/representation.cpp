#include "qm7/chem/representation.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <stdexcept>

namespace qm7 {

namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

std::string moleculeLabel(const Molecule& molecule) {
    return molecule.name.empty() ? std::string("a molecule") : "molecule " + molecule.name;
}

/// The unpadded n x n Coulomb matrix (row-major), after checking the molecule fits.
std::vector<double> rawCoulomb(const Molecule& molecule, int atoms) {
    const int n = molecule.atoms();
    if (atoms < 1)
        throw std::invalid_argument("the padding size must be at least 1 atom");
    if (n > atoms)
        throw MoleculeError("", 0, 0,
                            moleculeLabel(molecule) + " has " + std::to_string(n) +
                                " atoms, more than the padding size of " + std::to_string(atoms) +
                                " (choose a larger padding size)");
    if (n == 0)
        throw MoleculeError("", 0, 0, moleculeLabel(molecule) + " has no atoms");
    if (molecule.R.size() != 3 * static_cast<std::size_t>(n))
        throw MoleculeError("", 0, 0,
                            moleculeLabel(molecule) + " has " + std::to_string(n) +
                                " charges but " + std::to_string(molecule.R.size()) +
                                " coordinates");
    std::vector<double> m(static_cast<std::size_t>(n) * n);
    for (int i = 0; i < n; ++i) {
        const double zi = molecule.Z[i];
        if (zi < 1)
            throw MoleculeError("", 0, 0,
                                moleculeLabel(molecule) + ": atom " + std::to_string(i + 1) +
                                    " has nuclear charge " + std::to_string(molecule.Z[i]));
        m[i * n + i] = 0.5 * std::pow(zi, 2.4);
        for (int j = i + 1; j < n; ++j) {
            const double r = molecule.distance(i, j);
            if (!(r > 0.0) || !std::isfinite(r))
                throw MoleculeError("", 0, 0,
                                    moleculeLabel(molecule) + ": atoms " + std::to_string(i + 1) +
                                        " and " + std::to_string(j + 1) +
                                        " are at the same place (or a coordinate is not finite)");
            const double v = zi * molecule.Z[j] / r;
            m[i * n + j] = v;
            m[j * n + i] = v;
        }
    }
    return m;
}

/// The row norms (L2) of an n x n matrix.
std::vector<double> rowNorms(const std::vector<double>& m, int n) {
    std::vector<double> norms(n);
    for (int i = 0; i < n; ++i) {
        double s = 0;
        for (int j = 0; j < n; ++j)
            s += m[i * n + j] * m[i * n + j];
        norms[i] = std::sqrt(s);
    }
    return norms;
}

/// Order by descending key; ties by descending Z, then by index (deterministic).
std::vector<int> orderByKey(const std::vector<double>& key, const std::vector<int>& Z) {
    std::vector<int> order(key.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        if (key[a] != key[b])
            return key[a] > key[b];
        return Z[a] > Z[b];
    });
    return order;
}

/// The n x n matrix m with rows and columns in the given order, zero-padded to atoms.
std::vector<double> permutedPadded(const std::vector<double>& m, int n,
                                   const std::vector<int>& order, int atoms) {
    std::vector<double> out(static_cast<std::size_t>(atoms) * atoms, 0.0);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            out[i * atoms + j] = m[order[i] * n + order[j]];
    return out;
}

} // namespace

std::string representationName(Representation representation) {
    switch (representation) {
    case Representation::CoulombMatrix:
        return "cm";
    case Representation::Sorted:
        return "sorted";
    case Representation::Eigenspectrum:
        return "eigen";
    case Representation::RandomSorted:
        return "random-sorted";
    case Representation::BagOfBonds:
        return "bob";
    }
    return "cm";
}

std::string representationTitle(Representation representation) {
    switch (representation) {
    case Representation::CoulombMatrix:
        return "Coulomb matrix";
    case Representation::Sorted:
        return "sorted Coulomb matrix";
    case Representation::Eigenspectrum:
        return "eigenspectrum";
    case Representation::RandomSorted:
        return "randomly sorted Coulomb matrix";
    case Representation::BagOfBonds:
        return "Bag of Bonds";
    }
    return "Coulomb matrix";
}

Representation parseRepresentation(const std::string& name) {
    for (const Representation r : allRepresentations()) {
        if (name == representationName(r))
            return r;
    }
    if (name == "coulomb" || name == "coulomb-matrix")
        return Representation::CoulombMatrix;
    if (name == "eigenspectrum")
        return Representation::Eigenspectrum;
    if (name == "random" || name == "randomly-sorted")
        return Representation::RandomSorted;
    if (name == "bob" || name == "bag-of-bonds")
        return Representation::BagOfBonds;
    throw std::invalid_argument("unknown representation '" + name +
                                "' (choose cm, sorted, eigen, random-sorted or bob)");
}

std::vector<Representation> allRepresentations() {
    return {Representation::CoulombMatrix, Representation::Sorted, Representation::Eigenspectrum,
            Representation::RandomSorted};
}

int featureSize(Representation representation, int atoms) {
    if (representation == Representation::BagOfBonds)
        throw std::invalid_argument("the width of a Bag of Bonds depends on the layout fitted on "
                                    "the data");
    return representation == Representation::Eigenspectrum ? atoms : atoms * (atoms + 1) / 2;
}

int featureSize(const RepresentationOptions& options) {
    if (options.kind != Representation::BagOfBonds)
        return featureSize(options.kind, options.atoms);
    if (!options.bags)
        throw std::invalid_argument("a Bag of Bonds needs the layout of its bags (fitted on the "
                                    "data)");
    return options.bags->width();
}

std::vector<double> coulombMatrix(const Molecule& molecule, int atoms) {
    const int n = molecule.atoms();
    const std::vector<double> m = rawCoulomb(molecule, atoms);
    std::vector<int> identity(n);
    std::iota(identity.begin(), identity.end(), 0);
    return permutedPadded(m, n, identity, atoms);
}

std::vector<double> upperTriangle(const std::vector<double>& matrix, int n) {
    std::vector<double> out;
    out.reserve(static_cast<std::size_t>(n) * (n + 1) / 2);
    for (int i = 0; i < n; ++i)
        for (int j = i; j < n; ++j)
            out.push_back(matrix[static_cast<std::size_t>(i) * n + j]);
    return out;
}

std::vector<int> rowNormOrder(const Molecule& molecule, double sigma, std::uint64_t seed) {
    const int n = molecule.atoms();
    const std::vector<double> m = rawCoulomb(molecule, std::max(n, 1));
    std::vector<double> key = rowNorms(m, n);
    if (sigma > 0) {
        Rng rng(seed);
        for (double& k : key)
            k += sigma * rng.normal();
    }
    return orderByKey(key, molecule.Z);
}

std::vector<double> sortedCoulombMatrix(const Molecule& molecule, int atoms) {
    const int n = molecule.atoms();
    const std::vector<double> m = rawCoulomb(molecule, atoms);
    return permutedPadded(m, n, orderByKey(rowNorms(m, n), molecule.Z), atoms);
}

std::vector<double> randomSortedCoulombMatrix(const Molecule& molecule, int atoms, double sigma,
                                              std::uint64_t seed) {
    const int n = molecule.atoms();
    const std::vector<double> m = rawCoulomb(molecule, atoms);
    std::vector<double> key = rowNorms(m, n);
    Rng rng(seed);
    for (double& k : key)
        k += sigma * rng.normal();
    return permutedPadded(m, n, orderByKey(key, molecule.Z), atoms);
}

std::vector<double> eigenspectrum(const Molecule& molecule, int atoms) {
    const int n = molecule.atoms();
    std::vector<double> m = rawCoulomb(molecule, atoms);
    const auto un = static_cast<std::size_t>(n);
    gsl_matrix_view view = gsl_matrix_view_array(m.data(), un, un); // overwritten by GSL
    std::unique_ptr<gsl_vector, decltype(&gsl_vector_free)> eval(gsl_vector_alloc(un),
                                                                 gsl_vector_free);
    std::unique_ptr<gsl_eigen_symm_workspace, decltype(&gsl_eigen_symm_free)> work(
        gsl_eigen_symm_alloc(un), gsl_eigen_symm_free);
    if (!eval || !work)
        throw std::bad_alloc();
    if (gsl_eigen_symm(&view.matrix, eval.get(), work.get()) != 0)
        throw MoleculeError("", 0, 0,
                            "the eigenvalues of the Coulomb matrix of " + moleculeLabel(molecule) +
                                " did not converge");
    std::vector<double> values(un);
    for (std::size_t i = 0; i < un; ++i)
        values[i] = gsl_vector_get(eval.get(), i);
    std::stable_sort(values.begin(), values.end(), [](double a, double b) {
        if (std::fabs(a) != std::fabs(b))
            return std::fabs(a) > std::fabs(b);
        return a > b;
    });
    values.resize(static_cast<std::size_t>(atoms), 0.0);
    return values;
}

std::vector<double> features(const Molecule& molecule, const RepresentationOptions& options,
                             std::uint64_t seed) {
    switch (options.kind) {
    case Representation::CoulombMatrix:
        return upperTriangle(coulombMatrix(molecule, options.atoms), options.atoms);
    case Representation::Sorted:
        return upperTriangle(sortedCoulombMatrix(molecule, options.atoms), options.atoms);
    case Representation::Eigenspectrum:
        return eigenspectrum(molecule, options.atoms);
    case Representation::RandomSorted:
        return upperTriangle(
            randomSortedCoulombMatrix(molecule, options.atoms, options.sigma, seed), options.atoms);
    case Representation::BagOfBonds:
        featureSize(options); // throws without a layout
        return bagOfBonds(molecule, *options.bags);
    }
    return {};
}

std::vector<int> randomAtomOrder(int n, std::uint64_t seed) {
    std::vector<int> order(static_cast<std::size_t>(std::max(n, 0)));
    std::iota(order.begin(), order.end(), 0);
    Rng rng(seed);
    for (int i = n - 1; i > 0; --i) {
        const auto j = static_cast<int>(rng.below(static_cast<std::uint64_t>(i) + 1));
        std::swap(order[i], order[j]);
    }
    return order;
}

} // namespace qm7
