#pragma once
/// @file project_cli.h
/// Issue 13 in the CLI: a multi-run command working in a project folder shared by tasks
/// (slices, claims, project.json), `qm7 collect` re-running a command without training, and the
/// command line that `qm7 slurm` writes into its scripts.

#include "cli_common.h"

#include "qm7/train/project.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace qm7::cli {

/// Remembers qm7's command line (called by main).
void setCommandLine(int argc, char** argv);

/// The arguments of a command line after the subcommand, without --out and the slice options:
/// what project.json stores and what every task of a project shares.
std::vector<std::string> projectArgs(const std::vector<std::string>& argsAfterCommand,
                                     std::string* out = nullptr);

/// Set by qm7 collect: commands load finished runs and train nothing.
void setCollectMode(bool on);

/// A multi-run command's work in its --out folder, from construction to the end of the scope:
/// writes project.json (command and arguments), and makes trainResumable train this task's
/// slice under claims. finishAll: after its slice the task helps with the rest (the homework,
/// whose curve needs the whole sweep).
class ProjectRun {
  public:
    ProjectRun(const std::string& command, const std::string& out, const SliceOptions& options,
               bool finishAll);
    ~ProjectRun();
    /// After training: true when every run is finished (the command goes on to its tables);
    /// otherwise prints what this task did and how to collect, and returns false.
    bool complete() const;

  private:
    std::string m_out;
    bool m_sliced = false; ///< --task/--tasks given or inside a Slurm array
    ProjectContext m_context;
    std::unique_ptr<ProjectScope> m_scope;
};

/// The commands that can fill a project folder, by name (qm7 collect and qm7 slurm use them);
/// cross-validation plugs in with one line in project_cli.cpp.
using CommandFactory = Command (*)(CLI::App&);
const std::map<std::string, CommandFactory>& projectCommands();

/// 'text' quoted for a POSIX shell.
std::string shellQuote(const std::string& text);

} // namespace qm7::cli
