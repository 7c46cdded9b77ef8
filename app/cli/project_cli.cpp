#include "project_cli.h"

#include "commands.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace qm7::cli {

namespace {

std::vector<std::string> g_commandLine;
bool g_collect = false;

bool isOption(const std::string& arg, const char* name) {
    return arg == name || arg.rfind(std::string(name) + "=", 0) == 0;
}

} // namespace

void setCommandLine(int argc, char** argv) {
    g_commandLine.assign(argv, argv + argc);
}

void setCollectMode(bool on) {
    g_collect = on;
}

std::vector<std::string> projectArgs(const std::vector<std::string>& args, std::string* out) {
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        bool dropped = false;
        // Not part of what a project is: where it goes, the slice, and threads (results do not
        // depend on them).
        for (const char* name : {"--out", "--task", "--tasks", "--claim-timeout", "--threads"}) {
            if (!isOption(a, name))
                continue;
            dropped = true;
            std::string value;
            if (a.size() > std::string(name).size())
                value = a.substr(std::string(name).size() + 1);
            else if (i + 1 < args.size())
                value = args[++i];
            if (out && std::string(name) == "--out")
                *out = value;
        }
        if (!dropped && a != "--take-over")
            kept.push_back(a);
    }
    return kept;
}

ProjectRun::ProjectRun(const std::string& command, const std::string& out,
                       const SliceOptions& options, bool finishAll)
    : m_out(out) {
    m_context.finishAll = finishAll;
    m_context.policy.takeOver = options.takeOver;
    m_context.policy.staleSeconds = options.claimTimeout;
    if (g_collect) {
        m_context.trainNothing = true;
    } else {
        TaskSlice slice = sliceFromEnvironment();
        if (options.tasks >= 0)
            slice.tasks = options.tasks;
        if (options.task >= 0)
            slice.task = options.task;
        else if (options.tasks >= 0 && std::getenv("SLURM_ARRAY_TASK_ID") == nullptr)
            slice.task = 0;
        if (const std::string why = slice.validate(); !why.empty())
            throw UsageError(why + " (task " + std::to_string(slice.task) + " of " +
                             std::to_string(slice.tasks) + ")");
        m_context.slice = slice;
        m_sliced = options.tasks >= 0 || options.task >= 0 || slice.tasks > 1;
        // project.json: what this folder holds, the same for every task (and for collect).
        std::vector<std::string> after;
        for (std::size_t i = 2; i < g_commandLine.size(); ++i)
            after.push_back(g_commandLine[i]);
        const nlohmann::json project{{"command", command}, {"args", projectArgs(after)}};
        try {
            writeProjectFile(out, project.dump(), !m_sliced);
        } catch (const std::invalid_argument& e) {
            throw UsageError(e.what());
        }
    }
    m_scope = std::make_unique<ProjectScope>(m_context);
}

ProjectRun::~ProjectRun() = default;

bool ProjectRun::complete() const {
    const SliceReport& r = m_context.report;
    const TaskSlice& s = m_context.slice;
    if (m_sliced || r.takenOver > 0 || r.heldByOther > 0)
        std::cerr << "task " << s.task << " of " << s.tasks << ": " << r.inSlice
                  << " runs in its slice, " << r.trained << " trained (" << r.takenOver
                  << " taken over from stopped tasks), " << r.reused << " already finished, "
                  << r.heldByOther << " held by other tasks\n";
    if (m_context.unfinished == 0)
        return true;
    std::cerr << m_context.unfinished << " runs of " << m_out
              << " are left to other tasks; when all tasks are done: qm7 collect --project "
              << m_out << "\n";
    return false;
}

const std::map<std::string, CommandFactory>& projectCommands() {
    static const std::map<std::string, CommandFactory> commands = {
        {"sweep", addSweepCommand}, {"curve", addCurveCommand}, {"homework", addHomeworkCommand}};
    return commands;
}

std::string shellQuote(const std::string& text) {
    if (!text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
                                                "XYZ0123456789_-+=./,:@%") == std::string::npos)
        return text;
    std::string q = "'";
    for (char c : text)
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

} // namespace qm7::cli
