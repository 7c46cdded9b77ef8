#pragma once
/// @file commands.h
/// Every subcommand of the qm7 tool; each lives in its own cmd_*.cpp.

#include "cli_common.h"

namespace qm7::cli {

Command addInfoCommand(CLI::App& app);
Command addTrainCommand(CLI::App& app);
Command addBuildDatasetCommand(CLI::App& app);
Command addInvarianceCommand(CLI::App& app);
Command addFetchCommand(CLI::App& app);
Command addSweepCommand(CLI::App& app);
Command addCurveCommand(CLI::App& app);
Command addHomeworkCommand(CLI::App& app);
Command addCollectCommand(CLI::App& app);
Command addSlurmCommand(CLI::App& app);
Command addSlurmStatusCommand(CLI::App& app);
Command addCvCommand(CLI::App& app);
Command addPredictCommand(CLI::App& app);
Command addCheckCommand(CLI::App& app);

} // namespace qm7::cli
