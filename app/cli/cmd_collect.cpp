// qm7 collect: the tables, figures and report.md of a project folder filled by several tasks
// (a Slurm job array), made by the very command that filled it, with training switched off.
#include "commands.h"
#include "project_cli.h"

#include "qm7/util/atomic_file.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace qm7::cli {

namespace {

struct CollectOptions {
    std::string project;
    std::string out;
};

/// Copies the tables, the report and the figures of the project folder into out.
void copyResults(const fs::path& project, const fs::path& out) {
    fs::create_directories(out);
    for (const auto& e : fs::directory_iterator(project)) {
        const std::string ext = e.path().extension().string();
        if (e.is_regular_file() && (ext == ".csv" || ext == ".md"))
            fs::copy_file(e.path(), out / e.path().filename(),
                          fs::copy_options::overwrite_existing);
        else if (e.is_directory() && e.path().filename() == "figures")
            fs::copy(e.path(), out / "figures",
                     fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    }
}

int runCollect(const CollectOptions& o) {
    nlohmann::json project;
    try {
        project = nlohmann::json::parse(readProjectFile(o.project));
    } catch (const nlohmann::json::exception& e) {
        throw UsageError(o.project + "/project.json is damaged: " + e.what());
    } catch (const std::runtime_error& e) {
        throw UsageError(e.what());
    }
    const std::string command = project.value("command", std::string());
    const auto found = projectCommands().find(command);
    if (found == projectCommands().end())
        throw UsageError(o.project + "/project.json names no known command ('" + command + "')");
    std::vector<std::string> args{"qm7", command};
    for (const auto& a : project.value("args", std::vector<std::string>()))
        args.push_back(a);
    args.push_back("--out");
    args.push_back(o.project);

    CLI::App app;
    Command c = found->second(app);
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
        throw UsageError(o.project + "/project.json: the stored options do not parse: " + e.what());
    }
    std::cerr << "collect: qm7 " << command << " over the finished runs of " << o.project << "\n";
    setCollectMode(true);
    const int code = c.run();
    setCollectMode(false);
    if (code != kOk)
        return code;
    const std::string out = o.out.empty() ? o.project : o.out;
    std::error_code ec;
    if (!fs::equivalent(o.project, out, ec)) {
        copyResults(o.project, out);
        std::cout << "collected tables and report in " << out << "\n";
    }
    return kOk;
}

} // namespace

Command addCollectCommand(CLI::App& app) {
    auto o = std::make_shared<CollectOptions>();
    CLI::App* sub = app.add_subcommand(
        "collect", "Tables, figures and report.md of a project folder filled by several tasks");
    sub->add_option("--project", o->project, "The project folder (the tasks' --out)")->required();
    sub->add_option("--out", o->out, "Where to put the tables and report (default: --project)");
    return {sub, [o] { return runCollect(*o); }};
}

} // namespace qm7::cli
