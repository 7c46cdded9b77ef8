#pragma once
/// @file feature_augmentation.h
/// The interface of features drawn afresh for every epoch (data augmentation), and the split
/// a draw is for. Implemented by chem/augmentation.h, consumed by the trainer.

#include <cstdint>
#include <vector>

namespace qm7 {

/// Which split a feature draw is for.
enum class SplitKind { Train, Val, Test };

/// Fresh features per epoch for data augmentation (randomly sorted Coulomb matrices):
/// training draws one set per epoch, evaluation averages the predictions of several draws.
class FeatureAugmentation {
  public:
    virtual ~FeatureAugmentation() = default;
    /// Fills X with rows(split) * d features of one random draw identified by drawSeed.
    virtual void draw(SplitKind split, std::uint64_t drawSeed, std::vector<float>& X) const = 0;
    /// Number of draws whose predictions are averaged at evaluation.
    virtual int evalDraws() const { return 10; }
};

} // namespace qm7
