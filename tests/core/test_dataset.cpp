// The dataset.pt loader: real files written by Python, every kind of bad file, and a fuzz pass.
#include "qm7/util/atomic_file.h"
#include "qm7/io/dataset.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include <unistd.h>

using namespace qm7;
namespace fs = std::filesystem;

namespace {

/// The folder of Python-written fixtures, made once per test binary.
const std::string& fixtureDir() {
    static const std::string dir = [] {
        // One folder per process: ctest runs test processes side by side.
        const std::string d = test::freshDir("datasets-" + std::to_string(::getpid()));
        std::string out;
        if (test::runPython("make_datasets.py", {d}, &out) != 0)
            ADD_FAILURE() << "make_datasets.py failed: " << out;
        return d;
    }();
    return dir;
}

std::string fixture(const std::string& name) {
    return fixtureDir() + "/" + name + ".pt";
}

/// The message of the DatasetError that loading path throws ("" when it loads).
std::string loadError(const std::string& path) {
    try {
        loadDataset(path);
    } catch (const DatasetError& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST(DatasetLoad, ReadsPythonFloat32File) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const Dataset data = loadDataset(fixture("good"));
    EXPECT_EQ(data.d, 276);
    EXPECT_EQ(data.atoms, 23);
    EXPECT_EQ(data.train.rows(), 60u);
    EXPECT_EQ(data.val.rows(), 20u);
    EXPECT_EQ(data.test.rows(), 30u);
    EXPECT_EQ(data.train.X.size(), 60u * 276u);
    EXPECT_EQ(data.sourceDtype, "float32");
    for (float v : data.train.X) {
        ASSERT_GE(v, 0.0f);
        ASSERT_LT(v, 1.0f);
    }
}

TEST(DatasetLoad, AcceptsFloat64ColumnLabelsAndViews) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const Dataset f64 = loadDataset(fixture("float64"));
    EXPECT_EQ(f64.sourceDtype, "float64");
    EXPECT_EQ(f64.test.rows(), 30u);
    const Dataset col = loadDataset(fixture("y_column"));
    EXPECT_EQ(col.train.y.size(), 60u);
    // Slices of one storage must come out as their own rows, not the storage's start.
    const Dataset views = loadDataset(fixture("views"));
    EXPECT_EQ(views.val.rows(), 20u);
    EXPECT_NE(views.val.X[0], views.train.X[0]);
    const Dataset small = loadDataset(fixture("small_d"));
    EXPECT_EQ(small.d, 6);
    EXPECT_EQ(small.atoms, 3);
}

TEST(DatasetLoad, ReadsTheRealCourseFile) {
    QM7_SKIP_WITHOUT_SHARED("dataset.pt");
    const Dataset data = loadDataset(test::sharedData("dataset.pt"));
    EXPECT_EQ(data.train.rows(), 1500u);
    EXPECT_EQ(data.val.rows(), 500u);
    EXPECT_EQ(data.test.rows(), 1000u);
    EXPECT_EQ(data.d, 276);
    const LabelStats s = labelStats(data.train.y);
    // The README: QM7 energies have mean about -1536 and std about 223 kcal/mol.
    EXPECT_NEAR(s.mean, -1536.0, 30.0);
    EXPECT_NEAR(s.std, 223.0, 20.0);
    EXPECT_LE(*std::max_element(data.train.X.begin(), data.train.X.end()), 1.0f + 1e-6f);
}

struct BadFile {
    const char* name;
    const char* expected; ///< a fragment the message must contain
};

void PrintTo(const BadFile& b, std::ostream* os) {
    *os << b.name;
}

class DatasetBadFile : public ::testing::TestWithParam<BadFile> {};

TEST_P(DatasetBadFile, GivesOneClearMessage) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const std::string path = fixture(GetParam().name);
    const std::string message = loadError(path);
    ASSERT_FALSE(message.empty()) << GetParam().name << " loaded but should not";
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(GetParam().expected), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    AllCases, DatasetBadFile,
    ::testing::Values(BadFile{"legacy", "torch.save(torch.load("},
                      BadFile{"not_a_dict", "not a dict"}, BadFile{"missing_key", "'y_val'"},
                      BadFile{"row_mismatch", "rows"}, BadFile{"d_mismatch", "same d"},
                      BadFile{"nan", "non-finite"}, BadFile{"inf", "non-finite"},
                      BadFile{"empty_split", "empty"}, BadFile{"not_triangular", "N(N+1)/2"},
                      BadFile{"string_value", "not a tensor"},
                      BadFile{"y_wrong_shape", "expected (n,) or (n, 1)"},
                      BadFile{"text", "not a PyTorch file"}, BadFile{"empty", "empty"}),
    [](const auto& param) { return std::string(param.param.name); });

TEST(DatasetLoad, MissingFileIsNamed) {
    const std::string message = loadError("/nonexistent/dataset.pt");
    EXPECT_NE(message.find("/nonexistent/dataset.pt"), std::string::npos);
    EXPECT_NE(message.find("not found"), std::string::npos);
}

TEST(DatasetLoad, TruncatedFileIsReported) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const std::string bytes = readFile(fixture("good"));
    const std::string path = test::freshDir("truncated") + "/cut.pt";
    writeFileAtomically(path, bytes.substr(0, bytes.size() / 2));
    EXPECT_NE(loadError(path).find("truncated"), std::string::npos) << loadError(path);
}

TEST(DatasetLoad, FlippedByteFailsTheCrc) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    std::string bytes = readFile(fixture("good"));
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5A);
    const std::string path = test::freshDir("flipped") + "/flip.pt";
    writeFileAtomically(path, bytes);
    EXPECT_NE(loadError(path).find("CRC32"), std::string::npos) << loadError(path);
}

// Random corruption and truncation of real files: each copy must load or fail cleanly
// (the CI runs this under AddressSanitizer too).
TEST(DatasetFuzz, ThousandCorruptedCopiesNeverCrash) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const std::vector<std::string> originals = {
        readFile(fixture("good")), readFile(fixture("small_d")), readFile(test::demoDatasetPt())};
    std::mt19937 rng(1234);
    const std::string dir = test::freshDir("fuzz");
    int untouchedLoaded = 0, rejected = 0;
    for (int i = 0; i < 1200; ++i) {
        std::string bytes = originals[static_cast<std::size_t>(i) % originals.size()];
        const int kind = i % 5;
        if (kind == 0) {
            bytes.resize(std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(rng));
        } else if (kind < 4) {
            const int flips = kind == 1 ? 1 : (kind == 2 ? 8 : 64);
            for (int f = 0; f < flips; ++f) {
                // Half the flips land in the last 4 KB, where the zip directory lives.
                const std::size_t span =
                    (f % 2) ? std::min<std::size_t>(4096, bytes.size()) : bytes.size();
                const std::size_t at =
                    bytes.size() - 1 - std::uniform_int_distribution<std::size_t>(0, span - 1)(rng);
                bytes[at] = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
            }
        } // kind 4: an untouched copy, which must load
        const std::string path = dir + "/copy" + std::to_string(kind) + ".pt";
        writeFileAtomically(path, bytes);
        try {
            const Dataset d = loadDataset(path);
            // Whatever loads is a usable data set.
            EXPECT_NO_THROW(validateDataset(d, path));
            EXPECT_EQ(d.train.X.size(), d.train.rows() * static_cast<std::size_t>(d.d));
            if (kind == 4)
                ++untouchedLoaded;
        } catch (const DatasetError& e) {
            // Every rejection names the file.
            EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
            EXPECT_NE(kind, 4) << "an untouched copy was rejected: " << e.what();
            ++rejected;
        } catch (const std::exception& e) {
            ADD_FAILURE() << "not a DatasetError: " << e.what();
        }
    }
    EXPECT_EQ(untouchedLoaded, 240);
    EXPECT_GT(rejected, 700); // nearly every corruption is caught
}

TEST(DatasetSave, RoundTripsAndLoadsInPython) {
    QM7_SKIP_WITHOUT_PYTHON_TORCH();
    const Dataset data = loadDataset(fixture("float64"));
    const std::string path = test::freshDir("save") + "/again.pt";
    saveDataset(data, path);
    const Dataset back = loadDataset(path);
    EXPECT_EQ(back.train.X, data.train.X);
    EXPECT_EQ(back.test.y, data.test.y);
    std::string out;
    const int rc = test::runCommand(std::string(QM7_PYTHON) +
                                        " -c \"import torch,sys; d=torch.load(sys.argv[1]); "
                                        "print(tuple(d['X_train'].shape), d['y_test'].dtype)\" " +
                                        path,
                                    &out);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("(60, 276) torch.float32"), std::string::npos) << out;
}

TEST(LabelScaler, NormalizesWithTrainMeanAndStd) {
    const std::vector<float> y = {1.0f, 2.0f, 3.0f, 4.0f};
    const LabelScaler s = LabelScaler::fit(y);
    EXPECT_DOUBLE_EQ(s.mean, 2.5);
    EXPECT_NEAR(s.std, std::sqrt(1.25), 1e-12);
    const std::vector<float> n = s.normalize(y);
    EXPECT_NEAR(n[0], -1.5 / std::sqrt(1.25), 1e-6);
    const std::vector<float> back = s.unnormalize(n);
    for (std::size_t i = 0; i < y.size(); ++i)
        EXPECT_NEAR(back[i], y[i], 1e-6);
    // Constant labels cannot be scaled to unit variance; the scale stays 1.
    EXPECT_DOUBLE_EQ(LabelScaler::fit({5.0f, 5.0f}).std, 1.0);
}

TEST(Dataset, TriangularAtoms) {
    EXPECT_EQ(triangularAtoms(276), 23);
    EXPECT_EQ(triangularAtoms(1), 1);
    EXPECT_EQ(triangularAtoms(6), 3);
    EXPECT_EQ(triangularAtoms(7), -1);
    EXPECT_EQ(triangularAtoms(0), -1);
}
