#pragma once
/// @file exploration.h
/// The trials of a hyperparameter exploration (`qm7 sweep --grid/--sample`, the Exploration
/// tab): one row per run with its settings, validation and test error, epochs, time and status;
/// trials.csv (its one writer and reader); and what the tab shows from them: means per setting,
/// the best setting chosen on validation, one setting's profile, two settings' heatmap, and a
/// sentence on each setting's effect.

#include "qm7/analysis/search_space.h"
#include "qm7/train/trainer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qm7 {

/// One run of an exploration.
struct ExplorationTrial {
    std::string run; ///< run folder name (trialRunName)
    TrialSetting setting;
    std::uint64_t seed = 0;
    double valLoss = 0;  ///< lowest validation MSE (normalized): what chooses
    double valRmse = 0;  ///< kcal/mol, at that epoch
    double testRmse = 0; ///< kcal/mol, best-validation weights: shown, never used to choose
    int epochs = 0;      ///< epochs trained
    double seconds = 0;
    std::string status = "finished"; ///< finished, stopped (successive halving) or cancelled
};

/// A trial from a finished (or cancelled) run.
ExplorationTrial explorationTrialOf(const TrialSetting& setting, const RunResult& run,
                                    const std::string& status);

/// trials.csv: run,status,seed,<each setting>,val_loss,val_rmse,test_rmse,epochs,seconds.
std::string trialsCsv(const std::vector<ExplorationTrial>& trials);
/// Reads trialsCsv's text; throws std::invalid_argument naming the bad line.
std::vector<ExplorationTrial> parseTrialsCsv(const std::string& text);
/// Writes trials.csv atomically / reads it (std::invalid_argument or std::runtime_error).
void writeTrialsCsv(const std::string& path, const std::vector<ExplorationTrial>& trials);
std::vector<ExplorationTrial> readTrialsCsv(const std::string& path);

/// The folder of a trial's run in the sweep folder `sweepDir`: runs/<run> for a grid or a sample,
/// halving-<budget>/<run> of its largest budget for successive halving; "" when none exists.
std::string trialRunDir(const std::string& sweepDir, const std::string& run);

/// The setting names of trials, in their order.
std::vector<std::string> explorationSettingNames(const std::vector<ExplorationTrial>& trials);

/// A setting's trials over seeds: mean and sample std.
struct SettingSummary {
    TrialSetting setting;
    double valLossMean = 0;
    double valMean = 0, valStd = 0;   ///< validation RMSE, kcal/mol
    double testMean = 0, testStd = 0; ///< test RMSE, kcal/mol
    int runs = 0;
    bool stopped = false; ///< its runs were stopped by successive halving
};

/// Finished and stopped trials grouped by setting (cancelled ones skipped), in first-seen order.
std::vector<SettingSummary> summarizeSettings(const std::vector<ExplorationTrial>& trials);

/// The index into summaries of the lowest mean validation loss among settings not stopped;
/// -1 when there is none. The test error never enters the choice.
int bestSetting(const std::vector<SettingSummary>& summaries);

/// Validation RMSE against one setting's values, over every other setting and seed.
struct ProfilePoint {
    std::string value;
    double x = 0; ///< the value as a number (its rank for text values)
    double mean = 0, std = 0, min = 0, max = 0;
    int runs = 0;
};
/// Sorted by x; finished trials only.
std::vector<ProfilePoint> settingProfile(const std::vector<ExplorationTrial>& trials,
                                         const std::string& name);

/// Mean validation RMSE per (a value, b value), finished trials only; NaN where no trial.
struct Heatmap {
    std::vector<std::string> xValues, yValues; ///< sorted like settingProfile
    std::vector<std::vector<double>> mean;     ///< mean[yi][xi]
    std::vector<std::vector<int>> runs;
};
Heatmap settingHeatmap(const std::vector<ExplorationTrial>& trials, const std::string& x,
                       const std::string& y);

/// One sentence on the effect of a setting on the validation error, e.g. "validation error
/// falls with hidden from 10 to 1000 (12.1 -> 4.2 kcal/mol), then is flat within the seed
/// spread". "Within the seed spread": within the largest std over seeds of one setting.
std::string settingEffect(const std::vector<ExplorationTrial>& trials, const std::string& name);

/// The homework folder's exploration: dir/exploration/trials.csv (`qm7 sweep --grid ... --out
/// DIR/exploration`); empty when there is none. Throws std::invalid_argument when it is damaged.
std::vector<ExplorationTrial> readHomeworkExploration(const std::string& dir);

/// The report's "Exploration" section (markdown; "" for no trials): each setting's validation
/// RMSE over seeds, the best setting chosen on validation with its test RMSE shown once beside
/// it, and settingEffect's sentence for each setting.
std::string explorationMarkdown(const std::vector<ExplorationTrial>& trials);

} // namespace qm7
