#pragma once
/// @file curve_verify.h
/// Measuring the learning curve's answer: training at larger n (e.g. 2000, 3000, 4000) with the
/// curve's settings and seeds, the training molecules drawn from outside the validation and test
/// sets, so that each law's prediction can be compared with a measured test error.

#include "qm7/analysis/experiments.h"
#include "qm7/chem/dataset_builder.h"

#include <string>
#include <vector>

namespace qm7 {

/// The data set for verification runs. From molecules (demo, .xyz, qm7.mat): the same validation
/// and test sets and feature scale as the data set built with `options`, the training split
/// followed by every molecule outside validation and test. From a dataset.pt: the file itself.
/// Throws std::invalid_argument saying how many training rows there are and how many `largestN`
/// needs when the source cannot supply them (e.g. a dataset.pt with too few rows).
Dataset verificationData(const std::string& source, int largestN, const BuildOptions& options = {});

/// Why verification at `largestN` cannot run on this source ("" when it can), without building
/// features: for a .pt the rows are counted, for molecules the molecules outside val and test.
std::string verificationProblem(const std::string& source, int largestN,
                                const BuildOptions& options = {});

/// The runs of a verification: sizes x seeds at `base` (as curveConfigs, size-major).
std::vector<TrainConfig> verifyConfigs(const TrainConfig& base, const std::vector<int>& sizes,
                                       int seeds);

/// Folder of one verification run inside an output folder: dir/verify/n04000-seed0.
std::string verifyRunDir(const std::string& dir, int n, std::uint64_t seed);

/// Trains the verification runs resumably into dir/verify/ and summarizes them (test MSE mean
/// and std per n). Cancelled: returns the finished ones. Throws std::invalid_argument as
/// verificationData does.
std::vector<CurveRow> runVerification(const std::string& source, const TrainConfig& base,
                                      const std::vector<int>& sizes, int seeds,
                                      const std::string& dir, const TrainOptions& options,
                                      const BuildOptions& build = {}, int* reused = nullptr);

/// The finished verification runs in dir/verify/ (any sizes and seeds), summarized per n;
/// empty when there are none.
std::vector<CurveRow> loadVerification(const std::string& dir);

} // namespace qm7
