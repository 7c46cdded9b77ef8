// trainResumable inside a project folder: this task's slice under claims, optionally helping
// with the other runs until all are finished, or (collect) no training at all.
#include "qm7/train/project.h"

#include "qm7/train/resumable.h"
#include "qm7/train/run_store.h"

#include <chrono>
#include <stdexcept>
#include <thread>

namespace qm7 {

namespace {

ProjectContext* g_project = nullptr;

/// Clears the current project while the slice trains (trainSlice calls trainResumable).
struct Suspend {
    ProjectContext* saved = g_project;
    Suspend() { g_project = nullptr; }
    ~Suspend() { g_project = saved; }
};

void add(SliceReport& sum, const SliceReport& r, bool first) {
    if (first) {
        sum.inSlice += r.inSlice;
        sum.reused += r.reused;
        sum.heldByOther += r.heldByOther;
    }
    sum.trained += r.trained;
    sum.takenOver += r.takenOver;
    sum.cancelled += r.cancelled;
}

} // namespace

ProjectScope::ProjectScope(ProjectContext& context) {
    g_project = &context;
}

ProjectScope::~ProjectScope() {
    g_project = nullptr;
}

ProjectContext* currentProject() {
    return g_project;
}

std::vector<RunResult> trainInProject(ProjectContext& context, const Dataset& data,
                                      const std::vector<TrainConfig>& configs,
                                      const std::vector<std::string>& dirs,
                                      const std::string& dataSource, const TrainOptions& options) {
    Suspend suspend;
    std::vector<RunResult> results(configs.size());
    if (context.trainNothing) {
        int missing = 0;
        std::string first;
        for (std::size_t i = 0; i < configs.size(); ++i)
            if (!loadFinishedRun(dirs[i], configs[i], &results[i]) && missing++ == 0)
                first = dirs[i];
        context.report.reused += static_cast<int>(configs.size()) - missing;
        if (missing > 0)
            throw std::runtime_error(std::to_string(missing) + " of " +
                                     std::to_string(configs.size()) +
                                     " runs are not finished (the first is " + first +
                                     "): wait for the tasks, or run them again");
        return results;
    }
    SliceReport r;
    results =
        trainSlice(data, configs, dirs, dataSource, options, context.slice, context.policy, &r);
    add(context.report, r, true);
    auto cancelled = [&] { return options.control && options.control->cancel.load(); };
    auto unfinished = [&] {
        int n = 0;
        for (std::size_t i = 0; i < configs.size(); ++i)
            if (results[i].epochsDone == 0 && !loadFinishedRun(dirs[i], configs[i], &results[i]))
                ++n;
        return n;
    };
    context.unfinished = unfinished();
    // finishAll: take the runs nobody holds (tasks not started yet, dead ones), wait for the rest.
    ClaimPolicy helping = context.policy;
    helping.takeOver = false; // never a live task's run
    while (context.finishAll && context.unfinished > 0 && !cancelled()) {
        SliceReport more;
        const auto all =
            trainSlice(data, configs, dirs, dataSource, options, TaskSlice{}, helping, &more);
        add(context.report, more, false);
        for (std::size_t i = 0; i < configs.size(); ++i)
            if (all[i].epochsDone > 0)
                results[i] = all[i];
        context.unfinished = unfinished();
        if (context.unfinished > 0 && more.trained == 0)
            std::this_thread::sleep_for(std::chrono::seconds(2));
    }
    return results;
}

} // namespace qm7
