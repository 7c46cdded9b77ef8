// Kernel ridge regression: the solve, the kernels, the grid search, the model file.
#include "qm7/analysis/krr.h"
#include "qm7/analysis/krr_curve.h"
#include "qm7/chem/dataset_builder.h"

#include "test_support.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

namespace {

/// n rows of d features uniform in [0, 10) and a smooth label.
void makeData(int n, int d, unsigned seed, std::vector<double>& X, std::vector<double>& y) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> u(0.0, 10.0);
    X.resize(static_cast<std::size_t>(n * d));
    y.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        double s = 0;
        for (int k = 0; k < d; ++k) {
            X[static_cast<std::size_t>(i * d + k)] = u(gen);
            s += std::sin(0.3 * X[static_cast<std::size_t>(i * d + k)]) * (k + 1);
        }
        y[static_cast<std::size_t>(i)] = 100.0 + 5.0 * s;
    }
}

double kernelValue(const double* a, const double* b, int d, qm7::KrrKernel kernel, double sigma) {
    double s = 0;
    for (int k = 0; k < d; ++k)
        s += kernel == qm7::KrrKernel::Laplacian ? std::fabs(a[k] - b[k])
                                                 : (a[k] - b[k]) * (a[k] - b[k]);
    return kernel == qm7::KrrKernel::Laplacian ? std::exp(-s / sigma)
                                               : std::exp(-s / (2 * sigma * sigma));
}

} // namespace

TEST(Krr, WeightsSolveTheRegularizedSystem) {
    std::vector<double> X, y;
    const int n = 60, d = 4;
    makeData(n, d, 1, X, y);
    for (auto kernel : {qm7::KrrKernel::Laplacian, qm7::KrrKernel::Gaussian}) {
        const double sigma = 3.0, lambda = 0.05;
        const qm7::KrrModel m = qm7::fitKrr(X, y, d, kernel, sigma, lambda);
        ASSERT_EQ(m.rows(), n);
        // (K + lambda I) alpha = y - mean, checked row by row with an independent kernel.
        double mean = 0;
        for (double v : y)
            mean += v / n;
        EXPECT_NEAR(m.mean, mean, 1e-9);
        for (int i = 0; i < n; ++i) {
            double lhs = lambda * m.alpha[static_cast<std::size_t>(i)];
            for (int j = 0; j < n; ++j)
                lhs += kernelValue(&X[static_cast<std::size_t>(i * d)],
                                   &X[static_cast<std::size_t>(j * d)], d, kernel, sigma) *
                       m.alpha[static_cast<std::size_t>(j)];
            EXPECT_NEAR(lhs, y[static_cast<std::size_t>(i)] - mean, 1e-7) << i;
        }
    }
}

TEST(Krr, InterpolatesWithTinyLambdaAndGeneralizes) {
    std::vector<double> X, y, Xt, yt;
    const int d = 3;
    makeData(400, d, 2, X, y);
    makeData(100, d, 3, Xt, yt);
    const qm7::KrrModel m = qm7::fitKrr(X, y, d, qm7::KrrKernel::Laplacian, 20.0, 1e-10);
    const std::vector<double> train = qm7::predictKrr(m, X);
    for (std::size_t i = 0; i < y.size(); ++i)
        EXPECT_NEAR(train[i], y[i], 1e-4);
    // On new points: far better than the mean predictor.
    const std::vector<double> test = qm7::predictKrr(m, Xt);
    double mae = 0, maeMean = 0;
    for (std::size_t i = 0; i < yt.size(); ++i) {
        mae += std::fabs(test[i] - yt[i]) / 100.0;
        maeMean += std::fabs(m.mean - yt[i]) / 100.0;
    }
    EXPECT_LT(mae, 0.5 * maeMean);
}

TEST(Krr, GridSearchPicksTheLowestValidationError) {
    std::vector<double> X, y, Xv, yv;
    const int d = 3;
    makeData(300, d, 4, X, y);
    makeData(80, d, 5, Xv, yv);
    qm7::KrrGrid grid;
    grid.sigmas = {0.3, 3, 30, 300};
    grid.lambdas = {1e-8, 1e-2, 10};
    grid.refit = false;
    int calls = 0;
    const qm7::KrrSelection sel = qm7::selectKrr(X, y, Xv, yv, d, grid, [&](int done, int total) {
        EXPECT_EQ(total, 12);
        EXPECT_EQ(done, ++calls);
    });
    ASSERT_EQ(sel.grid.size(), 12u);
    EXPECT_EQ(calls, 12);
    for (const auto& g : sel.grid)
        EXPECT_LE(sel.best.valMae, g.valMae);
    EXPECT_EQ(sel.model.sigma, sel.best.sigma);
    EXPECT_EQ(sel.model.lambda, sel.best.lambda);
    EXPECT_EQ(sel.model.rows(), 300);
    // The reported validation error is the chosen model's.
    const std::vector<double> p = qm7::predictKrr(sel.model, Xv);
    double mae = 0;
    for (std::size_t i = 0; i < yv.size(); ++i)
        mae += std::fabs(p[i] - yv[i]) / static_cast<double>(yv.size());
    EXPECT_NEAR(mae, sel.best.valMae, 1e-6);
    // Refit: the model keeps training and validation rows.
    grid.refit = true;
    EXPECT_EQ(qm7::selectKrr(X, y, Xv, yv, d, grid).model.rows(), 380);
}

TEST(Krr, BadInputsThrowClearly) {
    std::vector<double> X, y;
    makeData(10, 2, 6, X, y);
    EXPECT_THROW(qm7::fitKrr(X, y, 3, qm7::KrrKernel::Laplacian, 1, 0), std::invalid_argument);
    EXPECT_THROW(qm7::fitKrr(X, y, 2, qm7::KrrKernel::Laplacian, 0, 0), std::invalid_argument);
    EXPECT_THROW(qm7::fitKrr(X, y, 2, qm7::KrrKernel::Laplacian, 1, -1), std::invalid_argument);
    // Two equal rows and no regularization: not positive definite.
    std::vector<double> Xd = {1, 2, 1, 2}, yd = {1, 2};
    EXPECT_THROW(qm7::fitKrr(Xd, yd, 2, qm7::KrrKernel::Laplacian, 1, 0), std::runtime_error);
    EXPECT_THROW(qm7::parseKrrKernel("cosine"), std::invalid_argument);
    EXPECT_EQ(qm7::parseKrrKernel("gaussian"), qm7::KrrKernel::Gaussian);
}

TEST(Krr, ModelFileRoundTripsAndRejectsDamage) {
    std::vector<double> X, y;
    makeData(50, 3, 7, X, y);
    const qm7::KrrModel m = qm7::fitKrr(X, y, 3, qm7::KrrKernel::Gaussian, 4.0, 1e-6);
    const std::string dir = qm7::test::freshDir("krr_model");
    const std::string path = dir + "/krr.bin";
    qm7::saveKrrModel(m, path);
    const qm7::KrrModel back = qm7::loadKrrModel(path);
    EXPECT_EQ(back.kernel, m.kernel);
    EXPECT_EQ(back.sigma, m.sigma);
    EXPECT_EQ(back.alpha, m.alpha);
    EXPECT_EQ(qm7::predictKrr(back, X), qm7::predictKrr(m, X));
    const auto size = std::filesystem::file_size(path);
    std::filesystem::resize_file(path, size - 8);
    EXPECT_THROW(qm7::loadKrrModel(path), std::runtime_error);
    std::ofstream(path) << "not a model";
    EXPECT_THROW(qm7::loadKrrModel(path), std::runtime_error);
    EXPECT_THROW(qm7::loadKrrModel(dir + "/missing.bin"), std::runtime_error);
}

TEST(KrrCurve, OnDemoMoleculesTheErrorFallsWithNAndBeatsTheMeanPredictor) {
    const std::string demo = qm7::demoDataPath();
    ASSERT_FALSE(demo.empty()) << "the bundled demo molecules are missing";
    qm7::BuildOptions options;
    options.representation.kind = qm7::Representation::Sorted;
    const qm7::Dataset data = qm7::loadDataSource(demo, options);
    qm7::KrrCurveConfig config;
    config.sizes = {100, 500};
    config.seeds = 2;
    int calls = 0, lastDone = 0;
    const auto rows = qm7::krrLearningCurve(data, config, [&](int done, int total) {
        ++calls;
        lastDone = done;
        EXPECT_EQ(total, 4);
    });
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(calls, 4);
    EXPECT_EQ(lastDone, 4);
    for (const auto& r : rows) {
        EXPECT_TRUE(std::isfinite(r.mseMean) && r.mseMean > 0) << r.n;
        EXPECT_NEAR(r.rmseMean * r.rmseMean, r.mseMean, 0.2 * r.mseMean);
        EXPECT_EQ(r.runs, 2);
    }
    EXPECT_LT(rows[1].mseMean, rows[0].mseMean);
    // The mean predictor has MAE 178.5 kcal/mol on these molecules (issue 12).
    EXPECT_LT(rows[1].maeMean, 178.5 / 5) << rows[1].maeMean;
    std::printf("KRR (Laplacian) on sorted CMs of the demo: n = 100: MAE %.1f, n = 500: MAE %.1f "
                "kcal/mol\n",
                rows[0].maeMean, rows[1].maeMean);
}

TEST(KrrCurve, RefusesImpossibleSizesAndStopsWhenCancelled) {
    const qm7::Dataset data = qm7::loadDataSource(qm7::demoDataPath());
    qm7::KrrCurveConfig config;
    config.sizes = {100, 1000000};
    EXPECT_NE(qm7::validateKrrCurve(config, data).find("between 2 and the 1500 training rows"),
              std::string::npos)
        << qm7::validateKrrCurve(config, data);
    EXPECT_THROW(qm7::krrLearningCurve(data, config), std::invalid_argument);
    config.sizes = {50, 60};
    config.lambdas = {-1};
    EXPECT_FALSE(qm7::validateKrrCurve(config, data).empty());
    config.lambdas = {1e-8};
    std::atomic<bool> cancel{false};
    const auto rows = qm7::krrLearningCurve(
        data, config, [&](int, int) { cancel = true; }, &cancel);
    EXPECT_EQ(rows.size(), 1u) << "the first size finishes, the second never starts";
}
