#pragma once
/// @file random.h
/// Seeded, platform-independent random streams for data order and subsets.

#include <cstdint>
#include <vector>

namespace qm7::detail {

/// SplitMix64: tiny, fast, and the same numbers on every platform and compiler.
class SplitMix64 {
  public:
    explicit SplitMix64(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    /// Uniform integer in [0, bound), without modulo bias.
    std::uint64_t below(std::uint64_t bound) {
        const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
        std::uint64_t r = next();
        while (r >= limit)
            r = next();
        return r % bound;
    }
    /// Uniform double in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  private:
    std::uint64_t m_state;
};

/// Fisher-Yates shuffle in place.
template <typename T> void shuffle(std::vector<T>& v, SplitMix64& rng) {
    for (std::size_t i = v.size(); i > 1; --i)
        std::swap(v[i - 1], v[rng.below(i)]);
}

/// Distinct streams derived from one seed (data order, subset, augmentation draws).
inline std::uint64_t streamSeed(std::uint64_t seed, std::uint64_t stream) {
    SplitMix64 mix(seed * 0x9E3779B97F4A7C15ULL + stream);
    return mix.next();
}

} // namespace qm7::detail
