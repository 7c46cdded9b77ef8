#include "qm7/train/metrics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace qm7 {

Metrics computeMetrics(const std::vector<float>& truth, const std::vector<float>& pred) {
    if (truth.size() != pred.size() || truth.empty())
        throw std::invalid_argument("metrics need equal, non-empty truth and prediction lists");
    Metrics m;
    m.n = truth.size();
    double mean = 0;
    for (float t : truth)
        mean += t;
    mean /= static_cast<double>(m.n);
    double sse = 0, sae = 0, sst = 0;
    for (std::size_t i = 0; i < m.n; ++i) {
        const double e = static_cast<double>(pred[i]) - truth[i];
        sse += e * e;
        sae += std::abs(e);
        m.maxError = std::max(m.maxError, std::abs(e));
        sst += (truth[i] - mean) * (truth[i] - mean);
    }
    m.mse = sse / static_cast<double>(m.n);
    m.rmse = std::sqrt(m.mse);
    m.mae = sae / static_cast<double>(m.n);
    m.r2 = sst > 0 ? 1.0 - sse / sst : 0.0;
    return m;
}

} // namespace qm7
