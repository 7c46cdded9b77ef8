#pragma once
/// @file model_weights.h
/// The weights of a trained network as plain vectors, in PyTorch's layout.

#include <vector>

namespace qm7 {

/// Weights of one model in PyTorch's layout (fc1.weight is hidden x d, row-major).
struct ModelWeights {
    int d = 0, hidden = 0;
    std::vector<float> w1; ///< hidden * d
    std::vector<float> b1; ///< hidden
    std::vector<float> w2; ///< hidden (fc2.weight, 1 x hidden)
    float b2 = 0;          ///< fc2.bias
};

} // namespace qm7
