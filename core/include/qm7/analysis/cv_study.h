#pragma once
/// @file cv_study.h
/// A whole cross-validation into a results folder, as `qm7 cv` and the workbench's
/// Cross-validation tab run it: the partition (the saved partition.json, else the P of a
/// qm7.mat, else seeded, then saved), finished folds read back from disk, the others trained
/// one after another (cancel between and inside folds), mean ± std of the errors and cv.csv.

#include "qm7/analysis/cross_validation.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/util/series.h"

#include <string>
#include <vector>

namespace qm7 {

/// What a cross-validation runs.
struct CvStudyConfig {
    std::string out;        ///< results folder (created); reruns continue it
    std::string sourceName; ///< the molecules' name in messages ("demo", a path)
    int folds = 5;
    int onlyFold = -1; ///< -1 = every fold, else only this one
    CvModel model = CvModel::Krr;
    /// The fold settings (valFraction and seed included). The study sets the observers and
    /// settings.control; the rest is the caller's.
    CvSettings settings;
    int trainSize = 0; ///< 0 = all training molecules of a fold, else the first n of them
    /// A qm7.mat whose P gives the folds (same molecules, same order); "" = the source's own
    /// folds (a .mat) or a seeded partition.
    std::string foldsFrom;
};

/// Told what the study does; every call comes from the thread that runs it.
class CvStudyObserver {
  public:
    virtual ~CvStudyObserver() = default;
    /// The partition is known (read, taken from P or drawn); unused = molecules in no fold.
    virtual void onPartition(const CvPartition& /*partition*/, int /*unused*/) {}
    /// A fold starts training (not called for folds read from disk).
    virtual void onFoldStart(int /*fold*/, const FoldSplit& /*split*/) {}
    /// Kernel ridge regression: done of total grid points (sigma, lambda) of the fold.
    virtual void onKrrProgress(int /*done*/, int /*total*/) {}
    /// The one-hidden-layer network: after every epoch.
    virtual void onEpoch(const EpochStats& /*stats*/) {}
    /// The paper's network: step of total (resumed steps included), wall seconds so far.
    virtual void onDeepProgress(long long /*step*/, long long /*total*/, double /*seconds*/) {}
    /// The paper's network: at every validation.
    virtual void onDeepEval(const DeepStats& /*stats*/) {}
    /// A fold's result.json is not reused as it is, or is reused with a caveat: why, in words.
    virtual void onFoldNote(int /*fold*/, const std::string& /*note*/) {}
    /// A fold is done: trained now (fromDisk false) or read from its result.json.
    virtual void onFoldDone(const FoldResult& /*result*/, bool /*fromDisk*/) {}
};

/// What a cross-validation produced.
struct CvStudyResult {
    CvPartition partition;
    int unused = 0;                ///< molecules in no fold
    std::vector<FoldResult> folds; ///< the finished folds, in order
    std::vector<bool> fromDisk;    ///< per fold: read back, not trained now
    /// over the folds that did not fail (seconds over folds whose time is known)
    MeanStd mae, rmse, valMae, seconds;
    int failed = 0;         ///< folds whose test error is not a number (FoldResult::failed)
    bool cancelled = false; ///< stopped before every fold asked for was done
};

/// The partition of a results folder: out/partition.json when it exists (it must fit the
/// molecules and the number of folds), else the P of foldsFrom or of the source (a .mat),
/// else a seeded one; a new partition is saved as out/partition.json, created only when absent
/// (tasks of a job array racing all get the first one written). Throws
/// std::invalid_argument with a clear message when it does not fit.
CvPartition studyPartition(const CvStudyConfig& config, const MoleculeSource& source,
                           int* unused = nullptr);

/// The settings that make a fold's result, in words ("model krr; representation bob; ...;
/// partition <hash>"): model, representation, padding, validation fraction, seed, training
/// size, the partition, and the model's own settings (kernel and grid; width, epochs, rate and
/// batch; steps, validation interval and the weights tested).
std::string cvFingerprint(const CvStudyConfig& config, const CvPartition& partition);

/// The settings two fingerprints differ in, e.g. "representation sorted, now bob"; "" if none.
std::string fingerprintDifference(const std::string& stored, const std::string& now);

/// Runs the cross-validation of config on the molecules of source. Folds whose result.json
/// exists and whose fingerprint matches are read (one without a fingerprint, written before
/// they were stored, is read with a note); krr and mlp folds of other settings are trained
/// again (with a note), a paper network's throws std::invalid_argument saying why (its
/// checkpoint belongs to the other settings); the others are trained (the paper's network
/// resumes from its checkpoint);
/// control (optional) cancels: a cancelled fold leaves no result.json. Writes out/cv.csv when
/// any fold is done. Throws std::invalid_argument for settings or folders that do not fit
/// (e.g. a result of another model), and what the models throw.
CvStudyResult runCvStudy(const MoleculeSource& source, const CvStudyConfig& config,
                         CvStudyObserver* observer = nullptr, TrainControl* control = nullptr);

} // namespace qm7
