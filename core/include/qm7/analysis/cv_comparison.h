#pragma once
/// @file cv_comparison.h
/// The comparison of several cross-validation studies on the same folds (question 8 at
/// cross-validation scale): one row per representation x network with MAE and RMSE mean ± std
/// over folds, folds done and wall time per fold, the published anchors below; written as
/// comparison.csv and comparison.md. Used by `qm7 invariance --folds K`.

#include "qm7/analysis/cross_validation.h"
#include "qm7/analysis/cv_study.h"
#include "qm7/util/series.h"

#include <string>
#include <vector>

namespace qm7 {

/// One study of the comparison.
struct CvComparisonRow {
    std::string representation; ///< e.g. "sorted", "random-sorted + expanded"
    std::string network;        ///< e.g. "1 x 1000 relu", "paper 400-100"
    std::string folder;         ///< the study's results folder, as given
    int foldsDone = 0, foldsTotal = 0;
    int foldsReused = 0;        ///< folds read back from disk, not trained now
    MeanStd mae, rmse, seconds; ///< over the finished folds (kcal/mol, wall seconds per fold)
};

/// The row of a finished (or partly finished) study.
CvComparisonRow comparisonRow(const std::string& representation, const std::string& network,
                              const std::string& folder, int folds, const CvStudyResult& study);

/// True when both partitions hold the same folds of the same molecules.
bool samePartition(const CvPartition& a, const CvPartition& b);

/// comparison.csv text: a header, one line per row, then one per anchor (network "published").
std::string comparisonCsv(const std::vector<CvComparisonRow>& rows,
                          const std::vector<CvAnchor>& anchors);

/// comparison.md text: title, a Markdown table of the rows, then the anchors' table.
std::string comparisonMarkdown(const std::string& title, const std::vector<CvComparisonRow>& rows,
                               const std::vector<CvAnchor>& anchors);

/// Writes dir/comparison.csv and dir/comparison.md atomically.
void writeComparison(const std::string& dir, const std::string& title,
                     const std::vector<CvComparisonRow>& rows,
                     const std::vector<CvAnchor>& anchors);

} // namespace qm7
