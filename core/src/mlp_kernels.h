#pragma once
/// @file mlp_kernels.h
/// Hand-written forward, backward and fused Adam of the d -> p -> 1 ReLU network.
///
/// The gradients of this network are a few GEMMs; calling BLAS directly avoids LibTorch's
/// per-operation overhead, which dominates a step of this size. The tests check these kernels
/// against autograd and torch::optim::Adam.

#include <cstddef>
#include <vector>

namespace qm7::detail {

/// Sizes and offsets of the flat parameter vector [W1 (p x d) | b1 (p) | w2 (p) | b2].
struct MlpShape {
    int d = 0, p = 0;
    std::size_t w1Size() const { return static_cast<std::size_t>(p) * d; }
    std::size_t b1Offset() const { return w1Size(); }
    std::size_t w2Offset() const { return w1Size() + p; }
    std::size_t b2Offset() const { return w1Size() + 2 * static_cast<std::size_t>(p); }
    std::size_t size() const { return w1Size() + 2 * static_cast<std::size_t>(p) + 1; }
};

/// Adam's settings (PyTorch's defaults) and the step's bias corrections.
struct AdamStep {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    long long step = 1; ///< 1-based step count of this update
};

/// Per-thread buffers reused across steps.
struct MlpScratch {
    std::vector<float> hidden;   ///< rows x p activations, then their gradients
    std::vector<float> out;      ///< rows
    std::vector<float> gradTile; ///< a tile of W1's gradient, cache-sized
    std::vector<float> gradTail; ///< gradients of b1, w2, b2
};

/// Normalized predictions of rows x d inputs.
void mlpForward(const MlpShape& shape, const float* params, const float* X, int rows,
                float* out, MlpScratch& scratch);

/// One step on a batch: forward, MSE, backward and Adam (moments m, v updated in place).
/// W1's gradient is produced and consumed tile by tile so it never leaves the cache.
/// Returns the batch loss (before the update).
double mlpTrainStep(const MlpShape& shape, float* params, float* m, float* v,
                    const AdamStep& adam, const float* X, const float* y, int rows,
                    MlpScratch& scratch);

/// Gradient of the batch MSE with respect to all parameters (for tests); returns the loss.
double mlpGradient(const MlpShape& shape, const float* params, const float* X, const float* y,
                   int rows, float* grad, MlpScratch& scratch);

/// Adam on n parameters with gradient g, as torch::optim::Adam computes it.
void adamUpdate(float* params, float* m, float* v, const float* g, std::size_t n,
                const AdamStep& adam);

} // namespace qm7::detail
