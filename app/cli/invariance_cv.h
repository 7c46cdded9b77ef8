#pragma once
/// @file invariance_cv.h
/// qm7 invariance --folds K: a cross-validation study of the one-hidden-layer network per
/// representation and one of the paper's network, all on the same folds, then one comparison
/// table (comparison.csv, comparison.md).

#include "qm7/train/trainer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qm7::cli {

struct InvarianceCvOptions {
    std::string from = "demo";
    std::string out = "invariance";
    int folds = 5;
    std::uint64_t seed = 0; ///< partition, validation carve and training
    std::vector<std::string> representations;
    TrainConfig config; ///< the one-hidden-layer network
    int threads = 0;
    int trainSize = 0; ///< 0 = all training molecules of a fold
    bool paper = true;
    long long paperSteps = 0; ///< 0 = the paper's 1,000,000
};

/// Runs (or continues) every study and prints and writes the table; returns the exit code.
int runInvarianceCv(const InvarianceCvOptions& options);

} // namespace qm7::cli
