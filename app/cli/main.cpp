// qm7: the command line front end of QM7 Workbench. Each subcommand is a thin layer over
// qm7::core; see cmd_*.cpp.
#include "commands.h"
#include "project_cli.h"

#include "qm7/train/threads.h"
#include "qm7/version.h"

#include <iostream>
#include <vector>

int main(int argc, char** argv) {
    using namespace qm7::cli;
    CLI::App app{"qm7: learn QM7 atomization energies with a neural network (headless)"};
    app.require_subcommand(0, 1);
    bool showVersion = false;
    app.add_flag("--version", showVersion, "Print the version and git revision");

    std::vector<Command> commands = {
        addInfoCommand(app),       addTrainCommand(app),       addBuildDatasetCommand(app),
        addInvarianceCommand(app), addFetchCommand(app),       addSweepCommand(app),
        addCurveCommand(app),      addHomeworkCommand(app),    addCollectCommand(app),
        addSlurmCommand(app),      addCvCommand(app),          addPredictCommand(app),
        addCheckCommand(app),      addSlurmStatusCommand(app),
    };
    setCommandLine(argc, argv);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kBadInput;
    }
    if (showVersion) {
        std::cout << "qm7 " << qm7::kVersion << " (git " << qm7::kGitRevision << ")\n"
                  << "LibTorch " << qm7::torchVersion() << ", " << qm7::blasDescription() << "\n";
        return kOk;
    }
    for (auto& command : commands) {
        if (!command.app->parsed())
            continue;
        try {
            return command.run();
        } catch (const UsageError& e) {
            std::cerr << "qm7 " << command.app->get_name() << ": " << e.what() << "\n";
            return kBadInput;
        } catch (const std::exception& e) {
            std::cerr << "qm7 " << command.app->get_name() << ": " << e.what() << "\n";
            return kFailed;
        }
    }
    std::cout << app.help();
    return kOk;
}
