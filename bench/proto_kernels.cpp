#include "proto_kernels.h"

#include "blas.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

namespace qm7bench {

using namespace qm7::detail;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point& t0) {
    const auto t1 = Clock::now();
    const double s = std::chrono::duration<double>(t1 - t0).count();
    t0 = t1;
    return s;
}

void ensureSize(std::vector<float>& v, std::size_t n) {
    if (v.size() < n)
        v.resize(n);
}

// forwardInto and backwardTail of core/src/mlp_kernels.cpp, verbatim, split at the GEMM.
void reluOut(const MlpShape& s, const float* params, int rows, float* hidden, float* out) {
    const float* b1 = params + s.b1Offset();
    const float* w2 = params + s.w2Offset();
    const float b2 = params[s.b2Offset()];
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
            h[j] = h[j] > 0.0f ? dout * w2[j] : 0.0f;
            gb1[j] += h[j];
        }
    }
    return loss / rows;
}

} // namespace

double profiledTrainStep(const MlpShape& s, float* params, float* m, float* v,
                         const AdamStep& adam, const float* X, const float* y, int rows,
                         MlpScratch& scratch, PhaseTimes& t) {
    constexpr int kTileRows = 64;
    ensureSize(scratch.hidden, static_cast<std::size_t>(rows) * s.p);
    ensureSize(scratch.out, static_cast<std::size_t>(rows));
    ensureSize(scratch.gradTail, 2 * static_cast<std::size_t>(s.p) + 1);
    ensureSize(scratch.gradTile, static_cast<std::size_t>(kTileRows) * s.d);
    float* hidden = scratch.hidden.data();
    auto t0 = Clock::now();
    sgemm()(kRowMajor, kNoTrans, kTrans, rows, s.p, s.d, 1.0f, X, s.d, params, s.d, 0.0f,
            hidden, s.p);
    t.fwdGemm += since(t0);
    reluOut(s, params, rows, hidden, scratch.out.data());
    t.reluOut += since(t0);
    const double loss =
        backwardTail(s, params, y, rows, hidden, scratch.out.data(), scratch.gradTail.data());
    t.backTail += since(t0);
    for (int j0 = 0; j0 < s.p; j0 += kTileRows) {
        const int tile = std::min(kTileRows, s.p - j0);
        sgemm()(kRowMajor, kTrans, kNoTrans, tile, s.d, rows, 1.0f, hidden + j0, s.p, X, s.d,
                0.0f, scratch.gradTile.data(), s.d);
        t.dw1Gemm += since(t0);
        const std::size_t at = static_cast<std::size_t>(j0) * s.d;
        adamUpdate(params + at, m + at, v + at, scratch.gradTile.data(),
                   static_cast<std::size_t>(tile) * s.d, adam);
        t.adamW1 += since(t0);
    }
    const std::size_t tail = s.b1Offset();
    adamUpdate(params + tail, m + tail, v + tail, scratch.gradTail.data(),
               2 * static_cast<std::size_t>(s.p) + 1, adam);
    t.adamTail += since(t0);
    return loss;
}

double tiledTrainStep(const MlpShape& s, float* params, float* m, float* v,
                      const AdamStep& adam, const float* X, const float* y, int rows,
                      MlpScratch& scratch, int tileRows) {
    ensureSize(scratch.hidden, static_cast<std::size_t>(rows) * s.p);
    ensureSize(scratch.out, static_cast<std::size_t>(rows));
    ensureSize(scratch.gradTail, 2 * static_cast<std::size_t>(s.p) + 1);
    ensureSize(scratch.gradTile, static_cast<std::size_t>(tileRows) * s.d);
    float* hidden = scratch.hidden.data();
    sgemm()(kRowMajor, kNoTrans, kTrans, rows, s.p, s.d, 1.0f, X, s.d, params, s.d, 0.0f,
            hidden, s.p);
    reluOut(s, params, rows, hidden, scratch.out.data());
    const double loss =
        backwardTail(s, params, y, rows, hidden, scratch.out.data(), scratch.gradTail.data());
    for (int j0 = 0; j0 < s.p; j0 += tileRows) {
        const int tile = std::min(tileRows, s.p - j0);
        sgemm()(kRowMajor, kTrans, kNoTrans, tile, s.d, rows, 1.0f, hidden + j0, s.p, X, s.d,
                0.0f, scratch.gradTile.data(), s.d);
        const std::size_t at = static_cast<std::size_t>(j0) * s.d;
        adamUpdate(params + at, m + at, v + at, scratch.gradTile.data(),
                   static_cast<std::size_t>(tile) * s.d, adam);
    }
    const std::size_t tail = s.b1Offset();
    adamUpdate(params + tail, m + tail, v + tail, scratch.gradTail.data(),
               2 * static_cast<std::size_t>(s.p) + 1, adam);
    return loss;
}

} // namespace qm7bench

namespace qm7bench {

using namespace qm7::detail;

namespace {

/// h = max(h + b1, 0) row by row, out = h w2 + b2 (16 independent partial sums).
__attribute__((target_clones("arch=haswell", "default"))) void
reluOutFast(int rows, int p, const float* __restrict b1, const float* __restrict w2, float b2,
            float* __restrict hidden, float* __restrict out) {
    for (int i = 0; i < rows; ++i) {
        float* __restrict h = hidden + static_cast<std::size_t>(i) * p;
        float lanes[16] = {};
        int j = 0;
        for (; j + 16 <= p; j += 16)
            for (int l = 0; l < 16; ++l) {
                const float a = std::max(h[j + l] + b1[j + l], 0.0f);
                h[j + l] = a;
                lanes[l] += a * w2[j + l];
            }
        float acc = 0.0f;
        for (; j < p; ++j) {
            const float a = std::max(h[j] + b1[j], 0.0f);
            h[j] = a;
            acc += a * w2[j];
        }
        for (float l : lanes)
            acc += l;
        out[i] = acc + b2;
    }
}

/// dL/dH in place, gradients of b1, w2 and b2, and the loss.
__attribute__((target_clones("arch=haswell", "default"))) double
backwardTailFast(int rows, int p, const float* __restrict w2, const float* __restrict y,
                 float* __restrict hidden, const float* __restrict out, float* __restrict gb1,
                 float* __restrict gw2, float* gb2) {
    for (int j = 0; j < p; ++j) {
        gb1[j] = 0.0f;
        gw2[j] = 0.0f;
    }
    double loss = 0.0;
    float sb2 = 0.0f;
    for (int i = 0; i < rows; ++i) {
        const float err = out[i] - y[i];
        loss += static_cast<double>(err) * err;
        const float dout = 2.0f * err / static_cast<float>(rows);
        sb2 += dout;
        float* __restrict h = hidden + static_cast<std::size_t>(i) * p;
        for (int j = 0; j < p; ++j) {
            const float hj = h[j];
            gw2[j] += dout * hj;
            // ReLU's derivative as a 0/1 factor: branch-free, so the loop vectorizes.
            const float g = static_cast<float>(hj > 0.0f) * (dout * w2[j]);
            h[j] = g;
            gb1[j] += g;
        }
    }
    *gb2 = sb2;
    return loss / rows;
}

void ensure(std::vector<float>& v, std::size_t n) {
    if (v.size() < n)
        v.resize(n);
}

} // namespace

__attribute__((target_clones("arch=haswell", "default"))) void
adamUpdateFast(float* __restrict params, float* __restrict m, float* __restrict v,
               const float* __restrict g, std::size_t n, const AdamStep& adam) {
    const auto t = static_cast<double>(adam.step);
    const float b1 = static_cast<float>(adam.beta1), b2 = static_cast<float>(adam.beta2);
    const float c1 = static_cast<float>(1.0 - adam.beta1), c2 = static_cast<float>(1.0 - adam.beta2);
    const float stepSize = static_cast<float>(adam.lr / (1.0 - std::pow(adam.beta1, t)));
    const float invSqrtBc2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(adam.beta2, t)));
    const float eps = static_cast<float>(adam.eps);
    for (std::size_t i = 0; i < n; ++i) {
        const float gi = g[i];
        const float mi = b1 * m[i] + c1 * gi;
        const float vi = b2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        params[i] -= stepSize * mi / (std::sqrt(vi) * invSqrtBc2 + eps);
    }
}

double optimizedTrainStep(const MlpShape& s, float* params, float* m, float* v,
                          const AdamStep& adam, const float* X, const float* y, int rows,
                          MlpScratch& scratch, int tileRows) {
    ensure(scratch.hidden, static_cast<std::size_t>(rows) * s.p);
    ensure(scratch.out, static_cast<std::size_t>(rows));
    ensure(scratch.gradTail, 2 * static_cast<std::size_t>(s.p) + 1);
    ensure(scratch.gradTile, static_cast<std::size_t>(tileRows) * s.d);
    float* hidden = scratch.hidden.data();
    sgemm()(kRowMajor, kNoTrans, kTrans, rows, s.p, s.d, 1.0f, X, s.d, params, s.d, 0.0f,
            hidden, s.p);
    reluOutFast(rows, s.p, params + s.b1Offset(), params + s.w2Offset(), params[s.b2Offset()],
                hidden, scratch.out.data());
    float* gt = scratch.gradTail.data();
    const double loss = backwardTailFast(rows, s.p, params + s.w2Offset(), y, hidden,
                                         scratch.out.data(), gt, gt + s.p, gt + 2 * s.p);
    for (int j0 = 0; j0 < s.p; j0 += tileRows) {
        const int tile = std::min(tileRows, s.p - j0);
        sgemm()(kRowMajor, kTrans, kNoTrans, tile, s.d, rows, 1.0f, hidden + j0, s.p, X, s.d,
                0.0f, scratch.gradTile.data(), s.d);
        const std::size_t at = static_cast<std::size_t>(j0) * s.d;
        adamUpdateFast(params + at, m + at, v + at, scratch.gradTile.data(),
                       static_cast<std::size_t>(tile) * s.d, adam);
    }
    const std::size_t tail = s.b1Offset();
    adamUpdateFast(params + tail, m + tail, v + tail, gt, 2 * static_cast<std::size_t>(s.p) + 1,
                   adam);
    return loss;
}

} // namespace qm7bench

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace qm7bench {

using namespace qm7::detail;

namespace {

/// A reusable barrier: spins briefly, then sleeps (no CPU burnt on a busy machine).
class Barrier {
  public:
    explicit Barrier(int n) : m_n(n) {}
    void wait() {
        std::unique_lock<std::mutex> lock(m_mutex);
        const unsigned gen = m_generation;
        if (++m_count == m_n) {
            m_count = 0;
            ++m_generation;
            m_cv.notify_all();
            return;
        }
        m_cv.wait(lock, [&] { return gen != m_generation; });
    }

  private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    int m_n, m_count = 0;
    unsigned m_generation = 0;
};

} // namespace

struct SplitStep::Impl {
    MlpShape s;
    int threads;
    std::vector<std::thread> pool;
    Barrier start, mid, done;
    bool quit = false;
    // The current step's arguments.
    float *params = nullptr, *m = nullptr, *v = nullptr;
    const float *X = nullptr, *y = nullptr;
    AdamStep adam;
    int rows = 0;
    double loss = 0;
    std::vector<float> hidden, out, partOut, dout, gradTail;
    std::vector<std::vector<float>> tiles;

    Impl(const MlpShape& shape, int n)
        : s(shape), threads(n), start(n), mid(n), done(n), tiles(static_cast<std::size_t>(n)) {
        for (int t = 1; t < threads; ++t)
            pool.emplace_back([this, t] {
                for (;;) {
                    start.wait();
                    if (quit)
                        return;
                    work(t);
                    done.wait();
                }
            });
    }
    ~Impl() {
        quit = true;
        start.wait();
        for (auto& t : pool)
            t.join();
    }

    void work(int t) {
        const int p = s.p, d = s.d;
        // Hidden units [lo, hi) belong to thread t; the split is on multiples of 16.
        const int chunk = ((p + threads - 1) / threads + 15) / 16 * 16;
        const int lo = std::min(p, t * chunk), hi = std::min(p, lo + chunk);
        const int w = hi - lo;
        const float* b1 = params + s.b1Offset();
        const float* w2 = params + s.w2Offset();
        const float b2v = params[s.b2Offset()]; // read before thread 0 updates it
        float* part = partOut.data() + static_cast<std::size_t>(t) * rows;
        if (w > 0) {
            sgemm()(kRowMajor, kNoTrans, kTrans, rows, w, d, 1.0f, X, d,
                    params + static_cast<std::size_t>(lo) * d, d, 0.0f, hidden.data() + lo, p);
            for (int i = 0; i < rows; ++i) {
                float* h = hidden.data() + static_cast<std::size_t>(i) * p + lo;
                float lanes[16] = {};
                int j = 0;
                for (; j + 16 <= w; j += 16)
                    for (int l = 0; l < 16; ++l) {
                        const float a = std::max(h[j + l] + b1[lo + j + l], 0.0f);
                        h[j + l] = a;
                        lanes[l] += a * w2[lo + j + l];
                    }
                float acc = 0.0f;
                for (; j < w; ++j) {
                    const float a = std::max(h[j] + b1[lo + j], 0.0f);
                    h[j] = a;
                    acc += a * w2[lo + j];
                }
                for (float l : lanes)
                    acc += l;
                part[i] = acc;
            }
        } else {
            std::fill(part, part + rows, 0.0f);
        }
        mid.wait();
        // Every thread forms the outputs and the loss (100 numbers) in the same order.
        double lossSum = 0;
        std::vector<float>& dt = dout;
        if (t == 0) {
            for (int i = 0; i < rows; ++i) {
                float o = 0.0f;
                for (int k = 0; k < threads; ++k)
                    o += partOut[static_cast<std::size_t>(k) * rows + i];
                o += b2v;
                const float err = o - y[i];
                lossSum += static_cast<double>(err) * err;
            }
            loss = lossSum / rows;
        }
        float* gb1 = gradTail.data();
        float* gw2 = gradTail.data() + p;
        thread_local std::vector<float> myDout;
        myDout.resize(static_cast<std::size_t>(rows));
        float gb2 = 0.0f;
        for (int i = 0; i < rows; ++i) {
            float o = 0.0f;
            for (int k = 0; k < threads; ++k)
                o += partOut[static_cast<std::size_t>(k) * rows + i];
            o += b2v;
            myDout[i] = 2.0f * (o - y[i]) / static_cast<float>(rows);
            gb2 += myDout[i];
        }
        (void)dt;
        for (int j = lo; j < hi; ++j) {
            gb1[j] = 0.0f;
            gw2[j] = 0.0f;
        }
        for (int i = 0; i < rows; ++i) {
            const float g0 = myDout[i];
            float* h = hidden.data() + static_cast<std::size_t>(i) * p;
            for (int j = lo; j < hi; ++j) {
                const float hj = h[j];
                gw2[j] += g0 * hj;
                const float g = static_cast<float>(hj > 0.0f) * (g0 * w2[j]);
                h[j] = g;
                gb1[j] += g;
            }
        }
        constexpr int kTile = 64;
        std::vector<float>& tile = tiles[static_cast<std::size_t>(t)];
        tile.resize(static_cast<std::size_t>(kTile) * d);
        for (int j0 = lo; j0 < hi; j0 += kTile) {
            const int rowsTile = std::min(kTile, hi - j0);
            sgemm()(kRowMajor, kTrans, kNoTrans, rowsTile, d, rows, 1.0f, hidden.data() + j0, p,
                    X, d, 0.0f, tile.data(), d);
            const std::size_t at = static_cast<std::size_t>(j0) * d;
            adamUpdateFast(params + at, m + at, v + at, tile.data(),
                           static_cast<std::size_t>(rowsTile) * d, adam);
        }
        // b1 and w2 of the own range, and b2 on thread 0. The other threads read b1, w2 and b2
        // only before the barrier, so updating them here is safe.
        if (w > 0) {
            adamUpdateFast(params + s.b1Offset() + lo, m + s.b1Offset() + lo,
                           v + s.b1Offset() + lo, gb1 + lo, static_cast<std::size_t>(w), adam);
            adamUpdateFast(params + s.w2Offset() + lo, m + s.w2Offset() + lo,
                           v + s.w2Offset() + lo, gw2 + lo, static_cast<std::size_t>(w), adam);
        }
        if (t == 0) {
            const std::size_t b2 = s.b2Offset();
            adamUpdateFast(params + b2, m + b2, v + b2, &gb2, 1, adam);
        }
    }
};

SplitStep::SplitStep(const MlpShape& shape, int threads)
    : m_impl(new Impl(shape, std::max(1, threads))) {}
SplitStep::~SplitStep() { delete m_impl; }

double SplitStep::step(float* params, float* m, float* v, const AdamStep& adam, const float* X,
                       const float* y, int rows) {
    Impl& s = *m_impl;
    s.params = params;
    s.m = m;
    s.v = v;
    s.adam = adam;
    s.X = X;
    s.y = y;
    s.rows = rows;
    ensure(s.hidden, static_cast<std::size_t>(rows) * s.s.p);
    ensure(s.partOut, static_cast<std::size_t>(rows) * s.threads);
    ensure(s.gradTail, 2 * static_cast<std::size_t>(s.s.p) + 1);
    s.start.wait();
    s.work(0);
    s.done.wait();
    return s.loss;
}

} // namespace qm7bench
