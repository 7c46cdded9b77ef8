// From molecules to data sets: splits, scaling, the course file reproduced, data sources,
// and the randomly sorted augmentation.
#include "mat_test_writer.h"
#include "test_support.h"

#include "qm7/chem/augmentation.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/chem/mat_reader.h"
#include "qm7/chem/xyz_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

using namespace qm7;

namespace {

/// Twelve small molecules: enough for splits of a few molecules each.
std::vector<Molecule> smallMolecules(int count = 12) {
    std::vector<Molecule> ms;
    for (int i = 0; i < count; ++i) {
        Molecule m;
        m.Z = {6, 8, 1, 1};
        const double s = 1.0 + 0.05 * i;
        m.R = {0, 0, 0, 2.3 * s, 0, 0, -1.1, 1.8 * s, 0, -1.1, -1.8, 0.2 * i};
        m.energy = -300.0 - 10.0 * i;
        m.name = std::to_string(i);
        ms.push_back(m);
    }
    return ms;
}

double maxAbs(const std::vector<float>& v) {
    double m = 0;
    for (float x : v)
        m = std::max(m, static_cast<double>(std::fabs(x)));
    return m;
}

} // namespace

TEST(DatasetBuilder, ParseSplit) {
    const SplitSpec counts = parseSplit("1500,500,1000");
    EXPECT_FALSE(counts.fractions);
    EXPECT_EQ(counts.values[2], 1000);
    const SplitSpec fractions = parseSplit("0.8, 0.1, 0.1");
    EXPECT_TRUE(fractions.fractions);
    EXPECT_EQ(splitSizes(fractions, 7101), (std::array<int, 3>{5680, 710, 711}));
    EXPECT_EQ(splitSizes(parseSplit("0.5,0.1,0.1"), 100), (std::array<int, 3>{50, 10, 10}));
    EXPECT_THROW(parseSplit("1500,500"), std::invalid_argument);
    EXPECT_THROW(parseSplit("1500,-5,1000"), std::invalid_argument);
    EXPECT_THROW(parseSplit("a,b,c"), std::invalid_argument);
    EXPECT_THROW(parseSplit("0.8,0.3,0.1"), std::invalid_argument);
    EXPECT_THROW(parseSplit("10,0,5"), std::invalid_argument);
    try {
        splitSizes(parseSplit("1500,500,1000"), 2000);
        ADD_FAILURE();
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("needs 3000 molecules but only 2000"),
                  std::string::npos);
    }
}

TEST(DatasetBuilder, BuildsSeededDisjointSplitsScaledByTrainMaximum) {
    const auto ms = smallMolecules();
    BuildOptions options;
    options.split = parseSplit("6,3,3");
    options.representation.atoms = 5;
    int lastDone = -1, lastTotal = -1;
    options.progress = [&](int done, int total) {
        EXPECT_GE(done, lastDone);
        lastDone = done;
        lastTotal = total;
    };
    const BuildResult built = buildDatasetDetailed(ms, options, {}, "small");
    EXPECT_EQ(lastDone, 12);
    EXPECT_EQ(lastTotal, 12);
    options.progress = {};
    const Dataset& data = built.data;
    EXPECT_EQ(data.d, 15);
    EXPECT_EQ(data.atoms, 5);
    EXPECT_EQ(data.representation, "cm");
    EXPECT_EQ(data.source, "small");
    EXPECT_EQ(data.train.rows(), 6u);
    EXPECT_EQ(data.val.rows(), 3u);
    EXPECT_EQ(data.test.rows(), 3u);
    EXPECT_NO_THROW(validateDataset(data, "small"));
    // Scaled by the largest training entry: 0.5 * 8^2.4 (oxygen).
    EXPECT_NEAR(built.scale, 0.5 * std::pow(8.0, 2.4), 1e-9);
    EXPECT_FLOAT_EQ(static_cast<float>(maxAbs(data.train.X)), 1.0f);
    std::set<int> all(built.molecules.trainIndex.begin(), built.molecules.trainIndex.end());
    all.insert(built.molecules.valIndex.begin(), built.molecules.valIndex.end());
    all.insert(built.molecules.testIndex.begin(), built.molecules.testIndex.end());
    EXPECT_EQ(all.size(), 12u);
    for (std::size_t i = 0; i < data.train.rows(); ++i)
        EXPECT_EQ(data.train.y[i], static_cast<float>(ms[built.molecules.trainIndex[i]].energy));

    const BuildResult again = buildDatasetDetailed(ms, options);
    EXPECT_EQ(again.data.train.X, data.train.X);
    options.seed = 1;
    const BuildResult other = buildDatasetDetailed(ms, options);
    EXPECT_NE(other.molecules.trainIndex, built.molecules.trainIndex);

    options.scale = false;
    const BuildResult raw = buildDatasetDetailed(ms, options);
    EXPECT_NEAR(maxAbs(raw.data.train.X), 0.5 * std::pow(8.0, 2.4), 1e-3);
}

TEST(DatasetBuilder, EveryRepresentation) {
    const auto ms = smallMolecules();
    BuildOptions options;
    options.split = parseSplit("6,3,3");
    for (const Representation r : allRepresentations()) {
        options.representation.kind = r;
        const Dataset data = buildDataset(ms, options);
        EXPECT_EQ(data.representation, representationName(r));
        EXPECT_EQ(data.d, featureSize(r, 23));
        EXPECT_EQ(data.atoms, 23);
        EXPECT_FLOAT_EQ(static_cast<float>(maxAbs(data.train.X)), 1.0f);
    }
}

TEST(DatasetBuilder, MoleculeLargerThanPaddingNamesSourceAndMolecule) {
    auto ms = smallMolecules();
    BuildOptions options;
    options.split = parseSplit("6,3,3");
    options.representation.atoms = 3;
    try {
        buildDataset(ms, options, {}, "many.xyz");
        ADD_FAILURE();
    } catch (const MoleculeError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("many.xyz"), std::string::npos) << what;
        EXPECT_NE(what.find("(molecule "), std::string::npos) << what;
        EXPECT_NE(what.find("padding size of 3"), std::string::npos) << what;
    }
}

TEST(DatasetBuilder, Folds) {
    const auto ms = smallMolecules();
    const std::vector<std::vector<int>> folds = {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {9, 10, 11}};
    BuildOptions options;
    options.useFolds = true;
    options.testFold = 3;
    const BuildResult built = buildDatasetDetailed(ms, options, folds);
    EXPECT_EQ(built.molecules.testIndex, (std::vector<int>{9, 10, 11}));
    EXPECT_EQ(built.molecules.valIndex, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(built.molecules.trainIndex, (std::vector<int>{3, 4, 5, 6, 7, 8}));
    options.testFold = 4;
    EXPECT_THROW(buildDataset(ms, options, folds), std::invalid_argument);
    options.testFold = 0;
    EXPECT_THROW(buildDataset(ms, options, {}), std::invalid_argument);
}

TEST(DatasetBuilder, OfficialFoldsFromMat) {
    QM7_SKIP_WITHOUT_SHARED("qm7-layout.mat");
    BuildOptions options;
    options.useFolds = true;
    const BuildResult built = loadDataSourceDetailed(test::sharedData("qm7-layout.mat"), options);
    EXPECT_EQ(built.data.test.rows(), 1420u);
    EXPECT_EQ(built.data.val.rows(), 1420u);
    EXPECT_EQ(built.data.train.rows(), 3u * 1420);
    EXPECT_EQ(built.molecules.testIndex[0], 3168);
    EXPECT_EQ(built.data.d, 276);
}

TEST(DatasetBuilder, ReproducesCourseDatasetRows) {
    QM7_SKIP_WITHOUT_SHARED("dataset.pt");
    QM7_SKIP_WITHOUT_SHARED("qm7.xyz");
    const Dataset course = loadDataset(test::sharedData("dataset.pt"));
    ASSERT_EQ(course.d, 276);
    const auto ms = test::sharedMolecules();
    // Our rows of every molecule, with the course file's scale: the sulfur diagonal term.
    const double scale = 0.5 * std::pow(16.0, 2.4);
    EXPECT_NEAR(scale, 388.02, 0.01);
    RepresentationOptions rep;
    const std::vector<float> ours = computeFeatures(ms, rep, scale, 0);
    // Candidates by energy (the labels are float32 copies of the 3-decimal energies).
    std::multimap<long, int> byEnergy;
    for (std::size_t i = 0; i < ms.size(); ++i)
        byEnergy.emplace(std::lround(ms[i].energy * 1000), static_cast<int>(i));
    std::set<int> used;
    double worst = 0;
    const std::array<const Split*, 3> splits = {&course.train, &course.val, &course.test};
    for (const Split* split : splits) {
        for (std::size_t r = 0; r < split->rows(); ++r) {
            const float* row = split->X.data() + r * 276;
            const long key = std::lround(static_cast<double>(split->y[r]) * 1000);
            int best = -1;
            double bestDiff = 1e30;
            for (long k = key - 1; k <= key + 1; ++k) {
                const auto range = byEnergy.equal_range(k);
                for (auto it = range.first; it != range.second; ++it) {
                    double diff = 0;
                    for (int j = 0; j < 276; ++j)
                        diff = std::max(diff, static_cast<double>(
                                                  std::fabs(row[j] - ours[it->second * 276 + j])));
                    if (diff < bestDiff) {
                        bestDiff = diff;
                        best = it->second;
                    }
                }
            }
            ASSERT_GE(best, 0) << "no molecule with the energy of row " << r;
            ASSERT_LT(bestDiff, 1e-6) << "row " << r << " does not match molecule " << best;
            worst = std::max(worst, bestDiff);
            EXPECT_TRUE(used.insert(best).second) << "molecule " << best << " used twice";
        }
    }
    EXPECT_EQ(used.size(), 3000u);
    std::cout << "course rows reproduced: 3000 of 3000, largest difference " << worst << "\n";
    // And the course file's scale is the largest entry of its training rows.
    EXPECT_FLOAT_EQ(static_cast<float>(maxAbs(course.train.X)), 1.0f);
}

TEST(DatasetBuilder, DataSources) {
    const std::string dir = test::freshDir("data_sources");
    EXPECT_EQ(sourceKind("demo"), SourceKind::Demo);
    EXPECT_EQ(sourceKind("a/b.PT"), SourceKind::TorchDataset);
    EXPECT_EQ(sourceKind("x.xyz.gz"), SourceKind::Xyz);
    EXPECT_EQ(sourceKind("qm7.mat"), SourceKind::Mat);
    EXPECT_EQ(sourceKind("notes.txt"), SourceKind::Unknown);
    EXPECT_THROW(loadDataSource(dir + "/notes.txt"), MoleculeError);

    // An XYZ file, built, saved and loaded back as a .pt.
    std::string text;
    for (const Molecule& m : smallMolecules()) {
        text += std::to_string(m.atoms()) + "\nname=" + m.name +
                " my_energy=" + std::to_string(m.energy) + "\n";
        for (int a = 0; a < m.atoms(); ++a) {
            text += elementSymbol(m.Z[a]);
            for (int c = 0; c < 3; ++c)
                text += " " + std::to_string(bohrToAngstrom(m.R[3 * a + c]));
            text += "\n";
        }
    }
    std::ofstream(dir + "/small.xyz") << text;
    BuildOptions options;
    options.split = parseSplit("6,3,3");
    EXPECT_THROW(loadDataSource(dir + "/small.xyz", options), MoleculeError); // no "energy"
    options.energyKey = "my_energy";
    options.representation.kind = Representation::Eigenspectrum;
    const Dataset built = loadDataSource(dir + "/small.xyz", options);
    EXPECT_EQ(built.d, 23);
    saveDataset(built, dir + "/small.pt");
    const Dataset loaded = loadDataSource(dir + "/small.pt");
    EXPECT_EQ(loaded.train.X, built.train.X);
    EXPECT_EQ(loaded.test.y, built.test.y);
    EXPECT_EQ(loaded.representation, "eigen");
}

TEST(DatasetBuilder, BundledDemo) {
    const std::string path = demoDataPath();
    if (path.empty())
        GTEST_SKIP() << "the bundled demo data was not found (resources/demo/qm7.xyz.gz)";
    BuildOptions options;
    int calls = 0;
    options.progress = [&](int, int) { ++calls; };
    const Dataset demo = loadDataSource("demo", options);
    EXPECT_EQ(demo.source, "demo");
    EXPECT_EQ(demo.train.rows(), 1500u);
    EXPECT_EQ(demo.val.rows(), 500u);
    EXPECT_EQ(demo.test.rows(), 1000u);
    EXPECT_EQ(demo.d, 276);
    EXPECT_GT(calls, 2);
    // $QM7_DEMO_DATA wins.
    ::setenv("QM7_DEMO_DATA", "/nonexistent/demo.xyz.gz", 1);
    EXPECT_EQ(demoDataPath(), "/nonexistent/demo.xyz.gz");
    EXPECT_THROW(loadDataSource("demo"), MoleculeError);
    ::unsetenv("QM7_DEMO_DATA");
}

TEST(RandomSortedAugmentation, FreshDeterministicDraws) {
    const auto ms = smallMolecules();
    BuildOptions options;
    options.split = parseSplit("6,3,3");
    options.representation.kind = Representation::RandomSorted;
    options.representation.atoms = 6;
    const BuildResult built = buildDatasetDetailed(ms, options);
    const RandomSortedAugmentation augmentation(built, 1.0, 4);
    EXPECT_EQ(augmentation.evalDraws(), 4);
    EXPECT_EQ(augmentation.featureSize(), 21);
    EXPECT_EQ(augmentation.rows(SplitKind::Val), 3);
    std::vector<float> a, b, c;
    augmentation.draw(SplitKind::Train, 11, a);
    augmentation.draw(SplitKind::Train, 11, b);
    augmentation.draw(SplitKind::Train, 12, c);
    ASSERT_EQ(a.size(), 6u * 21);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_LE(maxAbs(a), 1.0 + 1e-6);
    // Every draw is a relabelling of the same matrix: the diagonal is a permutation of it.
    for (std::size_t r = 0; r < 6; ++r) {
        const auto cm = upperTriangle(coulombMatrix(built.molecules.train[r], 6), 6);
        std::vector<double> expected = {cm[0], cm[6], cm[11], cm[15]}; // diagonals, 4 atoms
        std::vector<double> drawn = {a[r * 21 + 0], a[r * 21 + 6], a[r * 21 + 11], a[r * 21 + 15]};
        for (double& v : expected)
            v /= built.scale;
        std::sort(expected.begin(), expected.end());
        std::sort(drawn.begin(), drawn.end());
        for (int k = 0; k < 4; ++k)
            EXPECT_NEAR(drawn[k], expected[k], 1e-6);
        EXPECT_EQ(a[r * 21 + 18], 0.0f); // padding
    }
    std::vector<float> test;
    augmentation.draw(SplitKind::Test, 1, test);
    EXPECT_EQ(test.size(), 3u * 21);

    BuildResult fromPt;
    EXPECT_THROW(RandomSortedAugmentation{fromPt}, std::invalid_argument);
}
