#pragma once
/// @file train_invariant.h
/// `qm7 train --model invariant`: the network invariant by construction (SchNet-like, on
/// interatomic distances) on molecules (demo, .xyz, .xyz.gz or a qm7.mat), split as --split
/// says; a run folder that qm7 predict reads; resumes from out/checkpoint.bin.

#include "cli_common.h"
#include "train_deep.h"

#include <string>

namespace qm7::cli {

/// Trains the invariant network and writes its run folder; returns the exit code. epochs,
/// batch and lr of config apply when given on the command line (sub), else the network's own.
int runTrainInvariant(const std::string& data, const std::string& out, const TrainConfig& config,
                      const DeepCliOptions& o, int threads);

} // namespace qm7::cli
