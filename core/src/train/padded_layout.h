#pragma once
/// @file padded_layout.h
/// The trainer's internal feature order that lets it skip the zero padding of Coulomb matrices.
///
/// A molecule of N atoms padded to n has nonzero Coulomb-matrix entries only in rows and columns
/// below N. Ordered by shell, max(row, column), its nonzero upper-triangle features are then a
/// prefix of N (N + 1) / 2 of the d = n (n + 1) / 2 features. The products X W1^T and
/// dW1 = dH^T X need only each row's prefix. The reordering is internal: W1's columns are
/// permuted on the way in and back on the way out, so every weight a user sees keeps the data
/// set's own feature order. A row's prefix is measured, not assumed (the index of its last
/// nonzero + 1), so the skip is exact for any row, even one whose padding is not at the end.

#include <cstddef>
#include <vector>

namespace qm7::detail {

struct RowBlocks;

/// Rows of a training minibatch per block of the skip (measured by qm7-bench: see bench/README).
constexpr int kSkipBlockRows = 20;
/// Rows per block in the evaluation passes (sorted over 500 rows, so blocks are homogeneous).
constexpr int kSkipEvalBlockRows = 50;
/// The skip is used when the prefixes hold at most this fraction of the features on average.
constexpr double kSkipMaxFraction = 0.85;

/// n with d = n (n + 1) / 2 (n >= 2), or 0 when d is not such a number.
int triangleSide(int d);

/// The shell order of an n x n upper triangle stored row by row (i <= j): position k of the
/// internal order holds data feature order[k]. Entry (i, j) is in shell j; within a shell by i.
std::vector<int> shellOrder(int n);

/// The number of leading features that hold all nonzeros of a row: last nonzero index + 1.
int prefixLength(const float* row, int d);

/// What the data looks like in the shell order.
struct PrefixStats {
    std::size_t rows = 0;
    double meanPrefix = 0; ///< mean prefix length
    double fraction = 1;   ///< meanPrefix / d: the share of a dense product the prefixes need
    /// Rows whose prefix contains a zero diagonal entry: padding that is not at the end (a
    /// randomly sorted matrix whose noise moved a padding row forward). Handled exactly.
    std::size_t innerPadding = 0;
};

/// The feature order the trainer uses internally, and the conversions to and from it.
class PaddedLayout {
  public:
    /// The identity (dense path) for d features.
    static PaddedLayout dense(int d);
    /// Detected from rows x d features: the shell order when d is triangular and the rows'
    /// nonzeros, so reordered, need at most kSkipMaxFraction of the features on average; the
    /// dense layout otherwise (eigenspectra, expanded or arbitrary features).
    static PaddedLayout detect(const float* X, std::size_t rows, int d);

    bool active() const { return !m_order.empty(); }
    int d() const { return m_d; }
    /// Statistics of the data it was detected from.
    const PrefixStats& stats() const { return m_stats; }

    /// Rows x d features from the data order to the internal order, in place; fills the prefix
    /// length of every row (d for all of them when not active).
    void toInternal(float* X, std::size_t rows, std::vector<int>& prefix) const;
    /// W1 (p rows of d) from the data order to the internal order, in place.
    void weightsToInternal(float* w1, int p) const;
    /// W1 (p rows of d) from the internal order back to the data order, in place.
    void weightsToData(float* w1, int p) const;

    /// Statistics of rows x d features already in the internal order.
    PrefixStats measure(const float* X, std::size_t rows) const;

  private:
    int m_d = 0;
    std::vector<int> m_order; ///< internal position -> data feature; empty = identity
    PrefixStats m_stats;
};

/// Orders rows by prefix length, longest first (ties by position, so the order is
/// deterministic), and splits them into blocks of at most blockRows rows. order[i] is the
/// position in `prefix` of the i-th row in the new order.
void sortIntoBlocks(const int* prefix, int rows, int blockRows, std::vector<int>& order,
                    RowBlocks& blocks);

} // namespace qm7::detail
