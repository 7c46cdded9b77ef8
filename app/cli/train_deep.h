#pragma once
/// @file train_deep.h
/// `qm7 train` for networks other than the homework's: --layers, --activation, --optimizer,
/// --steps, --expand (randomly sorted, expanded Coulomb matrices) and --paper (the whole recipe
/// of Montavon et al. 2012). The homework's network keeps its own trainer.

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

/// True when the options ask for anything but the homework's network (one ReLU layer, Adam).
bool wantsDeep(const DeepCliOptions& o, const TrainConfig& config);

/// Trains with the deep trainer and writes a deep run folder; returns the exit code.
int runTrainDeep(const std::string& data, const std::string& out, const TrainConfig& config,
                 const DeepCliOptions& o, int threads);

} // namespace qm7::cli
