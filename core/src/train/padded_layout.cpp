#include "train/padded_layout.h"

#include "train/mlp_kernels.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qm7::detail {

int triangleSide(int d) {
    if (d < 3)
        return 0;
    const int n = static_cast<int>(std::lround((std::sqrt(8.0 * d + 1.0) - 1.0) / 2.0));
    return n * (n + 1) / 2 == d ? n : 0;
}

std::vector<int> shellOrder(int n) {
    // Row-major upper triangle: entry (i, j), i <= j, is at i n - i (i - 1) / 2 + (j - i).
    auto dataIndex = [n](int i, int j) { return i * n - i * (i - 1) / 2 + (j - i); };
    std::vector<int> order;
    order.reserve(static_cast<std::size_t>(n) * (n + 1) / 2);
    for (int j = 0; j < n; ++j)
        for (int i = 0; i <= j; ++i)
            order.push_back(dataIndex(i, j));
    return order;
}

int prefixLength(const float* row, int d) {
    int k = d;
    while (k > 0 && row[k - 1] == 0.0f)
        --k;
    return k;
}

PaddedLayout PaddedLayout::dense(int d) {
    PaddedLayout layout;
    layout.m_d = d;
    layout.m_stats.meanPrefix = d;
    return layout;
}

PaddedLayout PaddedLayout::detect(const float* X, std::size_t rows, int d) {
    PaddedLayout shell = dense(d);
    const int n = triangleSide(d);
    if (n == 0 || rows == 0)
        return shell;
    shell.m_order = shellOrder(n);
    std::vector<float> copy(X, X + rows * static_cast<std::size_t>(d));
    std::vector<int> prefix;
    shell.toInternal(copy.data(), rows, prefix);
    shell.m_stats = shell.measure(copy.data(), rows);
    if (shell.m_stats.fraction > kSkipMaxFraction) {
        PaddedLayout plain = dense(d);
        plain.m_stats = shell.m_stats;
        return plain;
    }
    return shell;
}

void PaddedLayout::toInternal(float* X, std::size_t rows, std::vector<int>& prefix) const {
    prefix.resize(rows);
    const auto d = static_cast<std::size_t>(m_d);
    std::vector<float> row(d);
    for (std::size_t r = 0; r < rows; ++r) {
        float* x = X + r * d;
        if (active()) {
            for (std::size_t k = 0; k < d; ++k)
                row[k] = x[m_order[k]];
            std::copy(row.begin(), row.end(), x);
            prefix[r] = prefixLength(x, m_d);
        } else {
            prefix[r] = m_d;
        }
    }
}

namespace {

/// Permutes the columns of W1 (p rows of d) in place: to the internal order
/// (column k <- column order[k]) or back to the data set's (column order[k] <- column k).
void permuteColumns(float* w1, int p, int d, const std::vector<int>& order, bool toInternal) {
    std::vector<float> row(static_cast<std::size_t>(d));
    for (int j = 0; j < p; ++j) {
        float* w = w1 + static_cast<std::size_t>(j) * d;
        for (int k = 0; k < d; ++k) {
            const auto from = static_cast<std::size_t>(order[static_cast<std::size_t>(k)]);
            if (toInternal)
                row[static_cast<std::size_t>(k)] = w[from];
            else
                row[from] = w[k];
        }
        std::copy(row.begin(), row.end(), w);
    }
}

} // namespace

void PaddedLayout::weightsToInternal(float* w1, int p) const {
    if (active())
        permuteColumns(w1, p, m_d, m_order, true);
}

void PaddedLayout::weightsToData(float* w1, int p) const {
    if (active())
        permuteColumns(w1, p, m_d, m_order, false);
}

PrefixStats PaddedLayout::measure(const float* X, std::size_t rows) const {
    PrefixStats s;
    s.rows = rows;
    if (rows == 0 || m_d == 0)
        return s;
    const int n = triangleSide(m_d);
    double sum = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        const float* x = X + r * static_cast<std::size_t>(m_d);
        const int len = active() ? prefixLength(x, m_d) : m_d;
        sum += len;
        if (!active() || n == 0)
            continue;
        // The diagonal entry (s, s) of shell s is its last one: s (s + 1) / 2 + s.
        for (int shell = 0; shell < n && shell * (shell + 1) / 2 < len; ++shell)
            if (x[shell * (shell + 1) / 2 + shell] == 0.0f) {
                ++s.innerPadding;
                break;
            }
    }
    s.meanPrefix = sum / static_cast<double>(rows);
    s.fraction = s.meanPrefix / m_d;
    return s;
}

void sortIntoBlocks(const int* prefix, int rows, int blockRows, std::vector<int>& order,
                    RowBlocks& blocks) {
    order.resize(static_cast<std::size_t>(rows));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [prefix](int a, int b) { return prefix[a] > prefix[b]; });
    blocks.end.clear();
    blocks.cols.clear();
    blockRows = std::max(1, blockRows);
    for (int r0 = 0; r0 < rows; r0 += blockRows) {
        const int r1 = std::min(rows, r0 + blockRows);
        blocks.end.push_back(r1);
        blocks.cols.push_back(prefix[order[static_cast<std::size_t>(r0)]]);
    }
}

} // namespace qm7::detail
