// Figures of the command line tool come from the workbench's plotting code, run headless.
#include "render_figures.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <spawn.h>
#include <sys/wait.h>
#include <vector>

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

} // namespace

bool renderFigures(const std::string& dir, const std::string& option) {
    std::string looked;
    const std::string workbench = findWorkbench(&looked);
    if (workbench.empty()) {
        std::cerr << "qm7: cannot render the figures: qm7-workbench not found (looked at " << looked
                  << "). The tables are written; install qm7-workbench "
                  << "(build with the GUI), set QM7_WORKBENCH to it, or pass --no-figures\n";
        return false;
    }
    std::string error;
    const int status = spawnQuietly(workbench, {option, dir}, &error);
    if (status != 0) {
        std::cerr << "qm7: " << workbench << " " << option << " " << dir
                  << (status < 0 ? " could not start: " + error
                                 : " failed (exit status " + std::to_string(status) + ")")
                  << "; the tables are written without figures\n";
        return false;
    }
    std::cerr << "figures written to " << dir << "/figures\n";
    return true;
}

} // namespace qm7::cli
