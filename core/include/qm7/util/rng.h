#pragma once
/// @file rng.h
/// A seeded random stream that gives the same numbers on every platform and compiler
/// (SplitMix64): data order, training subsets, augmentation draws.

#include <cstdint>

namespace qm7 {

/// A small, portable random number generator (SplitMix64) with uniform and normal draws,
/// so that seeded results are the same with every compiler and standard library.
class Rng {
  public:
    explicit Rng(std::uint64_t seed) : m_state(seed) {}
    /// The next 64 random bits.
    std::uint64_t next();
    /// Uniform in [0, 1).
    double uniform();
    /// Uniform integer in [0, n) without modulo bias.
    std::uint64_t below(std::uint64_t n);
    /// Standard normal (Box-Muller).
    double normal();
    /// A seed derived from several values (for independent streams per molecule).
    static std::uint64_t mix(std::uint64_t a, std::uint64_t b, std::uint64_t c = 0);

  private:
    std::uint64_t m_state;
    bool m_haveSpare = false;
    double m_spare = 0.0;
};

} // namespace qm7
