#include "qm7/util/rng.h"

#include <cmath>

namespace qm7 {

namespace {
constexpr double kTwoPi = 6.283185307179586476925286766559;
} // namespace

std::uint64_t Rng::next() {
    std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double Rng::uniform() {
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::uint64_t Rng::below(std::uint64_t n) {
    if (n <= 1)
        return 0;
    const std::uint64_t limit = ~std::uint64_t(0) - (~std::uint64_t(0) % n);
    std::uint64_t x = next();
    while (x >= limit)
        x = next();
    return x % n;
}

double Rng::normal() {
    if (m_haveSpare) {
        m_haveSpare = false;
        return m_spare;
    }
    double u1 = uniform();
    while (u1 <= 0.0)
        u1 = uniform();
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    m_spare = radius * std::sin(kTwoPi * u2);
    m_haveSpare = true;
    return radius * std::cos(kTwoPi * u2);
}

std::uint64_t Rng::mix(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
    Rng r(a ^ 0x5851f42d4c957f2dULL);
    r.m_state ^= r.next() + b * 0x9e3779b97f4a7c15ULL;
    r.m_state ^= r.next() + c * 0xc2b2ae3d27d4eb4fULL;
    return r.next();
}

} // namespace qm7
