// Invariance of trained-model predictions under random relabelling of atoms.
#include "test_support.h"

#include "qm7/chem/dataset_builder.h"
#include "qm7/analysis/invariance.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace qm7;

namespace {

std::vector<Molecule> molecules() {
    std::vector<Molecule> ms;
    for (int i = 0; i < 20; ++i) {
        Molecule m;
        m.Z = {6, 7, 8, 1, 1};
        const double s = 1.0 + 0.03 * i;
        m.R = {0, 0, 0, 2.6 * s, 0.1, 0, -1.2, 2.1, 0.3 * s, -1.1, -1.8, 0.2, 2.0, 1.9, -1.0 * s};
        m.energy = -500.0 - 7.0 * i;
        ms.push_back(m);
    }
    return ms;
}

/// A small random network on d features.
ModelWeights randomWeights(int d, int hidden) {
    ModelWeights w;
    w.d = d;
    w.hidden = hidden;
    Rng rng(42);
    for (int i = 0; i < hidden * d; ++i)
        w.w1.push_back(static_cast<float>(rng.uniform() - 0.5));
    for (int i = 0; i < hidden; ++i) {
        w.b1.push_back(static_cast<float>(rng.uniform() - 0.5));
        w.w2.push_back(static_cast<float>(rng.uniform() - 0.5));
    }
    return w;
}

} // namespace

TEST(Invariance, PlainMatrixChangesEigenspectrumDoesNot) {
    const auto ms = molecules();
    LabelScaler scaler;
    scaler.mean = -550;
    scaler.std = 50;
    RepresentationOptions rep;
    rep.atoms = 6;
    const double scale = 0.5 * std::pow(8.0, 2.4);

    rep.kind = Representation::CoulombMatrix;
    const auto cm = invarianceError(randomWeights(21, 16), scaler, ms, rep, scale, 4, 1);
    EXPECT_EQ(cm.molecules, 20);
    EXPECT_EQ(cm.permutations, 4);
    EXPECT_GT(cm.meanAbsChange, 1.0);

    rep.kind = Representation::Sorted;
    const auto sorted = invarianceError(randomWeights(21, 16), scaler, ms, rep, scale, 4, 1);
    EXPECT_LT(sorted.maxAbsChange, 1e-3);

    rep.kind = Representation::Eigenspectrum;
    const auto eigen = invarianceError(randomWeights(6, 16), scaler, ms, rep, scale, 4, 1);
    EXPECT_LT(eigen.maxAbsChange, 1e-3);

    rep.kind = Representation::RandomSorted;
    const auto a = predictMolecules(randomWeights(21, 16), scaler, ms, rep, scale, 5, 3);
    const auto b = predictMolecules(randomWeights(21, 16), scaler, ms, rep, scale, 5, 3);
    EXPECT_EQ(a, b); // deterministic in the draw seed
    const auto rs = invarianceError(randomWeights(21, 16), scaler, ms, rep, scale, 4, 1, 5);
    EXPECT_GE(rs.meanAbsChange, 0.0);
    EXPECT_LT(rs.meanAbsChange, cm.meanAbsChange);
}
