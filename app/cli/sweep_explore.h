#pragma once
/// @file sweep_explore.h
/// qm7 sweep --grid / --sample: trials over any settings and seeds, optionally with successive
/// halving; writes runs under --out and trials.csv.

#include "experiment_cli.h"

#include <string>

namespace qm7::cli {

struct ExploreOptions {
    std::string grid;                 ///< --grid "lr=1e-4,1e-3; hidden=10,100"
    int sample = 0;                   ///< --sample N
    std::string space;                ///< --space "lr=1e-5..1e-1 log; batch=25,50"
    unsigned long long spaceSeed = 0; ///< --space-seed: the draws of --sample
    bool halving = false;             ///< --halving
    int eta = 3;                      ///< --eta: 1/eta of the trials continue each rung
    int rungs = 3;                    ///< --rungs
    bool wanted() const { return !grid.empty() || sample > 0 || !space.empty(); }
};

/// --grid, --sample, --space, --space-seed, --halving, --eta, --rungs.
void addExploreOptions(CLI::App* sub, ExploreOptions& e);

/// Runs the exploration; bad spaces are UsageErrors before anything loads or trains.
int runExploration(const ExperimentOptions& o, const ExploreOptions& e);

} // namespace qm7::cli
