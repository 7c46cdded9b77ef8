#pragma once
/// @file resumable.h
/// Training a list of runs into run folders so that an interrupted job continues where it
/// stopped: finished runs already on disk (same config) are loaded, the rest are trained a few at
/// a time and saved the moment each one ends.

#include "qm7/train/trainer.h"

#include <string>
#include <vector>

namespace qm7 {

/// True when two configs describe the same run.
bool sameRun(const TrainConfig& a, const TrainConfig& b);

/// True when dir holds a finished run of config (a damaged folder counts as not finished); the
/// run is read into *out when out is given.
bool loadFinishedRun(const std::string& dir, const TrainConfig& config, RunResult* out);

/// Trains configs[i] into dirs[i] unless dirs[i] already holds that finished run.
/// Runs are trained whole, one per worker thread, longest first, so that they finish, and are
/// saved, one after another (at most `chunk` runs per training call; 0 = no limit). The observer
/// sees run indices of `configs` and progress over all runs still to train. Cancelled runs are
/// saved as such and are trained again next time.
std::vector<RunResult> trainResumable(const Dataset& data, const std::vector<TrainConfig>& configs,
                                      const std::vector<std::string>& dirs,
                                      const std::string& dataSource, const TrainOptions& options,
                                      int chunk = 0, int* reused = nullptr);

} // namespace qm7
