#include "train/mlp_kernels.h"

#include "train/blas.h"
#include "util/thread_team.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace qm7::detail {

std::vector<float> packParameters(const ModelWeights& weights) {
    const MlpShape shape{weights.d, weights.hidden};
    std::vector<float> params(shape.size());
    std::copy(weights.w1.begin(), weights.w1.end(), params.begin());
    std::copy(weights.b1.begin(), weights.b1.end(),
              params.begin() + static_cast<long>(shape.b1Offset()));
    std::copy(weights.w2.begin(), weights.w2.end(),
              params.begin() + static_cast<long>(shape.w2Offset()));
    params[shape.b2Offset()] = weights.b2;
    return params;
}

ModelWeights unpackParameters(const MlpShape& shape, const float* params) {
    ModelWeights w;
    w.d = shape.d;
    w.hidden = shape.p;
    w.w1.assign(params, params + shape.w1Size());
    w.b1.assign(params + shape.b1Offset(), params + shape.w2Offset());
    w.w2.assign(params + shape.w2Offset(), params + shape.b2Offset());
    w.b2 = params[shape.b2Offset()];
    return w;
}

namespace {

/// Rows of W1 whose gradient is formed and applied at once: 64 x 276 floats = 70 KB.
constexpr int kTileRows = 64;
/// Hidden units per block: the unit of work of a step split over threads, and of the output's
/// partial sums (summed in block order, so the thread count never changes a result).
constexpr int kBlock = 256;

/// Charges the time since the previous mark to a phase of a StepProfile; without a profile it
/// does nothing and never reads the clock.
class PhaseClock {
  public:
    explicit PhaseClock(StepProfile* profile) : m_profile(profile) {
        if (m_profile)
            m_last = std::chrono::steady_clock::now();
    }
    void charge(double StepProfile::*phase) {
        if (!m_profile)
            return;
        const auto t = std::chrono::steady_clock::now();
        m_profile->*phase += std::chrono::duration<double>(t - m_last).count();
        m_last = t;
    }
    /// Starts the next phase here (the time since the last mark is charged to nothing).
    void restart() {
        if (m_profile)
            m_last = std::chrono::steady_clock::now();
    }

  private:
    StepProfile* m_profile;
    std::chrono::steady_clock::time_point m_last{};
};

/// Hidden units [j0, j1): h = max(h + b1, 0) and partial[i] = h w2 over the block, with 16
/// independent partial sums so that the loop vectorizes (a single float accumulator cannot be
/// reordered without -ffast-math).
__attribute__((target_clones("arch=haswell", "default"))) void
reluLayer2Block(int rows, int p, int j0, int j1, const float* __restrict b1,
                const float* __restrict w2, float* __restrict hidden, float* __restrict partial) {
    for (int i = 0; i < rows; ++i) {
        float* __restrict h = hidden + static_cast<std::size_t>(i) * p;
        float lanes[16] = {};
        int j = j0;
        for (; j + 16 <= j1; j += 16)
            for (int l = 0; l < 16; ++l) {
                const float a = std::max(h[j + l] + b1[j + l], 0.0f);
                h[j + l] = a;
                lanes[l] += a * w2[j + l];
            }
        float acc = 0.0f;
        for (; j < j1; ++j) {
            const float a = std::max(h[j] + b1[j], 0.0f);
            h[j] = a;
            acc += a * w2[j];
        }
        for (float l : lanes)
            acc += l;
        partial[i] = acc;
    }
}

/// H[:, j0:j1] = X W1[j0:j1]^T. With row blocks, by column ranges: features [cols[b+1], cols[b])
/// are nonzero only in the rows of blocks 0..b, so each range is one product over exactly those
/// rows, accumulated into H (the widest range, over all rows, first). W1 is read once, as in
/// the dense product; splitting by rows instead would pack W1 once per block of rows.
void forwardGemm(const MlpShape& s, const float* params, const float* X, int rows, int j0, int j1,
                 float* hidden, const RowBlocks* blocks) {
    const float* w = params + static_cast<std::size_t>(j0) * s.d;
    if (!blocks) {
        sgemm()(kRowMajor, kNoTrans, kTrans, rows, j1 - j0, s.d, 1.0f, X, s.d, w, s.d, 0.0f,
                hidden + j0, s.p);
        return;
    }
    const int nb = blocks->blocks();
    float beta = 0.0f;
    if (nb == 0 || blocks->cols[static_cast<std::size_t>(nb) - 1] <= 0) {
        // Rows without any nonzero: the ranges below do not cover them.
        for (int i = 0; i < rows; ++i)
            std::fill(hidden + static_cast<std::size_t>(i) * s.p + j0,
                      hidden + static_cast<std::size_t>(i) * s.p + j1, 0.0f);
        beta = 1.0f;
    }
    for (int b = nb - 1; b >= 0; --b) {
        const int lo =
            b + 1 < nb ? std::min(s.d, blocks->cols[static_cast<std::size_t>(b) + 1]) : 0;
        const int hi = std::min(s.d, blocks->cols[static_cast<std::size_t>(b)]);
        if (hi <= lo)
            continue;
        sgemm()(kRowMajor, kNoTrans, kTrans, blocks->end[static_cast<std::size_t>(b)], j1 - j0,
                hi - lo, 1.0f, X + lo, s.d, w + lo, s.d, beta, hidden + j0, s.p);
        beta = 1.0f;
    }
}

/// A tile of W1's gradient, hidden units [t0, t0 + tile): dH[:, tile]^T X into tile x d. With
/// row blocks, the features [cols[b+1], cols[b]) are nonzero only in the rows of blocks 0..b,
/// so each column range is one product over exactly those rows; features beyond cols[0] get 0.
void dW1Tile(const MlpShape& s, const float* hidden, const float* X, int rows, int t0, int tile,
             float* out, const RowBlocks* blocks) {
    if (!blocks) {
        sgemm()(kRowMajor, kTrans, kNoTrans, tile, s.d, rows, 1.0f, hidden + t0, s.p, X, s.d, 0.0f,
                out, s.d);
        return;
    }
    const int nb = blocks->blocks();
    int hi = nb ? std::min(s.d, blocks->cols[0]) : 0;
    for (int i = 0; i < tile; ++i)
        std::fill(out + static_cast<std::size_t>(i) * s.d + hi,
                  out + static_cast<std::size_t>(i + 1) * s.d, 0.0f);
    for (int b = 0; b < nb; ++b) {
        const int lo =
            b + 1 < nb ? std::min(s.d, blocks->cols[static_cast<std::size_t>(b) + 1]) : 0;
        if (hi > lo)
            sgemm()(kRowMajor, kTrans, kNoTrans, tile, hi - lo,
                    blocks->end[static_cast<std::size_t>(b)], 1.0f, hidden + t0, s.p, X + lo, s.d,
                    0.0f, out + lo, s.d);
        hi = lo;
    }
}

/// The forward pass of hidden units [j0, j1): their GEMM, bias, ReLU and share of the output.
void forwardBlock(const MlpShape& s, const float* params, const float* X, int rows, int j0, int j1,
                  float* hidden, float* partial, PhaseClock* clock = nullptr,
                  const RowBlocks* blocks = nullptr) {
    forwardGemm(s, params, X, rows, j0, j1, hidden, blocks);
    if (clock)
        clock->charge(&StepProfile::forward);
    reluLayer2Block(rows, s.p, j0, j1, params + s.b1Offset(), params + s.w2Offset(), hidden,
                    partial);
    if (clock)
        clock->charge(&StepProfile::reluLayer2);
}

int blockCount(int p) {
    return (p + kBlock - 1) / kBlock;
}

/// Runs f(block, thread) for every block, the blocks split into `threads` contiguous shares. The
/// split never changes what is computed, only where: results are the same for any thread count.
template <typename F> void forBlocks(int blocks, int threads, const F& f) {
    threads = std::max(1, std::min(threads, blocks));
    auto share = [&](int t) {
        for (int b = blocks * t / threads; b < blocks * (t + 1) / threads; ++b)
            f(b, t);
    };
    if (threads == 1) {
        share(0);
        return;
    }
    // A persistent team: starting threads twice per step would cost more than the step.
    ThreadTeam* team = ThreadTeam::acquire(threads);
    if (team) {
        team->run(share);
        ThreadTeam::release(team);
        return;
    }
    runOnThreads(threads, share); // the team is busy with another caller
}

/// Hidden units [j0, j1): dL/dhidden (in place) and the gradients of b1 and w2, given dL/dout.
/// No aliasing and ReLU's derivative as a 0/1 factor: the inner loop vectorizes.
__attribute__((target_clones("arch=haswell", "default"))) void
backwardBlock(int rows, int p, int j0, int j1, const float* __restrict w2,
              const float* __restrict dout, float* __restrict hidden, float* __restrict gb1,
              float* __restrict gw2) {
    for (int j = j0; j < j1; ++j) {
        gb1[j] = 0.0f;
        gw2[j] = 0.0f;
    }
    for (int i = 0; i < rows; ++i) {
        const float di = dout[i];
        float* __restrict h = hidden + static_cast<std::size_t>(i) * p;
        for (int j = j0; j < j1; ++j) {
            const float hj = h[j];
            gw2[j] += di * hj;
            // ReLU's derivative: the gradient passes where the activation was positive.
            const float g = static_cast<float>(hj > 0.0f) * (di * w2[j]);
            h[j] = g;
            gb1[j] += g;
        }
    }
}

/// out = b2 + the blocks' partial sums in block order; returns the MSE and fills dL/dout.
double lossAndOutputGradient(int rows, int blocks, float b2, const std::vector<float>& partial,
                             const float* y, float* out, float* dout) {
    double loss = 0.0;
    for (int i = 0; i < rows; ++i) {
        float acc = 0.0f;
        for (int b = 0; b < blocks; ++b)
            acc += partial[static_cast<std::size_t>(b) * rows + i];
        out[i] = acc + b2;
        const float err = out[i] - y[i];
        loss += static_cast<double>(err) * err;
        dout[i] = 2.0f * err / static_cast<float>(rows);
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
    const float c1 = static_cast<float>(1.0 - adam.beta1),
                c2 = static_cast<float>(1.0 - adam.beta2);
    const float stepSize = static_cast<float>(adam.lr / (1.0 - std::pow(adam.beta1, t)));
    // One division per parameter instead of two: sqrt(v) / sqrt(bc2) becomes sqrt(v) * (1 /
    // sqrt(bc2)).
    const float invSqrtBc2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(adam.beta2, t)));
    const float eps = static_cast<float>(adam.eps);
    if (adam.weightDecay != 0.0) {
        // Adam's L2 (torch.optim.Adam weight_decay): the penalty's gradient joins g.
        const float wd = static_cast<float>(adam.weightDecay);
        for (std::size_t i = 0; i < n; ++i) {
            const float gi = g[i] + wd * params[i];
            const float mi = b1 * m[i] + c1 * gi;
            const float vi = b2 * v[i] + c2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            params[i] -= stepSize * mi / (std::sqrt(vi) * invSqrtBc2 + eps);
        }
        return;
    }
    for (std::size_t i = 0; i < n; ++i) {
        const float gi = g[i];
        const float mi = b1 * m[i] + c1 * gi;
        const float vi = b2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        params[i] -= stepSize * mi / (std::sqrt(vi) * invSqrtBc2 + eps);
    }
}

void mlpForward(const MlpShape& s, const float* params, const float* X, int rows, float* out,
                MlpScratch& scratch, const RowBlocks* rowBlocks) {
    if (rowBlocks && rowBlocks->rows() != rows)
        rowBlocks = nullptr;
    ensureSize(scratch.hidden, static_cast<std::size_t>(rows) * s.p);
    const int blocks = blockCount(s.p);
    std::vector<float> partial(static_cast<std::size_t>(blocks) * rows);
    for (int b = 0; b < blocks; ++b)
        forwardBlock(s, params, X, rows, b * kBlock, std::min(s.p, (b + 1) * kBlock),
                     scratch.hidden.data(), partial.data() + static_cast<std::size_t>(b) * rows,
                     nullptr, rowBlocks);
    const float b2 = params[s.b2Offset()];
    for (int i = 0; i < rows; ++i) {
        float acc = 0.0f;
        for (int b = 0; b < blocks; ++b)
            acc += partial[static_cast<std::size_t>(b) * rows + i];
        out[i] = acc + b2;
    }
}

double mlpGradient(const MlpShape& s, const float* params, const float* X, const float* y, int rows,
                   float* grad, MlpScratch& scratch) {
    ensureSize(scratch.hidden, static_cast<std::size_t>(rows) * s.p);
    ensureSize(scratch.out, static_cast<std::size_t>(2 * rows));
    const int blocks = blockCount(s.p);
    std::vector<float> partial(static_cast<std::size_t>(blocks) * rows);
    float* hidden = scratch.hidden.data();
    for (int b = 0; b < blocks; ++b)
        forwardBlock(s, params, X, rows, b * kBlock, std::min(s.p, (b + 1) * kBlock), hidden,
                     partial.data() + static_cast<std::size_t>(b) * rows);
    float* out = scratch.out.data();
    float* dout = out + rows;
    const double loss =
        lossAndOutputGradient(rows, blocks, params[s.b2Offset()], partial, y, out, dout);
    backwardBlock(rows, s.p, 0, s.p, params + s.w2Offset(), dout, hidden, grad + s.b1Offset(),
                  grad + s.w2Offset());
    float gb2 = 0.0f;
    for (int i = 0; i < rows; ++i)
        gb2 += dout[i];
    grad[s.b2Offset()] = gb2;
    sgemm()(kRowMajor, kTrans, kNoTrans, s.p, s.d, rows, 1.0f, hidden, s.p, X, s.d, 0.0f, grad,
            s.d);
    return loss;
}

double mlpTrainStep(const MlpShape& s, float* params, float* m, float* v, const AdamStep& adam,
                    const float* X, const float* y, int rows, MlpScratch& scratch, int threads,
                    StepProfile* profile, const RowBlocks* rowBlocks) {
    if (rowBlocks && rowBlocks->rows() != rows)
        rowBlocks = nullptr; // blocks that do not describe this batch: the dense path
    const auto start =
        profile ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    const int blocks = blockCount(s.p);
    threads = std::max(1, std::min(threads, blocks));
    ensureSize(scratch.hidden, static_cast<std::size_t>(rows) * s.p);
    ensureSize(scratch.out, static_cast<std::size_t>(2 * rows));
    ensureSize(scratch.gradTail, 2 * static_cast<std::size_t>(s.p) + 1);
    ensureSize(scratch.gradTile, static_cast<std::size_t>(threads) * kTileRows * s.d);
    ensureSize(scratch.partial, static_cast<std::size_t>(blocks) * rows);
    float* hidden = scratch.hidden.data();
    float* out = scratch.out.data();
    float* dout = out + rows;
    float* gb1 = scratch.gradTail.data();
    float* gw2 = gb1 + s.p;
    const float* w2 = params + s.w2Offset();

    // Only thread 0 (the calling thread) times its share: the other threads get no profile.
    forBlocks(blocks, threads, [&](int b, int thread) {
        PhaseClock clock(thread == 0 ? profile : nullptr);
        forwardBlock(s, params, X, rows, b * kBlock, std::min(s.p, (b + 1) * kBlock), hidden,
                     scratch.partial.data() + static_cast<std::size_t>(b) * rows, &clock,
                     rowBlocks);
    });
    PhaseClock serial(profile);
    const double loss =
        lossAndOutputGradient(rows, blocks, params[s.b2Offset()], scratch.partial, y, out, dout);
    serial.charge(&StepProfile::loss);
    forBlocks(blocks, threads, [&](int b, int thread) {
        PhaseClock clock(thread == 0 ? profile : nullptr);
        const int j0 = b * kBlock, j1 = std::min(s.p, (b + 1) * kBlock);
        float* tileBuffer =
            scratch.gradTile.data() + static_cast<std::size_t>(thread) * kTileRows * s.d;
        backwardBlock(rows, s.p, j0, j1, w2, dout, hidden, gb1, gw2);
        clock.charge(&StepProfile::backward);
        // dW1 = dH^T X, one tile of rows at a time, each applied while it is still in cache.
        for (int t0 = j0; t0 < j1; t0 += kTileRows) {
            const int tile = std::min(kTileRows, j1 - t0);
            dW1Tile(s, hidden, X, rows, t0, tile, tileBuffer, rowBlocks);
            clock.charge(&StepProfile::dW1);
            const std::size_t at = static_cast<std::size_t>(t0) * s.d;
            adamUpdate(params + at, m + at, v + at, tileBuffer,
                       static_cast<std::size_t>(tile) * s.d, adam);
            clock.charge(&StepProfile::adam);
        }
        const std::size_t b1At = s.b1Offset() + static_cast<std::size_t>(j0);
        const std::size_t w2At = s.w2Offset() + static_cast<std::size_t>(j0);
        const auto n = static_cast<std::size_t>(j1 - j0);
        adamUpdate(params + b1At, m + b1At, v + b1At, gb1 + j0, n, adam);
        adamUpdate(params + w2At, m + w2At, v + w2At, gw2 + j0, n, adam);
        clock.charge(&StepProfile::adam);
    });
    serial.restart();
    float gb2 = 0.0f;
    for (int i = 0; i < rows; ++i)
        gb2 += dout[i];
    serial.charge(&StepProfile::backward);
    const std::size_t b2At = s.b2Offset();
    adamUpdate(params + b2At, m + b2At, v + b2At, &gb2, 1, adam);
    serial.charge(&StepProfile::adam);
    if (profile) {
        profile->wall +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        ++profile->steps;
    }
    return loss;
}

} // namespace qm7::detail
