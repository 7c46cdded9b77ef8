#include "qm7/chem/molecule.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

namespace qm7 {

namespace {

constexpr std::array<const char*, 119> kSymbols = {
    "",   "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si",
    "P",  "S",  "Cl", "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu",
    "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru",
    "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr",
    "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W",
    "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac",
    "Th", "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf",
    "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"};

std::string describe(const std::string& file, int frame, long line, const std::string& problem) {
    std::string where = file.empty() ? std::string("<input>") : file;
    if (line > 0)
        where += ":" + std::to_string(line);
    if (frame > 0)
        where += " (molecule " + std::to_string(frame) + ")";
    return where + ": " + problem;
}

} // namespace

double Molecule::distance(int i, int j) const {
    const double dx = R[3 * i] - R[3 * j];
    const double dy = R[3 * i + 1] - R[3 * j + 1];
    const double dz = R[3 * i + 2] - R[3 * j + 2];
    return std::sqrt(dx * dx + dy * dy + dz * dz);
}

int elementNumber(const std::string& symbol) {
    if (symbol.empty() || symbol.size() > 3)
        return 0;
    std::string s;
    s += static_cast<char>(std::toupper(static_cast<unsigned char>(symbol[0])));
    for (std::size_t i = 1; i < symbol.size(); ++i)
        s += static_cast<char>(std::tolower(static_cast<unsigned char>(symbol[i])));
    for (std::size_t z = 1; z < kSymbols.size(); ++z) {
        if (s == kSymbols[z])
            return static_cast<int>(z);
    }
    return 0;
}

std::string elementSymbol(int Z) {
    if (Z < 1 || Z >= static_cast<int>(kSymbols.size()))
        return {};
    return kSymbols[static_cast<std::size_t>(Z)];
}

Molecule permuteAtoms(const Molecule& molecule, const std::vector<int>& order) {
    Molecule out = molecule;
    for (std::size_t i = 0; i < order.size(); ++i) {
        const auto k = static_cast<std::size_t>(order[i]);
        out.Z[i] = molecule.Z[k];
        for (std::size_t c = 0; c < 3; ++c)
            out.R[3 * i + c] = molecule.R[3 * k + c];
    }
    return out;
}

std::pair<int, int> findCoincidentAtoms(const Molecule& molecule, double minDistance) {
    const int n = molecule.atoms();
    for (int i = 0; i < n; ++i) {
        for (int j = i + 1; j < n; ++j) {
            // Written so that NaN coordinates count as coincident too.
            if (!(molecule.distance(i, j) >= minDistance))
                return {i, j};
        }
    }
    return {-1, -1};
}

MoleculeError::MoleculeError(const std::string& file, int frame, long line,
                             const std::string& problem)
    : std::runtime_error(describe(file, frame, line, problem)), m_file(file), m_frame(frame),
      m_line(line), m_problem(problem) {}

std::string whyModelCannotTake(const Molecule& m, const std::vector<int>& elements, int atoms) {
    if (m.atoms() == 0)
        return "the molecule has no atoms";
    if (m.atoms() > atoms)
        return "it has " + std::to_string(m.atoms()) + " atoms, more than the " +
               std::to_string(atoms) + " the model was built for (its padding size: at most " +
               std::to_string(atoms) + " atoms)";
    for (int z : m.Z)
        if (!std::binary_search(elements.begin(), elements.end(), z)) {
            std::string seen;
            for (int e : elements)
                seen += (seen.empty() ? "" : " ") + elementSymbol(e);
            const std::string name = elementSymbol(z).empty() ? "?" : elementSymbol(z);
            return "element " + name + " (Z = " + std::to_string(z) +
                   ") never occurred in the training molecules (" + seen + ")";
        }
    const auto [i, j] = findCoincidentAtoms(m, 1e-3);
    if (i >= 0)
        return "atoms " + std::to_string(i + 1) + " and " + std::to_string(j + 1) +
               " are at the same place";
    return "";
}

} // namespace qm7
