// The skip of Coulomb matrices' zero padding: the shell order, its detection, the blocked
// kernels against the dense ones, and whole trainings with and without it.
#include "qm7/train/model_init.h"
#include "qm7/train/trainer.h"
#include "test_support.h"
#include "train/mlp_kernels.h"
#include "train/padded_layout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

using namespace qm7;
using detail::PaddedLayout;
using detail::RowBlocks;

namespace {

/// Upper triangle (row by row) of an n x n symmetric matrix of N atoms padded to n: entries in
/// rows and columns below N are nonzero, the rest 0. `atomAt` maps matrix row -> atom (or -1
/// for padding), so padding can sit anywhere.
std::vector<float> paddedRow(int n, const std::vector<int>& atomAt, std::mt19937& gen) {
    std::uniform_real_distribution<float> u(0.1f, 1.0f);
    std::vector<float> row;
    for (int i = 0; i < n; ++i)
        for (int j = i; j < n; ++j)
            row.push_back(atomAt[static_cast<std::size_t>(i)] >= 0 &&
                                  atomAt[static_cast<std::size_t>(j)] >= 0
                              ? u(gen)
                              : 0.0f);
    return row;
}

/// rows x d padded matrices of 1..n atoms; every fifth row has a padding row moved forward.
std::vector<float> paddedData(int n, int rows, unsigned seed, int* moved = nullptr) {
    std::mt19937 gen(seed);
    std::vector<float> X;
    int count = 0;
    for (int r = 0; r < rows; ++r) {
        const int atoms = 1 + static_cast<int>(gen() % static_cast<unsigned>(n));
        std::vector<int> atomAt(static_cast<std::size_t>(n), -1);
        std::iota(atomAt.begin(), atomAt.begin() + atoms, 0);
        if (r % 5 == 4 && atoms >= 2 && atoms < n) {
            std::swap(atomAt[0], atomAt[static_cast<std::size_t>(atoms)]); // padding forward
            ++count;
        }
        const auto row = paddedRow(n, atomAt, gen);
        X.insert(X.end(), row.begin(), row.end());
    }
    if (moved)
        *moved = count;
    return X;
}

Dataset smallRealData(std::size_t train, std::size_t val, std::size_t test) {
    Dataset data = loadDataset(test::sharedData("dataset.pt"));
    auto cut = [&](Split& s, std::size_t n) {
        s.X.resize(n * static_cast<std::size_t>(data.d));
        s.y.resize(n);
    };
    cut(data.train, train);
    cut(data.val, val);
    cut(data.test, test);
    return data;
}

} // namespace

TEST(PaddedLayout, ShellOrderMakesAMoleculesNonzerosAPrefix) {
    EXPECT_EQ(detail::triangleSide(276), 23);
    EXPECT_EQ(detail::triangleSide(21), 6);
    EXPECT_EQ(detail::triangleSide(23), 0); // an eigenspectrum's length
    EXPECT_EQ(detail::triangleSide(1), 0);
    const int n = 7, d = n * (n + 1) / 2;
    std::vector<int> order = detail::shellOrder(n);
    std::vector<int> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    for (int k = 0; k < d; ++k)
        ASSERT_EQ(sorted[static_cast<std::size_t>(k)], k); // a permutation
    const PaddedLayout layout = PaddedLayout::detect(paddedData(n, 200, 1).data(), 200, d);
    ASSERT_TRUE(layout.active());
    std::mt19937 gen(3);
    for (int atoms = 1; atoms <= n; ++atoms) {
        std::vector<int> atomAt(static_cast<std::size_t>(n), -1);
        std::iota(atomAt.begin(), atomAt.begin() + atoms, 0);
        std::vector<float> row = paddedRow(n, atomAt, gen);
        const auto nonzeros = std::count_if(row.begin(), row.end(), [](float x) { return x; });
        std::vector<int> prefix;
        layout.toInternal(row.data(), 1, prefix);
        EXPECT_EQ(prefix[0], atoms * (atoms + 1) / 2);
        EXPECT_EQ(nonzeros, prefix[0]); // every entry of the prefix is one of the molecule's
    }
}

TEST(PaddedLayout, DetectsPaddingAndFallsBackToDense) {
    const int n = 8, d = 36, rows = 300;
    int moved = 0;
    const std::vector<float> padded = paddedData(n, rows, 2, &moved);
    const PaddedLayout layout = PaddedLayout::detect(padded.data(), rows, d);
    EXPECT_TRUE(layout.active());
    EXPECT_LT(layout.stats().fraction, 0.85);
    EXPECT_EQ(layout.stats().innerPadding, static_cast<std::size_t>(moved));
    EXPECT_GT(moved, 0);
    // Dense features of a triangular length, and features of another length: no skip.
    std::mt19937 gen(4);
    std::uniform_real_distribution<float> u(-1, 1);
    std::vector<float> dense(static_cast<std::size_t>(rows) * d);
    for (float& x : dense)
        x = u(gen);
    EXPECT_FALSE(PaddedLayout::detect(dense.data(), rows, d).active());
    std::vector<float> eigen(static_cast<std::size_t>(rows) * 23, 0.0f);
    for (int r = 0; r < rows; ++r)
        for (int k = 0; k < 5; ++k)
            eigen[static_cast<std::size_t>(r) * 23 + k] = u(gen);
    EXPECT_FALSE(PaddedLayout::detect(eigen.data(), rows, 23).active());
    // W1's columns go to the internal order and back unchanged.
    const ModelWeights w = initialWeights(d, 10, 1);
    std::vector<float> w1 = w.w1;
    layout.weightsToInternal(w1.data(), 10);
    EXPECT_NE(w1, w.w1);
    layout.weightsToData(w1.data(), 10);
    EXPECT_EQ(w1, w.w1);
}

TEST(PaddedLayout, BlocksAreSortedByPrefix) {
    const std::vector<int> prefix = {3, 10, 0, 10, 6, 1, 6};
    std::vector<int> order;
    RowBlocks blocks;
    detail::sortIntoBlocks(prefix.data(), 7, 3, order, blocks);
    EXPECT_EQ(order, (std::vector<int>{1, 3, 4, 6, 0, 5, 2})); // longest first, ties by position
    EXPECT_EQ(blocks.end, (std::vector<int>{3, 6, 7}));
    EXPECT_EQ(blocks.cols, (std::vector<int>{10, 6, 0}));
}

// The blocked step (training and evaluation) equals the dense one within float rounding, also
// for padding moved forward and an all-zero row, and is bit for bit the same on any threads.
TEST(PaddedSkip, StepEqualsDenseAndIsTheSameOnAnyThreads) {
    const int n = 10, d = 55, p = 600, rows = 37; // several blocks of hidden units and of rows
    std::vector<float> X = paddedData(n, rows, 5);
    std::fill(X.begin() + 3 * d, X.begin() + 4 * d, 0.0f); // an all-zero row
    const PaddedLayout layout = PaddedLayout::detect(X.data(), rows, d);
    ASSERT_TRUE(layout.active());
    std::vector<int> prefix, order;
    layout.toInternal(X.data(), rows, prefix);
    RowBlocks blocks;
    detail::sortIntoBlocks(prefix.data(), rows, 8, order, blocks);
    std::vector<float> sortedX;
    for (int i : order)
        sortedX.insert(sortedX.end(), X.begin() + static_cast<long>(i) * d,
                       X.begin() + static_cast<long>(i + 1) * d);
    std::mt19937 gen(6);
    std::normal_distribution<float> normal;
    std::vector<float> y(static_cast<std::size_t>(rows));
    for (float& v : y)
        v = normal(gen);
    const detail::MlpShape shape{d, p};
    const std::vector<float> start = qm7::detail::packParameters(initialWeights(d, p, 7));
    std::vector<std::vector<float>> params(4, start), m(4), v(4);
    std::vector<detail::MlpScratch> scratch(4);
    for (int k = 0; k < 4; ++k) {
        m[static_cast<std::size_t>(k)].assign(shape.size(), 0.0f);
        v[static_cast<std::size_t>(k)].assign(shape.size(), 0.0f);
    }
    for (int step = 1; step <= 30; ++step) {
        detail::AdamStep adam;
        adam.step = step;
        adam.lr = 3e-3;
        double loss[4];
        for (int k = 0; k < 4; ++k) { // k = 0 dense, 1..3 the skip on 1..3 threads
            const auto K = static_cast<std::size_t>(k);
            loss[k] = detail::mlpTrainStep(shape, params[K].data(), m[K].data(), v[K].data(), adam,
                                           sortedX.data(), y.data(), rows, scratch[K], k ? k : 1,
                                           nullptr, k ? &blocks : nullptr);
        }
        EXPECT_NEAR(loss[1], loss[0], 1e-5 * (1 + loss[0]));
        EXPECT_EQ(loss[1], loss[2]);
        EXPECT_EQ(loss[1], loss[3]);
    }
    EXPECT_LT(qm7::test::maxAbsDiff(params[1], params[0]), 1e-4);
    EXPECT_GT(qm7::test::maxAbsDiff(params[0], start), 1e-2); // it did train
    EXPECT_EQ(params[1], params[2]);                          // bit for bit
    EXPECT_EQ(params[1], params[3]);
    std::vector<float> dense(static_cast<std::size_t>(rows)), skip(dense);
    detail::mlpForward(shape, params[0].data(), sortedX.data(), rows, dense.data(), scratch[0]);
    detail::mlpForward(shape, params[0].data(), sortedX.data(), rows, skip.data(), scratch[0],
                       &blocks);
    EXPECT_LT(qm7::test::maxAbsDiff(dense, skip), 1e-5);
}

// 50 epochs on the course data: the skip's losses and weights equal the dense path's within
// float tolerance; the weights come back in the data set's feature order.
TEST(PaddedSkip, TrainingEqualsTheDensePathAfter50Epochs) {
    QM7_SKIP_WITHOUT_SHARED("dataset.pt");
    const Dataset data = smallRealData(400, 100, 100);
    const PaddedLayout layout =
        PaddedLayout::detect(data.train.X.data(), data.train.rows(), data.d);
    ASSERT_TRUE(layout.active()); // the course's Coulomb matrices are padded
    EXPECT_LT(layout.stats().fraction, 0.6);
    EXPECT_EQ(layout.stats().innerPadding, 0u);
    TrainConfig c;
    c.hidden = 200;
    c.epochs = 50;
    c.evalEvery = 5;
    c.seed = 3;
    TrainOptions denseOptions, skipOptions;
    denseOptions.paddingSkip = TrainOptions::PaddingSkip::Off;
    const RunResult dense = train(data, c, denseOptions);
    const RunResult skip = train(data, c, skipOptions);
    ASSERT_EQ(dense.history.size(), 10u);
    ASSERT_EQ(skip.history.size(), dense.history.size());
    for (std::size_t i = 0; i < dense.history.size(); ++i) {
        const auto& a = dense.history[i];
        const auto& b = skip.history[i];
        EXPECT_NEAR(b.batchLoss, a.batchLoss, 1e-3 * a.batchLoss) << "epoch " << a.epoch;
        EXPECT_NEAR(b.trainLoss, a.trainLoss, 1e-3 * a.trainLoss) << "epoch " << a.epoch;
        EXPECT_NEAR(b.valLoss, a.valLoss, 1e-3 * a.valLoss) << "epoch " << a.epoch;
    }
    EXPECT_LT(dense.history.back().trainLoss, 0.5 * dense.history.front().trainLoss);
    EXPECT_EQ(skip.bestEpoch, dense.bestEpoch);
    EXPECT_LT(qm7::test::maxAbsDiff(skip.weights.w1, dense.weights.w1), 1e-3);
    EXPECT_LT(qm7::test::maxAbsDiff(skip.weights.w2, dense.weights.w2), 1e-3);
    EXPECT_NEAR(skip.test.rmse, dense.test.rmse, 1e-3 * dense.test.rmse);
    // The weights are in the data's order: predict() (dense, data order) reproduces the test
    // predictions.
    const std::vector<float> again = predict(skip.weights, skip.scaler, data.test.X);
    EXPECT_LT(qm7::test::maxAbsDiff(again, skip.testPred), 1e-3);
}

namespace {

/// Augmentation whose draws move a padding row forward in some molecules (what the noise of a
/// random sorting over the padded matrix can do): atom 0 is swapped with the first padding row.
class PaddingForward : public FeatureAugmentation {
  public:
    explicit PaddingForward(const Dataset& data) : m_data(data) {}
    void draw(SplitKind split, std::uint64_t drawSeed, std::vector<float>& X) const override {
        const Split& s = split == SplitKind::Train ? m_data.train
                         : split == SplitKind::Val ? m_data.val
                                                   : m_data.test;
        const int n = detail::triangleSide(m_data.d);
        X = s.X;
        std::mt19937 gen(static_cast<unsigned>(drawSeed));
        for (std::size_t r = 0; r < s.rows(); ++r) {
            if (gen() % 3 != 0)
                continue;
            float* row = X.data() + r * static_cast<std::size_t>(m_data.d);
            std::vector<float> full(static_cast<std::size_t>(n) * n);
            int k = 0;
            for (int i = 0; i < n; ++i)
                for (int j = i; j < n; ++j, ++k)
                    full[static_cast<std::size_t>(i * n + j)] =
                        full[static_cast<std::size_t>(j * n + i)] = row[k];
            int atoms = 0;
            while (atoms < n && full[static_cast<std::size_t>(atoms * n + atoms)] != 0.0f)
                ++atoms;
            if (atoms == n)
                continue;
            std::vector<int> perm(static_cast<std::size_t>(n));
            std::iota(perm.begin(), perm.end(), 0);
            std::swap(perm[0], perm[static_cast<std::size_t>(atoms)]);
            k = 0;
            for (int i = 0; i < n; ++i)
                for (int j = i; j < n; ++j, ++k)
                    row[k] = full[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)] * n +
                                                           perm[static_cast<std::size_t>(j)])];
        }
    }
    int evalDraws() const override { return 2; }

  private:
    const Dataset& m_data;
};

} // namespace

// Draws whose padding is not at the end are handled exactly (each row's prefix is measured).
TEST(PaddedSkip, AugmentedDrawsWithPaddingMovedForwardEqualTheDensePath) {
    QM7_SKIP_WITHOUT_SHARED("dataset.pt");
    const Dataset data = smallRealData(300, 100, 100);
    const PaddingForward augmentation(data);
    std::vector<float> X;
    augmentation.draw(SplitKind::Train, 1, X);
    const PaddedLayout layout = PaddedLayout::detect(X.data(), data.train.rows(), data.d);
    ASSERT_TRUE(layout.active());
    EXPECT_GT(layout.stats().innerPadding, 50u); // about a third of the rows
    TrainConfig c;
    c.hidden = 100;
    c.epochs = 20;
    c.evalEvery = 5;
    TrainOptions denseOptions, skipOptions;
    denseOptions.augmentation = skipOptions.augmentation = &augmentation;
    denseOptions.paddingSkip = TrainOptions::PaddingSkip::Off;
    const RunResult dense = train(data, c, denseOptions);
    const RunResult skip = train(data, c, skipOptions);
    ASSERT_EQ(skip.history.size(), dense.history.size());
    for (std::size_t i = 0; i < dense.history.size(); ++i) {
        EXPECT_NEAR(skip.history[i].trainLoss, dense.history[i].trainLoss,
                    1e-3 * dense.history[i].trainLoss);
        EXPECT_NEAR(skip.history[i].valLoss, dense.history[i].valLoss,
                    1e-3 * dense.history[i].valLoss);
    }
    EXPECT_LT(qm7::test::maxAbsDiff(skip.weights.w1, dense.weights.w1), 1e-3);
    EXPECT_NEAR(skip.test.rmse, dense.test.rmse, 1e-3 * dense.test.rmse);
}
