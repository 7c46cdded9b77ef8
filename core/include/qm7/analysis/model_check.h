#pragma once
/// @file model_check.h
/// Checking a student's model (student_model.h) on the course data: its test predictions in
/// kcal/mol, RMSE, MAE and R², beside a reference (the workbench's own runs at the same settings,
/// one per seed) and a verdict in words: inside the reference's seed spread, or how far outside
/// and where (a constant offset, compressed predictions, the high-energy end). A folder of models
/// gives one row per file; an unreadable file gets its reason in its row.

#include "qm7/io/dataset.h"
#include "qm7/train/metrics.h"
#include "qm7/train/trainer.h"

#include <string>
#include <vector>

namespace qm7 {

/// The units of the model's raw output.
enum class OutputScale {
    Auto,       ///< detected from the spread of the validation predictions
    Normalized, ///< (E - mean) / std with the training labels' mean and std (the homework's)
    Kcal        ///< kcal/mol
};
/// The std the notebook normalized with: torch.std's default (sample, n - 1) or population (n).
enum class StdKind { Sample, Population };

struct CheckOptions {
    OutputScale scale = OutputScale::Auto;
    StdKind std = StdKind::Sample;
};

/// The reference runs: one test result per seed.
struct Reference {
    std::string description;    ///< e.g. "workbench, p 1000, lr 1e-3, 1000 epochs, 3 seeds"
    std::vector<Metrics> seeds; ///< test metrics of each seed
    /// The first seed's test rows (true, predicted; kcal/mol), for the parity plot and residuals.
    std::vector<float> testTrue, testPred;
    bool empty() const { return seeds.empty(); }
    double meanRmse() const;
    double minRmse() const;
    double maxRmse() const;
};

/// The result of checking one file.
struct ModelCheck {
    std::string file;  ///< the path checked
    std::string name;  ///< its file name
    bool ok = false;   ///< false: error says why
    std::string error; ///< why the file could not be checked
    std::string kind;  ///< what was recognized (StudentModel::description)
    int hidden = -1;   ///< p of a state_dict, -1 otherwise
    OutputScale scale = OutputScale::Normalized; ///< the scale used (never Auto)
    bool scaleDetected = false;                  ///< true when scale came from the detection
    double rawSpread = 0; ///< std of the raw validation outputs (the detection's input)
    double labelMean = 0, labelStd = 1;    ///< the unnormalization used
    Metrics test;                          ///< kcal/mol
    double meanResidual = 0;               ///< mean(pred - truth) on test, kcal/mol
    std::vector<float> testTrue, testPred; ///< kcal/mol
    bool inside = false;                   ///< inside the reference's seed spread
    std::string verdict;                   ///< in words; "" without a reference
};

/// "normalized" or "kcal/mol".
std::string outputScaleText(OutputScale s);

/// Trains the reference: config at seeds 0..seeds-1 on data (the workbench's trainer).
Reference trainReference(const Dataset& data, const TrainConfig& config, int seeds,
                         const TrainOptions& options = {});

/// Reads a reference from a run folder, or a folder of run folders (every finished run in it).
/// Throws std::runtime_error when none is found.
Reference loadReference(const std::string& dir);

/// Checks the model file at path on data's splits; never throws for a bad file (ok = false).
/// With a non-empty reference, sets the verdict.
ModelCheck checkModel(const Dataset& data, const std::string& path, const CheckOptions& options,
                      const Reference* reference);

/// The verdict of check against the reference, in words (sets check.inside).
void judge(ModelCheck& check, const Reference& reference);

/// The files of a folder to check, sorted by name (hidden files skipped).
std::vector<std::string> modelFilesIn(const std::string& dir);

/// Writes one CSV row per check (file, kind, test RMSE, MAE, R², scale, verdict or error),
/// atomically.
void writeCheckCsv(const std::vector<ModelCheck>& checks, const std::string& path);

} // namespace qm7
