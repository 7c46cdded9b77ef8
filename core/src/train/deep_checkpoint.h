#pragma once
/// @file deep_checkpoint.h
/// The state of a deep run between steps, and its checkpoint file (binary, written atomically).
/// Batches and input draws are derived from (seed, step), so the step is the whole random state.

#include "qm7/train/deep_trainer.h"
#include "train/deep_kernels.h"

#include <cmath>
#include <string>
#include <vector>

namespace qm7::detail {

struct DeepState {
    std::string key; ///< what must match to resume (see checkpointKey)
    long long step = 0;
    double seconds = 0; ///< wall time spent so far
    std::vector<float> params, m, v, average, best;
    double bestVal = INFINITY;
    long long bestStep = 0;
    double lossSum = 0;
    long long lossCount = 0;
    std::vector<DeepStats> history;
};

/// Everything of a config and network that the state depends on (not the step count).
std::string checkpointKey(const DeepConfig& config, const DeepShape& shape);

void writeCheckpoint(const std::string& path, const DeepState& state);
/// Reads a checkpoint into state when its key equals state.key and returns true; returns false
/// (state untouched) for another run's checkpoint; throws std::runtime_error for a damaged file.
bool readCheckpoint(const std::string& path, DeepState& state);

} // namespace qm7::detail
