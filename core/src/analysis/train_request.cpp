// One training request (see train_request.h): checked once, trained by the trainer it needs.
#include "qm7/analysis/train_request.h"

#include "qm7/analysis/deep_recipe.h"
#include "qm7/chem/representation.h"
#include "qm7/train/run_store.h"

#include <cmath>
#include <filesystem>
#include <mutex>
#include <stdexcept>

namespace qm7 {

namespace {

/// Saves each finished or stopped run of the homework's trainer, then forwards the call.
class SavingObserver : public TrainObserver {
  public:
    SavingObserver(const TrainRequest& request, TrainObserver* to, std::string source)
        : m_request(request), m_to(to), m_source(std::move(source)) {}
    void onEpoch(const EpochStats& s) override {
        if (m_to)
            m_to->onEpoch(s);
    }
    void onProgress(const Progress& p) override {
        if (m_to)
            m_to->onProgress(p);
    }
    void onRunFinished(int run, const RunResult& result) override {
        if (!m_request.runFolder.empty() && result.epochsDone > 0 && !m_deep) {
            try {
                saveRun(result, m_request.runDir(run), m_source);
            } catch (const std::exception& e) {
                fail(e.what());
            }
        }
        if (m_to)
            m_to->onRunFinished(run, result);
    }
    void setDeep(bool deep) { m_deep = deep; }
    void fail(const std::string& what) {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_error.empty())
            m_error = what;
    }
    std::string error() const { return m_error; }

  private:
    const TrainRequest& m_request;
    TrainObserver* m_to;
    std::string m_source;
    bool m_deep = false;
    std::mutex m_mutex;
    std::string m_error;
};

} // namespace

std::string TrainRequest::validate() const {
    if (!data)
        return "no data set is loaded: open a dataset.pt, molecules (.xyz, qm7.mat) or the demo";
    if (data->train.rows() == 0 || data->d < 1)
        return "the data set has no training rows: load one with training molecules";
    if (data->val.rows() == 0)
        return "the data set has no validation rows: the best epoch is chosen on them; load one "
               "with a validation split";
    if (!representation.empty()) {
        const std::string have = data->representation.empty() ? "cm" : data->representation;
        if (representation != have)
            return "the data holds " + have + " features but " + representation +
                   " is chosen: load or convert the data in that representation first";
    }
    if (threads < 0)
        return "training threads " + std::to_string(threads) +
               ": give 0 (all cores) or a positive count";
    if (configs.empty())
        return "no runs to train: give at least one configuration (learning rate, seed)";
    for (std::size_t i = 0; i < configs.size(); ++i) {
        const TrainConfig& c = configs[i];
        const std::string prefix = configs.size() > 1 ? "run " + std::to_string(i + 1) + ": " : "";
        const std::string why = c.validate();
        if (!why.empty())
            return prefix + why;
        if (c.trainSize > static_cast<int>(data->train.rows()))
            return prefix + "training size " + std::to_string(c.trainSize) + " exceeds the " +
                   std::to_string(data->train.rows()) + " training rows";
    }
    return network.validate(augmentation != nullptr);
}

std::string TrainRequest::runDir(int run) const {
    if (runFolder.empty())
        return "";
    if (configs.size() == 1)
        return runFolder;
    return (std::filesystem::path(runFolder) / ("run-" + std::to_string(run))).string();
}

std::vector<RunResult> train(const TrainRequest& request, TrainOptions options,
                             const DeepResultHook& deepFinished) {
    const std::string why = request.validate();
    if (!why.empty())
        throw std::invalid_argument(why);
    const Dataset& data = *request.data;
    std::vector<TrainConfig> configs = request.configs;
    const std::string representation = data.representation.empty() ? "cm" : data.representation;
    const bool homework = request.homeworkNetwork();
    for (TrainConfig& c : configs)
        c.representation = representation;
    const std::string source = request.dataSource.empty() ? data.source : request.dataSource;
    SavingObserver saving(request, options.observer, source);
    saving.setDeep(!homework);
    options.observer = &saving;
    options.threads = request.threads;
    options.augmentation = request.augmentation.get();
    std::vector<RunResult> results;
    if (homework) {
        results = trainMany(data, configs, options);
    } else {
        std::vector<std::string> checkpoints;
        if (!request.runFolder.empty())
            for (std::size_t i = 0; i < configs.size(); ++i)
                checkpoints.push_back(
                    (std::filesystem::path(request.runDir(static_cast<int>(i))) / "checkpoint.bin")
                        .string());
        for (const std::string& c : checkpoints)
            std::filesystem::create_directories(std::filesystem::path(c).parent_path());
        results = trainNetworkRuns(
            data, configs, request.network, options,
            [&](int run, const DeepResult& deep) {
                if (!request.runFolder.empty() && deep.stepsDone > 0) {
                    try {
                        saveDeepRun({deep, {}}, request.runDir(run), source);
                    } catch (const std::exception& e) {
                        saving.fail(e.what());
                    }
                }
                if (deepFinished)
                    deepFinished(run, deep);
            },
            checkpoints);
    }
    if (!saving.error().empty())
        throw std::runtime_error("a run could not be saved: " + saving.error());
    return results;
}

} // namespace qm7
