#pragma once
/// @file series.h
/// Small statistics over series for display: mean and spread, debiased EMA, histograms.
///
/// Header-only and dependency-free, so the GUI can draw what core computes without adding
/// numeric logic of its own.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

namespace qm7 {

/// Mean and sample standard deviation (n - 1 in the denominator; 0 for n < 2).
struct MeanStd {
    double mean = 0;
    double std = 0;
    std::size_t n = 0;
};

/// Mean and sample standard deviation of the finite values.
inline MeanStd meanStd(const std::vector<double>& values) {
    MeanStd out;
    double sum = 0;
    for (double v : values) {
        if (std::isfinite(v)) {
            sum += v;
            ++out.n;
        }
    }
    if (out.n == 0)
        return out;
    out.mean = sum / static_cast<double>(out.n);
    if (out.n < 2)
        return out;
    double ss = 0;
    for (double v : values) {
        if (std::isfinite(v))
            ss += (v - out.mean) * (v - out.mean);
    }
    out.std = std::sqrt(ss / static_cast<double>(out.n - 1));
    return out;
}

/// Exponential moving average with TensorBoard's debiasing: s_t = w s_{t-1} + (1 - w) x_t,
/// divided by 1 - w^t so the start is not pulled towards zero. weight in [0, 1); 0 = raw.
inline std::vector<double> debiasedEma(const std::vector<double>& values, double weight) {
    std::vector<double> out(values.size());
    weight = std::clamp(weight, 0.0, 0.999);
    double last = 0;
    double debias = 1;
    for (std::size_t i = 0; i < values.size(); ++i) {
        last = weight * last + (1 - weight) * values[i];
        debias *= weight;
        out[i] = weight > 0 ? last / (1 - debias) : values[i];
    }
    return out;
}

/// Counts of values in equal-width bins over [lo, hi]; the last bin includes hi.
struct Histogram {
    double lo = 0, hi = 1;
    std::vector<int> counts;
    double binWidth() const { return counts.empty() ? 0 : (hi - lo) / counts.size(); }
    double binCenter(std::size_t i) const { return lo + (i + 0.5) * binWidth(); }
};

/// A histogram of values with bins bins over [lo, hi] (values outside are ignored).
template <typename T>
Histogram histogram(const std::vector<T>& values, int bins, double lo, double hi) {
    Histogram h;
    h.lo = lo;
    h.hi = hi > lo ? hi : lo + 1;
    h.counts.assign(static_cast<std::size_t>(std::max(bins, 1)), 0);
    const double width = h.binWidth();
    for (const T& raw : values) {
        const double v = static_cast<double>(raw);
        if (!std::isfinite(v) || v < h.lo || v > h.hi)
            continue;
        auto i = static_cast<std::size_t>((v - h.lo) / width);
        h.counts[std::min(i, h.counts.size() - 1)] += 1;
    }
    return h;
}

/// Lowest and highest finite value of one or more series (lo = hi = 0 when all are empty).
template <typename T>
std::pair<double, double> range(const std::vector<const std::vector<T>*>& series) {
    double lo = INFINITY, hi = -INFINITY;
    for (const auto* s : series) {
        for (const T& raw : *s) {
            const double v = static_cast<double>(raw);
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        }
    }
    if (lo > hi)
        return {0.0, 0.0};
    return {lo, hi};
}

} // namespace qm7
