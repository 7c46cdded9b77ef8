#pragma once
/// @file deep_kernels.h
/// Hand-written forward, backward and fused updates of a multilayer perceptron of any depth.
///
/// Parameters are one flat vector, layer after layer: [W_0 (n_1 x d) | b_0 (n_1) | W_1 | b_1 |
/// ... | W_K (1 x n_K) | b_K (1)], each W in PyTorch's nn.Linear layout (out x in, row-major).
/// Each layer's weight gradient is produced tile by tile (a few rows at a time, by one GEMM) and
/// applied at once (SGD and the running average, or Adam) while it is still in cache.
/// The tests check these kernels against LibTorch's autograd.

#include "qm7/train/deep_trainer.h"

#include <cstddef>
#include <vector>

namespace qm7::detail {

/// Shapes and offsets of the flat parameter vector.
struct DeepShape {
    int d = 0;
    std::vector<int> widths; ///< hidden widths, then 1
    Activation activation = Activation::ScaledTanh;

    /// With centering (the paper code's Linear layer), layer l computes (x - A_l) W_l^T + b_l and
    /// its parameters are [W_l | b_l | A_l (fan-in)].
    bool centered = false;

    DeepShape() = default;
    DeepShape(int d, const std::vector<int>& layers, Activation activation, bool centered = false);
    std::size_t layers() const { return widths.size(); }
    int fanIn(std::size_t l) const { return l == 0 ? d : widths[l - 1]; }
    int fanOut(std::size_t l) const { return widths[l]; }
    std::size_t weightOffset(std::size_t l) const { return m_offsets[l]; }
    std::size_t biasOffset(std::size_t l) const {
        return m_offsets[l] + static_cast<std::size_t>(fanIn(l)) * fanOut(l);
    }
    std::size_t centerOffset(std::size_t l) const { return biasOffset(l) + fanOut(l); }
    std::size_t size() const { return m_offsets.back(); }

  private:
    std::vector<std::size_t> m_offsets; ///< per layer, plus the total
};

/// Per-thread buffers reused across steps.
struct DeepScratch {
    std::vector<std::vector<float>> act; ///< per hidden layer: rows x width activations
    std::vector<float> delta, deltaPrev; ///< dL/dZ of the current and previous layer
    std::vector<float> out, dout;
    std::vector<float> tile;                    ///< a tile of a weight gradient
    std::vector<std::vector<float>> centeredIn; ///< per layer with centering: its input - A
    std::vector<float> centerStep, biasExtra;   ///< centering: -(x - A) summed, W times it
};

/// How the parameters are updated from their gradients.
struct DeepUpdate {
    Optimizer optimizer = Optimizer::Sgd;
    /// SGD: layer l's rate. Adam: the same rate for all layers (lr).
    std::vector<double> rates;
    /// Centering (SGD only): layer l's rate for A_l and for the compensating W_l A-step term of
    /// b_l (the rate without the back-propagation scaling).
    std::vector<double> centerRates;
    long long step = 1; ///< 1-based count of this update (Adam's bias correction, the average)
    float* m = nullptr; ///< Adam's moments (size())
    float* v = nullptr;
    float* average = nullptr; ///< the running average (size()), or nullptr
    double averageFactor = 0; ///< a in avg += a (w - avg)
    /// dL/dout of a row: Adam = 2 err / rows (MSE), SGD = err (1/2 sum of squares).
    bool meanLoss = false;
    double weightDecay = 0; ///< Adam's L2 penalty (adamUpdate)
};

/// Standardized outputs of rows x d inputs.
void deepForward(const DeepShape& shape, const float* params, const float* X, int rows, float* out,
                 DeepScratch& scratch);

/// Gradient of the loss (meanLoss: the batch MSE; else 1/2 the sum of squared errors) with
/// respect to all parameters, into grad (size()); returns the batch MSE. With centering, A's
/// entries receive the centering step -(x - A) summed over the batch (not a gradient).
double deepGradient(const DeepShape& shape, const float* params, const float* X, const float* y,
                    int rows, bool meanLoss, float* grad, DeepScratch& scratch);

/// One step: forward, loss, backward and the update (params, moments and average in place).
/// Returns the batch MSE before the update.
double deepTrainStep(const DeepShape& shape, float* params, const DeepUpdate& update,
                     const float* X, const float* y, int rows, DeepScratch& scratch);

} // namespace qm7::detail
