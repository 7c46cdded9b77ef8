// Molecules, the XYZ and qm7.mat readers, and the Coulomb matrix representations.
#include "mat_test_writer.h"
#include "test_support.h"

#include "qm7/util/atomic_file.h"
#include "qm7/chem/mat_reader.h"
#include "qm7/chem/molecule.h"
#include "qm7/chem/representation.h"
#include "qm7/chem/xyz_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <fstream>
#include <numeric>

using namespace qm7;

namespace {

/// Expects f() to throw MoleculeError whose message contains every given piece.
template <typename F> void expectMoleculeError(F&& f, const std::vector<std::string>& pieces) {
    try {
        f();
        ADD_FAILURE() << "expected a MoleculeError";
    } catch (const MoleculeError& e) {
        const std::string what = e.what();
        for (const auto& piece : pieces)
            EXPECT_NE(what.find(piece), std::string::npos)
                << "message '" << what << "' lacks '" << piece << "'";
    }
}

void writeText(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

void writeGzip(const std::string& path, const std::string& text) {
    gzFile f = gzopen(path.c_str(), "wb9");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())),
              static_cast<int>(text.size()));
    gzclose(f);
}

/// Water with O at the origin and the hydrogens 2 Bohr away along x and y.
Molecule water() {
    Molecule m;
    m.Z = {8, 1, 1};
    m.R = {0, 0, 0, 2, 0, 0, 0, 2, 0};
    m.name = "water";
    return m;
}

const std::string kTwoFrames = "3\n"
                               "name=w energy=-10.5 energy_dftb=-11.25\n"
                               "O 0.0 0.0 0.0\n"
                               "H 1.0 0.0 0.0\n"
                               "H 0.0 1.0 0.0\n"
                               "2\n"
                               "name=hcl energy=-100\n"
                               "H 0 0 0\n"
                               "Cl 0 0 1.27\n";

} // namespace

// ---------------------------------------------------------------- molecules and units

TEST(Molecule, ElementSymbols) {
    EXPECT_EQ(elementNumber("H"), 1);
    EXPECT_EQ(elementNumber("C"), 6);
    EXPECT_EQ(elementNumber("N"), 7);
    EXPECT_EQ(elementNumber("O"), 8);
    EXPECT_EQ(elementNumber("F"), 9);
    EXPECT_EQ(elementNumber("Si"), 14);
    EXPECT_EQ(elementNumber("P"), 15);
    EXPECT_EQ(elementNumber("S"), 16);
    EXPECT_EQ(elementNumber("Cl"), 17);
    EXPECT_EQ(elementNumber("CL"), 17);
    EXPECT_EQ(elementNumber("cl"), 17);
    EXPECT_EQ(elementNumber("B"), 5);
    EXPECT_EQ(elementNumber("Br"), 35);
    EXPECT_EQ(elementNumber("Xx"), 0);
    EXPECT_EQ(elementNumber(""), 0);
    EXPECT_EQ(elementNumber("Carbon"), 0);
    for (int z = 1; z <= 118; ++z)
        EXPECT_EQ(elementNumber(elementSymbol(z)), z) << z;
    EXPECT_EQ(elementSymbol(0), "");
    EXPECT_EQ(elementSymbol(119), "");
}

TEST(Molecule, BohrConversion) {
    EXPECT_DOUBLE_EQ(angstromToBohr(0.529177210903), 1.0);
    EXPECT_DOUBLE_EQ(bohrToAngstrom(1.0), 0.529177210903);
    EXPECT_NEAR(angstromToBohr(1.0), 1.8897261246, 1e-9);
}

TEST(Molecule, ErrorNamesFileMoleculeAndLine) {
    const MoleculeError e("a.xyz", 3, 17, "unknown element 'Xx'");
    EXPECT_STREQ(e.what(), "a.xyz:17 (molecule 3): unknown element 'Xx'");
    EXPECT_EQ(e.frame(), 3);
    EXPECT_EQ(e.line(), 17);
    EXPECT_EQ(e.problem(), "unknown element 'Xx'");
}

// ---------------------------------------------------------------- XYZ reader

TEST(XyzReader, ReadsExtendedXyz) {
    const auto ms = parseXyz(kTwoFrames, "two.xyz");
    ASSERT_EQ(ms.size(), 2u);
    EXPECT_EQ(ms[0].name, "w");
    EXPECT_DOUBLE_EQ(ms[0].energy, -10.5);
    EXPECT_DOUBLE_EQ(ms[0].properties.at("energy_dftb"), -11.25);
    EXPECT_EQ(ms[0].Z, (std::vector<int>{8, 1, 1}));
    EXPECT_DOUBLE_EQ(ms[0].R[3], angstromToBohr(1.0));
    EXPECT_EQ(ms[1].Z, (std::vector<int>{1, 17}));
    EXPECT_DOUBLE_EQ(ms[1].energy, -100);
    EXPECT_NEAR(ms[1].distance(0, 1), 1.27 / 0.529177210903, 1e-12);
}

TEST(XyzReader, ChosenEnergyKey) {
    XyzOptions options;
    options.energyKey = "energy_dftb";
    expectMoleculeError([&] { parseXyz(kTwoFrames, "two.xyz", options); },
                        {"two.xyz:7", "molecule 2", "energy_dftb"});
    const auto ms =
        parseXyz(kTwoFrames.substr(0, kTwoFrames.find("2\nname=hcl")), "w.xyz", options);
    ASSERT_EQ(ms.size(), 1u);
    EXPECT_DOUBLE_EQ(ms[0].energy, -11.25);
    EXPECT_DOUBLE_EQ(ms[0].properties.at("energy"), -10.5);
}

TEST(XyzReader, PlainXyzCommentNumberIsEnergy) {
    const auto ms = parseXyz("2\n-42.5 kcal/mol\nH 0 0 0\nH 0 0 0.74\n\n\n", "plain.xyz");
    ASSERT_EQ(ms.size(), 1u);
    EXPECT_DOUBLE_EQ(ms[0].energy, -42.5);
    EXPECT_EQ(ms[0].name, "1");
}

TEST(XyzReader, WithoutEnergyWhenNotRequired) {
    XyzOptions options;
    options.requireEnergy = false;
    const auto ms = parseXyz("1\nmethane-ish\nC 0 0 0\n", "x.xyz", options);
    ASSERT_EQ(ms.size(), 1u);
    EXPECT_EQ(ms[0].energy, 0.0);
}

TEST(XyzReader, CrlfQuotedValuesAtomicNumbersAndPropertiesColumns) {
    const std::string text =
        "2\r\n"
        "Lattice=\"1 0 0 0 1 0 0 0 1\" Properties=id:I:1:pos:R:3:species:S:1 energy=-3\r\n"
        "7 0.0 0.0 0.0 8\r\n"
        "8 0.0 0.0 1.2 6\r\n";
    const auto ms = parseXyz(text, "ext.xyz");
    ASSERT_EQ(ms.size(), 1u);
    EXPECT_EQ(ms[0].Z, (std::vector<int>{8, 6}));
    EXPECT_NEAR(ms[0].distance(0, 1), angstromToBohr(1.2), 1e-12);
    // Atomic numbers in place of symbols.
    const auto numbers = parseXyz("2\nenergy=1\n6 0 0 0\n1 0 0 1.1\n", "z.xyz");
    EXPECT_EQ(numbers[0].Z, (std::vector<int>{6, 1}));
}

TEST(XyzReader, UnknownElement) {
    expectMoleculeError([] { parseXyz("1\nenergy=1\nXx 0 0 0\n", "bad.xyz"); },
                        {"bad.xyz:3", "molecule 1", "unknown element 'Xx'"});
}

TEST(XyzReader, AtomCountTooLarge) {
    expectMoleculeError([] { parseXyz("3\nenergy=1\nH 0 0 0\nH 0 0 1\n", "short.xyz"); },
                        {"short.xyz:4", "molecule 1", "2 of 3 atoms", "wrong atom count"});
}

TEST(XyzReader, AtomCountTooSmall) {
    expectMoleculeError(
        [] { parseXyz("1\nenergy=1\nH 0 0 0\nH 0 0 1\n1\nenergy=2\nH 0 0 0\n", "long.xyz"); },
        {"long.xyz:4", "molecule 2", "number of atoms", "previous molecule"});
}

TEST(XyzReader, AtomCountNotANumber) {
    expectMoleculeError([] { parseXyz("three\nenergy=1\nH 0 0 0\n", "t.xyz"); },
                        {"t.xyz:1", "number of atoms", "'three'"});
    expectMoleculeError([] { parseXyz("0\nenergy=1\n", "z.xyz"); }, {"z.xyz:1", "between 1"});
    expectMoleculeError([] { parseXyz("-4\nenergy=1\n", "n.xyz"); }, {"n.xyz:1", "between 1"});
}

TEST(XyzReader, NonNumericCoordinate) {
    expectMoleculeError([] { parseXyz(kTwoFrames + "1\nenergy=1\nC 0 abc 0\n", "c.xyz"); },
                        {"c.xyz:12", "molecule 3", "coordinate y of atom 1", "'abc'"});
    expectMoleculeError([] { parseXyz("1\nenergy=1\nC 0 nan 0\n", "nan.xyz"); },
                        {"nan.xyz:3", "not a finite number"});
    expectMoleculeError([] { parseXyz("1\nenergy=1\nC 0 0\n", "two.xyz"); },
                        {"two.xyz:3", "x y z"});
}

TEST(XyzReader, TwoAtomsAtOnePlace) {
    expectMoleculeError(
        [] { parseXyz("3\nenergy=1\nC 0 0 0\nH 1 0 0\nH 1 0 0.0000001\n", "same.xyz"); },
        {"same.xyz:5", "molecule 1", "atoms 2 and 3", "same place"});
}

TEST(XyzReader, MissingOrBadEnergy) {
    expectMoleculeError([] { parseXyz("1\nname=a\nC 0 0 0\n", "e.xyz"); },
                        {"e.xyz:2", "molecule 1", "energy="});
    expectMoleculeError([] { parseXyz("1\nname=a energy=abc\nC 0 0 0\n", "e.xyz"); },
                        {"e.xyz:2", "not a finite number"});
    expectMoleculeError([] { parseXyz("1\n", "c.xyz"); }, {"c.xyz:1", "comment line"});
}

TEST(XyzReader, EmptyAndMissingFiles) {
    expectMoleculeError([] { parseXyz("", "empty.xyz"); }, {"empty.xyz", "no molecules"});
    expectMoleculeError([] { parseXyz("\n \n", "blank.xyz"); }, {"blank.xyz", "no molecules"});
    expectMoleculeError([] { readXyz("/nonexistent/dir/x.xyz"); },
                        {"/nonexistent/dir/x.xyz", "cannot open"});
}

TEST(XyzReader, ReadsGzipAndDetectsTruncation) {
    const std::string dir = test::freshDir("xyz_gzip");
    writeGzip(dir + "/two.xyz.gz", kTwoFrames);
    writeText(dir + "/two.xyz", kTwoFrames);
    const auto gz = readXyz(dir + "/two.xyz.gz");
    const auto plain = readXyz(dir + "/two.xyz");
    ASSERT_EQ(gz.size(), 2u);
    EXPECT_EQ(gz[1].Z, plain[1].Z);
    EXPECT_EQ(gz[1].R, plain[1].R);

    // A gzip cut in the middle of its compressed data.
    std::string big;
    for (int i = 0; i < 200; ++i)
        big += kTwoFrames;
    writeGzip(dir + "/big.xyz.gz", big);
    const std::string bytes = readFile(dir + "/big.xyz.gz");
    writeText(dir + "/cut.xyz.gz", bytes.substr(0, bytes.size() / 2));
    expectMoleculeError([&] { readXyz(dir + "/cut.xyz.gz"); },
                        {"cut.xyz.gz", "truncated or damaged"});
}

TEST(XyzReader, ReadsSharedQm7) {
    QM7_SKIP_WITHOUT_SHARED("qm7.xyz");
    const auto ms = test::sharedMolecules();
    ASSERT_EQ(ms.size(), 7101u);
    EXPECT_EQ(ms[0].name, "0001");
    EXPECT_DOUBLE_EQ(ms[0].energy, -417.031);
    EXPECT_DOUBLE_EQ(ms[0].properties.at("energy_dftb"), -431.787271961);
    EXPECT_EQ(ms[0].Z, (std::vector<int>{6, 1, 1, 1, 1}));
    EXPECT_DOUBLE_EQ(ms[0].R[0], 1.041682 / 0.529177210903);
    int largest = 0;
    double mean = 0;
    for (const auto& m : ms) {
        largest = std::max(largest, m.atoms());
        mean += m.energy / static_cast<double>(ms.size());
    }
    EXPECT_EQ(largest, 23);
    EXPECT_NEAR(mean, -1536.3, 0.1);
}

// ---------------------------------------------------------------- Coulomb matrices

TEST(Representation, Names) {
    for (const Representation r : allRepresentations())
        EXPECT_EQ(parseRepresentation(representationName(r)), r);
    EXPECT_EQ(representationName(Representation::RandomSorted), "random-sorted");
    EXPECT_EQ(parseRepresentation("bag-of-bonds"), Representation::BagOfBonds);
    EXPECT_THROW(parseRepresentation("bag-of-atoms"), std::invalid_argument);
    EXPECT_EQ(featureSize(Representation::CoulombMatrix, 23), 276);
    EXPECT_EQ(featureSize(Representation::Sorted, 23), 276);
    EXPECT_EQ(featureSize(Representation::Eigenspectrum, 23), 23);
}

TEST(Representation, WaterCoulombMatrixByHand) {
    // M_OO = 0.5 * 8^2.4 = 0.5 * 2^7.2 = 73.51669471..., M_HH = 0.5,
    // M_OH = 8 * 1 / 2 Bohr = 4, M_HH' = 1 / (2 sqrt 2) = 0.35355339...
    const auto M = coulombMatrix(water(), 4);
    ASSERT_EQ(M.size(), 16u);
    const double oo = 73.516694719;
    const std::vector<double> expected = {oo,  4,   4,
                                          0, //
                                          4,   0.5, 0.3535533906,
                                          0,   4,   0.3535533906,
                                          0.5, 0, //
                                          0,   0,   0,
                                          0};
    for (std::size_t i = 0; i < 16; ++i)
        EXPECT_NEAR(M[i], expected[i], 1e-8) << i;
    // The upper triangle, row by row (torch.triu_indices order): d = 4 * 5 / 2 = 10.
    const auto t = upperTriangle(M, 4);
    const std::vector<double> tri = {oo, 4, 4, 0, 0.5, 0.3535533906, 0, 0.5, 0, 0};
    ASSERT_EQ(t.size(), 10u);
    for (std::size_t i = 0; i < 10; ++i)
        EXPECT_NEAR(t[i], tri[i], 1e-8) << i;
    RepresentationOptions options;
    options.atoms = 4;
    const auto f = features(water(), options);
    ASSERT_EQ(f.size(), 10u);
    EXPECT_NEAR(f[5], 0.3535533906, 1e-9);
}

TEST(Representation, MethaneFromXyzInAngstrom) {
    // CH4 with C-H = 1.0 Angstrom along the axes: M_CH = 6 / (1/0.529177210903) Bohr^-1.
    const auto ms =
        parseXyz("5\nenergy=0\nC 0 0 0\nH 1 0 0\nH -1 0 0\nH 0 1 0\nH 0 -1 0\n", "ch4.xyz");
    const auto M = coulombMatrix(ms[0], 5);
    const double ch = 6.0 * 0.529177210903;
    const double hOpposite = 1.0 / (2.0 / 0.529177210903);
    const double hAdjacent = 1.0 / (std::sqrt(2.0) / 0.529177210903);
    EXPECT_NEAR(M[0], 0.5 * std::pow(6.0, 2.4), 1e-12);
    EXPECT_NEAR(M[0], 36.8581052, 1e-6);
    EXPECT_NEAR(M[1], ch, 1e-12);
    EXPECT_NEAR(M[1 * 5 + 2], hOpposite, 1e-12);
    EXPECT_NEAR(M[1 * 5 + 3], hAdjacent, 1e-12);
    EXPECT_NEAR(M[4 * 5 + 4], 0.5, 1e-12);
}

TEST(Representation, MoleculeLargerThanPadding) {
    expectMoleculeError([] { coulombMatrix(water(), 2); },
                        {"molecule water", "3 atoms", "padding size of 2"});
    Molecule same = water();
    same.R[3] = 0;
    expectMoleculeError([&] { coulombMatrix(same, 4); }, {"same place"});
}

TEST(Representation, SortedAndEigenOfWater) {
    const auto sorted = sortedCoulombMatrix(water(), 3);
    const auto plain = coulombMatrix(water(), 3);
    EXPECT_EQ(sorted, plain); // O has the largest row norm; the hydrogens tie
    const auto e = eigenspectrum(water(), 5);
    ASSERT_EQ(e.size(), 5u);
    EXPECT_NEAR(e[0] + e[1] + e[2], 73.516694719 + 1.0, 1e-8); // the trace
    double frob = 0, squares = 0;
    for (double v : plain)
        frob += v * v;
    for (double v : e)
        squares += v * v;
    EXPECT_NEAR(squares, frob, 1e-8);
    EXPECT_GE(std::fabs(e[0]), std::fabs(e[1]));
    EXPECT_GE(std::fabs(e[1]), std::fabs(e[2]));
    EXPECT_EQ(e[3], 0.0);
    EXPECT_EQ(e[4], 0.0);
}

TEST(Representation, RandomSortedIsSeededAndNoiseFreeIsSorted) {
    const auto ms =
        parseXyz("4\nenergy=0\nC 0 0 0\nO 1.2 0 0\nH -0.6 0.9 0\nH -0.6 -0.9 0.1\n", "hcho.xyz");
    EXPECT_EQ(randomSortedCoulombMatrix(ms[0], 5, 0.0, 7), sortedCoulombMatrix(ms[0], 5));
    EXPECT_EQ(randomSortedCoulombMatrix(ms[0], 5, 1.0, 7),
              randomSortedCoulombMatrix(ms[0], 5, 1.0, 7));
    bool differs = false;
    for (std::uint64_t seed = 0; seed < 50 && !differs; ++seed)
        differs = randomSortedCoulombMatrix(ms[0], 5, 5.0, seed) != sortedCoulombMatrix(ms[0], 5);
    EXPECT_TRUE(differs);
}

TEST(Representation, PortableRandomNumbers) {
    Rng rng(0);
    EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafULL); // SplitMix64's reference first value
    Rng a(1), b(1);
    double mean = 0, var = 0;
    const int n = 20000;
    for (int i = 0; i < n; ++i) {
        const double x = a.normal();
        EXPECT_EQ(x, b.normal());
        mean += x / n;
        var += x * x / n;
    }
    EXPECT_NEAR(mean, 0.0, 0.03);
    EXPECT_NEAR(var, 1.0, 0.05);
    const auto order = randomAtomOrder(10, 3);
    std::vector<int> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int> identity(10);
    std::iota(identity.begin(), identity.end(), 0);
    EXPECT_EQ(sorted, identity);
    EXPECT_EQ(order, randomAtomOrder(10, 3));
}

TEST(Representation, SortedAndEigenInvariantUnderPermutations) {
    const auto& ms = test::demoMolecules();
    ASSERT_GE(ms.size(), 3000u);
    int cmChanged = 0;
    for (std::size_t i = 0; i < ms.size(); i += 7) {
        const Molecule& m = ms[i];
        const auto sorted = sortedCoulombMatrix(m, 23);
        const auto eigen = eigenspectrum(m, 23);
        const auto cm = coulombMatrix(m, 23);
        for (std::uint64_t seed = 1; seed <= 3; ++seed) {
            const Molecule p = permuteAtoms(m, randomAtomOrder(m.atoms(), seed * 1000 + i));
            const auto pSorted = sortedCoulombMatrix(p, 23);
            const auto pEigen = eigenspectrum(p, 23);
            for (std::size_t k = 0; k < sorted.size(); ++k)
                ASSERT_NEAR(pSorted[k], sorted[k], 1e-9 * (1 + std::fabs(sorted[k])))
                    << "molecule " << m.name << " entry " << k;
            for (std::size_t k = 0; k < eigen.size(); ++k)
                ASSERT_NEAR(pEigen[k], eigen[k], 1e-9 * (1 + std::fabs(eigen[0])))
                    << "molecule " << m.name << " eigenvalue " << k;
            if (coulombMatrix(p, 23) != cm)
                ++cmChanged;
        }
    }
    EXPECT_GT(cmChanged, 2000); // the plain matrix is not invariant
}

// ---------------------------------------------------------------- qm7.mat reader

TEST(MatReader, ReadsQm7Layout) {
    QM7_SKIP_WITHOUT_SHARED("qm7-layout.mat");
    MatOptions options;
    options.readCoulomb = true;
    const MatData mat = readQm7Mat(test::sharedData("qm7-layout.mat"), options);
    ASSERT_EQ(mat.molecules.size(), 7101u);
    EXPECT_EQ(mat.paddedAtoms, 23);
    ASSERT_EQ(mat.folds.size(), 5u);
    for (const auto& fold : mat.folds)
        EXPECT_EQ(fold.size(), 1420u);
    EXPECT_EQ(mat.folds[0][0], 3168);
    EXPECT_EQ(mat.folds[4][4], 1538);
    EXPECT_EQ(mat.coulomb.size(), 7101u * 23 * 23);
    const Molecule& m0 = mat.molecules[0];
    EXPECT_EQ(m0.Z, (std::vector<int>{6, 1, 1, 1, 1}));
    EXPECT_NEAR(m0.energy, -417.031, 1e-3);
    EXPECT_NEAR(m0.R[0], 1.9684937, 1e-6);

    // The file's own Coulomb matrices equal ours, computed from its Z and R.
    for (std::size_t i = 0; i < mat.molecules.size(); i += 101) {
        const auto M = coulombMatrix(mat.molecules[i], 23);
        for (std::size_t k = 0; k < M.size(); ++k)
            ASSERT_NEAR(mat.coulomb[i * 529 + k], M[k], 2e-5 * (1 + std::fabs(M[k])))
                << "molecule " << i << " entry " << k;
    }

    // Consistent with qm7.xyz: the same molecules in the same order.
    if (!test::sharedData("qm7.xyz").empty()) {
        const auto xyz = test::sharedMolecules();
        ASSERT_EQ(xyz.size(), mat.molecules.size());
        for (std::size_t i = 0; i < xyz.size(); i += 13) {
            ASSERT_EQ(xyz[i].Z, mat.molecules[i].Z) << i;
            EXPECT_NEAR(xyz[i].energy, mat.molecules[i].energy, 1e-3 * std::fabs(xyz[i].energy));
            for (std::size_t k = 0; k < xyz[i].R.size(); ++k)
                ASSERT_NEAR(xyz[i].R[k], mat.molecules[i].R[k], 1e-5) << i;
        }
    }
}

TEST(MatReader, SmallFileRoundTrip) {
    const std::string dir = test::freshDir("mat_roundtrip");
    const auto ms = parseXyz(kTwoFrames + kTwoFrames, "four.xyz");
    for (const bool compressed : {true, false}) {
        const std::string path = dir + (compressed ? "/z.mat" : "/plain.mat");
        ASSERT_TRUE(test::writeMat(path, test::qm7Variables(ms, 5, 2), compressed));
        const MatData mat = readQm7Mat(path);
        ASSERT_EQ(mat.molecules.size(), 4u);
        EXPECT_EQ(mat.paddedAtoms, 5);
        EXPECT_EQ(mat.molecules[1].Z, (std::vector<int>{1, 17}));
        EXPECT_NEAR(mat.molecules[1].R[5], ms[1].R[5], 1e-5);
        ASSERT_EQ(mat.folds.size(), 2u);
        EXPECT_EQ(mat.folds[1], (std::vector<int>{2, 3}));
    }
}

TEST(MatReader, MissingFileAndNotAMatFile) {
    expectMoleculeError([] { readQm7Mat("/nonexistent/qm7.mat"); },
                        {"/nonexistent/qm7.mat", "cannot open"});
    const std::string dir = test::freshDir("mat_bad");
    writeText(dir + "/text.mat", "this is not a MATLAB file, just some text\n");
    expectMoleculeError([&] { readQm7Mat(dir + "/text.mat"); }, {"text.mat", "not a MATLAB"});
    writeText(dir + "/empty.mat", "");
    expectMoleculeError([&] { readQm7Mat(dir + "/empty.mat"); }, {"empty.mat"});
}

TEST(MatReader, MissingVariable) {
    const std::string dir = test::freshDir("mat_missing");
    const auto ms = parseXyz(kTwoFrames, "two.xyz");
    auto vars = test::qm7Variables(ms, 3, 0);
    vars.erase(vars.begin() + 2); // no R
    ASSERT_TRUE(test::writeMat(dir + "/noR.mat", vars));
    expectMoleculeError([&] { readQm7Mat(dir + "/noR.mat"); },
                        {"noR.mat", "no variable R", "T, Z"});
}

TEST(MatReader, WronglyShapedVariables) {
    const std::string dir = test::freshDir("mat_shape");
    const auto ms = parseXyz(kTwoFrames, "two.xyz");
    {
        auto vars = test::qm7Variables(ms, 3, 0);
        vars[2].dims = {2, 3, 2}; // R with 2 components
        vars[2].values.resize(12);
        ASSERT_TRUE(test::writeMat(dir + "/r.mat", vars));
        expectMoleculeError([&] { readQm7Mat(dir + "/r.mat"); },
                            {"r.mat", "variable R has shape 2x3x2", "2x3x3"});
    }
    {
        auto vars = test::qm7Variables(ms, 3, 0);
        vars[1].dims = {3, 2}; // Z with 3 rows for 2 energies
        ASSERT_TRUE(test::writeMat(dir + "/z.mat", vars));
        expectMoleculeError([&] { readQm7Mat(dir + "/z.mat"); }, {"z.mat", "Z has 3 rows"});
    }
    {
        auto vars = test::qm7Variables(ms, 3, 0);
        vars[0].dims = {2, 1, 1, 2}; // T of rank 4
        vars[0].values.resize(4);
        ASSERT_TRUE(test::writeMat(dir + "/t.mat", vars));
        expectMoleculeError([&] { readQm7Mat(dir + "/t.mat"); }, {"t.mat", "variable T"});
    }
    {
        auto vars = test::qm7Variables(ms, 3, 0);
        vars[1].values[0] = 2.5; // not a nuclear charge
        ASSERT_TRUE(test::writeMat(dir + "/charge.mat", vars));
        expectMoleculeError([&] { readQm7Mat(dir + "/charge.mat"); },
                            {"charge.mat", "molecule 1", "nuclear charge"});
    }
    {
        auto vars = test::qm7Variables(ms, 3, 2);
        vars[3].values[1] = 99; // a fold index outside the molecules
        ASSERT_TRUE(test::writeMat(dir + "/p.mat", vars));
        expectMoleculeError([&] { readQm7Mat(dir + "/p.mat"); }, {"p.mat", "fold 2", "99"});
    }
    {
        auto vars = test::qm7Variables(ms, 3, 0);
        for (int c = 0; c < 3; ++c) // molecule 2: both atoms at the origin
            vars[2].values[1 + 2 * 3 * c] = vars[2].values[1 + 2 * 3 * c + 2] = 0;
        ASSERT_TRUE(test::writeMat(dir + "/same.mat", vars));
        expectMoleculeError([&] { readQm7Mat(dir + "/same.mat"); },
                            {"same.mat", "molecule 2", "same place"});
    }
}

TEST(MatReader, TruncatedFile) {
    QM7_SKIP_WITHOUT_SHARED("qm7-layout.mat");
    const std::string bytes = readFile(test::sharedData("qm7-layout.mat"));
    const std::string dir = test::freshDir("mat_truncated");
    for (const double fraction : {0.001, 0.3, 0.7, 0.999}) {
        const std::string path = dir + "/cut.mat";
        writeText(path, bytes.substr(0, static_cast<std::size_t>(bytes.size() * fraction)));
        expectMoleculeError([&] { readQm7Mat(path); }, {"cut.mat"});
    }
}

// ---------------------------------------------------------------- fuzzing the readers
// Fuzzing of the XYZ and qm7.mat readers: every mutated or truncated input ends in a
// MoleculeError or a valid result, never a crash (run it under AddressSanitizer too).
namespace fuzz {

namespace {

/// The first frames of qm7.xyz (the bundled demo data, MIT license).
const std::string kSnippet = "5\n"
                             "name=0001 energy=-417.031 energy_dftb=-431.787271961\n"
                             "C 1.041682 -0.056200 -0.071481\n"
                             "H 2.130894 -0.056202 -0.071496\n"
                             "H 0.678598 0.174941 -1.072044\n"
                             "H 0.678613 0.694746 0.628980\n"
                             "H 0.678614 -1.038285 0.228641\n"
                             "6\n"
                             "name=0003 energy=-563.084 energy_dftb=-573.10424863\n"
                             "C 0.936129 0.030833 -0.074330\n"
                             "C 2.259141 0.030833 -0.074330\n"
                             "H 0.366617 0.952941 -0.118252\n"
                             "H 0.366617 -0.891275 -0.030418\n"
                             "H 2.828653 0.952941 -0.118252\n"
                             "H 2.828653 -0.891275 -0.030418\n"
                             "4\n"
                             "name=0004 energy=-403.695 energy_dftb=-412.90228872\n"
                             "C 0.899231 -0.022600 0.004100\n"
                             "C 2.096269 -0.022600 0.004100\n"
                             "H -0.165550 -0.022600 0.004100\n"
                             "H 3.161050 -0.022600 0.004100\n";

/// A small deterministic generator for the mutations.
class Mutator {
  public:
    explicit Mutator(std::uint64_t seed) : m_rng(seed) {}
    std::size_t below(std::size_t n) {
        return n == 0 ? 0 : static_cast<std::size_t>(m_rng.below(n));
    }

    /// One to four random edits: byte changes, interesting characters, cuts, deletions,
    /// duplications; biased towards the first headerBias bytes when given.
    std::string mutate(std::string s, std::size_t headerBias = 0) {
        const std::size_t edits = 1 + below(4);
        static const std::string interesting = "\n \t-+.eE0123456789=\"'\r\0xHCOS";
        for (std::size_t e = 0; e < edits && !s.empty(); ++e) {
            const std::size_t span =
                (headerBias && below(2) == 0) ? std::min(headerBias, s.size()) : s.size();
            const std::size_t at = below(span);
            switch (below(7)) {
            case 0:
                s[at] = static_cast<char>(below(256));
                break;
            case 1:
                s[at] = interesting[below(interesting.size())];
                break;
            case 2:
                s.resize(at);
                break; // truncation
            case 3:
                s.erase(at, 1 + below(std::min<std::size_t>(64, s.size() - at)));
                break;
            case 4: {
                const std::size_t len = 1 + below(std::min<std::size_t>(64, s.size() - at));
                s.insert(below(s.size()), s.substr(at, len));
                break;
            }
            case 5:
                s[at] = static_cast<char>(s[at] ^ (1 << below(8)));
                break;
            default:
                s.insert(at, 1, interesting[below(interesting.size())]);
                break;
            }
        }
        return s;
    }

  private:
    Rng m_rng;
};

/// A read that succeeded must hold sane molecules.
void checkMolecules(const std::vector<Molecule>& molecules) {
    for (const Molecule& m : molecules) {
        ASSERT_GE(m.atoms(), 1);
        ASSERT_EQ(m.R.size(), 3 * m.Z.size());
        for (int z : m.Z)
            ASSERT_TRUE(z >= 1 && z <= 118);
        for (double x : m.R)
            ASSERT_TRUE(std::isfinite(x));
        ASSERT_TRUE(std::isfinite(m.energy));
        try {
            RepresentationOptions options;
            for (const Representation r : allRepresentations()) {
                options.kind = r;
                const auto f = features(m, options, 1);
                for (double v : f)
                    ASSERT_TRUE(std::isfinite(v));
            }
        } catch (const MoleculeError&) {
            // a molecule larger than 23 atoms: a clear error is a valid end
        }
    }
}

void writeBytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

} // namespace

TEST(MoleculeFuzz, XyzMutations) {
    Mutator mutator(20240501);
    int errors = 0, valid = 0;
    for (int i = 0; i < 3000; ++i) {
        const std::string text = mutator.mutate(kSnippet);
        try {
            const auto molecules = parseXyz(text, "fuzz.xyz");
            checkMolecules(molecules);
            ++valid;
        } catch (const MoleculeError& e) {
            ASSERT_NE(std::string(e.what()).find("fuzz.xyz"), std::string::npos) << e.what();
            ++errors;
        }
    }
    EXPECT_GT(errors, 1000);
    EXPECT_GT(valid, 10);
}

TEST(MoleculeFuzz, GzipXyzMutations) {
    const std::string dir = test::freshDir("fuzz_gzip");
    const std::string plain = dir + "/snippet.xyz";
    writeBytes(plain, kSnippet);
    // Compress with zlib's gz writer, then mutate the compressed bytes.
    const std::string gz = dir + "/snippet.xyz.gz";
    {
        gzFile f = gzopen(gz.c_str(), "wb9");
        ASSERT_NE(f, nullptr);
        gzwrite(f, kSnippet.data(), static_cast<unsigned>(kSnippet.size()));
        gzclose(f);
    }
    const std::string bytes = readFile(gz);
    Mutator mutator(7);
    for (int i = 0; i < 1000; ++i) {
        const std::string path = dir + "/m.xyz.gz";
        writeBytes(path, mutator.mutate(bytes, 24));
        try {
            checkMolecules(readXyz(path));
        } catch (const MoleculeError& e) {
            ASSERT_NE(std::string(e.what()).find("m.xyz.gz"), std::string::npos) << e.what();
        }
    }
}

TEST(MoleculeFuzz, MatMutations) {
    // A qm7.mat in the official layout: the first molecules of qm7-layout.mat when it is
    // there, else the snippet's.
    std::vector<Molecule> molecules;
    if (!test::sharedData("qm7-layout.mat").empty()) {
        auto all = readQm7Mat(test::sharedData("qm7-layout.mat")).molecules;
        molecules.assign(all.begin(), all.begin() + 60);
    } else {
        molecules = parseXyz(kSnippet, "snippet.xyz");
    }
    const std::string dir = test::freshDir("fuzz_mat");
    Mutator mutator(99);
    int errors = 0, valid = 0;
    for (const bool compressed : {true, false}) {
        const std::string original = dir + (compressed ? "/z.mat" : "/plain.mat");
        ASSERT_TRUE(test::writeMat(original, test::qm7Variables(molecules, 23, 5), compressed));
        const std::string bytes = readFile(original);
        for (int i = 0; i < 750; ++i) {
            const std::string path = dir + "/m.mat";
            writeBytes(path, mutator.mutate(bytes, 400));
            try {
                const MatData mat = readQm7Mat(path);
                checkMolecules(mat.molecules);
                for (const auto& fold : mat.folds)
                    for (int k : fold)
                        ASSERT_TRUE(k >= 0 && k < static_cast<int>(mat.molecules.size()));
                ++valid;
            } catch (const MoleculeError& e) {
                ASSERT_NE(std::string(e.what()).find("m.mat"), std::string::npos) << e.what();
                ++errors;
            }
        }
    }
    EXPECT_GT(errors, 500);
    std::cout << "mat fuzz: " << errors << " errors, " << valid << " valid reads\n";
}

TEST(MoleculeFuzz, TruncatedSharedMat) {
    QM7_SKIP_WITHOUT_SHARED("qm7-layout.mat");
    const std::string bytes = readFile(test::sharedData("qm7-layout.mat"));
    const std::string dir = test::freshDir("fuzz_mat_cut");
    Mutator mutator(5);
    for (int i = 0; i < 25; ++i) {
        const std::string path = dir + "/cut.mat";
        writeBytes(path, bytes.substr(0, mutator.below(bytes.size())));
        EXPECT_THROW(readQm7Mat(path), MoleculeError);
    }
}

} // namespace fuzz
