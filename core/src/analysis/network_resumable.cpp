// Resumable training of runs with another network (network_resumable.h).
#include "qm7/analysis/network_resumable.h"

#include "qm7/analysis/deep_recipe.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace fs = std::filesystem;

namespace qm7 {

namespace {

bool sameDeepRun(const DeepConfig& a, const DeepConfig& b) {
    return a.layers == b.layers && a.activation == b.activation && a.optimizer == b.optimizer &&
           a.steps == b.steps && a.batchSize == b.batchSize && a.lr == b.lr &&
           a.averageWeights == b.averageWeights && a.seed == b.seed && a.evalEvery == b.evalEvery &&
           a.trainSize == b.trainSize && a.weightDecay == b.weightDecay &&
           a.representation == b.representation;
}

/// The runs still to train as indices of the whole list: maps their events back.
class Remap : public TrainObserver {
  public:
    Remap(TrainObserver* outer, const std::vector<int>& indices)
        : m_outer(outer), m_indices(indices) {}
    void onEpoch(const EpochStats& s) override {
        EpochStats mapped = s;
        mapped.run = m_indices[static_cast<std::size_t>(s.run)];
        m_outer->onEpoch(mapped);
    }
    void onProgress(const Progress& p) override { m_outer->onProgress(p); }
    void onRunFinished(int run, const RunResult& r) override {
        m_outer->onRunFinished(m_indices[static_cast<std::size_t>(run)], r);
    }

  private:
    TrainObserver* m_outer;
    const std::vector<int>& m_indices;
};

/// The deep config a run trains with on data (as trainNetworkRuns makes it).
DeepConfig deepConfigOn(const Dataset& data, const TrainConfig& c, const NetworkChoice& n) {
    DeepConfig d = deepConfigFor(c, n, static_cast<int>(data.train.rows()));
    if (!data.representation.empty())
        d.representation = data.representation;
    return d;
}

} // namespace

bool loadFinishedNetworkRun(const std::string& dir, const TrainConfig& config,
                            const NetworkChoice& n, const Dataset& data, RunResult* out) {
    if (!isDeepRun(dir))
        return false;
    try {
        RunResult r = loadAnyRun(dir);
        const DeepConfig saved = loadDeepRun(dir).result.config;
        if (r.cancelled || r.history.empty() || !sameDeepRun(saved, deepConfigOn(data, config, n)))
            return false;
        if (out) {
            r.config = config;
            r.config.representation = saved.representation;
            *out = std::move(r);
        }
        return true;
    } catch (const std::exception&) {
        return false; // a damaged folder is trained again
    }
}

std::vector<RunResult> trainNetworkResumable(const Dataset& data,
                                             const std::vector<TrainConfig>& configs,
                                             const std::vector<NetworkChoice>& networks,
                                             const std::vector<std::string>& dirs,
                                             const std::string& dataSource,
                                             const TrainOptions& options, int* reused) {
    if (configs.size() != dirs.size() || configs.size() != networks.size())
        throw std::invalid_argument(
            "trainNetworkResumable: one folder and one network per run are needed");
    std::vector<RunResult> results(configs.size());
    std::vector<int> todo;
    std::vector<double> cost(configs.size(), 0);
    for (std::size_t i = 0; i < configs.size(); ++i) {
        if (loadFinishedNetworkRun(dirs[i], configs[i], networks[i], data, &results[i]))
            continue;
        todo.push_back(static_cast<int>(i));
        const DeepConfig d = deepConfigOn(data, configs[i], networks[i]);
        double weights = 0;
        double in = static_cast<double>(data.d);
        for (int w : d.layers) {
            weights += in * w;
            in = w;
        }
        cost[i] = (weights + in) * static_cast<double>(d.steps);
    }
    if (reused)
        *reused = static_cast<int>(configs.size() - todo.size());
    if (todo.empty())
        return results;
    std::stable_sort(todo.begin(), todo.end(), [&](int a, int b) {
        return cost[static_cast<std::size_t>(a)] > cost[static_cast<std::size_t>(b)];
    });
    std::vector<TrainConfig> rest;
    std::vector<NetworkChoice> restNetworks;
    std::vector<std::string> checkpoints;
    for (int i : todo) {
        const auto k = static_cast<std::size_t>(i);
        rest.push_back(configs[k]);
        restNetworks.push_back(networks[k]);
        fs::create_directories(dirs[k]);
        checkpoints.push_back((fs::path(dirs[k]) / "checkpoint.bin").string());
    }
    TrainObserver none;
    Remap remap(options.observer ? options.observer : &none, todo);
    TrainOptions o = options;
    o.observer = &remap;
    std::string failed;
    std::vector<RunResult> trained = trainNetworkRuns(
        data, rest, restNetworks, o,
        [&](int run, const DeepResult& deep) {
            if (deep.stepsDone == 0)
                return;
            const std::string& dir = dirs[static_cast<std::size_t>(todo[run])];
            try {
                saveDeepRun({deep, {}}, dir, dataSource);
            } catch (const std::exception& e) {
                if (failed.empty())
                    failed = dir + ": " + e.what();
            }
        },
        checkpoints);
    if (!failed.empty())
        throw std::runtime_error("a run could not be saved: " + failed);
    for (std::size_t k = 0; k < todo.size(); ++k)
        results[static_cast<std::size_t>(todo[k])] = std::move(trained[k]);
    return results;
}

} // namespace qm7
