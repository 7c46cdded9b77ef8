#include "qm7/analysis/krr_curve.h"

#include "qm7/train/metrics.h"
#include "qm7/train/trainer.h"
#include "qm7/util/series.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace qm7 {

namespace {

std::vector<double> toDouble(const std::vector<float>& v) {
    return std::vector<double>(v.begin(), v.end());
}

/// The rows `index` of a split as doubles.
void gather(const Split& split, int d, const std::vector<int>& index, std::vector<double>& X,
            std::vector<double>& y) {
    X.clear();
    y.clear();
    for (int r : index) {
        X.insert(X.end(), split.X.begin() + static_cast<std::ptrdiff_t>(r) * d,
                 split.X.begin() + static_cast<std::ptrdiff_t>(r + 1) * d);
        y.push_back(split.y[r]);
    }
}

bool positiveFinite(const std::vector<double>& v) {
    return !v.empty() &&
           std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x) && x > 0; });
}

} // namespace

std::string validateKrrCurve(const KrrCurveConfig& c, const Dataset& data) {
    std::ostringstream why;
    const int available = static_cast<int>(data.train.rows());
    if (c.sizes.empty())
        why << "no training sizes";
    for (int n : c.sizes)
        if (why.tellp() == 0 && (n < 2 || n > available))
            why << "training size " << n << " must be between 2 and the " << available
                << " training rows";
    if (why.tellp() == 0 && (c.seeds < 1 || c.seeds > 1000))
        why << "the number of seeds must be between 1 and 1000";
    if (why.tellp() == 0 && (!positiveFinite(c.sigmaFactors) || !positiveFinite(c.lambdas)))
        why << "kernel widths and regularizations must be positive numbers";
    if (why.tellp() == 0 && (data.val.rows() == 0 || data.test.rows() == 0))
        why << "the data set needs validation and test rows";
    return why.str();
}

double medianRowDistance(const std::vector<float>& X, int d, bool l2) {
    const int rows = d > 0 ? static_cast<int>(X.size()) / d : 0;
    const int m = std::min(rows, 200);
    std::vector<double> dist;
    for (int i = 0; i < m; ++i)
        for (int j = i + 1; j < m; ++j) {
            double s = 0;
            for (int k = 0; k < d; ++k) {
                const double diff = static_cast<double>(X[i * d + k]) - X[j * d + k];
                s += l2 ? diff * diff : std::fabs(diff);
            }
            if (s > 0)
                dist.push_back(l2 ? std::sqrt(s) : s);
        }
    if (dist.empty())
        return 0;
    std::nth_element(dist.begin(), dist.begin() + dist.size() / 2, dist.end());
    return dist[dist.size() / 2];
}

std::vector<CurveRow> krrLearningCurve(const Dataset& data, const KrrCurveConfig& config,
                                       const KrrCurveProgress& progress,
                                       const std::atomic<bool>* cancel) {
    if (const std::string why = validateKrrCurve(config, data); !why.empty())
        throw std::invalid_argument("kernel ridge regression curve: " + why);
    const int d = data.d;
    const double median = medianRowDistance(data.train.X, d, config.kernel == KrrKernel::Gaussian);
    if (!(median > 0))
        throw std::invalid_argument("kernel ridge regression curve: the training rows are all "
                                    "identical");
    KrrGrid grid;
    grid.kernel = config.kernel;
    grid.lambdas = config.lambdas;
    grid.refit = false; // the network's curve never trains on validation rows either
    grid.sigmas.clear();
    for (double f : config.sigmaFactors)
        grid.sigmas.push_back(f * median);
    const std::vector<double> Xval = toDouble(data.val.X), yval = toDouble(data.val.y);
    const std::vector<double> Xtest = toDouble(data.test.X);
    const int total = static_cast<int>(config.sizes.size()) * config.seeds;
    int done = 0;
    std::vector<CurveRow> rows;
    for (int n : config.sizes) {
        std::vector<double> mse, rmse, mae;
        for (int s = 0; s < config.seeds; ++s) {
            if (cancel && cancel->load())
                return rows;
            std::vector<double> X, y;
            gather(
                data.train, d,
                trainingRows(static_cast<int>(data.train.rows()), n, static_cast<std::uint64_t>(s)),
                X, y);
            const KrrSelection sel = selectKrr(X, y, Xval, yval, d, grid);
            const std::vector<double> pred = predictKrr(sel.model, Xtest);
            const Metrics test =
                computeMetrics(data.test.y, std::vector<float>(pred.begin(), pred.end()));
            mse.push_back(test.mse);
            rmse.push_back(test.rmse);
            mae.push_back(test.mae);
            if (progress)
                progress(++done, total);
        }
        const MeanStd m = meanStd(mse), r = meanStd(rmse), a = meanStd(mae);
        CurveRow row;
        row.n = n;
        row.mseMean = m.mean;
        row.mseStd = m.std;
        row.rmseMean = r.mean;
        row.rmseStd = r.std;
        row.maeMean = a.mean;
        row.maeStd = a.std;
        row.runs = config.seeds;
        rows.push_back(row);
    }
    return rows;
}

} // namespace qm7
