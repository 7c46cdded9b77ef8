#pragma once
/// @file mlp_kernels.h
/// Hand-written forward, backward and fused Adam of the d -> p -> 1 ReLU network.
///
/// The gradients of this network are a few GEMMs; calling BLAS directly avoids LibTorch's
/// per-operation overhead, which dominates a step of this size. The tests check these kernels
/// against autograd and torch::optim::Adam.

#include "qm7/train/model_weights.h"

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

/// A model's parameters as one flat vector in MlpShape's order (the one packing of weights).
std::vector<float> packParameters(const ModelWeights& weights);

/// The weights of a flat parameter vector of the given shape.
ModelWeights unpackParameters(const MlpShape& shape, const float* params);

/// Adam's settings (PyTorch's defaults) and the step's bias corrections.
struct AdamStep {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    long long step = 1;     ///< 1-based step count of this update
    double weightDecay = 0; ///< L2: weightDecay x param is added to the gradient
};

/// A batch's rows in blocks for skipping zero features (see padded_layout.h): block b holds rows
/// [end[b-1], end[b]) (end[-1] = 0), and its rows' features from cols[b] on are all zero.
/// cols never increases from one block to the next (rows sorted by prefix, longest first).
/// A null RowBlocks is the dense path: every feature of every row is used.
struct RowBlocks {
    std::vector<int> end, cols;
    int blocks() const { return static_cast<int>(end.size()); }
    int rows() const { return end.empty() ? 0 : end.back(); }
};

/// Per-thread buffers reused across steps.
struct MlpScratch {
    std::vector<float> hidden;   ///< rows x p activations, then their gradients
    std::vector<float> out;      ///< rows
    std::vector<float> gradTile; ///< a tile of W1's gradient, cache-sized
    std::vector<float> gradTail; ///< gradients of b1, w2, b2
    std::vector<float> partial;  ///< per-block partial sums of the output
};

/// Where a training step's time goes, in seconds accumulated over calls (for the benchmark).
/// mlpTrainStep adds to every field except `gather`, which is the caller's (the batch copy
/// happens before the step). With threads > 1 the phases split by blocks (forward, reluLayer2,
/// backward, dW1, adam) are thread 0's share, i.e. the calling thread's: with an even split,
/// one thread's time. The serial phases (loss, b2's update) run on the calling thread too.
/// `wall` is the whole call; wall minus the phases is starting and joining the other threads
/// and waiting for them.
struct StepProfile {
    double gather = 0;     ///< the caller's: copying the batch's rows
    double forward = 0;    ///< H = X W1^T (GEMM)
    double reluLayer2 = 0; ///< bias, ReLU and the output's partial sums
    double loss = 0;       ///< summing the output, the MSE and dL/dout
    double backward = 0;   ///< dL/dH and the gradients of b1, w2, b2
    double dW1 = 0;        ///< dW1 = dH^T X, tile by tile (GEMM)
    double adam = 0;       ///< Adam on W1 (tile by tile), b1, w2, b2
    double wall = 0;       ///< the whole mlpTrainStep call
    long long steps = 0;   ///< calls profiled
    /// The sum of the phases, gather included.
    double phases() const { return gather + forward + reluLayer2 + loss + backward + dW1 + adam; }
};

/// Normalized predictions of rows x d inputs. With `blocks`, each block's product runs only over
/// its first cols[b] features (the rest are zero).
void mlpForward(const MlpShape& shape, const float* params, const float* X, int rows, float* out,
                MlpScratch& scratch, const RowBlocks* blocks = nullptr);

/// One step on a batch: forward, MSE, backward and Adam (moments m, v updated in place).
/// W1's gradient is produced and consumed tile by tile so it never leaves the cache.
/// The step is split over `threads` threads by blocks of hidden units (call it with
/// single-threaded BLAS); the result does not depend on the thread count.
/// With a `profile`, each phase is timed (steady_clock) and added to it; the results are the
/// same bit for bit. Without one (the default) nothing is timed.
/// With `blocks` (rows sorted by prefix, longest first), X W1^T runs block by block over each
/// block's prefix, and dW1 = dH^T X column range by column range over the rows that reach it:
/// the zero features are never multiplied. Adam still updates every parameter.
/// Returns the batch loss (before the update).
double mlpTrainStep(const MlpShape& shape, float* params, float* m, float* v, const AdamStep& adam,
                    const float* X, const float* y, int rows, MlpScratch& scratch, int threads = 1,
                    StepProfile* profile = nullptr, const RowBlocks* blocks = nullptr);

/// Gradient of the batch MSE with respect to all parameters (for tests); returns the loss.
double mlpGradient(const MlpShape& shape, const float* params, const float* X, const float* y,
                   int rows, float* grad, MlpScratch& scratch);

/// Adam on n parameters with gradient g, as torch::optim::Adam computes it.
void adamUpdate(float* params, float* m, float* v, const float* g, std::size_t n,
                const AdamStep& adam);

} // namespace qm7::detail
