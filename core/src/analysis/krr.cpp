// Kernel ridge regression with Eigen's Cholesky factorization (see krr.h).
#include "qm7/analysis/krr.h"

#include "qm7/util/atomic_file.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace qm7 {

namespace {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;
using Vector = Eigen::VectorXd;

/// Pairwise distances between the rows of A (na x d) and B (nb x d): L1 for the Laplacian
/// kernel, squared L2 for the Gaussian. With symmetric = true (A == B) only the lower triangle
/// is computed and mirrored.
Matrix distances(const double* A, int na, const double* B, int nb, int d, KrrKernel kernel,
                 bool symmetric) {
    Matrix D(na, nb);
    for (int i = 0; i < na; ++i) {
        const double* a = A + static_cast<std::size_t>(i) * d;
        const int jEnd = symmetric ? i + 1 : nb;
        for (int j = 0; j < jEnd; ++j) {
            const double* b = B + static_cast<std::size_t>(j) * d;
            double s = 0;
            if (kernel == KrrKernel::Laplacian) {
                for (int k = 0; k < d; ++k)
                    s += std::fabs(a[k] - b[k]);
            } else {
                for (int k = 0; k < d; ++k)
                    s += (a[k] - b[k]) * (a[k] - b[k]);
            }
            D(i, j) = s;
            if (symmetric)
                D(j, i) = s;
        }
    }
    return D;
}

/// The kernel values of distances, in place.
void applyKernel(Matrix& D, KrrKernel kernel, double sigma) {
    const double scale = kernel == KrrKernel::Laplacian ? -1.0 / sigma : -0.5 / (sigma * sigma);
    D = (D.array() * scale).exp().matrix();
}

void checkShapes(const std::vector<double>& X, std::size_t n, int d, const char* what) {
    if (d <= 0)
        throw std::invalid_argument(std::string("KRR: ") + what + ": feature width must be > 0");
    if (n == 0 || X.size() != n * static_cast<std::size_t>(d))
        throw std::invalid_argument(std::string("KRR: ") + what + ": expected " +
                                    std::to_string(n) + " rows of " + std::to_string(d) +
                                    " features, got " + std::to_string(X.size()) + " values");
}

void checkParameters(double sigma, double lambda) {
    if (!(sigma > 0) || !std::isfinite(sigma))
        throw std::invalid_argument("KRR: sigma must be a positive number");
    if (!(lambda >= 0) || !std::isfinite(lambda))
        throw std::invalid_argument("KRR: lambda must be zero or positive");
}

double labelMean(const std::vector<double>& y) {
    double s = 0;
    for (double v : y)
        s += v;
    return s / static_cast<double>(y.size());
}

/// Solves (K + lambda I) alpha = y with a Cholesky factorization of a copy of K.
Vector solve(const Matrix& K, double lambda, const Vector& y) {
    Matrix A = K;
    A.diagonal().array() += lambda;
    Eigen::LLT<Eigen::Ref<Matrix>, Eigen::Lower> llt(A);
    if (llt.info() != Eigen::Success)
        throw std::runtime_error("KRR: the kernel matrix plus lambda = " + std::to_string(lambda) +
                                 " is not positive definite (raise lambda)");
    return llt.solve(y);
}

} // namespace

std::string krrKernelName(KrrKernel kernel) {
    return kernel == KrrKernel::Laplacian ? "laplacian" : "gaussian";
}

KrrKernel parseKrrKernel(const std::string& name) {
    if (name == "laplacian")
        return KrrKernel::Laplacian;
    if (name == "gaussian")
        return KrrKernel::Gaussian;
    throw std::invalid_argument("unknown kernel '" + name + "': choose laplacian or gaussian");
}

KrrModel fitKrr(const std::vector<double>& X, const std::vector<double>& y, int d, KrrKernel kernel,
                double sigma, double lambda) {
    checkShapes(X, y.size(), d, "training rows");
    checkParameters(sigma, lambda);
    const int n = static_cast<int>(y.size());
    KrrModel model;
    model.kernel = kernel;
    model.sigma = sigma;
    model.lambda = lambda;
    model.d = d;
    model.mean = labelMean(y);
    model.X = X;
    Matrix K = distances(X.data(), n, X.data(), n, d, kernel, true);
    applyKernel(K, kernel, sigma);
    Vector t(n);
    for (int i = 0; i < n; ++i)
        t[i] = y[static_cast<std::size_t>(i)] - model.mean;
    const Vector alpha = solve(K, lambda, t);
    model.alpha.assign(alpha.data(), alpha.data() + n);
    return model;
}

std::vector<double> predictKrr(const KrrModel& model, const std::vector<double>& X) {
    if (model.d <= 0 || model.alpha.empty())
        throw std::invalid_argument("KRR: the model is empty");
    if (X.size() % static_cast<std::size_t>(model.d) != 0)
        throw std::invalid_argument("KRR: rows must have " + std::to_string(model.d) + " features");
    const int m = static_cast<int>(X.size() / static_cast<std::size_t>(model.d));
    std::vector<double> out(static_cast<std::size_t>(m), model.mean);
    if (m == 0)
        return out;
    Matrix K = distances(X.data(), m, model.X.data(), model.rows(), model.d, model.kernel, false);
    applyKernel(K, model.kernel, model.sigma);
    const Eigen::Map<const Vector> alpha(model.alpha.data(), model.rows());
    const Vector p = K * alpha;
    for (int i = 0; i < m; ++i)
        out[static_cast<std::size_t>(i)] += p[i];
    return out;
}

KrrSelection selectKrr(const std::vector<double>& Xtrain, const std::vector<double>& ytrain,
                       const std::vector<double>& Xval, const std::vector<double>& yval, int d,
                       const KrrGrid& grid, const KrrProgress& progress) {
    const auto start = std::chrono::steady_clock::now();
    checkShapes(Xtrain, ytrain.size(), d, "training rows");
    checkShapes(Xval, yval.size(), d, "validation rows");
    if (grid.sigmas.empty() || grid.lambdas.empty())
        throw std::invalid_argument("KRR: the grid needs at least one sigma and one lambda");
    for (double s : grid.sigmas)
        for (double l : grid.lambdas)
            checkParameters(s, l);
    const int n = static_cast<int>(ytrain.size());
    const int m = static_cast<int>(yval.size());
    const double mean = labelMean(ytrain);
    Vector t(n);
    for (int i = 0; i < n; ++i)
        t[i] = ytrain[static_cast<std::size_t>(i)] - mean;
    const Matrix Dtrain = distances(Xtrain.data(), n, Xtrain.data(), n, d, grid.kernel, true);
    const Matrix Dval = distances(Xval.data(), m, Xtrain.data(), n, d, grid.kernel, false);

    KrrSelection selection;
    selection.best.valMae = std::numeric_limits<double>::infinity();
    const int total = static_cast<int>(grid.sigmas.size() * grid.lambdas.size());
    int done = 0;
    for (double sigma : grid.sigmas) {
        Matrix K = Dtrain;
        applyKernel(K, grid.kernel, sigma);
        Matrix Kval = Dval;
        applyKernel(Kval, grid.kernel, sigma);
        for (double lambda : grid.lambdas) {
            KrrGridPoint point{sigma, lambda, std::numeric_limits<double>::infinity(),
                               std::numeric_limits<double>::infinity()};
            try {
                const Vector alpha = solve(K, lambda, t);
                const Vector pred = (Kval * alpha).array() + mean;
                double abs = 0, sq = 0;
                for (int i = 0; i < m; ++i) {
                    const double e = pred[i] - yval[static_cast<std::size_t>(i)];
                    abs += std::fabs(e);
                    sq += e * e;
                }
                point.valMae = abs / m;
                point.valRmse = std::sqrt(sq / m);
            } catch (const std::runtime_error&) {
                // not positive definite at this lambda: the point stays at infinity
            }
            selection.grid.push_back(point);
            if (point.valMae < selection.best.valMae)
                selection.best = point;
            if (progress)
                progress(++done, total);
        }
    }
    if (!std::isfinite(selection.best.valMae))
        throw std::runtime_error("KRR: no sigma and lambda of the grid gave a positive definite "
                                 "kernel matrix (raise lambda)");
    if (grid.refit) {
        std::vector<double> X = Xtrain;
        X.insert(X.end(), Xval.begin(), Xval.end());
        std::vector<double> y = ytrain;
        y.insert(y.end(), yval.begin(), yval.end());
        selection.model = fitKrr(X, y, d, grid.kernel, selection.best.sigma, selection.best.lambda);
    } else {
        selection.model =
            fitKrr(Xtrain, ytrain, d, grid.kernel, selection.best.sigma, selection.best.lambda);
    }
    selection.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return selection;
}

namespace {

constexpr char kMagic[8] = {'Q', 'M', '7', 'K', 'R', 'R', '1', '\n'};

template <typename T> void put(std::string& out, const T& value) {
    out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

template <typename T> T take(const std::string& in, std::size_t& pos, const std::string& path) {
    if (pos + sizeof(T) > in.size())
        throw std::runtime_error(path + ": the KRR model is truncated");
    T value;
    std::memcpy(&value, in.data() + pos, sizeof value);
    pos += sizeof value;
    return value;
}

} // namespace

void saveKrrModel(const KrrModel& model, const std::string& path) {
    std::string out(kMagic, sizeof kMagic);
    put(out, static_cast<std::int32_t>(model.kernel == KrrKernel::Laplacian ? 0 : 1));
    put(out, model.sigma);
    put(out, model.lambda);
    put(out, model.mean);
    put(out, static_cast<std::int32_t>(model.d));
    put(out, static_cast<std::int64_t>(model.alpha.size()));
    out.append(reinterpret_cast<const char*>(model.X.data()), model.X.size() * sizeof(double));
    out.append(reinterpret_cast<const char*>(model.alpha.data()),
               model.alpha.size() * sizeof(double));
    writeFileAtomically(path, out);
}

KrrModel loadKrrModel(const std::string& path) {
    const std::string in = readFile(path);
    if (in.size() < sizeof kMagic || std::memcmp(in.data(), kMagic, sizeof kMagic) != 0)
        throw std::runtime_error(path + ": not a KRR model written by qm7");
    std::size_t pos = sizeof kMagic;
    KrrModel model;
    const auto kernel = take<std::int32_t>(in, pos, path);
    if (kernel != 0 && kernel != 1)
        throw std::runtime_error(path + ": unknown kernel in the KRR model");
    model.kernel = kernel == 0 ? KrrKernel::Laplacian : KrrKernel::Gaussian;
    model.sigma = take<double>(in, pos, path);
    model.lambda = take<double>(in, pos, path);
    model.mean = take<double>(in, pos, path);
    model.d = take<std::int32_t>(in, pos, path);
    const auto n = take<std::int64_t>(in, pos, path);
    if (model.d <= 0 || n <= 0 || !(model.sigma > 0) ||
        in.size() - pos !=
            static_cast<std::size_t>(n) * (static_cast<std::size_t>(model.d) + 1) * sizeof(double))
        throw std::runtime_error(path + ": the KRR model is damaged (sizes do not match)");
    const std::size_t nx = static_cast<std::size_t>(n) * static_cast<std::size_t>(model.d);
    model.X.resize(nx);
    std::memcpy(model.X.data(), in.data() + pos, nx * sizeof(double));
    pos += nx * sizeof(double);
    model.alpha.resize(static_cast<std::size_t>(n));
    std::memcpy(model.alpha.data(), in.data() + pos, static_cast<std::size_t>(n) * sizeof(double));
    return model;
}

} // namespace qm7
