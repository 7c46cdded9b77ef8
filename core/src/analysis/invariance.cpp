#include "qm7/analysis/invariance.h"

#include "qm7/chem/dataset_builder.h"

#include <algorithm>
#include <cmath>

namespace qm7 {

namespace {

constexpr std::uint64_t kPermutationStream = 0x7065726d75746500ULL;

} // namespace

std::vector<float> predictMolecules(const ModelWeights& weights, const LabelScaler& scaler,
                                    const std::vector<Molecule>& molecules,
                                    const RepresentationOptions& representation, double scale,
                                    int draws, std::uint64_t drawSeed) {
    const bool random = representation.kind == Representation::RandomSorted;
    const int n = random ? std::max(1, draws) : 1;
    std::vector<float> mean(molecules.size(), 0.0f);
    for (int k = 0; k < n; ++k) {
        const std::vector<float> X = computeFeatures(
            molecules, representation, scale, Rng::mix(drawSeed, static_cast<std::uint64_t>(k)));
        const std::vector<float> p = predict(weights, scaler, X);
        for (std::size_t i = 0; i < mean.size(); ++i)
            mean[i] += p[i] / static_cast<float>(n);
    }
    return mean;
}

InvarianceResult invarianceError(const ModelWeights& weights, const LabelScaler& scaler,
                                 const std::vector<Molecule>& molecules,
                                 const RepresentationOptions& representation, double scale,
                                 int permutations, std::uint64_t seed, int draws) {
    InvarianceResult result;
    result.molecules = static_cast<int>(molecules.size());
    result.permutations = permutations;
    if (molecules.empty() || permutations < 1)
        return result;
    const std::vector<float> original =
        predictMolecules(weights, scaler, molecules, representation, scale, draws, seed);
    double sum = 0;
    for (int p = 0; p < permutations; ++p) {
        std::vector<Molecule> permuted;
        permuted.reserve(molecules.size());
        for (std::size_t i = 0; i < molecules.size(); ++i) {
            const Molecule& m = molecules[i];
            permuted.push_back(permuteAtoms(
                m, randomAtomOrder(m.atoms(), Rng::mix(seed ^ kPermutationStream,
                                                       static_cast<std::uint64_t>(p), i))));
        }
        const std::vector<float> changed =
            predictMolecules(weights, scaler, permuted, representation, scale, draws, seed);
        for (std::size_t i = 0; i < molecules.size(); ++i) {
            const double delta = std::fabs(static_cast<double>(changed[i]) - original[i]);
            sum += delta;
            result.maxAbsChange = std::max(result.maxAbsChange, delta);
        }
    }
    result.meanAbsChange = sum / (static_cast<double>(molecules.size()) * permutations);
    return result;
}

} // namespace qm7
