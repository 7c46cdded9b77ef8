#pragma once
/// @file network_resumable.h
/// trainResumable (resumable.h) for a network other than the homework's (NetworkChoice: several
/// hidden layers, another activation): finished runs already in their folders (same network and
/// settings) are read back, the rest train side by side through trainNetworkRuns, each saved as
/// a deep run folder (saveDeepRun) the moment it ends and checkpointed in its folder, so that a
/// cancelled run resumes where it stopped.

#include "qm7/train/deep_runs.h"
#include "qm7/train/trainer.h"

#include <string>
#include <vector>

namespace qm7 {

/// True when dir holds a finished deep run of config with network n on data's training rows;
/// it is read into *out (its config set to config) when out is given. A damaged folder counts
/// as not finished.
bool loadFinishedNetworkRun(const std::string& dir, const TrainConfig& config,
                            const NetworkChoice& n, const Dataset& data, RunResult* out);

/// Trains configs[i] with networks[i] into dirs[i] unless dirs[i] already holds that finished
/// run. The runs to train go side by side, the costliest (weights x steps) first so that the
/// threads end together. The observer sees run indices of configs and progress over the runs
/// still to train. Throws std::invalid_argument for an invalid network or config,
/// std::runtime_error when a run cannot be saved (after training, naming the folder).
std::vector<RunResult> trainNetworkResumable(const Dataset& data,
                                             const std::vector<TrainConfig>& configs,
                                             const std::vector<NetworkChoice>& networks,
                                             const std::vector<std::string>& dirs,
                                             const std::string& dataSource,
                                             const TrainOptions& options, int* reused = nullptr);

} // namespace qm7
