// qm7 slurm: a multi-run command as a Slurm job array filling one project folder, and qm7 collect
// as a job that runs once the whole array has succeeded (--dependency=afterok). For cv: task i
// runs fold i into the results folder, then qm7 cv without --fold prints the summary.
#include "commands.h"
#include "project_cli.h"

#include "qm7/analysis/cross_validation.h"
#include "qm7/util/atomic_file.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <regex>

namespace fs = std::filesystem;

namespace qm7::cli {

namespace {

struct SlurmOptions {
    int array = 0;
    std::string time;
    int cpus = 1;
    bool submit = false;
    std::string partition;
    std::string collectOut;
};

/// "HH:MM" or "HH:MM:SS" (or D-HH:MM) as Slurm's "HH:MM:SS" ("MM:SS" would be Slurm's reading).
std::string slurmTime(const std::string& t) {
    static const std::regex hm(R"(^(\d+-)?(\d{1,3}):([0-5]\d)(:([0-5]\d))?$)");
    std::smatch m;
    if (!std::regex_match(t, m, hm))
        throw UsageError("--time must be HH:MM (or HH:MM:SS), not '" + t + "'");
    return m[1].str() + m[2].str() + ":" + m[3].str() + ":" + (m[5].matched ? m[5].str() : "00");
}

std::string selfPath() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("qm7") : self.string();
}

/// The value of option (--data, --from, ...) made absolute when it names a file (the jobs may
/// start elsewhere).
void absolutizeData(std::vector<std::string>& args, const std::string& option = "--data") {
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string* value = nullptr;
        std::string prefix;
        if (args[i] == option && i + 1 < args.size()) {
            value = &args[i + 1];
        } else if (args[i].rfind(option + "=", 0) == 0) {
            prefix = option + "=";
            args[i] = args[i].substr(prefix.size());
            value = &args[i];
        }
        if (value && fs::exists(*value))
            *value = fs::absolute(*value).lexically_normal().string();
        if (value && !prefix.empty())
            args[i] = prefix + args[i];
    }
}

/// Runs sbatch --parsable on a script; returns the job id.
std::string sbatch(const std::string& script, const std::string& dependency) {
    std::string command = "sbatch --parsable";
    if (!dependency.empty())
        command += " --dependency=afterok:" + dependency;
    command += " " + shellQuote(script) + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe)
        throw std::runtime_error("cannot run sbatch");
    std::string output;
    char buf[256];
    while (std::fgets(buf, sizeof buf, pipe))
        output += buf;
    const int status = ::pclose(pipe);
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r'))
        output.pop_back();
    if (status != 0)
        throw std::runtime_error("sbatch " + script + " failed: " + output);
    const auto semicolon = output.find(';'); // "id;cluster"
    const std::string id = output.substr(0, semicolon);
    if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
        throw std::runtime_error("sbatch printed no job id: " + output);
    return id;
}

/// The value of option in args (as "--x v" or "--x=v"); fallback when absent.
std::string optionValue(const std::vector<std::string>& args, const std::string& option,
                        const std::string& fallback) {
    std::string value = fallback;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == option && i + 1 < args.size())
            value = args[i + 1];
        else if (args[i].rfind(option + "=", 0) == 0)
            value = args[i].substr(option.size() + 1);
    }
    return value;
}

/// cv on the cluster: one task per fold (--array equals --folds) and no --fold of its own.
void checkCvArray(const SlurmOptions& o, const std::vector<std::string>& args) {
    for (const std::string& a : args)
        if (a == "--fold" || a.rfind("--fold=", 0) == 0)
            throw UsageError("qm7 slurm cv runs fold i in task i: leave out --fold");
    if (!o.collectOut.empty())
        throw UsageError("--collect-out is for sweep, curve and homework; cv's summary is "
                         "printed in its log and written to the results folder (cv.csv)");
    try {
        parseCvModel(optionValue(args, "--model", "krr"));
        parseRepresentation(optionValue(args, "--representation", "sorted"));
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("qm7 cv: ") + e.what());
    }
    const std::string folds = optionValue(args, "--folds", "5");
    if (folds != std::to_string(o.array))
        throw UsageError("qm7 slurm cv runs one fold per task: --array " + std::to_string(o.array) +
                         " must equal --folds (" + folds + ")");
}

int runSlurm(const SlurmOptions& o, const std::vector<std::string>& extras) {
    const bool cv = !extras.empty() && extras.front() == "cv";
    if (extras.empty() || (!cv && projectCommands().count(extras.front()) == 0))
        throw UsageError("name the command to run on the cluster first: qm7 slurm sweep|curve|"
                         "homework|cv [its options] --array N --time HH:MM --cpus-per-task C");
    if (o.array < 1)
        throw UsageError("--array must be at least 1");
    if (o.cpus < 1)
        throw UsageError("--cpus-per-task must be at least 1");
    const std::string time = slurmTime(o.time);
    const std::string command = extras.front();
    std::string outArg;
    std::vector<std::string> args =
        projectArgs(std::vector<std::string>(extras.begin() + 1, extras.end()), &outArg);
    if (outArg.empty())
        throw UsageError("qm7 slurm " + command +
                         " needs --out: the project folder that the "
                         "tasks fill (on a file system every node sees)");
    absolutizeData(args);
    if (cv) {
        checkCvArray(o, args);
        absolutizeData(args, "--from");
        absolutizeData(args, "--folds-from");
    }
    std::string threads = std::to_string(o.cpus); // one per allocated CPU, not per CPU of the node
    for (std::size_t i = 1; i < extras.size(); ++i) {
        if (extras[i] == "--threads" && i + 1 < extras.size())
            threads = extras[i + 1];
        else if (extras[i].rfind("--threads=", 0) == 0)
            threads = extras[i].substr(10);
    }
    args.insert(args.end(), {"--threads", threads});
    const fs::path out = fs::absolute(outArg).lexically_normal();
    const fs::path collectOut =
        o.collectOut.empty() ? out : fs::absolute(o.collectOut).lexically_normal();
    const fs::path dir = out / "slurm";

    // Check the command's options now rather than in the queue.
    {
        CLI::App app;
        const CommandFactory factory = cv ? addCvCommand : projectCommands().at(command);
        const Command keep = factory(app); // owns the options being parsed
        std::vector<std::string> check{"qm7", command};
        check.insert(check.end(), args.begin(), args.end());
        if (cv)
            check.insert(check.end(), {"--fold", "0"});
        check.insert(check.end(), {"--out", out.string()});
        std::vector<char*> argv;
        for (auto& a : check)
            argv.push_back(a.data());
        try {
            app.parse(static_cast<int>(argv.size()), argv.data());
        } catch (const CLI::ParseError& e) {
            throw UsageError("qm7 " + command + ": " + e.what());
        }
    }

    fs::create_directories(dir / "logs");
    const std::string qm7 = shellQuote(selfPath());
    const std::string name = "qm7-" + command;
    auto header = [&](const std::string& job, int cpus) {
        std::string h = "#!/bin/sh\n#SBATCH --job-name=" + job + "\n#SBATCH --time=" + time +
                        "\n#SBATCH --cpus-per-task=" + std::to_string(cpus) +
                        "\n#SBATCH --chdir=" + fs::current_path().string() + "\n";
        if (!o.partition.empty())
            h += "#SBATCH --partition=" + o.partition + "\n";
        return h;
    };
    std::string array = header(name, o.cpus);
    array += "#SBATCH --array=0-" + std::to_string(o.array - 1) +
             "\n#SBATCH --output=" + (dir / "logs" / (name + "-%A_%a.out")).string() + "\n";
    std::string commandLine = qm7 + " " + command;
    for (const auto& a : args)
        commandLine += " " + shellQuote(a);
    if (cv)
        array += "# Task i trains fold i (SLURM_ARRAY_TASK_ID of " + std::to_string(o.array) +
                 ") into the results folder; the first task to start writes partition.json.\n"
                 "exec " +
                 commandLine + " --fold \"$SLURM_ARRAY_TASK_ID\"";
    else
        array += "# Each task trains its slice (task = SLURM_ARRAY_TASK_ID of " +
                 std::to_string(o.array) + ") into the project folder.\nexec " + commandLine;
    array += " --out " + shellQuote(out.string()) + "\n";

    const std::string after = cv ? "qm7-cv-summary" : "qm7-collect";
    std::string collect = header(after, 1);
    collect += "#SBATCH --output=" + (dir / "logs" / (after + "-%j.out")).string() + "\n";
    if (cv)
        collect += "# Every fold is on disk: reads them back, prints mean +- std and writes "
                   "cv.csv.\nexec " +
                   commandLine + " --out " + shellQuote(out.string()) + "\n";
    else
        collect += "exec " + qm7 + " collect --project " + shellQuote(out.string()) + " --out " +
                   shellQuote(collectOut.string()) + "\n";

    const fs::path arrayPath = dir / (command + "-array.sbatch");
    const fs::path collectPath = dir / (cv ? "summary.sbatch" : "collect.sbatch");
    const fs::path submitPath = dir / "submit.sh";
    writeFileAtomically(arrayPath.string(), array);
    writeFileAtomically(collectPath.string(), collect);
    writeFileAtomically(submitPath.string(),
                        "#!/bin/sh\n# Submits the array, then collect once every task succeeded.\n"
                        "set -e\narray=$(sbatch --parsable " +
                            shellQuote(arrayPath.string()) +
                            ")\narray=${array%%;*}\ncollect=$(sbatch --parsable "
                            "--dependency=afterok:$array " +
                            shellQuote(collectPath.string()) + ")\necho \"array job $array, " +
                            (cv ? "summary" : "collect") + " job ${collect%%;*}\"\n");
    fs::permissions(submitPath, fs::perms::owner_exec | fs::perms::group_exec,
                    fs::perm_options::add);

    std::cout << "array job script:   " << arrayPath.string() << "\n"
              << (cv ? "summary job script: " : "collect job script: ") << collectPath.string()
              << "\n"
              << "submit both:        sh " << submitPath.string() << "\n"
              << "task logs:          " << (dir / "logs").string() << "\n"
              << "project folder:     " << out.string() << "\n"
              << "tables and report:  " << (cv ? out : collectOut).string() << "\n";
    if (!o.submit)
        return kOk;
    const std::string arrayId = sbatch(arrayPath.string(), "");
    const std::string collectId = sbatch(collectPath.string(), arrayId);
    std::cout << "array job:   " << arrayId << " (" << o.array << " tasks)\n"
              << (cv ? "summary job: " : "collect job: ") << collectId << " (after " << arrayId
              << " succeeds)\n";
    return kOk;
}

} // namespace

Command addSlurmCommand(CLI::App& app) {
    auto o = std::make_shared<SlurmOptions>();
    CLI::App* sub = app.add_subcommand(
        "slurm", "Write (and --submit) a Slurm job array for sweep, curve or homework, with "
                 "qm7 collect as a dependent job, or for cv (task i = fold i, --array = --folds; "
                 "the summary as the dependent job). Usage: qm7 slurm <command> [its options] "
                 "--array N --time HH:MM --cpus-per-task C [--submit]");
    sub->allow_extras();
    sub->add_option("--array", o->array, "Number of tasks in the job array")->required();
    sub->add_option("--time", o->time, "Time limit of each task, HH:MM")->required();
    sub->add_option("--cpus-per-task", o->cpus, "CPUs of each task")->capture_default_str();
    sub->add_flag("--submit", o->submit, "Submit with sbatch and print the job ids");
    sub->add_option("--partition", o->partition, "Slurm partition (default: the cluster's)");
    sub->add_option("--collect-out", o->collectOut,
                    "Where collect puts the tables (default: the project folder)");
    return {sub, [o, sub] { return runSlurm(*o, sub->remaining()); }};
}

} // namespace qm7::cli
