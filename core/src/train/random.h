#pragma once
/// @file random.h
/// Shuffles and derived seeds for the trainer, on top of qm7::Rng.

#include "qm7/util/rng.h"

#include <utility>
#include <vector>

namespace qm7::detail {

/// Fisher-Yates shuffle in place.
template <typename T> void shuffle(std::vector<T>& v, Rng& rng) {
    for (std::size_t i = v.size(); i > 1; --i)
        std::swap(v[i - 1], v[rng.below(i)]);
}

/// Distinct streams derived from one seed (data order, subset, augmentation draws).
inline std::uint64_t streamSeed(std::uint64_t seed, std::uint64_t stream) {
    return Rng::mix(seed, stream, 0x7121);
}

} // namespace qm7::detail
