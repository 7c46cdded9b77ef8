// Fuzzing of the XYZ and qm7.mat readers: every mutated or truncated input ends in a
// MoleculeError or a valid result, never a crash (run it under AddressSanitizer too).
#include "mat_test_writer.h"
#include "test_support.h"

#include "qm7/util/atomic_file.h"
#include "qm7/chem/mat_reader.h"
#include "qm7/chem/representation.h"
#include "qm7/chem/xyz_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <fstream>

using namespace qm7;

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
