// qm7-bench: how fast the workbench trains, against the machine's limits.
//
//   qm7-bench --data dataset.pt [--quick] [--single-epochs N] [--homework-epochs N]
//             [--json FILE] [--skip ...]
//
// (1) microbenchmarks: peak float32 GEMM rate of the BLAS the trainer calls (the same dlopen'd
//     cblas_sgemm), multi-threaded, single-threaded, and one single-threaded call per core at
//     once; the rate at the trainer's own shapes; memory bandwidth (a STREAM triad on arrays far
//     larger than the caches); the fused Adam kernel on one model's parameters.
// (2) a profile of one training step, phase by phase (core's step with a StepProfile): one
//     model on one thread, one model per core (trainMany), one model split over the cores (train).
// (3) the workbench's single-model trainer, qm7::train, for a fixed number of epochs.
// (4) the homework's 24 runs through qm7::trainMany.
// (5) the floor: the homework's GEMM FLOPs at the peak rate plus the optimizer's bytes at the
//     measured bandwidth, with the formula.
// The Python peers are run by run.sh, which also prints the ratios and the targets.
#include "qm7/io/dataset.h"
#include "qm7/train/threads.h"
#include "qm7/train/trainer.h"

#include "train/blas.h"
#include "train/blas_threads.h"
#include "train/mlp_kernels.h"
#include "train/padded_layout.h"
#include "train/step_threads.h"
#include "util/thread_team.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using qm7::detail::kNoTrans;
using qm7::detail::kRowMajor;
using qm7::detail::kTrans;

double now() {
    return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

/// CPU time of the calling thread: on a loaded machine it counts only the time the thread ran.
double threadCpuNow() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double cpuNow() {
    return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

int cores() {
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

std::string readFile(const char* path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string loadAverage() {
    std::string s = readFile("/proc/loadavg");
    return s.substr(0, s.find(' ', s.find(' ', s.find(' ') + 1) + 1));
}

/// A field of /proc/self/status in MB (VmRSS, VmHWM).
double statusMb(const std::string& field) {
    std::istringstream in(readFile("/proc/self/status"));
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field + ":", 0) == 0)
            return std::atof(line.c_str() + field.size() + 1) / 1024.0;
    return 0;
}

void resetPeakRss() {
    std::ofstream("/proc/self/clear_refs") << "5";
}

/// Flat JSON object of numbers and strings, printed at the end for run.sh.
struct Report {
    std::vector<std::pair<std::string, std::string>> items;
    void num(const std::string& k, double v) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.6g", v);
        items.emplace_back(k, buf);
    }
    void str(const std::string& k, const std::string& v) {
        std::string e = "\"";
        for (char c : v) {
            if (c == '"' || c == '\\')
                e += '\\';
            if (c == '\n')
                e += "\\n";
            else
                e += c;
        }
        items.emplace_back(k, e + "\"");
    }
    std::string json() const {
        std::string s = "{";
        for (std::size_t i = 0; i < items.size(); ++i)
            s += (i ? ", \"" : "\"") + items[i].first + "\": " + items[i].second;
        return s + "}";
    }
};

std::vector<float> randomVector(std::size_t n, unsigned seed, float scale = 1.0f) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> u(-scale, scale);
    std::vector<float> v(n);
    for (auto& x : v)
        x = u(gen);
    return v;
}

/// Runs body(thread) on `threads` threads at once; returns the wall time.
double concurrently(int threads, const std::function<void(int)>& body) {
    const double t0 = now();
    qm7::detail::runOnThreads(threads, body);
    return now() - t0;
}

struct GemmShape {
    int transA, transB, m, n, k;
    double flops() const { return 2.0 * m * n * k; }
};

/// GFLOP/s of sgemm at a shape: `threads` callers at once (each with its own matrices), for
/// about `seconds`; the best of three trials. The BLAS pool size is set by the caller.
double gemmRate(const GemmShape& g, int threads, double seconds) {
    const auto sgemm = qm7::detail::sgemm();
    struct Bufs {
        std::vector<float> a, b, c;
    };
    std::vector<Bufs> bufs(static_cast<std::size_t>(threads));
    for (int t = 0; t < threads; ++t) {
        bufs[t].a = randomVector(static_cast<std::size_t>(g.m) * g.k, 1 + t);
        bufs[t].b = randomVector(static_cast<std::size_t>(g.k) * g.n, 100 + t);
        bufs[t].c.assign(static_cast<std::size_t>(g.m) * g.n, 0.0f);
    }
    auto call = [&](int t) {
        const int lda = g.transA == kTrans ? g.m : g.k;
        const int ldb = g.transB == kTrans ? g.k : g.n;
        sgemm(kRowMajor, g.transA, g.transB, g.m, g.n, g.k, 1.0f, bufs[t].a.data(), lda,
              bufs[t].b.data(), ldb, 0.0f, bufs[t].c.data(), g.n);
    };
    // Calibrate the number of calls per trial.
    double t0 = now();
    call(0);
    const double once = std::max(now() - t0, 1e-7);
    const long calls = std::max(2L, static_cast<long>(seconds / 3 / once));
    double best = 0;
    for (int trial = 0; trial < 3; ++trial) {
        const double wall = concurrently(threads, [&](int t) {
            for (long i = 0; i < calls; ++i)
                call(t);
        });
        best = std::max(best, g.flops() * calls * threads / wall / 1e9);
    }
    return best;
}

/// STREAM triad a = b + s c over `threads` threads, arrays of n floats each; GB/s counting
/// 12 bytes per element (STREAM's convention), the best of five passes.
double triadBandwidth(std::size_t n, int threads) {
    std::vector<float> a(n), b(n), c(n);
    const std::size_t chunk = (n + threads - 1) / threads;
    auto part = [&](int t, const std::function<void(std::size_t, std::size_t)>& f) {
        const std::size_t lo = std::min(n, chunk * t), hi = std::min(n, lo + chunk);
        f(lo, hi);
    };
    concurrently(threads, [&](int t) { // first touch by the thread that uses it
        part(t, [&](std::size_t lo, std::size_t hi) {
            for (std::size_t i = lo; i < hi; ++i) {
                a[i] = 0.0f;
                b[i] = 1.0f;
                c[i] = 2.0f;
            }
        });
    });
    double best = 0;
    const float s = 3.0f;
    for (int pass = 0; pass < 5; ++pass) {
        const double wall = concurrently(threads, [&](int t) {
            part(t, [&](std::size_t lo, std::size_t hi) {
                float* __restrict pa = a.data();
                const float* __restrict pb = b.data();
                const float* __restrict pc = c.data();
                for (std::size_t i = lo; i < hi; ++i)
                    pa[i] = pb[i] + s * pc[i];
            });
        });
        best = std::max(best, 12.0 * static_cast<double>(n) / wall / 1e9);
    }
    if (a[n / 2] != 7.0f)
        std::fprintf(stderr, "triad check failed\n");
    return best;
}

struct HomeworkLoad {
    std::vector<qm7::TrainConfig> configs;
    long long steps = 0;
    double gemmFlops = 0; ///< training GEMM FLOPs + evaluation forward FLOPs
    double trainFlops = 0;
    double evalFlops = 0;
    double optimizerBytes = 0; ///< bytes Adam must move
    /// The FLOPs actually needed: X W1^T, dW1 and the evaluation's forward passes over each
    /// row's nonzero prefix only (shell order), layer 2 in full.
    double neededFlops = 0;
};

/// Each row's prefix length (nonzeros, shell order) of a split; d for all when no skip applies.
std::vector<int> prefixes(const qm7::detail::PaddedLayout& layout, const qm7::Split& split) {
    std::vector<float> X = split.X;
    std::vector<int> prefix;
    layout.toInternal(X.data(), split.rows(), prefix);
    return prefix;
}

/// The homework's 24 runs and the arithmetic they need.
HomeworkLoad homeworkLoad(const qm7::Dataset& data, int epochs) {
    HomeworkLoad h;
    for (double lr : {1e-5, 1e-4, 1e-3, 1e-2})
        for (int s = 0; s < 3; ++s) {
            qm7::TrainConfig c;
            c.lr = lr;
            c.seed = static_cast<std::uint64_t>(s);
            c.epochs = epochs;
            h.configs.push_back(c);
        }
    for (int n : {100, 200, 500, 1000})
        for (int s = 0; s < 3; ++s) {
            qm7::TrainConfig c;
            c.trainSize = n;
            c.seed = static_cast<std::uint64_t>(s);
            c.epochs = epochs;
            h.configs.push_back(c);
        }
    const double d = data.d;
    const auto layout =
        qm7::detail::PaddedLayout::detect(data.train.X.data(), data.train.rows(), data.d);
    const auto shell = layout.active() ? layout : qm7::detail::PaddedLayout::dense(data.d);
    const std::vector<int> trainPrefix = prefixes(shell, data.train);
    double valPrefix = 0, testPrefix = 0;
    for (int k : prefixes(shell, data.val))
        valPrefix += k;
    for (int k : prefixes(shell, data.test))
        testPrefix += k;
    for (const auto& c : h.configs) {
        const double p = c.hidden, B = c.batchSize;
        const int n = c.trainSize ? c.trainSize : static_cast<int>(data.train.rows());
        const long long batches = (n + c.batchSize - 1) / c.batchSize;
        const long long steps = batches * c.epochs;
        const int evals = c.epochs / c.evalEvery + (c.epochs % c.evalEvery ? 1 : 0);
        const double params = p * d + 2 * p + 1;
        h.steps += steps;
        // Per step: X W1^T (2 B d p) and dW1 = dH^T X (2 B d p), plus layer 2's two
        // matrix-vector products (2 B p each); all batches are full here (n multiple of B).
        h.trainFlops += static_cast<double>(steps) * 4.0 * B * p * (d + 1);
        // Every evaluation: a forward pass over the run's training rows and the validation set;
        // at the end one over the test set.
        h.evalFlops += (evals * (n + static_cast<double>(data.val.rows())) +
                        static_cast<double>(data.test.rows())) *
                       2.0 * p * (d + 1);
        // Adam reads and writes the parameters and both moments (24 bytes per parameter); the
        // gradient is produced and consumed in cache (fused), so it is not counted.
        h.optimizerBytes += static_cast<double>(steps) * 24.0 * params;
        // Needed: every epoch visits each of the run's rows once (whatever the shuffle).
        double rowsPrefix = 0;
        for (int r : qm7::trainingRows(static_cast<int>(data.train.rows()), c.trainSize, c.seed))
            rowsPrefix += trainPrefix[static_cast<std::size_t>(r)];
        const double rowsAll = n;
        h.neededFlops += static_cast<double>(c.epochs) * 4.0 * p * (rowsPrefix + rowsAll);
        h.neededFlops +=
            (evals * (rowsPrefix + rowsAll + valPrefix + static_cast<double>(data.val.rows())) +
             testPrefix + static_cast<double>(data.test.rows())) *
            2.0 * p;
    }
    h.gemmFlops = h.trainFlops + h.evalFlops;
    return h;
}

class PeakRss : public qm7::TrainObserver {
  public:
    double maxRss = 0;
    void onProgress(const qm7::Progress&) override { maxRss = std::max(maxRss, statusMb("VmRSS")); }
};

/// One model on one thread, real minibatches (random rows of the training set, as an epoch's
/// shuffle gives them) sorted into prefix blocks of R rows: ms per step for each R and the dense
/// step, rounds interleaved (the best round of each counts, so that a loaded machine's noise
/// hits all of them alike), and the share of the dense FLOPs of X W1^T and dW1 left.
void skipBlocks(const qm7::Dataset& data, bool quick, const std::vector<int>& sizes, Report& rep) {
    using qm7::detail::PaddedLayout;
    using qm7::detail::RowBlocks;
    const int d = data.d, p = 1000, B = 100;
    const PaddedLayout layout =
        PaddedLayout::detect(data.train.X.data(), data.train.rows(), data.d);
    const auto& st = layout.stats();
    std::printf("\n== skipping the zero padding (features by shell, max(row, column)): mean "
                "prefix %.1f of %d features (%.1f%%), %zu rows with padding inside the prefix; "
                "skip %s\n",
                st.meanPrefix, d, 100 * st.fraction, st.innerPadding,
                layout.active() ? "active" : "not active (dense path)");
    rep.num("skip_mean_prefix", st.meanPrefix);
    rep.num("skip_fraction_rows", st.fraction);
    if (!layout.active())
        return;
    std::vector<float> X = data.train.X;
    std::vector<int> prefix;
    layout.toInternal(X.data(), data.train.rows(), prefix);
    const int batches = quick ? 15 : 60;
    std::mt19937 gen(11);
    std::vector<std::vector<int>> rowsOf(static_cast<std::size_t>(batches));
    for (auto& rows : rowsOf)
        for (int i = 0; i < B; ++i)
            rows.push_back(static_cast<int>(gen() % data.train.rows()));
    struct Config {
        int rows;
        std::vector<std::vector<float>> X, y;
        std::vector<RowBlocks> blocks;
        double fraction = 0, best = 1e30, bestCpu = 1e30;
        std::vector<float> params, m, v;
        qm7::detail::MlpScratch scratch;
        long long step = 0;
    };
    std::vector<Config> configs;
    const qm7::detail::MlpShape shape{d, p};
    const std::vector<float> start = randomVector(shape.size(), 3, 0.06f);
    for (int R : sizes) {
        Config c;
        c.rows = R;
        for (const auto& rows : rowsOf) {
            std::vector<int> pre, order;
            for (int r : rows)
                pre.push_back(prefix[static_cast<std::size_t>(r)]);
            RowBlocks blocks;
            qm7::detail::sortIntoBlocks(pre.data(), B, R ? R : B, order, blocks);
            std::vector<float> bx, by;
            for (int i = 0; i < B; ++i) {
                const int r =
                    rows[static_cast<std::size_t>(R ? order[static_cast<std::size_t>(i)] : i)];
                bx.insert(bx.end(), X.begin() + static_cast<long>(r) * d,
                          X.begin() + static_cast<long>(r + 1) * d);
                by.push_back((data.train.y[static_cast<std::size_t>(r)] + 1500.f) / 230.f);
            }
            double flops = 0;
            for (int b = 0, r0 = 0; b < blocks.blocks();
                 r0 = blocks.end[static_cast<std::size_t>(b)], ++b)
                flops += static_cast<double>(blocks.end[static_cast<std::size_t>(b)] - r0) *
                         blocks.cols[static_cast<std::size_t>(b)];
            c.fraction +=
                (R ? flops : static_cast<double>(B) * d) / (static_cast<double>(B) * d) / batches;
            c.X.push_back(std::move(bx));
            c.y.push_back(std::move(by));
            c.blocks.push_back(std::move(blocks));
        }
        c.params = start;
        c.m.assign(shape.size(), 0.0f);
        c.v.assign(shape.size(), 0.0f);
        configs.push_back(std::move(c));
    }
    qm7::detail::setBlasThreads(1);
    const int rounds = quick ? 2 : 6;
    for (int round = 0; round < rounds; ++round)
        for (Config& c : configs) {
            const double t0 = now(), c0 = threadCpuNow();
            for (int b = 0; b < batches; ++b) {
                qm7::detail::AdamStep adam;
                adam.step = ++c.step;
                qm7::detail::mlpTrainStep(
                    shape, c.params.data(), c.m.data(), c.v.data(), adam,
                    c.X[static_cast<std::size_t>(b)].data(),
                    c.y[static_cast<std::size_t>(b)].data(), B, c.scratch, 1, nullptr,
                    c.rows ? &c.blocks[static_cast<std::size_t>(b)] : nullptr);
            }
            c.best = std::min(c.best, (now() - t0) / batches);
            c.bestCpu = std::min(c.bestCpu, (threadCpuNow() - c0) / batches);
        }
    const double dense = configs[0].rows == 0 ? configs[0].best : 0;
    const double denseCpu = configs[0].rows == 0 ? configs[0].bestCpu : 0;
    std::printf("one model on one thread, minibatches of %d random training rows sorted by prefix; "
                "best of %d interleaved rounds of %d steps:\n",
                B, rounds, batches);
    std::printf(
        "(wall time, and the thread's CPU time, which a loaded machine does not inflate)\n");
    std::printf("  %-16s %-28s %8s %9s  %8s %9s\n", "rows per block",
                "FLOPs of X W1^T and dW1 left", "wall ms", "vs dense", "CPU ms", "vs dense");
    int bestRows = 0;
    double bestTime = 1e30;
    for (const Config& c : configs) {
        std::printf("  %-16s %28.3f %8.3f %8.2fx  %8.3f %8.2fx\n",
                    c.rows ? std::to_string(c.rows).c_str() : "dense (no skip)", c.fraction,
                    c.best * 1e3, dense / c.best, c.bestCpu * 1e3, denseCpu / c.bestCpu);
        const std::string key = c.rows ? std::to_string(c.rows) : std::string("dense");
        rep.num("skip_block_" + key + "_ms", c.best * 1e3);
        rep.num("skip_block_" + key + "_cpu_ms", c.bestCpu * 1e3);
        rep.num("skip_block_" + key + "_fraction", c.fraction);
        if (c.rows && c.bestCpu < bestTime) {
            bestTime = c.bestCpu;
            bestRows = c.rows;
        }
    }
    std::printf("fastest (CPU time): %d rows per block (the trainer uses %d)\n", bestRows,
                qm7::detail::kSkipBlockRows);
    // Where the time goes, dense and with the trainer's block size.
    for (Config& c : configs) {
        if (c.rows != 0 && c.rows != qm7::detail::kSkipBlockRows)
            continue;
        qm7::detail::StepProfile prof;
        for (int b = 0; b < batches; ++b) {
            qm7::detail::AdamStep adam;
            adam.step = ++c.step;
            qm7::detail::mlpTrainStep(
                shape, c.params.data(), c.m.data(), c.v.data(), adam,
                c.X[static_cast<std::size_t>(b)].data(), c.y[static_cast<std::size_t>(b)].data(), B,
                c.scratch, 1, &prof, c.rows ? &c.blocks[static_cast<std::size_t>(b)] : nullptr);
        }
        const double per = 1e3 / batches;
        const double gemm = 4.0 * B * p * d * c.fraction;
        std::printf(
            "  profile, %-15s forward GEMM %.3f ms, dW1 GEMM %.3f ms (%.1f GFLOP/s of "
            "the FLOPs done), Adam %.3f ms, element-wise %.3f ms, step %.3f ms\n",
            c.rows ? (std::to_string(c.rows) + " rows:").c_str() : "dense:", prof.forward * per,
            prof.dW1 * per, gemm / ((prof.forward + prof.dW1) / batches) / 1e9, prof.adam * per,
            (prof.reluLayer2 + prof.loss + prof.backward) * per, prof.wall * per);
    }
    rep.num("skip_block_fastest", bestRows);
    rep.num("skip_block_used", qm7::detail::kSkipBlockRows);
}

/// A single run's step (the skip, p 1000) on one thread, split over all cores, and with the
/// trainer's choice (StepThreads, from measured step times): wall time per step, rounds
/// interleaved so that all three see the same load. Shows whether splitting pays right now.
void splitUnderLoad(const qm7::Dataset& data, bool quick, Report& rep) {
    using qm7::detail::RowBlocks;
    const int d = data.d, p = 1000, B = 100, n = cores();
    if (n < 2)
        return;
    const auto layout =
        qm7::detail::PaddedLayout::detect(data.train.X.data(), data.train.rows(), d);
    std::vector<float> X = data.train.X;
    std::vector<int> prefix;
    layout.toInternal(X.data(), data.train.rows(), prefix);
    const int batches = static_cast<int>(data.train.rows()) / B;
    std::vector<std::vector<float>> bx(static_cast<std::size_t>(batches)), by(bx.size());
    std::vector<RowBlocks> blocks(bx.size());
    for (int b = 0; b < batches; ++b) {
        std::vector<int> order;
        qm7::detail::sortIntoBlocks(prefix.data() + b * B, B, qm7::detail::kSkipBlockRows, order,
                                    blocks[static_cast<std::size_t>(b)]);
        for (int i : order) {
            const auto r = static_cast<std::size_t>(b * B + i);
            bx[static_cast<std::size_t>(b)].insert(bx[static_cast<std::size_t>(b)].end(),
                                                   X.begin() + static_cast<long>(r) * d,
                                                   X.begin() + static_cast<long>(r + 1) * d);
            by[static_cast<std::size_t>(b)].push_back(data.train.y[r] / 200.0f);
        }
    }
    const qm7::detail::MlpShape shape{d, p};
    struct Mode {
        const char* name;
        int fixed; // 0 = chosen by StepThreads
        std::vector<float> params, m, v;
        qm7::detail::MlpScratch scratch;
        qm7::detail::StepThreads chooser;
        long long step = 0;
        double best = 1e30, total = 0;
    };
    std::vector<Mode> modes(3);
    modes[0].name = "one thread";
    modes[0].fixed = 1;
    modes[1].name = "split over all cores";
    modes[1].fixed = n;
    modes[2].name = "the trainer's choice (StepThreads)";
    modes[2].fixed = 0;
    for (Mode& m : modes) {
        m.params = randomVector(shape.size(), 3, 0.06f);
        m.m.assign(shape.size(), 0.0f);
        m.v.assign(shape.size(), 0.0f);
        m.chooser = qm7::detail::StepThreads(n);
    }
    qm7::detail::setBlasThreads(1);
    const int rounds = quick ? 3 : 8, epochs = quick ? 4 : 10;
    const std::string loadBefore = loadAverage();
    for (int round = 0; round < rounds; ++round)
        for (Mode& m : modes) {
            const double t0 = now();
            for (int e = 0; e < epochs; ++e)
                for (int b = 0; b < batches; ++b) {
                    qm7::detail::AdamStep adam;
                    adam.step = ++m.step;
                    const int threads = m.fixed ? m.fixed : m.chooser.next();
                    const double s0 = now();
                    qm7::detail::mlpTrainStep(shape, m.params.data(), m.m.data(), m.v.data(), adam,
                                              bx[static_cast<std::size_t>(b)].data(),
                                              by[static_cast<std::size_t>(b)].data(), B, m.scratch,
                                              threads, nullptr,
                                              &blocks[static_cast<std::size_t>(b)]);
                    if (!m.fixed)
                        m.chooser.record(threads, now() - s0);
                }
            const double per = (now() - t0) / (epochs * batches);
            m.best = std::min(m.best, per);
            m.total += per / rounds;
        }
    std::printf("\n== a single run's step under the current load (load average %s before, %s "
                "after; %d cores): wall ms per step, %d interleaved rounds of %d steps\n",
                loadBefore.c_str(), loadAverage().c_str(), n, rounds, epochs * batches);
    const char* keys[] = {"split_1t", "split_all", "split_chosen"};
    for (std::size_t i = 0; i < modes.size(); ++i) {
        const Mode& m = modes[i];
        std::printf("  %-36s best round %.3f ms, mean %.3f ms", m.name, m.best * 1e3,
                    m.total * 1e3);
        if (!m.fixed)
            std::printf("  (%lld steps on 1 thread, %lld on %d)", m.chooser.steps(0),
                        m.chooser.steps(1), n);
        std::printf("\n");
        rep.num(std::string(keys[i]) + "_ms", m.total * 1e3);
    }
}

struct Options {
    std::string data = "../shared/data/qm7/dataset.pt";
    bool quick = false;
    int singleEpochs = -1, homeworkEpochs = -1;
    std::string json;
    bool micro = true, profile = true, blocks = true, threads = true, single = true,
         homework = true;
    std::vector<int> blockRows = {0, 100, 50, 34, 25, 20, 15, 10, 5}; ///< 0 = dense
    std::vector<std::string> homeworkPaths = {"skip", "dense"};
};

void usage() {
    std::puts(
        "usage: qm7-bench [--data FILE] [--quick] [--single-epochs N] [--homework-epochs N]\n"
        "                 [--json FILE] [--skip micro,profile,blocks,threads,single,homework]\n"
        "                 [--block-rows 0,100,50,25,...] [--homework-paths skip,dense]\n"
        "  --quick  few epochs (single 20, homework 10) and short microbenchmarks\n"
        "  --block-rows  rows per block of the skip measured in 'blocks' (0 = dense)");
}

} // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0); // progress shows through run.sh's tee
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage();
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--data")
            o.data = next();
        else if (a == "--quick")
            o.quick = true;
        else if (a == "--single-epochs")
            o.singleEpochs = std::stoi(next());
        else if (a == "--homework-epochs")
            o.homeworkEpochs = std::stoi(next());
        else if (a == "--block-rows") {
            o.blockRows.clear();
            std::istringstream list(next());
            for (std::string item; std::getline(list, item, ',');)
                o.blockRows.push_back(std::stoi(item));
        } else if (a == "--homework-paths") {
            o.homeworkPaths.clear();
            std::istringstream list(next());
            for (std::string item; std::getline(list, item, ',');)
                if (item == "skip" || item == "dense")
                    o.homeworkPaths.push_back(item);
        } else if (a == "--json")
            o.json = next();
        else if (a == "--skip") {
            const std::string s = next();
            o.micro = s.find("micro") == std::string::npos;
            o.profile = s.find("profile") == std::string::npos;
            o.blocks = s.find("blocks") == std::string::npos;
            o.threads = s.find("threads") == std::string::npos;
            o.single = s.find("single") == std::string::npos;
            o.homework = s.find("homework") == std::string::npos;
        } else {
            usage();
            return a == "--help" || a == "-h" ? 0 : 2;
        }
    }
    if (o.singleEpochs < 0)
        o.singleEpochs = o.quick ? 20 : 1000;
    if (o.homeworkEpochs < 0)
        o.homeworkEpochs = o.quick ? 10 : 1000;
    const double microSeconds = o.quick ? 0.3 : 1.0;

    Report rep;
    const int ncores = cores();
    // The workbench's default: 1 torch thread, single-threaded BLAS; the trainer's own threads
    // (TrainOptions::threads, all cores here) run runs side by side or split a single run's step.
    qm7::setUpNumerics();
    std::printf("qm7-bench  cores %d  BLAS %s\n", ncores, qm7::blasDescription().c_str());
    std::printf("load average at start: %s (a busy machine slows every number below)\n",
                loadAverage().c_str());
    rep.num("cores", ncores);
    rep.str("blas", qm7::blasDescription());
    rep.str("load_start", loadAverage());
    const char* coretype = std::getenv("OPENBLAS_CORETYPE");
    rep.str("openblas_coretype", coretype ? coretype : "");
    if (coretype)
        std::printf("OPENBLAS_CORETYPE=%s\n", coretype);

    qm7::Dataset data;
    try {
        data = qm7::loadDataset(o.data);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "qm7-bench: %s\n", e.what());
        return 1;
    }
    const int d = data.d, p = 1000, B = 100;
    std::printf("data %s: train %zu, val %zu, test %zu, d %d\n", o.data.c_str(), data.train.rows(),
                data.val.rows(), data.test.rows(), d);

    // ---------------------------------------------------------------- (1) microbenchmarks
    double peak = 0, bandwidth = 0, idealPeak = 0;
    if (o.micro) {
        std::printf("\n== microbenchmarks\n");
        const int big = o.quick ? 1024 : 2048;
        const GemmShape square{kNoTrans, kNoTrans, big, big, big};
        qm7::detail::setBlasThreads(ncores);
        const double mt = gemmRate(square, 1, microSeconds);
        qm7::detail::setBlasThreads(1);
        const double st = gemmRate(square, 1, microSeconds);
        const double conc = gemmRate(square, ncores, microSeconds);
        // The floor uses the best aggregate rate actually measured on all cores (the pool, or one
        // single-threaded call per core at once); one thread x cores is the ideal, printed too (it
        // is higher when the cores share execution units or the machine is busy).
        peak = std::max(mt, conc);
        idealPeak = std::max(peak, st * ncores);
        std::printf("sgemm %d^3: multi-threaded pool (%d) %.1f GFLOP/s; one thread %.1f GFLOP/s "
                    "(x %d cores = %.1f); %d single-threaded calls at once %.1f GFLOP/s\n",
                    big, ncores, mt, st, ncores, st * ncores, ncores, conc);
        std::printf(
            "peak used for the floor: %.1f GFLOP/s (the best measured on all cores at once)\n",
            peak);
        rep.num("gemm_square_n", big);
        rep.num("gemm_mt_gflops", mt);
        rep.num("gemm_1t_gflops", st);
        rep.num("gemm_1t_x_cores_gflops", st * ncores);
        rep.num("gemm_concurrent_gflops", conc);
        rep.num("gemm_peak_gflops", peak);

        struct Named {
            const char* name;
            GemmShape g;
        };
        const Named shapes[] = {
            {"fwd   H = X W1^T   (100x1000x276)", {kNoTrans, kTrans, B, p, d}},
            {"bwd   dW1 = dH^T X (1000x276, k 100)", {kTrans, kNoTrans, p, d, B}},
            {"bwd   one 64-row tile of dW1", {kTrans, kNoTrans, 64, d, B}},
        };
        const char* keys[] = {"fwd", "dw1", "dw1tile"};
        int si = 0;
        for (const auto& s : shapes) {
            qm7::detail::setBlasThreads(1);
            const double one = gemmRate(s.g, 1, microSeconds / 2);
            const double many = gemmRate(s.g, ncores, microSeconds / 2);
            qm7::detail::setBlasThreads(ncores);
            const double pool = gemmRate(s.g, 1, microSeconds / 2);
            std::printf(
                "%-40s 1 thread %6.1f | %d calls at once %6.1f | pool of %d %6.1f GFLOP/s\n",
                s.name, one, ncores, many, ncores, pool);
            rep.num(std::string("gemm_") + keys[si] + "_1t", one);
            rep.num(std::string("gemm_") + keys[si] + "_concurrent", many);
            rep.num(std::string("gemm_") + keys[si] + "_pool", pool);
            ++si;
        }

        const std::size_t n = o.quick ? (std::size_t{16} << 20) : (std::size_t{32} << 20);
        const double bwAll = triadBandwidth(n, ncores);
        const double bwOne = triadBandwidth(n, 1);
        bandwidth = std::max(bwAll, bwOne);
        std::printf("triad a = b + s c, 3 x %zu MB: %d threads %.1f GB/s, 1 thread %.1f GB/s\n",
                    n * 4 >> 20, ncores, bwAll, bwOne);
        // The same triad on a working set the size of the trainer's in-flight optimizer state
        // (one model per core: parameters and moments, 3 x 1.1 MB each): is it cache-resident?
        const std::size_t nModel = static_cast<std::size_t>(p) * d + 2 * p + 1;
        const double bwCache = triadBandwidth(nModel * ncores, ncores);
        std::printf("triad on %d x 3 x %.1f MB (one model's Adam state per core): %.1f GB/s\n",
                    ncores, nModel * 4 / 1048576.0, bwCache);
        rep.num("triad_gbs", bwAll);
        rep.num("triad_1t_gbs", bwOne);
        rep.num("triad_model_sized_gbs", bwCache);
        rep.num("bandwidth_gbs", bandwidth);

        // The fused Adam kernel alone, over one model's parameters, one model per core.
        std::vector<std::vector<float>> P(ncores), M(ncores), V(ncores), G(ncores);
        for (int t = 0; t < ncores; ++t) {
            P[t] = randomVector(nModel, 7 + t);
            M[t].assign(nModel, 0.0f);
            V[t].assign(nModel, 0.0f);
            G[t] = randomVector(nModel, 9 + t, 0.01f);
        }
        const int reps = o.quick ? 200 : 1000;
        for (int threads : {1, ncores}) {
            const double wall = concurrently(threads, [&](int t) {
                qm7::detail::AdamStep a;
                for (int r = 0; r < reps; ++r) {
                    a.step = r + 1;
                    qm7::detail::adamUpdate(P[t].data(), M[t].data(), V[t].data(), G[t].data(),
                                            nModel, a);
                }
            });
            const double ms = wall / reps * 1e3;
            std::printf("adamUpdate on %zu parameters, %d at once: %.3f ms per step per model "
                        "(%.1f GB/s of 28 B/param)\n",
                        nModel, threads, ms, 28.0 * nModel * threads / (wall / reps) / 1e9);
            rep.num(threads == 1 ? "adam_1t_ms" : "adam_concurrent_ms", ms);
            if (ncores == 1)
                break;
        }
    }

    // ---------------------------------------------------------------- (2) profile of a step
    if (o.profile) {
        std::printf("\n== profile of one training step (p %d, d %d, batch %d), phase by phase: "
                    "core's mlpTrainStep with a StepProfile\n",
                    p, d, B);
        const qm7::detail::MlpShape shape{d, p};
        const int steps = o.quick ? 150 : 600;
        qm7::detail::setBlasThreads(1); // the trainer always calls single-threaded BLAS
        struct Layout {
            int models, split; // models trained at once (one per thread), threads per model
            std::string key, what;
        };
        std::vector<Layout> layouts = {{1, 1, "prof_1t_", "one model on one thread"}};
        if (ncores > 1) {
            layouts.push_back({ncores, 1, "prof_conc_",
                               std::to_string(ncores) +
                                   " models at once, one per thread (qm7::trainMany's layout)"});
            layouts.push_back({1, ncores, "prof_split_",
                               "one model, each step split over " + std::to_string(ncores) +
                                   " threads (qm7::train's layout)"});
        }
        for (const Layout& L : layouts) {
            std::vector<qm7::detail::StepProfile> prof(static_cast<std::size_t>(L.models));
            const double wall = concurrently(L.models, [&](int t) {
                std::vector<float> params = randomVector(shape.size(), 3 + t, 0.06f);
                std::vector<float> m(shape.size(), 0.0f), v(shape.size(), 0.0f);
                std::vector<float> X(static_cast<std::size_t>(B) * d), y(B);
                qm7::detail::MlpScratch scratch;
                std::mt19937 gen(5 + t);
                qm7::detail::AdamStep adam;
                for (int s = 0; s < steps; ++s) {
                    const auto t0 = Clock::now();
                    for (int i = 0; i < B; ++i) { // gather a batch of random training rows
                        const std::size_t r = gen() % data.train.rows();
                        std::copy_n(data.train.X.data() + r * d, d,
                                    X.data() + static_cast<std::size_t>(i) * d);
                        y[i] = (data.train.y[r] + 1500.f) / 230.f;
                    }
                    prof[t].gather += std::chrono::duration<double>(Clock::now() - t0).count();
                    adam.step = s + 1;
                    qm7::detail::mlpTrainStep(shape, params.data(), m.data(), v.data(), adam,
                                              X.data(), y.data(), B, scratch, L.split, &prof[t]);
                }
            });
            const qm7::detail::StepProfile& T = prof[0];
            // Thread 0's share of the hidden units: core splits the step by blocks of 256 units
            // (mlp_kernels.cpp), thread 0 taking the first blocks * 1 / threads of them.
            const int blocks = (p + 255) / 256;
            const int threads = std::min(L.split, blocks);
            const int units0 = std::min(p, blocks / threads * 256);
            const double per = 1e3 / steps;
            const double inStep = T.phases() - T.gather;
            const double other = std::max(0.0, T.wall - inStep);
            const double tot = T.gather + T.wall;
            auto line = [&](const char* name, double sec, double flops) {
                std::printf("  %-34s %7.3f ms  %5.1f%%", name, sec * per, 100 * sec / tot);
                if (flops > 0)
                    std::printf("  %6.1f GFLOP/s", flops / (sec / steps) / 1e9);
                std::printf("\n");
            };
            std::printf("%s (%s):\n", L.what.c_str(),
                        L.split > 1 ? "thread 0's phases: its share of the hidden units, and the "
                                      "serial parts"
                                    : "the first model's phases");
            line("gather batch", T.gather, 0);
            line("forward GEMM X W1^T", T.forward, 2.0 * B * d * units0);
            line("bias+ReLU+layer 2", T.reluLayer2, 0);
            line("loss and dL/dout", T.loss, 0);
            line("dL/dH, grads of b1 w2 b2", T.backward, 0);
            line("dW1 GEMM (tiles of 64 rows)", T.dW1, 2.0 * B * d * units0);
            line("Adam (W1 tile by tile, b1 w2 b2)", T.adam, 0);
            line(L.split > 1 ? "threads' start, join and waiting" : "rest of the step", other, 0);
            std::printf("  %-34s %7.3f ms  (wall %.3f ms per step per model)\n", "step total",
                        tot * per, wall * per);
            const std::string& k = L.key;
            rep.num(k + "gather_ms", T.gather * per);
            rep.num(k + "forward_ms", T.forward * per);
            rep.num(k + "relu_ms", T.reluLayer2 * per);
            rep.num(k + "loss_ms", T.loss * per);
            rep.num(k + "backward_ms", T.backward * per);
            rep.num(k + "dw1_ms", T.dW1 * per);
            rep.num(k + "adam_ms", T.adam * per);
            rep.num(k + "other_ms", other * per);
            rep.num(k + "step_ms", wall * per);
        }
        // Evaluation: one forward pass over 1500 training + 500 validation rows.
        {
            qm7::detail::setBlasThreads(1);
            std::vector<float> params = randomVector(shape.size(), 3, 0.06f), out(2000);
            std::vector<float> X = randomVector(static_cast<std::size_t>(2000) * d, 4);
            qm7::detail::MlpScratch scratch;
            const int reps = o.quick ? 10 : 40;
            const double t0 = now();
            for (int r = 0; r < reps; ++r)
                for (int c = 0; c < 4; ++c) // the trainer evaluates in chunks of 500 rows
                    qm7::detail::mlpForward(shape, params.data(),
                                            X.data() + static_cast<std::size_t>(c) * 500 * d, 500,
                                            out.data() + c * 500, scratch);
            const double ms = (now() - t0) / reps * 1e3;
            std::printf("evaluation of 2000 rows (1 thread): %.2f ms = %.1f steps' worth of "
                        "forward FLOPs at 10x fewer passes\n",
                        ms, 2000.0 / B / 2);
            rep.num("eval_2000_rows_ms", ms);
        }
    }

    // ---------------------------------------------------------------- (2b) the skip's blocks
    if (o.blocks)
        skipBlocks(data, o.quick, o.blockRows, rep);
    if (o.threads)
        splitUnderLoad(data, o.quick, rep);

    // ---------------------------------------------------------------- (3) single model
    if (o.single) {
        qm7::setUpNumerics();
        qm7::TrainConfig c;
        c.epochs = o.singleEpochs;
        c.lr = 1e-3;
        const double t0 = now(), c0 = cpuNow();
        const qm7::RunResult r = qm7::train(data, c);
        const double s = now() - t0, cpu = cpuNow() - c0;
        const long long steps = static_cast<long long>(c.epochs) * ((r.trainRows + B - 1) / B);
        std::printf("\n== workbench, one model (qm7::train, lr 1e-3, %d epochs, each step split "
                    "over %d threads)\n",
                    c.epochs, qm7::resolveThreads(0));
        std::printf("%.2f s (CPU %.2f s), %lld steps, %.3f ms per step; final val loss %.4f, test "
                    "RMSE %.2f "
                    "kcal/mol\n",
                    s, cpu, steps, s / steps * 1e3, r.finalValLoss, r.test.rmse);
        rep.num("single_epochs", c.epochs);
        rep.num("single_seconds", s);
        rep.num("single_cpu_seconds", cpu);
        rep.num("single_steps", static_cast<double>(steps));
        rep.num("single_ms_per_step", s / steps * 1e3);
        rep.num("single_final_val_loss", r.finalValLoss);
        rep.num("single_test_rmse", r.test.rmse);
    }

    // ---------------------------------------------------------------- (4) homework
    const HomeworkLoad load = homeworkLoad(data, o.homeworkEpochs);
    for (const std::string& path : o.homeworkPaths) {
        if (!o.homework)
            break;
        // "skip": the default trainer (the zero padding skipped); "dense": the same without it.
        const bool skip = path == "skip";
        const std::string key = skip ? "homework_" : "homework_dense_";
        qm7::setUpNumerics();
        PeakRss rss;
        qm7::TrainOptions opts;
        opts.observer = &rss;
        opts.paddingSkip =
            skip ? qm7::TrainOptions::PaddingSkip::Auto : qm7::TrainOptions::PaddingSkip::Off;
        resetPeakRss();
        const double before = statusMb("VmRSS");
        const std::string loadBefore = loadAverage();
        const double t0 = now(), c0 = cpuNow();
        const auto results = qm7::trainMany(data, load.configs, opts);
        const double s = now() - t0, cpu = cpuNow() - c0;
        const double hwm = statusMb("VmHWM");
        std::printf("\n== workbench, the homework's 24 runs (qm7::trainMany, %d epochs each), %s\n",
                    o.homeworkEpochs,
                    skip ? "skipping the zero padding (the default)" : "dense path (no skip)");
        std::printf(
            "%.2f s (CPU %.2f s), %lld model-steps, %.3f ms per model-step (throughput); resident "
            "%.0f MB before, peak %.0f MB; load average %s before, %s after\n",
            s, cpu, load.steps, s / load.steps * 1e3, before, std::max(hwm, rss.maxRss),
            loadBefore.c_str(), loadAverage().c_str());
        double rmse1e3 = 0;
        int count = 0;
        for (std::size_t i = 6; i < 9; ++i, ++count)
            rmse1e3 += results[i].test.rmse;
        std::printf("test RMSE at lr 1e-3 on all rows (mean of 3 seeds): %.3f kcal/mol\n",
                    rmse1e3 / count);
        rep.num(key + "epochs", o.homeworkEpochs);
        rep.num(key + "seconds", s);
        rep.num(key + "cpu_seconds", cpu);
        rep.num(key + "steps", static_cast<double>(load.steps));
        rep.num(key + "ms_per_model_step", s / load.steps * 1e3);
        rep.num(key + "peak_rss_mb", std::max(hwm, rss.maxRss));
        rep.num(key + "test_rmse_lr1e3", rmse1e3 / count);
    }

    // ---------------------------------------------------------------- (5) floor
    std::printf("\n== floor of the homework (%d epochs)\n", o.homeworkEpochs);
    std::printf("model-steps S = sum over runs of epochs * ceil(n/B) = %lld\n", load.steps);
    std::printf(
        "GEMM FLOPs   = S * 4 B p (d+1)                       (forward X W1^T, dW1, layer 2)\n"
        "             + sum over runs [evals * (n + n_val) + n_test] * 2 p (d+1)\n"
        "             = %.4g + %.4g = %.4g FLOP\n",
        load.trainFlops, load.evalFlops, load.gemmFlops);
    std::printf("Adam bytes   = S * 24 (p d + 2 p + 1)                (read+write W, m, v; the "
                "fused gradient stays in cache)\n             = %.4g B\n",
                load.optimizerBytes);
    rep.num("floor_steps", static_cast<double>(load.steps));
    rep.num("floor_flops", load.gemmFlops);
    rep.num("floor_bytes", load.optimizerBytes);
    if (peak > 0 && bandwidth > 0) {
        const double tf = load.gemmFlops / (peak * 1e9),
                     tb = load.optimizerBytes / (bandwidth * 1e9);
        std::printf(
            "floor        = FLOPs / %.1f GFLOP/s + bytes / %.1f GB/s = %.2f s + %.2f s = %.2f s\n",
            peak, bandwidth, tf, tb, tf + tb);
        rep.num("floor_gemm_seconds", tf);
        rep.num("floor_bytes_seconds", tb);
        rep.num("floor_seconds", tf + tb);
        const double tfIdeal = load.gemmFlops / (idealPeak * 1e9);
        std::printf("(with one thread's rate x %d cores, %.1f GFLOP/s: %.2f s + %.2f s = %.2f s)\n",
                    ncores, idealPeak, tfIdeal, tb, tfIdeal + tb);
        rep.num("floor_ideal_seconds", tfIdeal + tb);
        // The floor of the FLOPs actually needed: X W1^T, dW1 and the evaluation over each row's
        // nonzero prefix (shell order) only; Adam's bytes unchanged (it updates every weight).
        const double tn = load.neededFlops / (peak * 1e9);
        std::printf("needed FLOPs = the same over each row's nonzero prefix only (the skip's own "
                    "limit)\n             = %.4g FLOP (%.1f%% of the dense)\n"
                    "needed floor = %.2f s + %.2f s = %.2f s\n",
                    load.neededFlops, 100 * load.neededFlops / load.gemmFlops, tn, tb, tn + tb);
        rep.num("needed_flops", load.neededFlops);
        rep.num("needed_floor_gemm_seconds", tn);
        rep.num("needed_floor_seconds", tn + tb);
    }
    rep.str("load_end", loadAverage());
    std::printf("load average at end: %s\n", loadAverage().c_str());
    const std::string js = rep.json();
    if (!o.json.empty())
        std::ofstream(o.json) << js << "\n";
    return 0;
}
