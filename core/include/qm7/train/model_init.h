#pragma once
/// @file model_init.h
/// Initial weights without torch in the caller's headers.

#include "qm7/train/model_weights.h"

#include <cstdint>

namespace qm7 {

/// Weights of a fresh model, exactly as torch.manual_seed(seed) + nn.Linear(d,p), nn.Linear(p,1).
ModelWeights initialWeights(int d, int hidden, std::uint64_t seed);

} // namespace qm7
