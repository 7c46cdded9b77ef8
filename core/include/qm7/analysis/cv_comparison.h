#pragma once
/// @file cv_comparison.h
/// The comparison of several cross-validation studies on the same folds (question 8 at
/// cross-validation scale): one row per representation x network with test MAE, validation MAE
/// and test RMSE mean ± std over folds, folds done and failed, and wall time per fold, the
/// published anchors below; written as comparison.csv and comparison.md. Used by `qm7 invariance
/// --folds K`.

#include "qm7/analysis/cross_validation.h"
#include "qm7/analysis/cv_study.h"
#include "qm7/util/series.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace qm7 {

/// One study of the comparison.
struct CvComparisonRow {
    std::string representation; ///< e.g. "sorted", "random-sorted + expanded"
    std::string network;        ///< e.g. "1 x 1000 relu", "paper 400-100"
    std::string folder;         ///< the study's results folder, as given
    int foldsDone = 0, foldsTotal = 0;
    int foldsReused = 0; ///< folds read back from disk, not trained now
    int foldsFailed = 0; ///< finished folds whose test error is NaN (not in the means)
    /// over the finished folds that did not fail (kcal/mol; valMae: the validation MAE of the
    /// weights tested), wall seconds per fold
    MeanStd mae, rmse, valMae, seconds;
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

/// What a comparison runs: the one-hidden-layer network per representation and, optionally,
/// the paper's network, each a cross-validation study in its own folder under out.
struct CvComparisonSettings {
    std::string sourceName; ///< the molecules' name in messages and the title ("demo", a path)
    std::string out;        ///< the folder of the studies and of comparison.csv/.md
    int folds = 5;
    int trainSize = 0;      ///< 0 = all training molecules of a fold
    std::uint64_t seed = 0; ///< partition, validation carve and training
    std::vector<Representation> representations;
    TrainConfig mlp; ///< the one-hidden-layer network (its seed is set to seed)
    int threads = 0;
    bool paper = true;
    long long paperSteps = 0; ///< 0 = the paper's 1,000,000
};

/// One study of the plan: its configuration and its row's labels.
struct CvComparisonStudy {
    CvStudyConfig config; ///< config.out = out/folder
    std::string representation, network;
    std::string folder; ///< relative to the comparison's folder, e.g. "cv-mlp-sorted"
};

/// The studies of settings, representations first, then the paper's network. Throws
/// std::invalid_argument with a clear message for settings that do not fit.
std::vector<CvComparisonStudy> planComparison(const CvComparisonSettings& settings);

/// The title of the comparison's table.
std::string comparisonTitle(const CvComparisonSettings& settings);

/// Told what the comparison does; every call comes from the thread that runs it.
struct CvComparisonCallbacks {
    /// Study index starts; returns its observer (may be null, must live until studyDone).
    std::function<CvStudyObserver*(std::size_t index, const CvComparisonStudy& study)> studyStarts;
    /// Study index ended (finished or cancelled) with this row.
    std::function<void(std::size_t index, const CvComparisonRow& row)> studyDone;
};

/// What a comparison produced.
struct CvComparisonResult {
    std::vector<CvComparisonRow> rows; ///< one per study run (fewer when cancelled)
    bool cancelled = false;
};

/// Runs (or continues: finished folds are read back) every study of plan one after another on
/// the molecules of source, checks they share one partition, and writes comparison.csv and
/// comparison.md into settings.out (also when cancelled). control (optional) cancels. Throws
/// std::invalid_argument when a study does not fit (another partition, another model's folder).
CvComparisonResult runComparison(const MoleculeSource& source, const CvComparisonSettings& settings,
                                 const std::vector<CvComparisonStudy>& plan,
                                 const CvComparisonCallbacks& callbacks = {},
                                 TrainControl* control = nullptr);

} // namespace qm7
