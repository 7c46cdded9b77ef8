// The invariant network on real demo molecules: invariance to permutation, rotation and
// translation, gradients against finite differences, a short training against the mean
// predictor, bit-for-bit resume after a cancel, model.pt round trip, bad molecules.
#include "qm7/analysis/invariant_net.h"
#include "qm7/util/rng.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

namespace qm7 {
namespace {

std::vector<Molecule> demoRange(int from, int to) {
    const auto& all = test::demoMolecules();
    return {all.begin() + from, all.begin() + to};
}

MoleculeSplits smallSplits(int train, int val, int test) {
    MoleculeSplits s;
    s.train = demoRange(0, train);
    s.val = demoRange(train, train + val);
    s.test = demoRange(train + val, train + val + test);
    return s;
}

InvariantConfig smallConfig() {
    InvariantConfig c;
    c.features = 16;
    c.interactions = 2;
    c.basis = 12;
    c.batchSize = 16;
    c.epochs = 3;
    return c;
}

/// An untrained but non-trivial model (a few steps) of the small architecture.
const InvariantModel& smallModel() {
    static const InvariantModel model = [] {
        InvariantConfig c = smallConfig();
        c.steps = 20;
        return trainInvariant(smallSplits(200, 40, 0), c).model;
    }();
    return model;
}

/// A random rotation (from a random unit quaternion) and translation of every atom.
Molecule moved(const Molecule& m, std::uint64_t seed) {
    Rng rng(seed);
    double q[4];
    double n = 0;
    for (double& x : q) {
        x = rng.normal();
        n += x * x;
    }
    for (double& x : q)
        x /= std::sqrt(n);
    const double a = q[0], b = q[1], c = q[2], d = q[3];
    const double R[3][3] = {
        {a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
        {2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b)},
        {2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d}};
    const double shift[3] = {10 * rng.normal(), 10 * rng.normal(), 10 * rng.normal()};
    Molecule out = m;
    for (int i = 0; i < m.atoms(); ++i)
        for (int r = 0; r < 3; ++r) {
            double s = shift[r];
            for (int k = 0; k < 3; ++k)
                s += R[r][k] * m.R[static_cast<std::size_t>(3 * i + k)];
            out.R[static_cast<std::size_t>(3 * i + r)] = s;
        }
    return out;
}

TEST(InvariantNet, PredictionIsInvariantToPermutationRotationAndTranslation) {
    const InvariantModel& model = smallModel();
    const std::vector<Molecule> molecules = demoRange(300, 320);
    const std::vector<double> base = predictInvariant(model, molecules);
    std::vector<Molecule> permuted, rotated, both;
    Rng rng(7);
    for (std::size_t k = 0; k < molecules.size(); ++k) {
        std::vector<int> order(static_cast<std::size_t>(molecules[k].atoms()));
        std::iota(order.begin(), order.end(), 0);
        for (std::size_t i = order.size(); i > 1; --i)
            std::swap(order[i - 1], order[rng.below(i)]);
        permuted.push_back(permuteAtoms(molecules[k], order));
        rotated.push_back(moved(molecules[k], 100 + k));
        both.push_back(moved(permuted.back(), 200 + k));
    }
    for (const auto* set : {&permuted, &rotated, &both}) {
        const std::vector<double> p = predictInvariant(model, *set);
        for (std::size_t k = 0; k < base.size(); ++k)
            EXPECT_NEAR(p[k], base[k], 1e-4) << "molecule " << k;
    }
    // The check can fail: a distorted molecule (one atom moved by 0.2 Bohr) changes the energy.
    Molecule distorted = molecules[0];
    distorted.R[0] += 0.2;
    EXPECT_GT(std::abs(predictInvariant(model, {distorted})[0] - base[0]), 1e-3);
}

TEST(InvariantNet, GradientsMatchCentralFiniteDifferences) {
    const InvariantModel& model = smallModel();
    const std::vector<Molecule> molecules = demoRange(400, 406);
    const std::vector<double> params(model.params.begin(), model.params.end());
    std::vector<double> grad;
    invariantLoss(model, params, molecules, &grad);
    ASSERT_EQ(grad.size(), params.size());
    // Every 37th weight: the embedding, filters, updates and readout all get checked.
    int checked = 0;
    for (std::size_t i = 0; i < params.size(); i += 37) {
        const double h = 1e-5;
        std::vector<double> plus = params, minus = params;
        plus[i] += h;
        minus[i] -= h;
        const double fd = (invariantLoss(model, plus, molecules, nullptr) -
                           invariantLoss(model, minus, molecules, nullptr)) /
                          (2 * h);
        EXPECT_NEAR(grad[i], fd, 1e-6 + 1e-5 * std::abs(fd)) << "weight " << i;
        ++checked;
    }
    EXPECT_GT(checked, 20);
    double norm = 0;
    for (double g : grad)
        norm += g * g;
    EXPECT_GT(norm, 1e-8); // a zero gradient would pass the comparison trivially
}

TEST(InvariantNet, ShortTrainingBeatsTheMeanPredictorTenfold) {
    const MoleculeSplits s = smallSplits(500, 100, 300);
    InvariantConfig c;
    c.features = 32;
    c.interactions = 2;
    c.basis = 16;
    c.batchSize = 16;
    c.lr = 3e-3;
    c.lrFinal = 1e-4;
    c.epochs = 20;
    DeepOptions o;
    o.threads = 1; // on a shared machine one thread is faster than two waiting for each other
    const InvariantResult r = trainInvariant(s, c, o);
    double mean = 0;
    for (const Molecule& m : s.train)
        mean += m.energy;
    mean /= double(s.train.size());
    double meanMae = 0;
    for (const Molecule& m : s.test)
        meanMae += std::abs(m.energy - mean);
    meanMae /= double(s.test.size());
    std::printf("mean predictor MAE %.2f, invariant network MAE %.2f kcal/mol, %.1f s\n", meanMae,
                r.test.mae, r.seconds);
    EXPECT_LT(r.test.mae * 10, meanMae);
    EXPECT_EQ(r.stepsDone, 20 * r.stepsPerEpoch);
    EXPECT_FALSE(r.history.empty());
}

/// Cancels the run at a given step.
struct CancelAt : DeepObserver {
    TrainControl* control = nullptr;
    long long at = 0;
    void onProgress(long long step, long long, double) override {
        if (step >= at)
            control->cancel = true;
    }
};

TEST(InvariantNet, ResumeAfterCancelEqualsAnUninterruptedRunBitForBit) {
    const MoleculeSplits s = smallSplits(150, 30, 30);
    const InvariantConfig c = smallConfig();
    const std::string dir = test::freshDir("invariant_resume");
    const InvariantResult whole = trainInvariant(s, c);

    DeepOptions o;
    o.checkpoint = dir + "/checkpoint.bin";
    TrainControl control;
    CancelAt cancel;
    cancel.control = &control;
    cancel.at = 20;
    o.control = &control;
    o.observer = &cancel;
    const InvariantResult first = trainInvariant(s, c, o);
    EXPECT_TRUE(first.cancelled);
    EXPECT_EQ(first.stepsDone, 20);
    ASSERT_TRUE(std::filesystem::exists(o.checkpoint));

    DeepOptions again;
    again.checkpoint = o.checkpoint;
    const InvariantResult rest = trainInvariant(s, c, again);
    EXPECT_TRUE(rest.resumed);
    EXPECT_FALSE(rest.cancelled);
    EXPECT_EQ(rest.stepsDone, whole.stepsDone);
    EXPECT_EQ(rest.bestStep, whole.bestStep);
    ASSERT_EQ(rest.model.params.size(), whole.model.params.size());
    EXPECT_TRUE(rest.model.params == whole.model.params);
    EXPECT_TRUE(rest.testPred == whole.testPred);
    ASSERT_EQ(rest.history.size(), whole.history.size());
    for (std::size_t i = 0; i < rest.history.size(); ++i)
        EXPECT_EQ(rest.history[i].valLoss, whole.history[i].valLoss);

    // Another architecture does not resume from this checkpoint: it starts afresh.
    InvariantConfig other = c;
    other.features = 8;
    other.steps = 2;
    EXPECT_FALSE(trainInvariant(s, other, again).resumed);
}

TEST(InvariantNet, ModelFileRoundTripsAndRejectsOtherFiles) {
    const InvariantModel& model = smallModel();
    const std::string dir = test::freshDir("invariant_model");
    saveInvariantModel(model, dir + "/model.pt");
    const InvariantModel back = loadInvariantModel(dir + "/model.pt");
    EXPECT_EQ(back.params, model.params);
    EXPECT_EQ(back.elements, model.elements);
    EXPECT_EQ(back.config.interactions, model.config.interactions);
    const std::vector<Molecule> ms = demoRange(500, 510);
    EXPECT_EQ(predictInvariant(back, ms), predictInvariant(model, ms));
    {
        std::FILE* f = std::fopen((dir + "/junk.pt").c_str(), "wb");
        std::fputs("not a model", f);
        std::fclose(f);
    }
    try {
        loadInvariantModel(dir + "/junk.pt");
        FAIL() << "a junk file loaded";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("not a model file"), std::string::npos) << e.what();
    }
}

TEST(InvariantNet, BadMoleculesGetAClearMessage) {
    const InvariantModel& model = smallModel();
    Molecule unknown = demoRange(0, 1)[0];
    unknown.Z[0] = 35; // bromine: not in QM7
    Molecule clash = demoRange(1, 2)[0];
    clash.R[3] = clash.R[0];
    clash.R[4] = clash.R[1];
    clash.R[5] = clash.R[2];
    const auto message = [&](const Molecule& m) {
        try {
            predictInvariant(model, {demoRange(2, 3)[0], m});
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const std::string a = message(unknown), b = message(clash);
    EXPECT_NE(a.find("molecule 2"), std::string::npos) << a;
    EXPECT_NE(a.find("Br (Z = 35)"), std::string::npos) << a;
    EXPECT_NE(b.find("atoms 1 and 2 are at the same place"), std::string::npos) << b;
    // Training refuses them too, naming the split.
    MoleculeSplits s = smallSplits(50, 10, 0);
    s.val.push_back(clash);
    try {
        trainInvariant(s, smallConfig());
        FAIL() << "trained with two atoms at the same place";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("validation molecule 11"), std::string::npos)
            << e.what();
    }
    InvariantConfig bad = smallConfig();
    bad.lrFinal = 1;
    EXPECT_THROW(trainInvariant(smallSplits(20, 5, 0), bad), std::invalid_argument);
}

} // namespace
} // namespace qm7
