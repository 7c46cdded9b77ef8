#pragma once
/// @file krr.h
/// Kernel ridge regression (Rupp et al., PRL 2012; Hansen et al., JCTC 2013): the baseline a
/// chemist tries first. Laplacian kernel exp(-|x - x'|_1 / sigma) on sorted Coulomb matrices in
/// atomic units (or Gaussian exp(-|x - x'|_2^2 / (2 sigma^2))), labels centred on their mean,
/// (K + lambda I) alpha = y solved by Eigen's Cholesky factorization (LLT).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace qm7 {

/// The kernel of a KRR model.
enum class KrrKernel { Laplacian, Gaussian };

/// "laplacian" or "gaussian".
std::string krrKernelName(KrrKernel kernel);

/// Parses laplacian|gaussian; throws std::invalid_argument listing the choices.
KrrKernel parseKrrKernel(const std::string& name);

/// A fitted model: the training rows it keeps and their weights.
struct KrrModel {
    KrrKernel kernel = KrrKernel::Laplacian;
    double sigma = 1.0;
    double lambda = 1e-8;
    int d = 0;                 ///< features per row
    double mean = 0.0;         ///< training label mean (added back to predictions)
    std::vector<double> X;     ///< training rows, n * d
    std::vector<double> alpha; ///< n weights
    int rows() const { return d > 0 ? static_cast<int>(X.size()) / d : 0; }
};

/// The sigma and lambda values tried on the validation part.
struct KrrGrid {
    KrrKernel kernel = KrrKernel::Laplacian;
    std::vector<double> sigmas{1000, 2000, 4000, 8000, 16000, 32000};
    std::vector<double> lambdas{1e-10, 1e-8, 1e-6, 1e-4};
    bool refit = true; ///< after choosing, fit again on training + validation rows
};

/// One point of the grid with its validation error (kcal/mol).
struct KrrGridPoint {
    double sigma = 0, lambda = 0, valMae = 0, valRmse = 0;
};

/// What a grid search produced.
struct KrrSelection {
    KrrModel model;                 ///< the chosen (and, with refit, refitted) model
    std::vector<KrrGridPoint> grid; ///< every point tried
    KrrGridPoint best;              ///< the point with the lowest validation MAE
    double seconds = 0;
};

/// Called with (done, total) grid points.
using KrrProgress = std::function<void(int done, int total)>;

/// Fits on n rows of d features (row-major) and n labels. Throws std::invalid_argument for bad
/// shapes or parameters and std::runtime_error when the matrix is not positive definite.
KrrModel fitKrr(const std::vector<double>& X, const std::vector<double>& y, int d, KrrKernel kernel,
                double sigma, double lambda);

/// Predictions for rows of model.d features.
std::vector<double> predictKrr(const KrrModel& model, const std::vector<double>& X);

/// Chooses sigma and lambda by validation MAE; the kernel matrix is computed once per sigma
/// and factorized once per lambda. Throws like fitKrr.
KrrSelection selectKrr(const std::vector<double>& Xtrain, const std::vector<double>& ytrain,
                       const std::vector<double>& Xval, const std::vector<double>& yval, int d,
                       const KrrGrid& grid, const KrrProgress& progress = {});

/// Writes a model as a small binary file (atomically) and reads it back; throws
/// std::runtime_error naming the file when it is missing or damaged.
void saveKrrModel(const KrrModel& model, const std::string& path);
KrrModel loadKrrModel(const std::string& path);

} // namespace qm7
