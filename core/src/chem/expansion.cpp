#include "qm7/chem/expansion.h"

#include "qm7/chem/representation.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <stdexcept>

namespace qm7 {

using nlohmann::json;

namespace {

/// Beyond this distance from x (in units of theta) tanh((x - k) / theta) is +-1 in float.
constexpr double kSaturation = 9.5;
/// exp(-2).
constexpr double kExpMinus2 = 0.1353352832366127;

int triangleSize(int atoms) {
    return atoms * (atoms + 1) / 2;
}

} // namespace

PreparedCoulomb PreparedCoulomb::of(const Molecule& molecule, int atoms) {
    PreparedCoulomb p;
    p.n = molecule.atoms();
    const std::vector<double> padded = coulombMatrix(molecule, atoms); // validates
    p.matrix.resize(static_cast<std::size_t>(p.n) * p.n);
    for (int i = 0; i < p.n; ++i)
        for (int j = 0; j < p.n; ++j)
            p.matrix[static_cast<std::size_t>(i) * p.n + j] =
                padded[static_cast<std::size_t>(i) * atoms + j];
    p.norms.resize(static_cast<std::size_t>(p.n));
    for (int i = 0; i < p.n; ++i) {
        double s = 0;
        for (int j = 0; j < p.n; ++j)
            s += p.matrix[static_cast<std::size_t>(i) * p.n + j] *
                 p.matrix[static_cast<std::size_t>(i) * p.n + j];
        p.norms[static_cast<std::size_t>(i)] = std::sqrt(s);
    }
    p.Z = molecule.Z;
    return p;
}

void PreparedCoulomb::drawTriangle(Rng& rng, double sigma, int atoms, double* out) const {
    double key[64];
    int order[64];
    for (int i = 0; i < n; ++i) {
        key[i] = norms[static_cast<std::size_t>(i)] + sigma * rng.normal();
        order[i] = i;
    }
    std::stable_sort(order, order + n, [&](int a, int b) {
        if (key[a] != key[b])
            return key[a] > key[b];
        return Z[static_cast<std::size_t>(a)] > Z[static_cast<std::size_t>(b)];
    });
    std::size_t k = 0;
    for (int i = 0; i < atoms; ++i)
        for (int j = i; j < atoms; ++j, ++k)
            out[k] =
                i < n && j < n ? matrix[static_cast<std::size_t>(order[i]) * n + order[j]] : 0.0;
}

void CoulombExpansion::index() {
    m_offsets.assign(m_counts.size(), 0);
    m_dim = 0;
    for (std::size_t e = 0; e < m_counts.size(); ++e) {
        m_offsets[e] = m_dim;
        m_dim += m_counts[e];
    }
}

CoulombExpansion CoulombExpansion::fit(const std::vector<Molecule>& train,
                                       const ExpansionSettings& settings) {
    if (train.empty())
        throw std::invalid_argument("the input expansion needs training molecules");
    if (settings.atoms < 1 || settings.atoms > 64 || !(settings.theta > 0) || settings.fitDraws < 1)
        throw std::invalid_argument("expansion settings: atoms 1..64, theta > 0, draws >= 1");
    CoulombExpansion e;
    e.m_settings = settings;
    const int T = triangleSize(settings.atoms);
    std::vector<PreparedCoulomb> prepared;
    prepared.reserve(train.size());
    std::set<int> elements;
    for (const Molecule& m : train) {
        prepared.push_back(PreparedCoulomb::of(m, settings.atoms));
        elements.insert(m.Z.begin(), m.Z.end());
    }
    e.m_elements.assign(elements.begin(), elements.end());
    // The largest value of each entry over the draws: k = 0, 1, ..., floor(max / theta).
    std::vector<double> tri(static_cast<std::size_t>(T)), maxima(static_cast<std::size_t>(T), 0.0);
    auto drawRng = [&](int draw, std::size_t r) {
        return Rng(
            Rng::mix(settings.seed ^ 0x657870616e64ULL, static_cast<std::uint64_t>(draw), r));
    };
    for (int k = 0; k < settings.fitDraws; ++k)
        for (std::size_t r = 0; r < prepared.size(); ++r) {
            Rng rng = drawRng(k, r);
            prepared[r].drawTriangle(rng, settings.sigma, settings.atoms, tri.data());
            for (int t = 0; t < T; ++t)
                maxima[static_cast<std::size_t>(t)] =
                    std::max(maxima[static_cast<std::size_t>(t)], tri[static_cast<std::size_t>(t)]);
        }
    e.m_counts.resize(static_cast<std::size_t>(T));
    for (int t = 0; t < T; ++t)
        e.m_counts[static_cast<std::size_t>(t)] =
            static_cast<int>(std::floor(maxima[static_cast<std::size_t>(t)] / settings.theta)) + 1;
    e.index();
    // Per-feature means, then one standard deviation over all centred features.
    e.m_mean.assign(static_cast<std::size_t>(e.m_dim), 0.0f);
    e.m_std = 1.0;
    std::vector<double> sum(static_cast<std::size_t>(e.m_dim), 0.0),
        sq(static_cast<std::size_t>(e.m_dim), 0.0);
    std::vector<float> x(static_cast<std::size_t>(e.m_dim));
    for (int k = 0; k < settings.fitDraws; ++k)
        for (std::size_t r = 0; r < prepared.size(); ++r) {
            Rng rng = drawRng(k, r);
            prepared[r].drawTriangle(rng, settings.sigma, settings.atoms, tri.data());
            e.expand(tri.data(), x.data()); // raw values: mean 0, std 1 so far
            for (std::size_t f = 0; f < x.size(); ++f) {
                sum[f] += x[f];
                sq[f] += static_cast<double>(x[f]) * x[f];
            }
        }
    const double count = static_cast<double>(settings.fitDraws) * prepared.size();
    double var = 0;
    for (std::size_t f = 0; f < sum.size(); ++f) {
        const double m = sum[f] / count;
        e.m_mean[f] = static_cast<float>(m);
        var += std::max(0.0, sq[f] / count - m * m);
    }
    e.m_std = std::sqrt(var / static_cast<double>(e.m_dim));
    if (!(e.m_std > 0))
        e.m_std = 1.0;
    return e;
}

void CoulombExpansion::expand(const double* tri, float* out) const {
    const double theta = m_settings.theta;
    const float invStd = static_cast<float>(1.0 / m_std);
    const bool centred = !m_mean.empty();
    for (std::size_t e = 0; e < m_counts.size(); ++e) {
        const double x = tri[e] / theta;
        float* o = out + m_offsets[e];
        const int count = m_counts[e];
        // tanh saturates to +-1 (in float) beyond kSaturation: only the grid points near x.
        const int lo = std::clamp(static_cast<int>(std::ceil(x - kSaturation)), 0, count);
        const int hi = std::clamp(static_cast<int>(std::floor(x + kSaturation)) + 1, lo, count);
        for (int k = 0; k < lo; ++k)
            o[k] = 1.0f;
        // tanh(t) = 1 - 2 / (exp(2t) + 1), with exp(2 (x - k)) stepped by exp(-2) along k: one
        // exp per entry (x - k stays within +-kSaturation, so nothing overflows).
        double ex = hi > lo ? std::exp(2.0 * (x - lo)) : 0.0;
        for (int k = lo; k < hi; ++k, ex *= kExpMinus2)
            o[k] = static_cast<float>(1.0 - 2.0 / (ex + 1.0));
        for (int k = hi; k < count; ++k)
            o[k] = -1.0f;
        if (centred) {
            const float* mean = m_mean.data() + m_offsets[e];
            for (int k = 0; k < count; ++k)
                o[k] = (o[k] - mean[k]) * invStd;
        }
    }
}

void CoulombExpansion::draw(const PreparedCoulomb& molecule, Rng& rng, float* out) const {
    double tri[64 * 65 / 2];
    molecule.drawTriangle(rng, m_settings.sigma, m_settings.atoms, tri);
    expand(tri, out);
}

std::string CoulombExpansion::check(const Molecule& molecule) const {
    const std::string why = whyModelCannotTake(molecule, m_elements, m_settings.atoms);
    if (!why.empty())
        return why;
    try {
        (void)coulombMatrix(molecule, m_settings.atoms);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

std::string CoulombExpansion::toJson() const {
    json j{{"kind", "montavon-expansion"},
           {"atoms", m_settings.atoms},
           {"theta", m_settings.theta},
           {"sigma", m_settings.sigma},
           {"fit_draws", m_settings.fitDraws},
           {"seed", m_settings.seed},
           {"counts", m_counts},
           {"elements", m_elements},
           {"std", m_std},
           {"mean", m_mean}};
    return j.dump() + "\n";
}

CoulombExpansion CoulombExpansion::fromJson(const std::string& text) {
    CoulombExpansion e;
    try {
        const json j = json::parse(text);
        e.m_settings.atoms = j.at("atoms").get<int>();
        e.m_settings.theta = j.at("theta").get<double>();
        e.m_settings.sigma = j.at("sigma").get<double>();
        e.m_settings.fitDraws = j.at("fit_draws").get<int>();
        e.m_settings.seed = j.at("seed").get<std::uint64_t>();
        e.m_counts = j.at("counts").get<std::vector<int>>();
        e.m_elements = j.at("elements").get<std::vector<int>>();
        e.m_std = j.at("std").get<double>();
        e.m_mean = j.at("mean").get<std::vector<float>>();
    } catch (const std::exception& ex) {
        throw std::runtime_error(std::string("expansion.json: ") + ex.what());
    }
    e.index();
    if (e.m_settings.atoms < 1 || e.m_settings.atoms > 64 ||
        static_cast<int>(e.m_counts.size()) != triangleSize(e.m_settings.atoms) ||
        static_cast<int>(e.m_mean.size()) != e.m_dim || !(e.m_std > 0) || !(e.m_settings.theta > 0))
        throw std::runtime_error("expansion.json: sizes do not match");
    for (int c : e.m_counts)
        if (c < 1)
            throw std::runtime_error("expansion.json: a grid is empty");
    std::sort(e.m_elements.begin(), e.m_elements.end());
    return e;
}

} // namespace qm7
