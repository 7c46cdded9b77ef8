// One training request (qm7/analysis/train_request.h), representations rebuilt from a
// dataset.pt's rows (qm7/chem/dataset_representation.h), and the deep trainer's thread count.
#include "qm7/analysis/train_request.h"
#include "qm7/chem/augmentation.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/chem/dataset_representation.h"
#include "qm7/train/run_store.h"
#include "qm7/util/atomic_file.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <numeric>

namespace fs = std::filesystem;

namespace {

/// Eigenvalues of a symmetric n x n matrix by cyclic Jacobi rotations (test-only reference).
std::vector<double> jacobiEigenvalues(std::vector<double> a, int n) {
    for (int sweep = 0; sweep < 100; ++sweep) {
        double off = 0;
        for (int p = 0; p < n; ++p)
            for (int q = p + 1; q < n; ++q)
                off += a[p * n + q] * a[p * n + q];
        if (off < 1e-22)
            break;
        for (int p = 0; p < n; ++p)
            for (int q = p + 1; q < n; ++q) {
                if (a[p * n + q] == 0.0)
                    continue;
                const double theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q]);
                const double t =
                    (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
                const double c = 1 / std::sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < n; ++k) { // columns p, q
                    const double akp = a[k * n + p], akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; ++k) { // rows p, q
                    const double apk = a[p * n + k], aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
            }
    }
    std::vector<double> v(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        v[static_cast<std::size_t>(i)] = a[i * n + i];
    std::sort(v.begin(), v.end(), [](double x, double y) {
        return std::fabs(x) != std::fabs(y) ? std::fabs(x) > std::fabs(y) : x > y;
    });
    return v;
}

/// The eigenspectrum of a row by hand: the atoms' block (nonzero diagonal), zero-padded.
std::vector<double> handEigen(const float* row, int n) {
    std::vector<int> atoms;
    std::size_t k = 0;
    std::vector<double> full(static_cast<std::size_t>(n) * n);
    for (int i = 0; i < n; ++i)
        for (int j = i; j < n; ++j, ++k)
            full[i * n + j] = full[j * n + i] = row[k];
    for (int i = 0; i < n; ++i)
        if (full[i * n + i] != 0)
            atoms.push_back(i);
    const int m = static_cast<int>(atoms.size());
    std::vector<double> block(static_cast<std::size_t>(m) * m);
    for (int a = 0; a < m; ++a)
        for (int b = 0; b < m; ++b)
            block[a * m + b] = full[atoms[a] * n + atoms[b]];
    std::vector<double> v = jacobiEigenvalues(block, m);
    v.resize(static_cast<std::size_t>(n), 0.0);
    return v;
}

/// The sorted upper triangle of a row by hand: descending row norm.
std::vector<double> handSorted(const float* row, int n) {
    std::vector<double> full(static_cast<std::size_t>(n) * n);
    std::size_t k = 0;
    for (int i = 0; i < n; ++i)
        for (int j = i; j < n; ++j, ++k)
            full[i * n + j] = full[j * n + i] = row[k];
    std::vector<double> norm(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            norm[i] += full[i * n + j] * full[i * n + j];
    std::vector<int> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return norm[a] > norm[b]; });
    std::vector<double> out;
    for (int i = 0; i < n; ++i)
        for (int j = i; j < n; ++j)
            out.push_back(full[order[i] * n + order[j]]);
    return out;
}

qm7::TrainConfig quick(std::uint64_t seed = 0) {
    qm7::TrainConfig c;
    c.hidden = 16;
    c.epochs = 2;
    c.evalEvery = 1;
    c.seed = seed;
    return c;
}

double processCpuSeconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

struct LastProgress : qm7::TrainObserver {
    qm7::Progress last;
    void onProgress(const qm7::Progress& p) override { last = p; }
};

std::string configText(const std::string& dir) {
    return qm7::readFile((fs::path(dir) / "config.json").string());
}

} // namespace

// The course's dataset.pt (written by Python's torch.save): eigenspectra and sorted matrices
// rebuilt from its rows equal those computed by hand from each row's matrix.
TEST(DatasetRepresentation, TheCourseFileGivesEigenspectraAndSortedMatricesByHand) {
    QM7_SKIP_WITHOUT_SHARED("dataset.pt");
    const qm7::Dataset cm = qm7::loadDataset(qm7::test::sharedData("dataset.pt"));
    ASSERT_EQ(cm.d, 276);
    EXPECT_EQ(qm7::representationRefusal(cm, qm7::Representation::Eigenspectrum), "");
    const qm7::Dataset eigen = qm7::representDataset(cm, qm7::Representation::Eigenspectrum);
    EXPECT_EQ(eigen.d, 23);
    EXPECT_EQ(eigen.representation, "eigen");
    ASSERT_EQ(eigen.train.X.size(), cm.train.rows() * 23);
    ASSERT_EQ(eigen.test.X.size(), cm.test.rows() * 23);
    EXPECT_EQ(eigen.test.y, cm.test.y);
    // The file's rows are scaled to a largest training entry of 1: so are the eigenspectra.
    double largest = 0;
    for (std::size_t r = 0; r < cm.train.rows(); ++r) {
        const auto v = handEigen(cm.train.X.data() + r * 276, 23);
        for (double x : v)
            largest = std::max(largest, std::fabs(x));
    }
    for (std::size_t r : {0u, 1u, 17u, 500u, 999u}) {
        const auto v = handEigen(cm.test.X.data() + r * 276, 23);
        for (int k = 0; k < 23; ++k)
            EXPECT_NEAR(eigen.test.X[r * 23 + k], v[k] / largest, 2e-6) << "row " << r << " " << k;
    }
    const qm7::Dataset sorted = qm7::representDataset(cm, qm7::Representation::Sorted);
    EXPECT_EQ(sorted.d, 276);
    EXPECT_EQ(sorted.representation, "sorted");
    for (std::size_t r : {0u, 3u, 250u, 499u}) {
        const auto v = handSorted(cm.val.X.data() + r * 276, 23);
        for (int k = 0; k < 276; ++k)
            ASSERT_NEAR(sorted.val.X[r * 276 + k], v[k], 1e-7) << "row " << r << " " << k;
    }
    // Sorting is the identity on sorted rows; the eigenspectrum of sorted rows is the same.
    const qm7::Dataset twice = qm7::representDataset(sorted, qm7::Representation::Sorted);
    EXPECT_EQ(twice.train.X, sorted.train.X);
    const qm7::Dataset eigenOfSorted =
        qm7::representDataset(sorted, qm7::Representation::Eigenspectrum);
    EXPECT_LT(qm7::test::maxAbsDiff(eigenOfSorted.test.X, eigen.test.X), 2e-6);
}

// A dataset.pt of Coulomb matrices built from molecules, written and read back: its sorted and
// eigenspectrum rows equal the ones the builder computes from the same molecules.
TEST(DatasetRepresentation, RowsEqualThoseBuiltFromTheMolecules) {
    const auto& all = qm7::test::demoMolecules();
    if (all.size() < 400)
        GTEST_SKIP() << "the demo molecules are absent";
    const std::vector<qm7::Molecule> molecules(all.begin(), all.begin() + 400);
    qm7::BuildOptions build;
    build.split = qm7::parseSplit("250,75,75");
    const qm7::Dataset cm = qm7::buildDataset(molecules, build);
    const std::string path = qm7::test::freshDir("represent_built") + "/dataset.pt";
    qm7::saveDataset(cm, path);
    const qm7::Dataset loaded = qm7::loadDataset(path);
    for (qm7::Representation kind :
         {qm7::Representation::Sorted, qm7::Representation::Eigenspectrum}) {
        build.representation.kind = kind;
        const qm7::Dataset want = qm7::buildDataset(molecules, build);
        const qm7::Dataset got = qm7::representDataset(loaded, kind);
        ASSERT_EQ(got.d, want.d);
        EXPECT_EQ(got.representation, want.representation);
        if (kind == qm7::Representation::Eigenspectrum) {
            EXPECT_LT(qm7::test::maxAbsDiff(got.train.X, want.train.X), 1e-5);
            EXPECT_LT(qm7::test::maxAbsDiff(got.test.X, want.test.X), 1e-5);
        } else {
            // Two atoms whose row norms differ by less than float precision (hydrogens of a
            // nearly symmetric group) can come in either order from the file's float32 rows:
            // such a row must show the same diagonal and row norms, in the same order.
            const std::size_t d = 276;
            int exact = 0, nearTies = 0;
            for (std::size_t r = 0; r < got.train.rows(); ++r) {
                const std::vector<float> a(got.train.X.begin() + r * d,
                                           got.train.X.begin() + (r + 1) * d);
                const std::vector<float> b(want.train.X.begin() + r * d,
                                           want.train.X.begin() + (r + 1) * d);
                if (qm7::test::maxAbsDiff(a, b) <= 1e-5) {
                    ++exact;
                    continue;
                }
                ++nearTies;
                const auto ma = qm7::matrixFromUpperTriangle(a.data(), 276);
                const auto mb = qm7::matrixFromUpperTriangle(b.data(), 276);
                for (int i = 0; i < 23; ++i) {
                    double na = 0, nb = 0;
                    for (int j = 0; j < 23; ++j) {
                        na += ma[i * 23 + j] * ma[i * 23 + j];
                        nb += mb[i * 23 + j] * mb[i * 23 + j];
                    }
                    EXPECT_NEAR(ma[i * 23 + i], mb[i * 23 + i], 1e-6) << "row " << r;
                    EXPECT_NEAR(std::sqrt(na), std::sqrt(nb), 1e-6 * std::sqrt(nb) + 1e-7)
                        << "row " << r << " atom " << i;
                }
            }
            std::cout << exact << " rows equal, " << nearTies << " differ by near-ties\n";
            EXPECT_GE(exact, static_cast<int>(0.9 * got.train.rows()));
        }
        EXPECT_EQ(got.val.y, want.val.y);
    }
}

// Randomly sorted matrices from a dataset.pt's rows: the scale and the nuclear charges come
// back from the diagonal, and the draws equal those made from the same molecules.
TEST(DatasetRepresentation, RandomlySortedDrawsEqualThoseOfTheMolecules) {
    const auto& all = qm7::test::demoMolecules();
    if (all.size() < 400)
        GTEST_SKIP() << "the demo molecules are absent";
    const std::vector<qm7::Molecule> molecules(all.begin(), all.begin() + 400);
    qm7::BuildOptions build;
    build.split = qm7::parseSplit("250,75,75");
    const qm7::BuildResult built = qm7::buildDatasetDetailed(molecules, build);
    const std::string path = qm7::test::freshDir("represent_random") + "/dataset.pt";
    qm7::saveDataset(built.data, path);
    const qm7::Dataset loaded = qm7::loadDataset(path);
    EXPECT_NEAR(qm7::coulombScaleOf(loaded), built.scale, 1e-4 * built.scale);
    const qm7::RepresentedData random =
        qm7::representData(loaded, qm7::Representation::RandomSorted);
    ASSERT_TRUE(random.augmentation);
    EXPECT_EQ(random.data.representation, "random-sorted");
    EXPECT_EQ(random.data.d, 276);
    EXPECT_EQ(random.data.train.y, loaded.train.y);
    const qm7::RandomSortedAugmentation fromMolecules(built);
    for (std::uint64_t seed : {0u, 5u}) {
        std::vector<float> a, b;
        random.augmentation->draw(qm7::SplitKind::Train, seed, a);
        fromMolecules.draw(qm7::SplitKind::Train, seed, b);
        ASSERT_EQ(a.size(), b.size());
        int equal = 0;
        for (std::size_t r = 0; r < 250; ++r) {
            const std::vector<float> ra(a.begin() + r * 276, a.begin() + (r + 1) * 276);
            const std::vector<float> rb(b.begin() + r * 276, b.begin() + (r + 1) * 276);
            equal += qm7::test::maxAbsDiff(ra, rb) <= 1e-5;
        }
        EXPECT_GE(equal, 247) << "seed " << seed; // near-ties of noisy norms may swap
    }
    // Two draws differ (they are drawn afresh).
    std::vector<float> x, y;
    random.augmentation->draw(qm7::SplitKind::Val, 1, x);
    random.augmentation->draw(qm7::SplitKind::Val, 2, y);
    EXPECT_GT(qm7::test::maxAbsDiff(x, y), 1e-3);
    // Rows that are not Coulomb matrices in atomic units times one scale: refused.
    qm7::Dataset noise = loaded;
    for (float& v : noise.train.X)
        v = v > 0 ? v * 1.01f + 0.001f : v;
    const std::string why = qm7::representationRefusal(noise, qm7::Representation::RandomSorted);
    EXPECT_NE(why.find("nuclear charges"), std::string::npos) << why;
    EXPECT_THROW(qm7::representData(noise, qm7::Representation::RandomSorted), qm7::DatasetError);
}

TEST(DatasetRepresentation, TheCourseFileScaleIsTheSulfurDiagonal) {
    QM7_SKIP_WITHOUT_SHARED("dataset.pt");
    const qm7::Dataset cm = qm7::loadDataset(qm7::test::sharedData("dataset.pt"));
    EXPECT_NEAR(qm7::coulombScaleOf(cm), 0.5 * std::pow(16.0, 2.4), 1e-3); // 388.02
}

TEST(DatasetRepresentation, RefusesRowsThatAreNotCoulombMatricesWithTheReason) {
    qm7::Dataset odd;
    odd.d = 7; // not n(n+1)/2
    odd.train.X.assign(14, 0.5f);
    odd.train.y = {1, 2};
    const std::string why = qm7::representationRefusal(odd, qm7::Representation::Sorted);
    EXPECT_NE(why.find("d = 7"), std::string::npos) << why;
    EXPECT_NE(why.find("not the upper triangle"), std::string::npos) << why;
    EXPECT_THROW(qm7::representDataset(odd, qm7::Representation::Eigenspectrum), qm7::DatasetError);
    EXPECT_THROW(qm7::matrixFromUpperTriangle(odd.train.X.data(), 7), qm7::DatasetError);
    // The plain matrix is always there.
    EXPECT_EQ(qm7::representationRefusal(odd, qm7::Representation::CoulombMatrix), "");

    qm7::Dataset standardized; // n = 2: d = 3, a negative entry
    standardized.d = 3;
    standardized.train.X = {1.0f, -0.2f, 0.5f};
    standardized.train.y = {1};
    EXPECT_NE(
        qm7::representationRefusal(standardized, qm7::Representation::Sorted).find("negative"),
        std::string::npos);
    standardized.train.X = {0.0f, 0.2f, 0.5f}; // padding with a nonzero entry
    EXPECT_NE(qm7::representationRefusal(standardized, qm7::Representation::Sorted).find("padding"),
              std::string::npos);
    standardized.train.X = {1.0f, 0.2f, 0.5f};
    EXPECT_EQ(qm7::representationRefusal(standardized, qm7::Representation::Sorted), "");
    EXPECT_NE(qm7::representationRefusal(standardized, qm7::Representation::RandomSorted)
                  .find("molecules"),
              std::string::npos);
    standardized.representation = "eigen";
    EXPECT_NE(qm7::representationRefusal(standardized, qm7::Representation::Sorted)
                  .find("cannot be rebuilt"),
              std::string::npos);
}

TEST(TrainRequest, ValidateSaysWhatIsWrong) {
    auto data = std::make_shared<const qm7::Dataset>(qm7::test::demoDataset());
    qm7::TrainRequest r;
    EXPECT_NE(r.validate().find("no data set"), std::string::npos);
    auto empty = std::make_shared<qm7::Dataset>();
    r.data = empty;
    EXPECT_NE(r.validate().find("no training rows"), std::string::npos);
    r.data = data;
    EXPECT_NE(r.validate().find("no runs"), std::string::npos);
    r.configs = {quick()};
    EXPECT_EQ(r.validate(), "");
    auto bad = [&](auto change, const std::string& expect) {
        qm7::TrainRequest b = r;
        change(b);
        const std::string why = b.validate();
        EXPECT_NE(why.find(expect), std::string::npos) << expect << ": " << why;
        EXPECT_THROW(qm7::train(b), std::invalid_argument) << expect;
    };
    bad([](qm7::TrainRequest& b) { b.configs[0].lr = 0; }, "learning rate");
    bad([](qm7::TrainRequest& b) { b.configs[0].lr = -1e-3; }, "learning rate");
    bad([](qm7::TrainRequest& b) { b.configs[0].lr = std::nan(""); }, "learning rate");
    bad([](qm7::TrainRequest& b) { b.configs[0].hidden = 0; }, "hidden width");
    bad([](qm7::TrainRequest& b) { b.configs[0].epochs = 0; }, "epochs");
    bad([](qm7::TrainRequest& b) { b.configs[0].batchSize = 0; }, "batch size");
    bad([](qm7::TrainRequest& b) { b.threads = -1; }, "threads");
    bad([](qm7::TrainRequest& b) { b.configs[0].trainSize = 100000; }, "exceeds");
    bad([](qm7::TrainRequest& b) { b.network.layers = {0}; }, "hidden width");
    bad(
        [](qm7::TrainRequest& b) {
            b.configs.push_back(quick());
            b.configs[1].epochs = -3;
        },
        "run 2: epochs");
    bad([](qm7::TrainRequest& b) { b.representation = "eigen"; }, "convert");
}

// A run on a dataset.pt with the sorted representation trains on the sorted rows: its saved
// weights predict its test predictions from them, and config.json says "sorted".
TEST(TrainRequest, SortedRunOnADatasetPtTrainsOnThoseInputsAndSaysSo) {
    const qm7::Dataset cm = qm7::loadDataset(qm7::test::demoDatasetPt());
    qm7::TrainRequest r;
    r.data = std::make_shared<const qm7::Dataset>(
        qm7::representDataset(cm, qm7::Representation::Sorted));
    r.representation = "sorted";
    r.configs = {quick(3)};
    r.threads = 1;
    r.runFolder = qm7::test::freshDir("request_sorted");
    const auto results = qm7::train(r);
    ASSERT_EQ(results.size(), 1u);
    const qm7::RunResult& run = results[0];
    EXPECT_EQ(run.config.representation, "sorted");
    const std::vector<float> fromSorted = qm7::predict(run.weights, run.scaler, r.data->test.X);
    EXPECT_LT(qm7::test::maxAbsDiff(fromSorted, run.testPred), 1e-3);
    const std::vector<float> fromPlain = qm7::predict(run.weights, run.scaler, cm.test.X);
    EXPECT_GT(qm7::test::maxAbsDiff(fromPlain, run.testPred), 1e-2); // not the plain matrices
    const auto j = nlohmann::json::parse(configText(r.runFolder));
    EXPECT_EQ(j.at("representation"), "sorted");
    EXPECT_EQ(qm7::loadRun(r.runFolder).config.representation, "sorted");
    // A folder written before the field existed reads as Coulomb matrices.
    EXPECT_EQ(qm7::configFromJson(R"({"hidden": 8, "lr": 0.001})").representation, "cm");
}

TEST(TrainRequest, DeepNetworkRunsAreSavedWithTheirRepresentation) {
    qm7::TrainRequest r;
    r.data = std::make_shared<const qm7::Dataset>(
        qm7::representDataset(qm7::test::demoDataset(), qm7::Representation::Eigenspectrum));
    r.configs = {quick(0), quick(1)};
    r.network.layers = {8, 4};
    r.threads = 2;
    r.runFolder = qm7::test::freshDir("request_deep");
    LastProgress progress;
    qm7::TrainOptions options;
    options.observer = &progress;
    const auto results = qm7::train(r, options);
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(progress.last.threads, 2);
    for (int i = 0; i < 2; ++i) {
        const std::string dir = r.runDir(i);
        EXPECT_EQ(dir, (fs::path(r.runFolder) / ("run-" + std::to_string(i))).string());
        const auto j = nlohmann::json::parse(configText(dir));
        EXPECT_EQ(j.at("kind"), "deep");
        EXPECT_EQ(j.at("representation"), "eigen");
        EXPECT_EQ(j.at("d"), 23);
        EXPECT_EQ(results[static_cast<std::size_t>(i)].config.representation, "eigen");
    }
}

// The deep trainer honours the thread count: with threads = 1 the process uses at most one
// core (CPU time over wall time; a loaded machine only lowers it), and two threads give the
// same numbers and say so.
TEST(DeepThreads, OneThreadUsesAtMostOneCoreAndTwoGiveTheSameRuns) {
    const qm7::Dataset& data = qm7::test::demoDataset();
    qm7::NetworkChoice n;
    n.layers = {128, 64};
    std::vector<qm7::TrainConfig> configs;
    for (std::uint64_t s = 0; s < 2; ++s) {
        qm7::TrainConfig c = quick(s);
        c.epochs = 40;
        c.evalEvery = 10;
        configs.push_back(c);
    }
    LastProgress one;
    qm7::TrainOptions options;
    options.threads = 1;
    options.observer = &one;
    const double cpu0 = processCpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    const auto single = qm7::trainNetworkRuns(data, configs, n, options);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = processCpuSeconds() - cpu0;
    std::cout << "threads 1: CPU " << cpu << " s in " << wall << " s\n";
    EXPECT_LE(cpu, 1.2 * wall) << "CPU " << cpu << " s in " << wall << " s";
    EXPECT_EQ(one.last.threads, 1);
    EXPECT_EQ(one.last.runsFinished, 2);
    EXPECT_EQ(one.last.stepsDone, one.last.stepsTotal);

    LastProgress two;
    options.threads = 2;
    options.observer = &two;
    const auto pair = qm7::trainNetworkRuns(data, configs, n, options);
    EXPECT_EQ(two.last.threads, 2);
    EXPECT_EQ(two.last.stepsDone, two.last.stepsTotal);
    ASSERT_EQ(pair.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(pair[i].testPred, single[i].testPred) << i;
        EXPECT_EQ(pair[i].history.size(), single[i].history.size());
        EXPECT_EQ(pair[i].config.seed, configs[i].seed);
    }
    // More threads than runs: one per run.
    LastProgress many;
    options.threads = 8;
    options.observer = &many;
    qm7::trainNetworkRuns(data, {configs[0]}, n, options);
    EXPECT_EQ(many.last.threads, 1);
}

// Every trainer says which features a run trained on, whoever calls it (sweeps, curves,
// the homework): the data's representation, in the result's config and so in config.json.
TEST(TrainRequest, EveryTrainerRecordsTheDataRepresentation) {
    const qm7::Dataset eigen =
        qm7::representDataset(qm7::test::demoDataset(), qm7::Representation::Eigenspectrum);
    qm7::TrainConfig c = quick();
    c.epochs = 1;
    EXPECT_EQ(c.representation, "cm");
    EXPECT_EQ(qm7::trainMany(eigen, {c}).front().config.representation, "eigen");
    qm7::NetworkChoice n;
    n.layers = {4, 4};
    EXPECT_EQ(qm7::trainNetworkRuns(eigen, {c}, n).front().config.representation, "eigen");
    const std::string dir = qm7::test::freshDir("trainer_representation");
    qm7::saveRun(qm7::trainMany(eigen, {c}).front(), dir, "demo");
    EXPECT_EQ(nlohmann::json::parse(configText(dir)).at("representation"), "eigen");
}

// Loading a dataset.pt as a data source in a representation converts its rows (what the
// workbench's Data box and qm7 train read through).
TEST(DatasetRepresentation, ADataSourceInARepresentationConvertsADatasetPt) {
    qm7::BuildOptions options;
    options.representation.kind = qm7::Representation::Eigenspectrum;
    const qm7::BuildResult eigen = qm7::loadDataSourceDetailed(qm7::test::demoDatasetPt(), options);
    EXPECT_EQ(eigen.data.d, 23);
    EXPECT_EQ(eigen.data.representation, "eigen");
    EXPECT_FALSE(eigen.augmentation);
    options.representation.kind = qm7::Representation::RandomSorted;
    const qm7::BuildResult random =
        qm7::loadDataSourceDetailed(qm7::test::demoDatasetPt(), options);
    EXPECT_EQ(random.data.representation, "random-sorted");
    ASSERT_TRUE(random.augmentation);
    options.representation.kind = qm7::Representation::CoulombMatrix;
    EXPECT_EQ(qm7::loadDataSourceDetailed(qm7::test::demoDatasetPt(), options).data.d, 276);
    // Rows of random numbers (not Coulomb matrices in atomic units): refused with the reason.
    qm7::Dataset noise = qm7::test::demoDataset();
    for (float& v : noise.train.X)
        v = v > 0 ? v * 1.01f + 0.001f : v;
    const std::string path = qm7::test::freshDir("source_noise") + "/dataset.pt";
    qm7::saveDataset(noise, path);
    options.representation.kind = qm7::Representation::RandomSorted;
    try {
        qm7::loadDataSourceDetailed(path, options);
        FAIL() << "rows that are not Coulomb matrices were drawn from";
    } catch (const qm7::DatasetError& e) {
        EXPECT_NE(std::string(e.what()).find("nuclear charges"), std::string::npos) << e.what();
    }
}
