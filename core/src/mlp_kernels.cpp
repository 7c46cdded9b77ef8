#include "mlp_kernels.h"

#include "blas.h"

#include <algorithm>
#include <cmath>

namespace qm7::detail {

namespace {

/// Rows of W1 whose gradient is formed and applied at once: 64 x 276 floats = 70 KB.
constexpr int kTileRows = 64;

/// hidden = ReLU(X W1^T + b1), out = hidden w2 + b2.
void forwardInto(const MlpShape& s, const float* params, const float* X, int rows, float* hidden,
                 float* out) {
    const float* w1 = params;
    const float* b1 = params + s.b1Offset();
    const float* w2 = params + s.w2Offset();
    const float b2 = params[s.b2Offset()];
    sgemm()(kRowMajor, kNoTrans, kTrans, rows, s.p, s.d, 1.0f, X, s.d, w1, s.d, 0.0f,
                hidden, s.p);
    for (int i = 0; i < rows; ++i) {
        float* h = hidden + static_cast<std::size_t>(i) * s.p;
        float acc = 0.0f;
        for (int j = 0; j < s.p; ++j) {
            const float a = std::max(h[j] + b1[j], 0.0f);
            h[j] = a;
            acc += a * w2[j];
        }
        out[i] = acc + b2;
    }
}

/// From the forward pass to dL/dhidden (in place), the tail gradients and the loss.
double backwardTail(const MlpShape& s, const float* params, const float* y, int rows,
                    float* hidden, const float* out, float* gradTail) {
    const float* w2 = params + s.w2Offset();
    float* gb1 = gradTail;
    float* gw2 = gradTail + s.p;
    float& gb2 = gradTail[2 * static_cast<std::size_t>(s.p)];
    std::fill(gradTail, gradTail + 2 * static_cast<std::size_t>(s.p) + 1, 0.0f);
    double loss = 0.0;
    for (int i = 0; i < rows; ++i) {
        const float err = out[i] - y[i];
        loss += static_cast<double>(err) * err;
        const float dout = 2.0f * err / static_cast<float>(rows);
        gb2 += dout;
        float* h = hidden + static_cast<std::size_t>(i) * s.p;
        for (int j = 0; j < s.p; ++j) {
            gw2[j] += dout * h[j];
            // ReLU's derivative: the gradient passes where the activation was positive.
            h[j] = h[j] > 0.0f ? dout * w2[j] : 0.0f;
            gb1[j] += h[j];
        }
    }
    return loss / rows;
}

void ensureSize(std::vector<float>& v, std::size_t n) {
    if (v.size() < n)
        v.resize(n);
}

} // namespace

// Runtime dispatch: an AVX2/FMA clone where the CPU has it, portable code otherwise.
__attribute__((target_clones("arch=haswell", "default"))) void
adamUpdate(float* __restrict params, float* __restrict m, float* __restrict v,
           const float* __restrict g, std::size_t n, const AdamStep& adam) {
    const auto t = static_cast<double>(adam.step);
    const float b1 = static_cast<float>(adam.beta1), b2 = static_cast<float>(adam.beta2);
    const float c1 = static_cast<float>(1.0 - adam.beta1), c2 = static_cast<float>(1.0 - adam.beta2);
    const float stepSize = static_cast<float>(adam.lr / (1.0 - std::pow(adam.beta1, t)));
    const float sqrtBc2 = static_cast<float>(std::sqrt(1.0 - std::pow(adam.beta2, t)));
    const float eps = static_cast<float>(adam.eps);
    for (std::size_t i = 0; i < n; ++i) {
        const float gi = g[i];
        const float mi = b1 * m[i] + c1 * gi;
        const float vi = b2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        params[i] -= stepSize * mi / (std::sqrt(vi) / sqrtBc2 + eps);
    }
}

void mlpForward(const MlpShape& s, const float* params, const float* X, int rows, float* out,
                MlpScratch& scratch) {
    ensureSize(scratch.hidden, static_cast<std::size_t>(rows) * s.p);
    forwardInto(s, params, X, rows, scratch.hidden.data(), out);
}

double mlpGradient(const MlpShape& s, const float* params, const float* X, const float* y,
                   int rows, float* grad, MlpScratch& scratch) {
    ensureSize(scratch.hidden, static_cast<std::size_t>(rows) * s.p);
    ensureSize(scratch.out, static_cast<std::size_t>(rows));
    forwardInto(s, params, X, rows, scratch.hidden.data(), scratch.out.data());
    const double loss = backwardTail(s, params, y, rows, scratch.hidden.data(),
                                     scratch.out.data(), grad + s.b1Offset());
    sgemm()(kRowMajor, kTrans, kNoTrans, s.p, s.d, rows, 1.0f, scratch.hidden.data(),
                s.p, X, s.d, 0.0f, grad, s.d);
    return loss;
}

double mlpTrainStep(const MlpShape& s, float* params, float* m, float* v, const AdamStep& adam,
                    const float* X, const float* y, int rows, MlpScratch& scratch) {
    ensureSize(scratch.hidden, static_cast<std::size_t>(rows) * s.p);
    ensureSize(scratch.out, static_cast<std::size_t>(rows));
    ensureSize(scratch.gradTail, 2 * static_cast<std::size_t>(s.p) + 1);
    ensureSize(scratch.gradTile, static_cast<std::size_t>(kTileRows) * s.d);
    float* hidden = scratch.hidden.data();
    forwardInto(s, params, X, rows, hidden, scratch.out.data());
    const double loss =
        backwardTail(s, params, y, rows, hidden, scratch.out.data(), scratch.gradTail.data());
    // dW1 = dH^T X, one tile of rows at a time, each applied while it is still in cache.
    for (int j0 = 0; j0 < s.p; j0 += kTileRows) {
        const int tile = std::min(kTileRows, s.p - j0);
        sgemm()(kRowMajor, kTrans, kNoTrans, tile, s.d, rows, 1.0f, hidden + j0, s.p,
                    X, s.d, 0.0f, scratch.gradTile.data(), s.d);
        const std::size_t at = static_cast<std::size_t>(j0) * s.d;
        adamUpdate(params + at, m + at, v + at, scratch.gradTile.data(),
                   static_cast<std::size_t>(tile) * s.d, adam);
    }
    const std::size_t tail = s.b1Offset();
    adamUpdate(params + tail, m + tail, v + tail, scratch.gradTail.data(),
               2 * static_cast<std::size_t>(s.p) + 1, adam);
    return loss;
}

} // namespace qm7::detail
