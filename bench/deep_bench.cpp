// qm7-deep-bench: the paper's network (Montavon et al. 2012: d -> 400 -> 100 -> 1, 1.5 tanh(x/1.5),
// SGD with per-layer rates and the running average of the weights, minibatch 25) per step, on a
// pool of real expanded, randomly sorted Coulomb matrices of the demo molecules. It writes the pool
// (raw float32) for the PyTorch peer (peer/pytorch_deep_peer.py), which trains the same network on
// the same batches: run_deep.sh runs both in one go and prints the ratio.
//
//   qm7-deep-bench [--data demo] [--steps 2000] [--pool FILE] [--json FILE]
#include "qm7/analysis/deep_recipe.h"
#include "qm7/util/atomic_file.h"

#include "train/blas_threads.h"
#include "train/deep_kernels.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;

std::string loadAverage() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

double cpuSeconds() {
    return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

} // namespace

int main(int argc, char** argv) {
    std::string data = "demo", poolPath = "/tmp/qm7-deep-pool.f32", jsonPath;
    long long steps = 2000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--data")
            data = v;
        else if (k == "--steps")
            steps = std::stoll(v);
        else if (k == "--pool")
            poolPath = v;
        else if (k == "--json")
            jsonPath = v;
        else {
            std::fprintf(stderr, "qm7-deep-bench: unknown option %s\n", k.c_str());
            return 2;
        }
    }
    using namespace qm7;
    const std::string loadStart = loadAverage();
    BuildOptions build;
    const MoleculeSource source = readMolecules(data, build);
    const MoleculeSplits splits = splitMolecules(source.molecules, build);
    const CoulombExpansion expansion = CoulombExpansion::fit(splits.train, {});
    const ExpandedCoulombInputs inputs(splits, expansion);
    const int d = inputs.dim(), B = 25, pool = 1000;
    // A pool of 1000 fresh draws (40 batches), and labels, for both sides.
    std::vector<int> idx(pool);
    for (int i = 0; i < pool; ++i)
        idx[static_cast<std::size_t>(i)] = i % inputs.rows(SplitKind::Train);
    std::vector<float> X(static_cast<std::size_t>(pool) * d), y(pool);
    inputs.fill(SplitKind::Train, idx.data(), pool, 99, X.data());
    const LabelScaler scaler = LabelScaler::fit(inputs.labels(SplitKind::Train));
    for (int i = 0; i < pool; ++i)
        y[static_cast<std::size_t>(i)] =
            scaler.normalize(inputs.labels(SplitKind::Train)[static_cast<std::size_t>(i)]);
    {
        std::string bytes(reinterpret_cast<const char*>(X.data()), X.size() * sizeof(float));
        bytes.append(reinterpret_cast<const char*>(y.data()), y.size() * sizeof(float));
        writeFileAtomically(poolPath, bytes);
    }

    detail::setBlasThreads(1);
    const detail::DeepShape shape(d, {400, 100}, Activation::ScaledTanh);
    std::vector<float> params(shape.size()), average;
    Rng rng(1);
    for (float& p : params)
        p = static_cast<float>(0.02 * rng.normal());
    average = params;
    detail::DeepUpdate u;
    u.optimizer = Optimizer::Sgd;
    for (std::size_t l = 0; l < shape.layers(); ++l)
        u.rates.push_back(0.01 / std::sqrt(static_cast<double>(shape.fanIn(l))));
    u.average = average.data();
    detail::DeepScratch scratch;
    std::vector<float> batchX(static_cast<std::size_t>(B) * d), batchY(B);
    auto run = [&](long long n, bool freshDraws) {
        const auto t0 = Clock::now();
        const double c0 = cpuSeconds();
        std::vector<int> rows(B);
        for (long long s = 0; s < n; ++s) {
            const int b = static_cast<int>(s % (pool / B));
            if (freshDraws) {
                for (int i = 0; i < B; ++i)
                    rows[static_cast<std::size_t>(i)] = b * B + i;
                inputs.fill(SplitKind::Train, rows.data(), B, static_cast<std::uint64_t>(s),
                            batchX.data());
            } else {
                std::memcpy(batchX.data(), X.data() + static_cast<std::size_t>(b) * B * d,
                            sizeof(float) * static_cast<std::size_t>(B) * d);
            }
            std::memcpy(batchY.data(), y.data() + static_cast<std::size_t>(b) * B,
                        sizeof(float) * B);
            u.step = s + 1;
            u.averageFactor = 10.0 / (10.0 + static_cast<double>(s + 1));
            detail::deepTrainStep(shape, params.data(), u, batchX.data(), batchY.data(), B,
                                  scratch);
        }
        const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
        return std::pair{wall / static_cast<double>(n),
                         (cpuSeconds() - c0) / static_cast<double>(n)};
    };
    run(50, false); // warm-up
    const auto [stepWall, stepCpu] = run(steps, false);
    const auto [drawWall, drawCpu] = run(std::max(100LL, steps / 4), true);
    const std::string loadEnd = loadAverage();
    std::printf("paper network %d -> 400 -> 100 -> 1 (stanh, SGD + average, batch %d), 1 thread:\n",
                d, B);
    std::printf("  step on pooled inputs     %.3f ms wall, %.3f ms CPU (%lld steps)\n",
                1e3 * stepWall, 1e3 * stepCpu, steps);
    std::printf(
        "  step with fresh draws     %.3f ms wall, %.3f ms CPU (random sorting + expansion)\n",
        1e3 * drawWall, 1e3 * drawCpu);
    std::printf("  load average: start %s, end %s\n", loadStart.c_str(), loadEnd.c_str());
    if (!jsonPath.empty()) {
        char buf[512];
        std::snprintf(
            buf, sizeof buf,
            "{\"d\": %d, \"batch\": %d, \"steps\": %lld, \"step_ms\": %.5f, "
            "\"step_cpu_ms\": %.5f, \"step_fresh_ms\": %.5f, \"step_fresh_cpu_ms\": %.5f, "
            "\"load_start\": \"%s\", \"load_end\": \"%s\"}\n",
            d, B, steps, 1e3 * stepWall, 1e3 * stepCpu, 1e3 * drawWall, 1e3 * drawCpu,
            loadStart.c_str(), loadEnd.c_str());
        writeFileAtomically(jsonPath, buf);
    }
    return 0;
}
