#pragma once
/// @file invariance.h
/// Question 8: how much a trained model's predictions change when atoms are relabelled.

#include "qm7/chem/molecule.h"
#include "qm7/chem/representation.h"
#include "qm7/train/trainer.h"

#include <cstdint>
#include <vector>

namespace qm7 {

/// Predictions (kcal/mol) of a trained model for molecules in a representation; features are
/// divided by scale; for RandomSorted the predictions of draws draws are averaged.
std::vector<float> predictMolecules(const ModelWeights& weights, const LabelScaler& scaler,
                                    const std::vector<Molecule>& molecules,
                                    const RepresentationOptions& representation, double scale,
                                    int draws = 10, std::uint64_t drawSeed = 0);

/// How much predictions change under random relabelling of the atoms.
struct InvarianceResult {
    double meanAbsChange = 0; ///< mean |prediction(permuted) - prediction(original)|, kcal/mol
    double maxAbsChange = 0;  ///< the largest such change, kcal/mol
    int molecules = 0;
    int permutations = 0; ///< random relabellings per molecule
};

/// Relabels the atoms of every molecule permutations times (seeded) and compares the
/// predictions with those of the original order.
InvarianceResult invarianceError(const ModelWeights& weights, const LabelScaler& scaler,
                                 const std::vector<Molecule>& molecules,
                                 const RepresentationOptions& representation, double scale,
                                 int permutations = 5, std::uint64_t seed = 0, int draws = 10);

} // namespace qm7
