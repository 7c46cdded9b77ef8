// Bag of Bonds (Hansen et al. 2015): values by hand, permutation invariance, the layout file,
// and what it buys over sorted Coulomb matrices on real QM7 molecules.
#include "qm7/chem/bag_of_bonds.h"

#include "qm7/analysis/cross_validation.h"
#include "qm7/analysis/krr.h"
#include "qm7/chem/representation.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>

namespace {

/// Water in Bohr: O at the origin, the hydrogens 1.8 Bohr away along x and y.
qm7::Molecule water() {
    qm7::Molecule m;
    m.name = "water";
    m.Z = {8, 1, 1};
    m.R = {0, 0, 0, 1.8, 0, 0, 0, 1.8, 0};
    return m;
}

/// Methane in Bohr: C at the origin, hydrogens at (+-a, +-a, +-a) with an even number of minus
/// signs, a = 1.2: C-H = a sqrt(3), H-H = 2 a sqrt(2).
qm7::Molecule methane() {
    const double a = 1.2;
    qm7::Molecule m;
    m.name = "methane";
    m.Z = {1, 6, 1, 1, 1};
    m.R = {a, a, a, 0, 0, 0, a, -a, -a, -a, a, -a, -a, -a, a};
    return m;
}

void expectValues(const std::vector<double>& got, const std::vector<double>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i)
        EXPECT_NEAR(got[i], want[i], 1e-4) << "entry " << i;
}

} // namespace

TEST(BagOfBonds, WaterByHand) {
    const qm7::BagLayout layout = qm7::BagLayout::fit({water()});
    // Bags: H atoms (2), O atoms (1), H-H pairs (1), H-O pairs (2).
    ASSERT_EQ(layout.width(), 6);
    EXPECT_EQ(layout.elements(), (std::vector<int>{1, 8}));
    // 0.5 * 1^2.4 = 0.5; 0.5 * 8^2.4 = 73.51669; H-O: 8 * 1 / 1.8 = 4.44444;
    // H-H: 1 / (1.8 sqrt 2) = 0.39284.
    expectValues(qm7::bagOfBonds(water(), layout), {0.5, 0.5, 73.51669, 0.39284, 4.44444, 4.44444});
}

TEST(BagOfBonds, MethaneAndWaterInOneLayoutByHand) {
    const qm7::BagLayout layout = qm7::BagLayout::fit({water(), methane()});
    // H atoms (4), C (1), O (1), H-H (6), H-C (4), H-O (2).
    ASSERT_EQ(layout.width(), 18);
    // 0.5 * 6^2.4 = 36.85811; C-H: 6 / (1.2 sqrt 3) = 2.88675; H-H: 1 / (2.4 sqrt 2) = 0.29463.
    expectValues(qm7::bagOfBonds(methane(), layout),
                 {0.5, 0.5, 0.5, 0.5, 36.85811, 0, 0.29463, 0.29463, 0.29463, 0.29463, 0.29463,
                  0.29463, 2.88675, 2.88675, 2.88675, 2.88675, 0, 0});
    // Water's bags padded with zeros where methane needs more room.
    expectValues(qm7::bagOfBonds(water(), layout), {0.5, 0.5, 0, 0, 0, 73.51669, 0.39284, 0, 0, 0,
                                                    0, 0, 0, 0, 0, 0, 4.44444, 4.44444});
}

TEST(BagOfBonds, APermutedMoleculeHasTheSameVector) {
    const auto& molecules = qm7::test::demoMolecules();
    ASSERT_GE(molecules.size(), 200u);
    const std::vector<qm7::Molecule> some(molecules.begin(), molecules.begin() + 200);
    const qm7::BagLayout layout = qm7::BagLayout::fit(some);
    int changedOrder = 0;
    for (std::size_t i = 0; i < some.size(); ++i) {
        const auto order = qm7::randomAtomOrder(some[i].atoms(), 1000 + i);
        changedOrder += !std::is_sorted(order.begin(), order.end());
        const qm7::Molecule permuted = qm7::permuteAtoms(some[i], order);
        EXPECT_EQ(qm7::bagOfBonds(permuted, layout), qm7::bagOfBonds(some[i], layout)) << i;
    }
    EXPECT_GT(changedOrder, 150);
    // The sorted Coulomb matrix of the same molecules is not always identical (ties, noise):
    // at least the vectors of Bag of Bonds must differ between different molecules.
    EXPECT_NE(qm7::bagOfBonds(some[0], layout), qm7::bagOfBonds(some[1], layout));
}

TEST(BagOfBonds, LayoutTextRoundTripsAndRefusesDamage) {
    const qm7::BagLayout layout = qm7::BagLayout::fit({water(), methane()});
    const std::string text = layout.toText();
    EXPECT_EQ(text.rfind("bag-of-bonds 1\n", 0), 0u);
    EXPECT_TRUE(qm7::BagLayout::fromText(text) == layout);
    EXPECT_THROW(qm7::BagLayout::fromText("hello\n"), std::runtime_error);
    EXPECT_THROW(qm7::BagLayout::fromText("bag-of-bonds 1\n"), std::runtime_error);
    EXPECT_THROW(qm7::BagLayout::fromText("bag-of-bonds 1\npair 8 1 2\n"), std::runtime_error);
    EXPECT_THROW(qm7::BagLayout::fromText("bag-of-bonds 1\ndiagonal 1 -3\n"), std::runtime_error);
    EXPECT_THROW(qm7::BagLayout::fromText("bag-of-bonds 1\ndiagonal 1 2\ndiagonal 1 2\n"),
                 std::runtime_error);
    EXPECT_THROW(qm7::BagLayout::fromText("bag-of-bonds 1\ndiagonal 1 2 7\n"), std::runtime_error);
}

TEST(BagOfBonds, AMoleculeTheLayoutCannotHoldIsRefusedClearly) {
    const qm7::BagLayout layout = qm7::BagLayout::fit({water()});
    EXPECT_EQ(layout.whyCannotHold(water()), "");
    const std::string why = layout.whyCannotHold(methane());
    EXPECT_NE(why.find("methane"), std::string::npos) << why;
    EXPECT_THROW(qm7::bagOfBonds(methane(), layout), qm7::MoleculeError);
    qm7::Molecule clash = water();
    clash.R[3] = 0;
    clash.R[4] = 0;
    EXPECT_THROW(qm7::bagOfBonds(clash, layout), qm7::MoleculeError);
    // As a representation: the width is the layout's, and a layout is required.
    qm7::RepresentationOptions options;
    options.kind = qm7::Representation::BagOfBonds;
    EXPECT_THROW(qm7::featureSize(options), std::invalid_argument);
    EXPECT_THROW(qm7::features(water(), options), std::invalid_argument);
    EXPECT_THROW(qm7::featureSize(qm7::Representation::BagOfBonds, 23), std::invalid_argument);
    options.bags = std::make_shared<const qm7::BagLayout>(layout);
    EXPECT_EQ(qm7::featureSize(options), 6);
    EXPECT_EQ(qm7::features(water(), options), qm7::bagOfBonds(water(), layout));
    EXPECT_EQ(qm7::parseRepresentation("bob"), qm7::Representation::BagOfBonds);
    EXPECT_EQ(qm7::representationName(qm7::Representation::BagOfBonds), "bob");
}

// Hansen et al. 2015: Bag of Bonds learns QM7 better than sorted Coulomb matrices. The same
// 1000 training, 300 validation and 1000 test molecules, the same Laplacian grid.
TEST(BagOfBonds, KrrOnBagOfBondsBeatsKrrOnSortedMatricesAtN1000) {
    const auto& all = qm7::test::demoMolecules();
    ASSERT_GE(all.size(), 2300u);
    const qm7::CvPartition partition = qm7::seededPartition(2300, 23, 11);
    std::vector<int> order;
    for (const auto& fold : partition.folds)
        order.insert(order.end(), fold.begin(), fold.end());
    const auto pick = [&](int from, int to) {
        std::vector<qm7::Molecule> out;
        for (int i = from; i < to; ++i)
            out.push_back(all[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])]);
        return out;
    };
    const auto train = pick(0, 1000), val = pick(1000, 1300), test = pick(1300, 2300);
    const auto labels = [](const std::vector<qm7::Molecule>& ms) {
        std::vector<double> y;
        for (const auto& m : ms)
            y.push_back(m.energy);
        return y;
    };
    const auto bags = std::make_shared<const qm7::BagLayout>(qm7::BagLayout::fit(all));
    qm7::KrrGrid grid;
    grid.sigmas = {500, 1000, 2000, 4000, 8000, 16000, 32000};
    grid.lambdas = {1e-8, 1e-6, 1e-4};
    double mae[2] = {0, 0};
    double meanMae = 0;
    const double trainMean = [&] {
        const auto y = labels(train);
        return std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size());
    }();
    for (double y : labels(test))
        meanMae += std::fabs(y - trainMean) / static_cast<double>(test.size());
    const qm7::Representation kinds[2] = {qm7::Representation::Sorted,
                                          qm7::Representation::BagOfBonds};
    for (int k = 0; k < 2; ++k) {
        const auto features = [&](const std::vector<qm7::Molecule>& ms) {
            return qm7::moleculeFeatures(ms, kinds[k], 23, 0, bags);
        };
        const int d = kinds[k] == qm7::Representation::BagOfBonds ? bags->width()
                                                                  : qm7::featureSize(kinds[k], 23);
        const qm7::KrrSelection sel =
            qm7::selectKrr(features(train), labels(train), features(val), labels(val), d, grid);
        const std::vector<double> pred = qm7::predictKrr(sel.model, features(test));
        const std::vector<double> y = labels(test);
        for (std::size_t i = 0; i < y.size(); ++i)
            mae[k] += std::fabs(pred[i] - y[i]) / static_cast<double>(y.size());
    }
    std::printf("KRR (Laplacian), n = 1000, 1000 test molecules: sorted CM MAE %.2f, Bag of Bonds "
                "MAE %.2f, mean predictor %.1f kcal/mol\n",
                mae[0], mae[1], meanMae);
    EXPECT_LT(mae[1], mae[0]);
    EXPECT_LT(mae[1], meanMae / 10);
}

// A short training of the one-hidden-layer network on Bag of Bonds (a fold of qm7 cv --model mlp
// --representation bob) beats the mean predictor tenfold.
TEST(BagOfBonds, AShortNetworkTrainingOnBagOfBondsBeatsTheMeanPredictorTenfold) {
    const auto& all = qm7::test::demoMolecules();
    ASSERT_GE(all.size(), 2000u);
    const std::vector<qm7::Molecule> some(all.begin(), all.begin() + 2000);
    const qm7::CvPartition partition = qm7::seededPartition(2000, 4, 3);
    const qm7::FoldSplit split = qm7::foldSplit(partition, 0, 0.1, 3);
    qm7::CvSettings settings;
    settings.representation = qm7::Representation::BagOfBonds;
    settings.mlp.hidden = 200;
    settings.mlp.epochs = 150;
    settings.mlp.lr = 1e-3;
    const std::string dir = qm7::test::freshDir("bob_mlp_fold");
    const qm7::FoldResult r = qm7::runFold(some, split, 0, qm7::CvModel::Mlp, settings, dir);
    double trainMean = 0;
    for (int i : split.train)
        trainMean +=
            some[static_cast<std::size_t>(i)].energy / static_cast<double>(split.train.size());
    double meanMae = 0;
    for (int i : split.test)
        meanMae += std::fabs(some[static_cast<std::size_t>(i)].energy - trainMean) /
                   static_cast<double>(split.test.size());
    std::printf("one-hidden-layer network on Bag of Bonds, %d training molecules, 150 epochs: "
                "test MAE %.2f, validation MAE %.2f, mean predictor %.1f kcal/mol\n",
                r.trainRows, r.test.mae, r.valMae, meanMae);
    EXPECT_LT(r.test.mae, meanMae / 10);
    EXPECT_GT(r.valMae, 0);
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(dir) / qm7::kBagLayoutFile));
}
