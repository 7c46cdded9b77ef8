#include "slurm_support.h"

#include "cli_common.h"
#include "project_cli.h"

#include "qm7/util/atomic_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;

namespace qm7::cli {

SlurmTime parseSlurmTime(const std::string& text) {
    // sbatch's forms (man sbatch, --time): the fields are read right to left as in Slurm.
    static const std::regex form(R"(^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$)");
    std::smatch m;
    const std::string usage = "--time is read as sbatch reads it: minutes, MM:SS, HH:MM:SS, "
                              "D-HH, D-HH:MM or D-HH:MM:SS (01:00 is one minute, 1:00:00 one "
                              "hour), not '" +
                              text + "'";
    if (!std::regex_match(text, m, form) || text.size() > 20)
        throw UsageError(usage);
    auto field = [&](int i) { return m[i].matched ? std::stoll(m[i].str()) : -1LL; };
    const long long days = field(1), a = field(2), b = field(3), c = field(4);
    long long d = 0, h = 0, min = 0, s = 0;
    if (days >= 0) { // D-H, D-H:M, D-H:M:S
        d = days;
        h = a;
        min = b < 0 ? 0 : b;
        s = c < 0 ? 0 : c;
        if (h > 23)
            throw UsageError(usage + ": hours after the days go up to 23");
    } else if (c >= 0) { // H:M:S
        h = a;
        min = b;
        s = c;
    } else if (b >= 0) { // M:S
        min = a;
        s = b;
    } else { // M
        min = a;
    }
    const bool colonMinutes = days >= 0 ? b >= 0 : c >= 0; // minutes bounded by hours
    if (s > 59 || (colonMinutes && min > 59))
        throw UsageError(usage + ": minutes and seconds go up to 59");
    SlurmTime t{text, ((d * 24 + h) * 60 + min) * 60 + s};
    if (t.seconds <= 0)
        throw UsageError("--time " + text +
                         " is no time at all (sbatch would start the job without a limit)");
    if (t.seconds > 366LL * 24 * 3600)
        throw UsageError("--time " + text + " is more than a year: no cluster grants it");
    return t;
}

namespace {

/// An argument list as option -> value ("" for flags), in order of first appearance.
std::vector<std::pair<std::string, std::string>> options(const std::vector<std::string>& args) {
    std::vector<std::pair<std::string, std::string>> out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const auto eq = a.find('=');
        if (a.rfind("--", 0) == 0 && eq != std::string::npos)
            out.emplace_back(a.substr(0, eq), a.substr(eq + 1));
        else if (a.rfind("--", 0) == 0 && i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0)
            out.emplace_back(a, args[++i]);
        else
            out.emplace_back(a, "");
    }
    return out;
}

std::string shown(const std::string& value) {
    return value.empty() ? "(not given)" : value;
}

} // namespace

std::string studyDifference(const std::string& storedCommand,
                            const std::vector<std::string>& storedArgs, const std::string& command,
                            const std::vector<std::string>& args) {
    if (storedCommand != command)
        return "it holds a " + storedCommand + ", this is a " + command;
    const auto there = options(storedArgs), here = options(args);
    std::map<std::string, std::string> a(there.begin(), there.end()), b(here.begin(), here.end());
    std::vector<std::string> diffs;
    for (const auto& [name, value] : there)
        if (b.count(name) == 0 || b[name] != value)
            diffs.push_back(name + " " + shown(value) + " there, " +
                            (b.count(name) ? shown(b[name]) : "(not given)") + " here");
    for (const auto& [name, value] : here)
        if (a.count(name) == 0)
            diffs.push_back(name + " (not given) there, " + shown(value) + " here");
    if (diffs.empty() && storedArgs != args)
        diffs.push_back("the options are in another order or repeated");
    std::string text;
    for (const auto& d : diffs)
        text += (text.empty() ? "" : "; ") + d;
    return text;
}

int runCaptured(const std::string& command, std::string& output) {
    output.clear();
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe)
        return -1;
    char buf[256];
    while (std::fgets(buf, sizeof buf, pipe))
        output += buf;
    const int status = ::pclose(pipe);
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r'))
        output.pop_back();
    return status;
}

void recordJobs(const std::string& dir, const std::string& arrayId, const std::string& afterName,
                const std::string& afterId) {
    writeFileAtomically((fs::path(dir) / "jobs.txt").string(),
                        "array " + arrayId + "\n" + afterName + " " + afterId + "\n");
}

std::vector<std::string> cancelPreviousDependentJob(const std::string& dir) {
    std::vector<std::string> said;
    std::ifstream in(fs::path(dir) / "jobs.txt");
    std::string kind, id;
    while (in >> kind >> id) {
        if ((kind != "collect" && kind != "summary") ||
            id.find_first_not_of("0123456789") != std::string::npos)
            continue;
        std::string state;
        // squeue fails for a job id that has left the queue: nothing to cancel then.
        if (runCaptured("squeue -h -o %T -j " + id, state) != 0 || state.empty())
            continue;
        std::string out;
        if (runCaptured("scancel " + id, out) == 0)
            said.push_back("cancelled the previous " + kind + " job " + id + " (" + state +
                           "): this submission brings its own");
        else
            said.push_back("could not cancel the previous " + kind + " job " + id + " (" + state +
                           "): " + out + "; scancel " + id + " by hand");
    }
    return said;
}

} // namespace qm7::cli
