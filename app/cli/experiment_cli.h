#pragma once
/// @file experiment_cli.h
/// What qm7 sweep, qm7 curve and qm7 homework share: their options and their printed tables.

#include "cli_common.h"
#include "curve_answer.h"

#include "qm7/analysis/experiments.h"
#include "qm7/analysis/report.h"

#include <string>
#include <vector>

namespace qm7::cli {

struct ExperimentOptions {
    std::string data = "demo";
    std::string out;
    TrainConfig base;
    int threads = 0; ///< training threads, 0 = all cores
    std::string lrs = "1e-5,1e-4,1e-3,1e-2";
    std::string sizes = "100,200,500,1000";
    int seeds = 3;
    std::string rule = "best"; ///< SweepRule: the weights that are tested (sweepRuleStatement)
    double targetN = 4000;
    bool linearSpace = false;
    bool unweighted = false;
    bool noFigures = false;
    std::string verify; ///< question 7: also train at these larger n (--verify)
    SliceOptions slice; ///< --task/--tasks into a shared project folder (Slurm arrays)
};

/// --data, --out, --seeds and the training options.
void addExperimentOptions(CLI::App* sub, ExperimentOptions& o);
/// --lrs, --rule.
void addSweepOptions(CLI::App* sub, ExperimentOptions& o);
/// --sizes, --target-n, --linear-space, --unweighted, --verify.
void addCurveOptions(CLI::App* sub, ExperimentOptions& o);

/// parseNumberList with the option's name in the UsageError.
std::vector<double> numbers(const std::string& text, const char* option);
/// The --sizes list as training sizes.
std::vector<int> sizesOf(const std::string& text);
/// --rule.
SweepRule ruleOf(const std::string& rule);
/// The fit options of --linear-space and --unweighted.
FitOptions fitOptionsOf(const ExperimentOptions& o);

/// Tables on stdout.
void printSweep(const SweepSummary& s);
void printCurve(const std::vector<CurveRow>& rows);

/// The --verify sizes, checked against the data source before any training (UsageError).
std::vector<int> checkedVerifySizes(const ExperimentOptions& o);

/// Trains configs into their run folders (dirs), reusing finished ones, with a progress bar
/// labelled label and o's thread count; says what was reused and how many threads trained.
/// Returns false (after saying how to continue) when Ctrl-C interrupted it.
bool trainIntoFolders(const Dataset& data, const std::vector<TrainConfig>& configs,
                      const std::vector<std::string>& dirs, const ExperimentOptions& o,
                      const std::string& label, std::vector<RunResult>& runs);

/// "trained on 2 threads" (or nothing when no run was trained) on stderr.
void printThreads(int threads);

} // namespace qm7::cli
