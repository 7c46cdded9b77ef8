// qm7 slurm: a multi-run command as a Slurm job array filling one project folder, and qm7 collect
// as a job that runs once the whole array has succeeded (--dependency=afterok). For cv: task i
// runs fold i into the results folder, then qm7 cv without --fold prints the summary. The scripts
// run the current binary or a portable bundle (--bundle), with the user's #SBATCH options and
// set-up lines; a resubmission cancels the previous dependent job, and an --out folder that holds
// another study is refused before anything is written.
#include "commands.h"
#include "project_cli.h"
#include "slurm_support.h"

#include "qm7/analysis/cross_validation.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/chem/molecule.h"
#include "qm7/util/atomic_file.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <fstream>

#include <unistd.h>

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
    std::string bundle;
    std::vector<std::string> sbatchOptions;
    std::vector<std::string> setup;
};

/// This qm7: $QM7_EXE when a bundle's bin/qm7 wrapper started it (then /proc/self/exe is the
/// bundle's dynamic loader), else /proc/self/exe.
std::string selfPath() {
    if (const char* wrapper = std::getenv("QM7_EXE"); wrapper && *wrapper)
        return wrapper;
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
    std::string output;
    if (runCaptured(command + " " + shellQuote(script), output) != 0)
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

/// The input the tasks will read, read now: a missing or broken --data/--from fails here, not
/// on a node after the wait in the queue.
void checkInput(bool cv, const std::vector<std::string>& args) {
    if (!cv) {
        loadData(optionValue(args, "--data", "demo"));
        return;
    }
    try {
        readMolecules(optionValue(args, "--from", "demo"));
    } catch (const MoleculeError& e) {
        throw UsageError(e.what());
    } catch (const std::exception& e) {
        throw UsageError(std::string("--from: ") + e.what());
    }
}

/// Refuses an --out folder that holds another study (its project.json, written by the tasks or
/// a local run, or the slurm/study.json of an earlier qm7 slurm).
void checkStudy(const fs::path& out, const std::string& command,
                const std::vector<std::string>& args) {
    for (const fs::path& file : {out / "project.json", out / "slurm" / "study.json"}) {
        std::error_code ec;
        if (!fs::exists(file, ec))
            continue;
        nlohmann::json stored;
        try {
            std::ifstream in(file);
            stored = nlohmann::json::parse(in);
            const std::string why =
                studyDifference(stored.at("command").get<std::string>(),
                                stored.at("args").get<std::vector<std::string>>(), command, args);
            if (why.empty())
                continue;
            throw UsageError(out.string() + " holds another study (" + file.filename().string() +
                             ": " + why +
                             "); rerun with its settings, or choose another --out folder");
        } catch (const nlohmann::json::exception&) {
            throw UsageError(file.string() + " is not a study record qm7 wrote; choose another "
                                             "--out folder");
        }
    }
}

/// The qm7 that the scripts run: DIR/bin/qm7 of a bundle, or this very binary.
std::string qm7Path(const std::string& bundle) {
    if (bundle.empty())
        return selfPath();
    const fs::path exe = fs::absolute(fs::path(bundle) / "bin" / "qm7").lexically_normal();
    if (::access(exe.c_str(), X_OK) != 0)
        throw UsageError("--bundle " + bundle +
                         ": no executable bin/qm7 in it (unpack "
                         "qm7-<version>-linux-x86_64.tar.gz there)");
    return exe.string();
}

/// extras without "--sbatch-option OPT" / "--sbatch-option=OPT", whose OPTs go to o.
std::vector<std::string> takeSbatchOptions(const std::vector<std::string>& extras,
                                           SlurmOptions& o) {
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < extras.size(); ++i) {
        if (extras[i] == "--sbatch-option") {
            if (i + 1 == extras.size())
                throw UsageError("--sbatch-option needs an sbatch option, e.g. --account=NAME");
            o.sbatchOptions.push_back(extras[++i]);
        } else if (extras[i].rfind("--sbatch-option=", 0) == 0) {
            o.sbatchOptions.push_back(extras[i].substr(16));
        } else {
            rest.push_back(extras[i]);
        }
    }
    return rest;
}

int runSlurm(const SlurmOptions& o, const std::vector<std::string>& extras) {
    const bool cv = !extras.empty() && extras.front() == "cv";
    if (extras.empty() || (!cv && projectCommands().count(extras.front()) == 0))
        throw UsageError("name the command to run on the cluster first: qm7 slurm sweep|curve|"
                         "homework|cv [its options] --array N --time TIME --cpus-per-task C");
    if (o.array < 1)
        throw UsageError("--array must be at least 1");
    if (o.cpus < 1)
        throw UsageError("--cpus-per-task must be at least 1");
    const SlurmTime time = parseSlurmTime(o.time);
    for (const std::string& opt : o.sbatchOptions)
        if (opt.rfind("-", 0) != 0 || opt.find('\n') != std::string::npos)
            throw UsageError("--sbatch-option takes one sbatch option such as --account=NAME, "
                             "not '" +
                             opt + "'");
    for (const std::string& line : o.setup)
        if (line.find('\n') != std::string::npos)
            throw UsageError("--setup takes one line; repeat it for several");
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
    const std::vector<std::string> studyArgs = args; // what project.json holds
    std::string threads = std::to_string(o.cpus); // one per allocated CPU, not per CPU of the node
    std::vector<std::string> claimArgs;           // how the tasks treat claims of stopped tasks
    for (std::size_t i = 1; i < extras.size(); ++i) {
        const std::string& e = extras[i];
        const bool next = i + 1 < extras.size();
        if (e == "--threads" && next)
            threads = extras[i + 1];
        else if (e.rfind("--threads=", 0) == 0)
            threads = e.substr(10);
        else if (e == "--take-over")
            claimArgs.push_back(e);
        else if (e == "--claim-timeout" && next)
            claimArgs.insert(claimArgs.end(), {e, extras[i + 1]});
        else if (e.rfind("--claim-timeout=", 0) == 0)
            claimArgs.push_back(e);
    }
    args.insert(args.end(), {"--threads", threads});
    args.insert(args.end(), claimArgs.begin(), claimArgs.end());
    const fs::path out = fs::absolute(outArg).lexically_normal();
    const fs::path collectOut =
        o.collectOut.empty() ? out : fs::absolute(o.collectOut).lexically_normal();
    const fs::path dir = out / "slurm";

    // Check the command's options, its input and the folder now rather than in the queue.
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
    const std::string qm7 = shellQuote(qm7Path(o.bundle));
    checkStudy(out, command, studyArgs);
    checkInput(cv, studyArgs);

    fs::create_directories(dir / "logs");
    const std::string name = "qm7-" + command;
    auto header = [&](const std::string& job, int cpus) {
        std::string h = "#!/bin/sh\n#SBATCH --job-name=" + job + "\n#SBATCH --time=" + time.text +
                        "\n#SBATCH --cpus-per-task=" + std::to_string(cpus) +
                        "\n#SBATCH --chdir=" + fs::current_path().string() + "\n";
        if (!o.partition.empty())
            h += "#SBATCH --partition=" + o.partition + "\n";
        for (const std::string& opt : o.sbatchOptions)
            h += "#SBATCH " + opt + "\n";
        return h;
    };
    std::string setup;
    for (const std::string& line : o.setup)
        setup += line + "\n";
    std::string array = header(name, o.cpus);
    array += "#SBATCH --array=0-" + std::to_string(o.array - 1) +
             "\n#SBATCH --output=" + (dir / "logs" / (name + "-%A_%a.out")).string() + "\n" + setup;
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
    const std::string afterKind = cv ? "summary" : "collect";
    std::string collect = header(after, 1);
    collect += "#SBATCH --output=" + (dir / "logs" / (after + "-%j.out")).string() + "\n" + setup;
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
    const std::string jobs = shellQuote((dir / "jobs.txt").string());
    writeFileAtomically(arrayPath.string(), array);
    writeFileAtomically(collectPath.string(), collect);
    writeFileAtomically((dir / "study.json").string(),
                        nlohmann::json{{"command", command}, {"args", studyArgs}}.dump(2) + "\n");
    writeFileAtomically(
        submitPath.string(),
        "#!/bin/sh\n# Cancels the " + afterKind +
            " job of the last submission if it still waits (its array was cancelled or "
            "failed), submits the array, then " +
            afterKind + " once every task succeeded.\nset -e\nold=$(sed -n 's/^" + afterKind +
            " //p' " + jobs +
            " 2>/dev/null || true)\nif [ -n \"$old\" ] && squeue -h -j \"$old\" "
            "2>/dev/null | grep -q .; then\n  scancel \"$old\" && echo \"cancelled the previous " +
            afterKind + " job $old\"\nfi\narray=$(sbatch --parsable " +
            shellQuote(arrayPath.string()) +
            ")\narray=${array%%;*}\ncollect=$(sbatch --parsable --dependency=afterok:$array " +
            shellQuote(collectPath.string()) + ")\ncollect=${collect%%;*}\nprintf 'array %s\\n" +
            afterKind + " %s\\n' \"$array\" \"$collect\" > " + jobs +
            "\necho \"array job $array, " + afterKind + " job $collect\"\n");
    fs::permissions(submitPath, fs::perms::owner_exec | fs::perms::group_exec,
                    fs::perm_options::add);

    std::cout << "array job script:   " << arrayPath.string() << "\n"
              << (cv ? "summary job script: " : "collect job script: ") << collectPath.string()
              << "\n"
              << "submit both:        sh " << submitPath.string() << "\n"
              << "task logs:          " << (dir / "logs").string() << "\n"
              << "project folder:     " << out.string() << "\n"
              << "tables and report:  " << (cv ? out : collectOut).string() << "\n"
              << "time limit of each: " << formatDuration(static_cast<double>(time.seconds))
              << " (--time " << time.text << ", read as sbatch reads it)\n";
    if (!o.submit)
        return kOk;
    for (const std::string& line : cancelPreviousDependentJob(dir.string()))
        std::cout << line << "\n";
    const std::string arrayId = sbatch(arrayPath.string(), "");
    const std::string collectId = sbatch(collectPath.string(), arrayId);
    recordJobs(dir.string(), arrayId, afterKind, collectId);
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
                 "--array N --time TIME --cpus-per-task C [--submit]. --sbatch-option OPT (repeat "
                 "it) adds #SBATCH OPT to both scripts: --account=NAME, --qos=NAME, --mem=4G, "
                 "--constraint=NAME; sbatch's SBATCH_* environment variables apply as well.");
    sub->allow_extras();
    sub->add_option("--array", o->array, "Number of tasks in the job array")->required();
    sub->add_option("--time", o->time,
                    "Time limit of each task as sbatch reads it: minutes, MM:SS, HH:MM:SS, "
                    "D-HH:MM (01:00 is one minute)")
        ->required();
    sub->add_option("--cpus-per-task", o->cpus, "CPUs of each task")->capture_default_str();
    sub->add_flag("--submit", o->submit, "Submit with sbatch and print the job ids");
    sub->add_option("--partition", o->partition, "Slurm partition (default: the cluster's)");
    sub->add_option("--collect-out", o->collectOut,
                    "Where collect puts the tables (default: the project folder)");
    // --sbatch-option is taken out of the extras by runSlurm: its value starts with dashes, which
    // CLI11 would read as the next option.
    sub->add_option("--setup", o->setup,
                    "A shell line run before qm7 in both scripts (repeat it: 'module load ...')")
        ->allow_extra_args(false);
    sub->add_option("--bundle", o->bundle,
                    "An unpacked portable qm7 bundle whose bin/qm7 the scripts run (default: "
                    "this qm7)");
    return {sub, [o, sub] {
                SlurmOptions options = *o;
                return runSlurm(options, takeSbatchOptions(sub->remaining(), options));
            }};
}

} // namespace qm7::cli
