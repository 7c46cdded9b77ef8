#include "qm7/train/resumable.h"

#include "qm7/train/project.h"
#include "qm7/train/run_store.h"

#include <algorithm>
#include <stdexcept>

namespace qm7 {

bool sameRun(const TrainConfig& a, const TrainConfig& b) {
    return a.hidden == b.hidden && a.epochs == b.epochs && a.lr == b.lr &&
           a.batchSize == b.batchSize && a.seed == b.seed && a.evalEvery == b.evalEvery &&
           a.trainSize == b.trainSize && a.weightDecay == b.weightDecay;
}

bool loadFinishedRun(const std::string& dir, const TrainConfig& config, RunResult* out) {
    if (!hasFinishedRun(dir))
        return false;
    try {
        RunResult r = loadRun(dir);
        if (!sameRun(r.config, config))
            return false;
        if (out)
            *out = std::move(r);
        return true;
    } catch (const std::exception&) {
        return false; // a damaged folder is trained again
    }
}

namespace {

/// Maps a chunk's run indices and progress onto the whole job, and saves runs as they end.
class ChunkObserver : public TrainObserver {
  public:
    ChunkObserver(TrainObserver* outer, const std::vector<int>& indices,
                  const std::vector<std::string>& dirs, const std::string& source, Progress& total)
        : m_outer(outer), m_indices(indices), m_dirs(dirs), m_source(source), m_total(total),
          m_startSteps(total.stepsDone), m_startRuns(total.runsFinished) {}

    void onEpoch(const EpochStats& s) override {
        if (!m_outer)
            return;
        EpochStats mapped = s;
        mapped.run = m_indices[static_cast<std::size_t>(s.run)];
        m_outer->onEpoch(mapped);
    }
    void onProgress(const Progress& p) override {
        m_total.stepsDone = m_startSteps + p.stepsDone;
        m_total.runsFinished = m_startRuns + p.runsFinished;
        m_total.threads = p.threads;
        if (m_outer) {
            Progress mapped = m_total;
            mapped.seconds = m_total.seconds + p.seconds;
            m_outer->onProgress(mapped);
        }
    }
    void onRunFinished(int run, const RunResult& result) override {
        const int index = m_indices[static_cast<std::size_t>(run)];
        saveRun(result, m_dirs[static_cast<std::size_t>(index)], m_source);
        if (m_outer)
            m_outer->onRunFinished(index, result);
    }

  private:
    TrainObserver* m_outer;
    const std::vector<int>& m_indices;
    const std::vector<std::string>& m_dirs;
    const std::string& m_source;
    Progress& m_total;
    long long m_startSteps;
    int m_startRuns;
};

} // namespace

std::vector<RunResult> trainResumable(const Dataset& data, const std::vector<TrainConfig>& configs,
                                      const std::vector<std::string>& dirs,
                                      const std::string& dataSource, const TrainOptions& options,
                                      int chunk, int* reused) {
    if (configs.size() != dirs.size())
        throw std::invalid_argument("trainResumable: one folder per run is needed");
    // Issue 13: in a project folder shared by tasks, runs are sliced and claimed (project.h).
    if (ProjectContext* project = currentProject()) {
        const int before = project->report.reused;
        auto results = trainInProject(*project, data, configs, dirs, dataSource, options);
        if (reused)
            *reused = project->report.reused - before;
        return results;
    }
    std::vector<RunResult> results(configs.size());
    std::vector<int> todo;
    for (std::size_t i = 0; i < configs.size(); ++i) {
        if (!loadFinishedRun(dirs[i], configs[i], &results[i]))
            todo.push_back(static_cast<int>(i));
    }
    if (reused)
        *reused = static_cast<int>(configs.size() - todo.size());
    const std::size_t step =
        chunk > 0 ? static_cast<std::size_t>(chunk) : std::max<std::size_t>(todo.size(), 1);

    Progress total;
    total.runsTotal = static_cast<int>(todo.size());
    for (int i : todo) {
        const TrainConfig& c = configs[static_cast<std::size_t>(i)];
        const int n = c.trainSize > 0 ? c.trainSize : static_cast<int>(data.train.rows());
        total.stepsTotal += static_cast<long long>((n + c.batchSize - 1) / c.batchSize) * c.epochs;
    }
    double secondsBefore = 0;
    for (std::size_t first = 0; first < todo.size(); first += step) {
        if (options.control && options.control->cancel.load())
            break;
        const std::vector<int> indices(todo.begin() + static_cast<long>(first),
                                       todo.begin() +
                                           static_cast<long>(std::min(todo.size(), first + step)));
        std::vector<TrainConfig> chunkConfigs;
        for (int i : indices)
            chunkConfigs.push_back(configs[static_cast<std::size_t>(i)]);
        total.seconds = secondsBefore;
        ChunkObserver observer(options.observer, indices, dirs, dataSource, total);
        TrainOptions chunkOptions = options;
        chunkOptions.observer = &observer;
        // Whole runs per worker: they finish (and are saved) one after another.
        chunkOptions.schedule = TrainOptions::Schedule::Queue;
        std::vector<RunResult> chunkResults = trainMany(data, chunkConfigs, chunkOptions);
        double chunkSeconds = 0;
        for (std::size_t k = 0; k < indices.size(); ++k) {
            chunkSeconds = std::max(chunkSeconds, chunkResults[k].seconds);
            results[static_cast<std::size_t>(indices[k])] = std::move(chunkResults[k]);
        }
        secondsBefore += chunkSeconds;
    }
    for (int i : todo) {
        RunResult& r = results[static_cast<std::size_t>(i)];
        if (r.epochsDone == 0) {
            r.config = configs[static_cast<std::size_t>(i)];
            r.cancelled = true;
        }
    }
    return results;
}

} // namespace qm7
