#include "train/deep_kernels.h"

#include "train/blas.h"
#include "train/mlp_kernels.h"

#include <algorithm>
#include <cmath>

namespace qm7::detail {

namespace {

/// Floats of a weight-gradient tile: 128 KB, which stays in L2 until it is applied.
constexpr int kTileFloats = 32768;

void ensureSize(std::vector<float>& v, std::size_t n) {
    if (v.size() < n)
        v.resize(n);
}

/// z -> activation(z + bias), in place, for rows x n values.
__attribute__((target_clones("arch=haswell", "default"))) void
activate(Activation a, int rows, int n, const float* __restrict bias, float* __restrict z) {
    for (int i = 0; i < rows; ++i) {
        float* __restrict row = z + static_cast<std::size_t>(i) * n;
        switch (a) {
        case Activation::Relu:
            for (int j = 0; j < n; ++j)
                row[j] = std::max(row[j] + bias[j], 0.0f);
            break;
        case Activation::Tanh:
            for (int j = 0; j < n; ++j)
                row[j] = std::tanh(row[j] + bias[j]);
            break;
        case Activation::ScaledTanh:
            for (int j = 0; j < n; ++j)
                row[j] = 1.5f * std::tanh((row[j] + bias[j]) / 1.5f);
            break;
        }
    }
}

/// g *= activation'(z), the derivative written in terms of the activation value a.
__attribute__((target_clones("arch=haswell", "default"))) void
multiplyDerivative(Activation act, std::size_t n, const float* __restrict a, float* __restrict g) {
    switch (act) {
    case Activation::Relu:
        for (std::size_t i = 0; i < n; ++i)
            g[i] *= static_cast<float>(a[i] > 0.0f);
        break;
    case Activation::Tanh:
        for (std::size_t i = 0; i < n; ++i)
            g[i] *= 1.0f - a[i] * a[i];
        break;
    case Activation::ScaledTanh:
        for (std::size_t i = 0; i < n; ++i) {
            const float t = a[i] / 1.5f;
            g[i] *= 1.0f - t * t;
        }
        break;
    }
}

/// SGD on n parameters, then the running average: avg += a (w - avg).
__attribute__((target_clones("arch=haswell", "default"))) void
sgdUpdate(float* __restrict w, const float* __restrict g, std::size_t n, float rate,
          float* __restrict avg, float a) {
    if (avg) {
        for (std::size_t i = 0; i < n; ++i) {
            const float wi = w[i] - rate * g[i];
            w[i] = wi;
            avg[i] += a * (wi - avg[i]);
        }
    } else {
        for (std::size_t i = 0; i < n; ++i)
            w[i] -= rate * g[i];
    }
}

__attribute__((target_clones("arch=haswell", "default"))) void
averageUpdate(const float* __restrict w, std::size_t n, float* __restrict avg, float a) {
    for (std::size_t i = 0; i < n; ++i)
        avg[i] += a * (w[i] - avg[i]);
}

/// The forward pass, keeping every hidden layer's activations in scratch.act.
void forwardPass(const DeepShape& s, const float* params, const float* X, int rows,
                 DeepScratch& scratch) {
    const std::size_t L = s.layers();
    if (scratch.act.size() < L - 1)
        scratch.act.resize(L - 1);
    ensureSize(scratch.out, static_cast<std::size_t>(rows));
    if (s.centered && scratch.centeredIn.size() < L)
        scratch.centeredIn.resize(L);
    const float* in = X;
    for (std::size_t l = 0; l < L; ++l) {
        const int fanIn = s.fanIn(l), fanOut = s.fanOut(l);
        if (s.centered) {
            std::vector<float>& c = scratch.centeredIn[l];
            ensureSize(c, static_cast<std::size_t>(rows) * fanIn);
            const float* A = params + s.centerOffset(l);
            for (int i = 0; i < rows; ++i)
                for (int k = 0; k < fanIn; ++k)
                    c[static_cast<std::size_t>(i) * fanIn + k] =
                        in[static_cast<std::size_t>(i) * fanIn + k] - A[k];
            in = c.data();
        }
        float* z = scratch.out.data();
        if (l + 1 < L) {
            ensureSize(scratch.act[l], static_cast<std::size_t>(rows) * fanOut);
            z = scratch.act[l].data();
        }
        sgemm()(kRowMajor, kNoTrans, kTrans, rows, fanOut, fanIn, 1.0f, in, fanIn,
                params + s.weightOffset(l), fanIn, 0.0f, z, fanOut);
        const float* bias = params + s.biasOffset(l);
        if (l + 1 < L) {
            activate(s.activation, rows, fanOut, bias, z);
            in = z;
        } else {
            for (int i = 0; i < rows; ++i)
                z[i] += bias[0];
        }
    }
}

/// Loss and dL/dout; returns the batch MSE.
double outputGradient(int rows, const float* out, const float* y, bool meanLoss, float* dout) {
    double sse = 0;
    for (int i = 0; i < rows; ++i) {
        const float err = out[i] - y[i];
        sse += static_cast<double>(err) * err;
        dout[i] = meanLoss ? 2.0f * err / static_cast<float>(rows) : err;
    }
    return sse / rows;
}

enum class Part { Weight, Bias, Center };

/// Backward pass from dL/dout in scratch.dout. For each layer, from the last: the error of the
/// layer below is formed first (with this layer's weights before their update), then
/// consume(offset, gradient, n, layer, part, extra) receives the weight gradient tile by tile,
/// the bias gradient (with centering, extra = W times the centering step, formed before W
/// changes) and the centering step of A; it may update those parameters at once.
template <typename Consume>
void backwardPass(const DeepShape& s, const float* params, const float* X, int rows,
                  DeepScratch& scratch, const Consume& consume) {
    const std::size_t L = s.layers();
    ensureSize(scratch.delta, static_cast<std::size_t>(rows) * s.fanOut(0) + rows);
    std::copy_n(scratch.dout.data(), rows, scratch.delta.data());
    std::vector<float> gb;
    for (std::size_t l = L; l-- > 0;) {
        const int fanIn = s.fanIn(l), fanOut = s.fanOut(l);
        const float* raw = l == 0 ? X : scratch.act[l - 1].data();
        const float* prev = s.centered ? scratch.centeredIn[l].data() : raw;
        const float* delta = scratch.delta.data();
        if (l > 0) {
            ensureSize(scratch.deltaPrev, static_cast<std::size_t>(rows) * fanIn);
            sgemm()(kRowMajor, kNoTrans, kNoTrans, rows, fanIn, fanOut, 1.0f, delta, fanOut,
                    params + s.weightOffset(l), fanIn, 0.0f, scratch.deltaPrev.data(), fanIn);
            multiplyDerivative(s.activation, static_cast<std::size_t>(rows) * fanIn, raw,
                               scratch.deltaPrev.data());
        }
        if (s.centered) {
            // The centering step DA = -(x - A) summed over the batch, and W DA (before W moves).
            scratch.centerStep.assign(static_cast<std::size_t>(fanIn), 0.0f);
            for (int i = 0; i < rows; ++i)
                for (int k = 0; k < fanIn; ++k)
                    scratch.centerStep[static_cast<std::size_t>(k)] -=
                        prev[static_cast<std::size_t>(i) * fanIn + k];
            scratch.biasExtra.resize(static_cast<std::size_t>(fanOut));
            sgemm()(kRowMajor, kNoTrans, kNoTrans, fanOut, 1, fanIn, 1.0f,
                    params + s.weightOffset(l), fanIn, scratch.centerStep.data(), 1, 0.0f,
                    scratch.biasExtra.data(), 1);
        }
        const int tileRows = std::max(1, std::min(fanOut, kTileFloats / fanIn));
        ensureSize(scratch.tile, static_cast<std::size_t>(tileRows) * fanIn);
        for (int r0 = 0; r0 < fanOut; r0 += tileRows) {
            const int t = std::min(tileRows, fanOut - r0);
            sgemm()(kRowMajor, kTrans, kNoTrans, t, fanIn, rows, 1.0f, delta + r0, fanOut, prev,
                    fanIn, 0.0f, scratch.tile.data(), fanIn);
            consume(s.weightOffset(l) + static_cast<std::size_t>(r0) * fanIn, scratch.tile.data(),
                    static_cast<std::size_t>(t) * fanIn, l, Part::Weight, nullptr);
        }
        gb.assign(static_cast<std::size_t>(fanOut), 0.0f);
        for (int i = 0; i < rows; ++i)
            for (int j = 0; j < fanOut; ++j)
                gb[static_cast<std::size_t>(j)] += delta[static_cast<std::size_t>(i) * fanOut + j];
        consume(s.biasOffset(l), gb.data(), gb.size(), l, Part::Bias,
                s.centered ? scratch.biasExtra.data() : nullptr);
        if (s.centered)
            consume(s.centerOffset(l), scratch.centerStep.data(), scratch.centerStep.size(), l,
                    Part::Center, nullptr);
        if (l > 0)
            std::swap(scratch.delta, scratch.deltaPrev);
    }
}

} // namespace

DeepShape::DeepShape(int d_, const std::vector<int>& layers, Activation a, bool c)
    : d(d_), widths(layers), activation(a), centered(c) {
    widths.push_back(1);
    std::size_t at = 0;
    for (std::size_t l = 0; l < widths.size(); ++l) {
        m_offsets.push_back(at);
        at += static_cast<std::size_t>(fanIn(l)) * fanOut(l) + fanOut(l) +
              (centered ? static_cast<std::size_t>(fanIn(l)) : 0);
    }
    m_offsets.push_back(at);
}

void deepForward(const DeepShape& s, const float* params, const float* X, int rows, float* out,
                 DeepScratch& scratch) {
    if (rows <= 0)
        return;
    forwardPass(s, params, X, rows, scratch);
    std::copy_n(scratch.out.data(), rows, out);
}

double deepGradient(const DeepShape& s, const float* params, const float* X, const float* y,
                    int rows, bool meanLoss, float* grad, DeepScratch& scratch) {
    forwardPass(s, params, X, rows, scratch);
    ensureSize(scratch.dout, static_cast<std::size_t>(rows));
    const double loss = outputGradient(rows, scratch.out.data(), y, meanLoss, scratch.dout.data());
    backwardPass(s, params, X, rows, scratch,
                 [&](std::size_t at, const float* g, std::size_t n, std::size_t, Part,
                     const float*) { std::copy_n(g, n, grad + at); });
    return loss;
}

double deepTrainStep(const DeepShape& s, float* params, const DeepUpdate& u, const float* X,
                     const float* y, int rows, DeepScratch& scratch) {
    forwardPass(s, params, X, rows, scratch);
    ensureSize(scratch.dout, static_cast<std::size_t>(rows));
    const double loss =
        outputGradient(rows, scratch.out.data(), y, u.meanLoss, scratch.dout.data());
    const float a = static_cast<float>(u.averageFactor);
    AdamStep adam;
    adam.step = u.step;
    if (u.optimizer == Optimizer::Adam)
        adam.lr = u.rates.empty() ? 1e-3 : u.rates[0];
    adam.weightDecay = u.weightDecay;
    std::vector<float> biasGrad;
    backwardPass(s, params, X, rows, scratch,
                 [&](std::size_t at, const float* g, std::size_t n, std::size_t l, Part part,
                     const float* extra) {
                     float* avg = u.average ? u.average + at : nullptr;
                     if (u.optimizer == Optimizer::Sgd) {
                         float rate = static_cast<float>(u.rates[l]);
                         if (part == Part::Center) {
                             rate = static_cast<float>(u.centerRates[l]);
                         } else if (extra) {
                             // b -= rate g + centerRate W DA, as one step at rate.
                             const double ratio = u.centerRates[l] / u.rates[l];
                             biasGrad.assign(g, g + n);
                             for (std::size_t i = 0; i < n; ++i)
                                 biasGrad[i] += static_cast<float>(ratio * extra[i]);
                             g = biasGrad.data();
                         }
                         sgdUpdate(params + at, g, n, rate, avg, a);
                         return;
                     }
                     adamUpdate(params + at, u.m + at, u.v + at, g, n, adam);
                     if (avg)
                         averageUpdate(params + at, n, avg, a);
                 });
    return loss;
}

} // namespace qm7::detail
