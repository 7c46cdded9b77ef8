#pragma once
/// @file search_space.h
/// Hyperparameter search spaces for `qm7 sweep --grid` and `--sample`: parsed from text such as
/// "lr=1e-4,1e-3; hidden=10,100" (a grid: every combination) or
/// "lr=1e-5..1e-1 log; hidden=10..5000 log; batch=25,50" (a space to draw trials from, with a
/// seed), and turned into training configs.

#include "qm7/train/deep_runs.h"
#include "qm7/train/trainer.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace qm7 {

/// The settings a space can name: lr, hidden, batch, epochs, weight_decay, activation, layers,
/// representation.
const std::vector<std::string>& searchSettingNames();

/// One setting of a space: a list of values, or (sample spaces only) a range lo..hi drawn
/// uniformly, or log-uniformly with `log`.
struct SearchAxis {
    std::string name;
    std::vector<std::string> values; ///< the list, canonical text ("0.001", "100", "relu")
    bool range = false;
    double lo = 0, hi = 0;
    bool log = false;
};

struct SearchSpace {
    std::vector<SearchAxis> axes; ///< in the order written
};

/// One trial's settings: (name, value) in the space's order.
using TrialSetting = std::vector<std::pair<std::string, std::string>>;

/// Parses a grid ("name=v1,v2; name=v3"); throws std::invalid_argument with one sentence
/// naming the bad part (unknown name, empty list, repeated name, lr <= 0, negative width, ...).
SearchSpace parseGrid(const std::string& text);

/// Parses a sample space: lists as in a grid, or ranges "lo..hi" with an optional "log";
/// throws std::invalid_argument as parseGrid does (also for an empty range, lo >= hi, or log
/// over values <= 0).
SearchSpace parseSampleSpace(const std::string& text);

/// Every combination of a grid's values, the last axis varying fastest.
std::vector<TrialSetting> gridSettings(const SearchSpace& grid);

/// n settings drawn from space with seed (the same seed draws the same settings); integer
/// settings are rounded; repeated draws are kept once, so fewer than n may come back.
std::vector<TrialSetting> sampleSettings(const SearchSpace& space, int n, std::uint64_t seed);

/// base with the trial's lr, hidden, batch, epochs, weight_decay and representation applied.
/// activation and layers are not TrainConfig fields: see networkForSetting().
TrainConfig configForSetting(const TrainConfig& base, const TrialSetting& setting);

/// The network a trial trains: the setting's number of hidden layers (else base's), each as
/// wide as config.hidden (configForSetting's), with the setting's activation (else base's) and
/// base's optimizer. A setting with neither hidden nor layers keeps base's widths.
NetworkChoice networkForSetting(const NetworkChoice& base, const TrainConfig& config,
                                const TrialSetting& setting);

/// A folder-safe name: "lr1e-03_hidden100_seed0".
std::string trialRunName(const TrialSetting& setting, std::uint64_t seed);

/// "lr=0.001 hidden=100".
std::string settingText(const TrialSetting& setting);

/// The value of name in setting, or "" when it has none.
std::string settingValue(const TrialSetting& setting, const std::string& name);

} // namespace qm7
