#include "qm7/train/slurm_tasks.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace qm7 {

namespace {

std::string readText(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

bool allDigits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.pop_back();
    std::size_t b = 0;
    while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b])))
        ++b;
    return s.substr(b);
}

/// The last lines of a log (its tail only: a long training prints much).
std::vector<std::string> lastLines(const fs::path& file, std::size_t count) {
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    if (!in)
        return {};
    const std::streamoff size = in.tellg();
    const std::streamoff from = std::max<std::streamoff>(0, size - 8192);
    in.seekg(from);
    std::string tail(static_cast<std::size_t>(size - from), '\0');
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    std::vector<std::string> lines;
    std::istringstream s(tail);
    for (std::string line; std::getline(s, line);)
        if (!trim(line).empty())
            lines.push_back(trim(line));
    if (lines.size() > count)
        lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(count));
    return lines;
}

/// How a task that Slurm no longer lists ended, from its log.
void endFromLog(SlurmTask& task, const std::string& command) {
    const std::vector<std::string> lines = lastLines(task.log, 6);
    for (const std::string& line : lines) {
        if (line.find("slurmstepd") == std::string::npos)
            continue;
        if (line.find("TIME LIMIT") != std::string::npos) {
            task.state = SlurmTaskState::Failed;
            task.detail = "time limit reached: " + line;
            return;
        }
        if (line.find("CANCELLED") != std::string::npos) {
            task.state = SlurmTaskState::Cancelled;
            task.detail = line;
            return;
        }
        if (line.find("error") != std::string::npos) {
            task.state = SlurmTaskState::Failed;
            task.detail = line;
            return;
        }
    }
    const std::string last = lines.empty() ? std::string() : lines.back();
    // qm7 ends a failed command with "qm7 <command>: <why>"; the shell says "not found" when
    // the script's qm7 is missing on the node.
    const bool qm7Error = last.rfind("qm7 " + command + ": ", 0) == 0 ||
                          last.rfind("qm7 collect: ", 0) == 0 || last.rfind("qm7: ", 0) == 0;
    if (qm7Error || last.find(": not found") != std::string::npos ||
        last.find("No such file or directory") != std::string::npos) {
        task.state = SlurmTaskState::Failed;
        task.detail = last;
        return;
    }
    task.state = SlurmTaskState::Done;
    task.detail = last;
}

SlurmTaskState fromSqueue(const std::string& state) {
    if (state == "PENDING" || state == "REQUEUED" || state == "SUSPENDED")
        return SlurmTaskState::Pending;
    if (state == "RUNNING" || state == "COMPLETING" || state == "CONFIGURING" ||
        state == "STAGE_OUT")
        return SlurmTaskState::Running;
    if (state == "COMPLETED")
        return SlurmTaskState::Done;
    if (state == "CANCELLED")
        return SlurmTaskState::Cancelled;
    return SlurmTaskState::Failed; // FAILED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, ...
}

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// Array indices of a squeue id's suffix: "4", or "[1-3,5%2]" when elements are grouped.
std::vector<int> indices(const std::string& suffix) {
    std::vector<int> out;
    std::string body = suffix;
    if (!body.empty() && body.front() == '[') {
        body = body.substr(1, body.find(']') == std::string::npos ? std::string::npos
                                                                  : body.find(']') - 1);
        body = body.substr(0, body.find('%')); // a throttle: "%2"
    }
    std::istringstream s(body);
    for (std::string part; std::getline(s, part, ',');) {
        const std::size_t dash = part.find('-');
        const std::string a = part.substr(0, dash);
        const std::string b = dash == std::string::npos ? a : part.substr(dash + 1);
        if (!allDigits(a) || !allDigits(b))
            continue;
        for (int i = std::stoi(a); i <= std::stoi(b) && out.size() < 100000; ++i)
            out.push_back(i);
    }
    return out;
}

} // namespace

std::optional<SlurmSubmission> readSlurmSubmission(const std::string& project) {
    const fs::path dir = fs::path(project) / "slurm";
    if (!fs::exists(dir / "jobs.txt"))
        return std::nullopt;
    SlurmSubmission s;
    s.slurmDir = dir.string();
    std::istringstream jobs(readText(dir / "jobs.txt"));
    for (std::string kind, id; jobs >> kind >> id;) {
        if (!allDigits(id))
            throw std::runtime_error((dir / "jobs.txt").string() + ": \"" + id +
                                     "\" is not a Slurm job id");
        if (kind == "array")
            s.arrayId = id;
        else if (kind == "collect" || kind == "summary") {
            s.afterKind = kind;
            s.afterId = id;
        }
    }
    if (s.arrayId.empty())
        throw std::runtime_error((dir / "jobs.txt").string() + " names no array job");
    try {
        s.command = nlohmann::json::parse(readText(dir / "study.json")).at("command");
    } catch (const std::exception& e) {
        throw std::runtime_error((dir / "study.json").string() + " is unreadable (" + e.what() +
                                 ")");
    }
    const std::string script = readText(dir / (s.command + "-array.sbatch"));
    const std::string key = "#SBATCH --array=0-";
    const std::size_t at = script.find(key);
    if (at == std::string::npos)
        throw std::runtime_error((dir / (s.command + "-array.sbatch")).string() +
                                 " has no #SBATCH --array line");
    s.tasks = std::atoi(script.c_str() + at + key.size()) + 1;
    return s;
}

std::string squeueCommand(const SlurmSubmission& s) {
    std::string ids = s.arrayId;
    if (!s.afterId.empty())
        ids += "," + s.afterId;
    return "squeue -h -r -t all -o '%i|%T|%r' -j " + ids;
}

std::string slurmTaskStateName(SlurmTaskState state) {
    switch (state) {
    case SlurmTaskState::NotStarted:
        return "not started";
    case SlurmTaskState::Pending:
        return "pending";
    case SlurmTaskState::Running:
        return "running";
    case SlurmTaskState::Started:
        return "started";
    case SlurmTaskState::Done:
        return "done";
    case SlurmTaskState::Failed:
        return "failed";
    case SlurmTaskState::Cancelled:
        return "cancelled";
    }
    return "?";
}

std::vector<SlurmTask> slurmTasks(const SlurmSubmission& s,
                                  const std::optional<std::string>& squeue) {
    struct Listed {
        std::string state, reason;
    };
    std::map<int, Listed> listed; // by array index; -1 = the dependent job
    if (squeue) {
        std::istringstream in(*squeue);
        for (std::string line; std::getline(in, line);) {
            std::vector<std::string> f;
            std::istringstream fields(trim(line));
            for (std::string x; std::getline(fields, x, '|');)
                f.push_back(trim(x));
            if (f.size() < 2)
                continue;
            const Listed l{f[1], f.size() > 2 ? f[2] : std::string()};
            const std::size_t us = f[0].find('_');
            if (us == std::string::npos) {
                if (f[0] == s.afterId)
                    listed[-1] = l;
            } else if (f[0].substr(0, us) == s.arrayId) {
                for (int i : indices(f[0].substr(us + 1)))
                    listed[i] = l;
            }
        }
    }
    const fs::path logs = fs::path(s.slurmDir) / "logs";
    const std::string after = s.afterKind == "summary" ? "qm7-cv-summary" : "qm7-collect";
    std::vector<SlurmTask> tasks;
    for (int i = 0; i <= s.tasks; ++i) {
        const bool dependent = i == s.tasks;
        if (dependent && s.afterId.empty())
            break;
        SlurmTask t;
        t.index = dependent ? -1 : i;
        t.jobId = dependent ? s.afterId : s.arrayId + "_" + std::to_string(i);
        const fs::path log = logs / (dependent ? after + "-" + s.afterId + ".out"
                                               : "qm7-" + s.command + "-" + t.jobId + ".out");
        if (fs::exists(log))
            t.log = log.string();
        const auto found = listed.find(t.index);
        if (found != listed.end()) {
            t.state = fromSqueue(found->second.state);
            const std::string reason = found->second.reason;
            if (t.state == SlurmTaskState::Pending)
                t.detail = reason == "None" ? std::string() : reason;
            else if (t.state != SlurmTaskState::Running && !t.log.empty()) {
                SlurmTask fromLog = t;
                endFromLog(fromLog, s.command);
                t.detail = fromLog.detail;
            }
            if (t.state == SlurmTaskState::Failed && found->second.state != "FAILED")
                t.detail = lower(found->second.state) + (t.detail.empty() ? "" : ": " + t.detail);
        } else if (t.log.empty()) {
            // Not listed and no log: still waiting, or Slurm is not there to ask.
            t.state = SlurmTaskState::NotStarted;
            if (squeue)
                t.detail = "not in the queue and no log";
        } else {
            endFromLog(t, s.command);
            // The folder alone: a log that tells no failure belongs to a task that ended well
            // or to one that still runs; only Slurm can say which.
            if (!squeue && t.state == SlurmTaskState::Done)
                t.state = SlurmTaskState::Started;
        }
        tasks.push_back(std::move(t));
    }
    return tasks;
}

} // namespace qm7
