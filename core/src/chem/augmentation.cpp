#include "qm7/chem/augmentation.h"

#include "qm7/chem/dataset_representation.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace qm7 {

namespace {

/// Keeps the draws of the augmentation apart from the stored data set draw.
constexpr std::uint64_t kAugmentationStream = 0x6175676d656e7400ULL;

} // namespace

RandomSortedAugmentation::RandomSortedAugmentation(const MoleculeSplits& molecules, int atoms,
                                                   double scale, double sigma, int evalDraws)
    : m_atoms(atoms), m_scale(scale > 0 ? scale : 1.0), m_sigma(sigma),
      m_evalDraws(std::max(1, evalDraws)) {
    const std::array<const std::vector<Molecule>*, 3> splits = {&molecules.train, &molecules.val,
                                                                &molecules.test};
    for (std::size_t k = 0; k < 3; ++k) {
        for (const Molecule& molecule : *splits[k]) {
            Prepared p;
            p.n = molecule.atoms();
            // The padded matrix, then cut back to n x n (coulombMatrix validates the molecule).
            const std::vector<double> padded = coulombMatrix(molecule, atoms);
            p.matrix.resize(static_cast<std::size_t>(p.n) * p.n);
            for (int i = 0; i < p.n; ++i)
                for (int j = 0; j < p.n; ++j)
                    p.matrix[i * p.n + j] = padded[i * atoms + j];
            p.norms.resize(p.n);
            for (int i = 0; i < p.n; ++i) {
                double s = 0;
                for (int j = 0; j < p.n; ++j)
                    s += p.matrix[i * p.n + j] * p.matrix[i * p.n + j];
                p.norms[i] = std::sqrt(s);
            }
            p.Z = molecule.Z;
            m_splits[k].push_back(std::move(p));
        }
    }
}

RandomSortedAugmentation::RandomSortedAugmentation(const BuildResult& built, double sigma,
                                                   int evalDraws)
    : RandomSortedAugmentation(built.molecules, built.data.atoms, built.scale, sigma, evalDraws) {
    if (built.molecules.train.empty())
        throw std::invalid_argument("randomly sorted Coulomb matrices need the molecules (an "
                                    ".xyz or .mat source, not a .pt data set)");
}

RandomSortedAugmentation::RandomSortedAugmentation(const Dataset& rows, double sigma, int evalDraws)
    : m_atoms(triangularAtoms(rows.d)), m_scale(coulombScaleOf(rows)), m_sigma(sigma),
      m_evalDraws(std::max(1, evalDraws)) {
    if (m_atoms < 1)
        throw DatasetError("rows of " + std::to_string(rows.d) +
                           " features are not the upper triangles of Coulomb matrices");
    if (!(m_scale > 0))
        throw DatasetError("the diagonal entries of the rows are not 0.5 Z^2.4 of whole nuclear "
                           "charges times one scale: not Coulomb matrices in atomic units");
    const std::array<const Split*, 3> splits = {&rows.train, &rows.val, &rows.test};
    const auto d = static_cast<std::size_t>(rows.d);
    const int n = m_atoms;
    for (std::size_t k = 0; k < 3; ++k) {
        for (std::size_t r = 0; r < splits[k]->rows(); ++r) {
            const std::vector<double> full =
                matrixFromUpperTriangle(splits[k]->X.data() + r * d, rows.d);
            std::vector<int> atoms; // the nonzero diagonal entries
            for (int i = 0; i < n; ++i)
                if (full[static_cast<std::size_t>(i) * n + i] != 0.0)
                    atoms.push_back(i);
            Prepared p;
            p.n = static_cast<int>(atoms.size());
            p.matrix.resize(static_cast<std::size_t>(p.n) * p.n);
            for (int i = 0; i < p.n; ++i)
                for (int j = 0; j < p.n; ++j)
                    p.matrix[static_cast<std::size_t>(i) * p.n + j] =
                        full[static_cast<std::size_t>(atoms[i]) * n + atoms[j]] * m_scale;
            p.norms.resize(static_cast<std::size_t>(p.n));
            for (int i = 0; i < p.n; ++i) {
                double s = 0;
                for (int j = 0; j < p.n; ++j)
                    s += p.matrix[i * p.n + j] * p.matrix[i * p.n + j];
                p.norms[i] = std::sqrt(s);
                // M_ii = 0.5 Z^2.4
                p.Z.push_back(static_cast<int>(
                    std::lround(std::pow(2.0 * p.matrix[i * p.n + i], 1.0 / 2.4))));
            }
            m_splits[k].push_back(std::move(p));
        }
    }
}

int RandomSortedAugmentation::rows(SplitKind split) const {
    return static_cast<int>(m_splits[static_cast<std::size_t>(split)].size());
}

void RandomSortedAugmentation::draw(SplitKind split, std::uint64_t drawSeed,
                                    std::vector<float>& X) const {
    const auto& prepared = m_splits[static_cast<std::size_t>(split)];
    const int d = featureSize();
    X.assign(prepared.size() * static_cast<std::size_t>(d), 0.0f);
    std::vector<double> key;
    std::vector<int> order;
    for (std::size_t r = 0; r < prepared.size(); ++r) {
        const Prepared& p = prepared[r];
        Rng rng(Rng::mix(drawSeed ^ kAugmentationStream, static_cast<std::uint64_t>(split), r));
        key = p.norms;
        for (double& k : key)
            k += m_sigma * rng.normal();
        order.resize(p.n);
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
            if (key[a] != key[b])
                return key[a] > key[b];
            return p.Z[a] > p.Z[b];
        });
        // Upper triangle of the padded, permuted matrix, row by row; padding stays 0.
        float* row = X.data() + r * static_cast<std::size_t>(d);
        std::size_t k = 0;
        for (int i = 0; i < m_atoms; ++i) {
            for (int j = i; j < m_atoms; ++j, ++k) {
                if (i < p.n && j < p.n)
                    row[k] = static_cast<float>(p.matrix[order[i] * p.n + order[j]] / m_scale);
            }
        }
    }
}

} // namespace qm7
