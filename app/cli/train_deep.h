#pragma once
/// @file train_deep.h
/// `qm7 train` for networks other than the homework's: --layers, --activation, --optimizer,
/// --steps, --expand (randomly sorted, expanded Coulomb matrices) and --paper (the whole recipe
/// of Montavon et al. 2012). Without the recipe's own options (--paper, --expand, --center,
/// --steps, --select, --draws, --split, --checkpoint-minutes), `qm7 train` trains through
/// qm7::train(TrainRequest), which picks the homework's trainer or the deep one.

#include "cli_common.h"

#include <string>

namespace qm7::cli {

struct DeepCliOptions {
    std::string layers; ///< "" = one layer of --hidden
    std::string activation = "relu";
    std::string optimizer = "adam";
    long long steps = 0; ///< 0 = epochs x batches per epoch (--paper: 1,000,000)
    bool expand = false;
    bool paper = false;
    bool center = false;
    std::string split = "1500,500,1000";
    double checkpointMinutes = 3;
    int draws = 10;
    std::string select; ///< "" = final with --paper, else best-val-mse
    CLI::App* app = nullptr;
};

/// Adds the options above to `qm7 train`.
void addDeepOptions(CLI::App* sub, DeepCliOptions& o);

/// Trains with the deep trainer and writes a deep run folder; returns the exit code.
int runTrainDeep(const std::string& data, const std::string& out, const TrainConfig& config,
                 const DeepCliOptions& o, int threads);

} // namespace qm7::cli
