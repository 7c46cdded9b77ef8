#pragma once
/// @file augmentation.h
/// Randomly sorted Coulomb matrices as data augmentation (Montavon et al., NeurIPS 2012).

#include "qm7/chem/dataset_builder.h"
#include "qm7/io/feature_augmentation.h"

#include <array>
#include <cstdint>
#include <vector>

namespace qm7 {

/// Draws a fresh randomly sorted Coulomb matrix of every molecule per call, deterministic in
/// the draw seed; the rows match the splits of the data set it was built with.
class RandomSortedAugmentation : public FeatureAugmentation {
  public:
    /// molecules: the splits; atoms: padding size N; scale: X is divided by it.
    RandomSortedAugmentation(const MoleculeSplits& molecules, int atoms, double scale,
                             double sigma = 1.0, int evalDraws = 10);
    /// From a built data set (its splits, padding size and scale).
    explicit RandomSortedAugmentation(const BuildResult& built, double sigma = 1.0,
                                      int evalDraws = 10);
    /// From the Coulomb matrices of a loaded data set (rows: upper triangles, as a dataset.pt
    /// holds them): the atoms are the nonzero diagonal entries, the nuclear charges and the
    /// file's scale are recovered from M_ii = 0.5 Z^2.4 (coulombScaleOf), so that sigma is in
    /// the same atomic units as for molecules. Throws DatasetError when they cannot be.
    explicit RandomSortedAugmentation(const Dataset& coulombRows, double sigma = 1.0,
                                      int evalDraws = 10);

    void draw(SplitKind split, std::uint64_t drawSeed, std::vector<float>& X) const override;
    int evalDraws() const override { return m_evalDraws; }
    /// Features per molecule, N(N+1)/2.
    int featureSize() const { return m_atoms * (m_atoms + 1) / 2; }
    /// Molecules in a split.
    int rows(SplitKind split) const;

  private:
    /// A molecule's unpadded Coulomb matrix and row norms, computed once.
    struct Prepared {
        int n = 0;
        std::vector<double> matrix;
        std::vector<double> norms;
        std::vector<int> Z;
    };
    std::array<std::vector<Prepared>, 3> m_splits;
    int m_atoms = 23;
    double m_scale = 1.0;
    double m_sigma = 1.0;
    int m_evalDraws = 10;
};

} // namespace qm7
