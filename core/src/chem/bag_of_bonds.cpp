#include "qm7/chem/bag_of_bonds.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace qm7 {

namespace {

std::string label(const Molecule& molecule) {
    return molecule.name.empty() ? std::string("a molecule") : "molecule " + molecule.name;
}

std::string elementName(int z) {
    const std::string s = elementSymbol(z);
    return s.empty() ? "Z=" + std::to_string(z) : s;
}

/// Counts per bag key of one molecule: (z, z, true) for atoms, (za, zb, false) for pairs.
using BagKey = std::tuple<int, int, bool>;
std::map<BagKey, int> bagCounts(const Molecule& molecule) {
    if (molecule.atoms() == 0)
        throw MoleculeError("", 0, 0, label(molecule) + " has no atoms");
    std::map<int, int> perElement;
    for (int z : molecule.Z) {
        if (z < 1)
            throw MoleculeError(
                "", 0, 0, label(molecule) + " has an atom of nuclear charge " + std::to_string(z));
        ++perElement[z];
    }
    std::map<BagKey, int> counts;
    for (auto a = perElement.begin(); a != perElement.end(); ++a) {
        counts[{a->first, a->first, true}] = a->second;
        if (a->second > 1)
            counts[{a->first, a->first, false}] = a->second * (a->second - 1) / 2;
        for (auto b = std::next(a); b != perElement.end(); ++b)
            counts[{a->first, b->first, false}] = a->second * b->second;
    }
    return counts;
}

bool bagBefore(const BagLayout::Bag& a, const BagLayout::Bag& b) {
    if (a.diagonal != b.diagonal)
        return a.diagonal;
    return std::make_pair(a.za, a.zb) < std::make_pair(b.za, b.zb);
}

} // namespace

int BagLayout::width() const {
    int w = 0;
    for (const Bag& b : bags)
        w += b.size;
    return w;
}

std::vector<int> BagLayout::elements() const {
    std::set<int> zs;
    for (const Bag& b : bags)
        if (b.diagonal)
            zs.insert(b.za);
    return {zs.begin(), zs.end()};
}

BagLayout BagLayout::fit(const std::vector<Molecule>& molecules) {
    std::map<BagKey, int> largest;
    for (const Molecule& m : molecules)
        for (const auto& [key, count] : bagCounts(m))
            largest[key] = std::max(largest[key], count);
    BagLayout layout;
    for (const auto& [key, count] : largest)
        layout.bags.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
    std::stable_sort(layout.bags.begin(), layout.bags.end(), bagBefore);
    return layout;
}

std::string BagLayout::toText() const {
    std::ostringstream out;
    out << "bag-of-bonds 1\n";
    for (const Bag& b : bags) {
        if (b.diagonal)
            out << "diagonal " << b.za << ' ' << b.size << '\n';
        else
            out << "pair " << b.za << ' ' << b.zb << ' ' << b.size << '\n';
    }
    return out.str();
}

BagLayout BagLayout::fromText(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    if (!std::getline(in, line) || line != "bag-of-bonds 1")
        throw std::runtime_error("not a Bag of Bonds layout (the first line is not "
                                 "'bag-of-bonds 1')");
    BagLayout layout;
    std::set<BagKey> seen;
    int lineNo = 1;
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.empty())
            continue;
        std::istringstream fields(line);
        std::string kind, rest;
        Bag b;
        bool ok = false;
        if (fields >> kind) {
            if (kind == "diagonal") {
                b.diagonal = true;
                ok = static_cast<bool>(fields >> b.za >> b.size);
                b.zb = b.za;
            } else if (kind == "pair") {
                ok = static_cast<bool>(fields >> b.za >> b.zb >> b.size);
            }
        }
        ok = ok && !(fields >> rest) && b.za >= 1 && b.zb >= b.za && b.zb <= 118 && b.size >= 1 &&
             b.size <= 1000000 && seen.insert({b.za, b.zb, b.diagonal}).second;
        if (!ok)
            throw std::runtime_error("damaged Bag of Bonds layout, line " + std::to_string(lineNo) +
                                     ": '" + line + "'");
        layout.bags.push_back(b);
    }
    if (layout.bags.empty())
        throw std::runtime_error("the Bag of Bonds layout has no bags");
    std::stable_sort(layout.bags.begin(), layout.bags.end(), bagBefore);
    return layout;
}

std::string BagLayout::whyCannotHold(const Molecule& molecule) const {
    std::map<BagKey, int> counts;
    try {
        counts = bagCounts(molecule);
    } catch (const MoleculeError& e) {
        return e.problem();
    }
    for (const auto& [key, count] : counts) {
        const auto it = std::find_if(bags.begin(), bags.end(), [&key = key](const Bag& b) {
            return b.za == std::get<0>(key) && b.zb == std::get<1>(key) &&
                   b.diagonal == std::get<2>(key);
        });
        const int room = it == bags.end() ? 0 : it->size;
        if (count <= room)
            continue;
        const std::string what = std::get<2>(key) ? elementName(std::get<0>(key)) + " atoms"
                                                  : elementName(std::get<0>(key)) + "-" +
                                                        elementName(std::get<1>(key)) + " pairs";
        return label(molecule) + " has " + std::to_string(count) + " " + what +
               ", the Bag of Bonds layout of the training data holds " + std::to_string(room);
    }
    return "";
}

bool BagLayout::operator==(const BagLayout& other) const {
    if (bags.size() != other.bags.size())
        return false;
    for (std::size_t i = 0; i < bags.size(); ++i) {
        const Bag &a = bags[i], &b = other.bags[i];
        if (a.za != b.za || a.zb != b.zb || a.diagonal != b.diagonal || a.size != b.size)
            return false;
    }
    return true;
}

std::vector<double> bagOfBonds(const Molecule& molecule, const BagLayout& layout) {
    const std::string why = layout.whyCannotHold(molecule);
    if (!why.empty())
        throw MoleculeError("", 0, 0, why);
    const int n = molecule.atoms();
    if (molecule.R.size() != 3 * static_cast<std::size_t>(n))
        throw MoleculeError("", 0, 0,
                            label(molecule) + " has " + std::to_string(n) + " charges but " +
                                std::to_string(molecule.R.size()) + " coordinates");
    std::map<BagKey, std::vector<double>> values;
    for (int i = 0; i < n; ++i) {
        const int zi = molecule.Z[i];
        values[{zi, zi, true}].push_back(0.5 * std::pow(static_cast<double>(zi), 2.4));
        for (int j = i + 1; j < n; ++j) {
            const double r = molecule.distance(i, j);
            if (!(r > 0.0) || !std::isfinite(r))
                throw MoleculeError("", 0, 0,
                                    label(molecule) + ": atoms " + std::to_string(i + 1) + " and " +
                                        std::to_string(j + 1) +
                                        " are at the same place (or a coordinate is not finite)");
            const int zj = molecule.Z[j];
            values[{std::min(zi, zj), std::max(zi, zj), false}].push_back(static_cast<double>(zi) *
                                                                          zj / r);
        }
    }
    std::vector<double> out;
    out.reserve(static_cast<std::size_t>(layout.width()));
    for (const BagLayout::Bag& b : layout.bags) {
        std::vector<double>& v = values[{b.za, b.zb, b.diagonal}];
        std::sort(v.begin(), v.end(), std::greater<double>());
        v.resize(static_cast<std::size_t>(b.size), 0.0);
        out.insert(out.end(), v.begin(), v.end());
    }
    return out;
}

} // namespace qm7
