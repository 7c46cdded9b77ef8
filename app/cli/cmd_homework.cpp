// qm7 homework: questions 1 to 7 in order, resumable; writes every CSV and report.md, and asks
// qm7-workbench to render the figures.
#include "commands.h"
#include "experiment_cli.h"
#include "project_cli.h"
#include "job_progress.h"

#include "qm7/analysis/homework.h"
#include "qm7/io/dataset.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <memory>
#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace fs = std::filesystem;

namespace qm7::cli {

namespace {

/// The workbench that renders the figures: $QM7_WORKBENCH when set, else beside this program
/// (installed in the same folder, or app/workbench/ in a build tree). Returns where it looked
/// when none exists (in *looked).
std::string findWorkbench(std::string* looked) {
    if (const char* env = std::getenv("QM7_WORKBENCH"); env && *env) {
        *looked = std::string(env) + " ($QM7_WORKBENCH)";
        std::error_code ec;
        return fs::is_regular_file(env, ec) ? std::string(env) : std::string();
    }
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec)
        return {};
    const fs::path candidates[] = {self.parent_path() / "qm7-workbench",
                                   self.parent_path() / "workbench" / "qm7-workbench"};
    *looked = candidates[0].string() + " and " + candidates[1].string();
    for (const fs::path& candidate : candidates)
        if (fs::is_regular_file(candidate, ec))
            return candidate.string();
    return {};
}

/// Runs program with args (no shell), QT_QPA_PLATFORM=offscreen added to the environment and
/// its output discarded; returns its exit status, or -1 with *error set when it cannot start.
int spawnQuietly(const std::string& program, const std::vector<std::string>& args,
                 std::string* error) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "QT_QPA_PLATFORM=", 16) != 0)
            env.emplace_back(*e);
    env.emplace_back("QT_QPA_PLATFORM=offscreen");
    std::vector<char*> envp, argv;
    for (auto& e : env)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> all{program};
    all.insert(all.end(), args.begin(), args.end());
    for (auto& a : all)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        *error = std::strerror(rc);
        return -1;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// The figures come from the workbench's plotting code: it renders them headless and rewrites
/// report.md with them. Returns false (after saying why) when that was not possible.
bool renderFigures(const std::string& dir) {
    std::string looked;
    const std::string workbench = findWorkbench(&looked);
    if (workbench.empty()) {
        std::cerr << "qm7: cannot render the figures: qm7-workbench not found (looked at " << looked
                  << "). The tables and report.md are written; install qm7-workbench "
                  << "(build with the GUI), set QM7_WORKBENCH to it, or pass --no-figures\n";
        return false;
    }
    std::string error;
    const int status = spawnQuietly(workbench, {"--render-report", dir}, &error);
    if (status != 0) {
        std::cerr << "qm7: " << workbench << " --render-report " << dir
                  << (status < 0 ? " could not start: " + error
                                 : " failed (exit status " + std::to_string(status) + ")")
                  << "; the report has tables only\n";
        return false;
    }
    std::cerr << "figures written to " << dir << "/figures\n";
    return true;
}

int runHomeworkCommand(const ExperimentOptions& o) {
    const Dataset data = loadData(o.data);
    ensureWritableDir(o.out);
    HomeworkConfig config;
    config.base = o.base;
    config.lrs = numbers(o.lrs, "--lrs");
    config.sizes = sizesOf(o.sizes);
    config.seeds = o.seeds;
    config.rule = ruleOf(o.rule);
    config.targetN = o.targetN;
    config.fit = fitOptionsOf(o);
    if (const std::string why = config.validate(static_cast<int>(data.train.rows())); !why.empty())
        throw UsageError(why);
    const std::vector<int> verifySizes = checkedVerifySizes(o);
    setUpNumerics();

    const LabelStats s = labelStats(data.train.y);
    std::printf("data: %zu/%zu/%zu molecules, d = %d (N = %d); train labels %.1f ± %.1f "
                "kcal/mol\n",
                data.train.rows(), data.val.rows(), data.test.rows(), data.d, data.atoms, s.mean,
                s.std);
    std::unique_ptr<JobProgress> progress;
    int threads = 0;
    TrainOptions options;
    options.control = &interruptControl();
    options.threads = o.threads;
    auto stage = [&](const std::string& text) {
        if (progress) {
            progress->finish();
            threads = std::max(threads, progress->threads());
        }
        std::cerr << text << "\n";
        progress = std::make_unique<JobProgress>("  ");
        options.observer = progress.get();
    };
    stage("homework: " +
          std::to_string(config.lrs.size() * config.seeds + config.sizes.size() * config.seeds) +
          " trainings into " + o.out);
    ProjectRun project("homework", o.out, o.slice, true);
    HomeworkResult result;
    try {
        result = runHomework(data, config, o.out, o.data, options, stage);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    if (progress) {
        progress->finish();
        threads = std::max(threads, progress->threads());
    }
    printThreads(threads);
    if (result.cancelled) {
        std::cerr << "interrupted; finished runs are saved in " << o.out
                  << ": run the same command again to continue\n";
        return kInterrupted;
    }
    if (!project.complete()) // the other runs belong to other tasks of the project
        return kOk;
    printSweep(result.sweep);
    std::printf("\ntest set at lr %g, seed %llu (best validation): RMSE %.2f kcal/mol, MAE %.2f "
                "kcal/mol, R^2 %.4f\n",
                result.sweep.chosenLr, static_cast<unsigned long long>(result.final.config.seed),
                result.final.test.rmse, result.final.test.mae, result.final.test.r2);
    printCurve(result.curve);
    bool stopped = false; // question 7: measure the answer at larger n when asked
    if (!verifySizes.empty())
        result.measured = measureAtLargerN(o.data, result.curveConfig.base, verifySizes, o.seeds,
                                           o.out, &stopped);
    printLawRanking(result.ranking, result.measured);
    writeReport(result, o.out, o.data);
    if (stopped)
        return kInterrupted;
    const bool figures = o.noFigures || renderFigures(o.out);
    std::printf("\nreport: %s/report.md (%.0f s, %d runs reused)\n", o.out.c_str(), result.seconds,
                result.reusedRuns);
    return figures ? kOk : kFailed;
}

} // namespace

Command addHomeworkCommand(CLI::App& app) {
    auto o = std::make_shared<ExperimentOptions>();
    CLI::App* sub = app.add_subcommand("homework", "Questions 1 to 7 in order, resumable; "
                                                   "writes report.md and every CSV");
    addExperimentOptions(sub, *o);
    addSweepOptions(sub, *o);
    addCurveOptions(sub, *o);
    sub->add_flag("--no-figures", o->noFigures,
                  "Tables only: do not render the figures with qm7-workbench");
    return {sub, [o] { return runHomeworkCommand(*o); }};
}

} // namespace qm7::cli
