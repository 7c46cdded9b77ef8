#pragma once
/// @file molecule.h
/// A molecule (nuclear charges, coordinates in Bohr, energy), element symbols and units.

#include <map>
#include <utility>
#include <stdexcept>
#include <string>
#include <vector>

namespace qm7 {

/// 1 Bohr in Angstrom (CODATA 2018).
constexpr double kAngstromPerBohr = 0.529177210903;

/// Converts a length in Angstrom to Bohr.
constexpr double angstromToBohr(double angstrom) {
    return angstrom / kAngstromPerBohr;
}

/// Converts a length in Bohr to Angstrom.
constexpr double bohrToAngstrom(double bohr) {
    return bohr * kAngstromPerBohr;
}

/// One molecule: nuclear charges, Cartesian coordinates in Bohr, a label energy (kcal/mol).
struct Molecule {
    std::vector<int> Z;                       ///< nuclear charges, one per atom
    std::vector<double> R;                    ///< coordinates in Bohr, 3 per atom (x, y, z)
    double energy = 0.0;                      ///< atomization energy, kcal/mol
    std::string name;                         ///< a name (from the file) or the frame number
    std::map<std::string, double> properties; ///< other numeric key=value pairs of the frame

    /// Number of atoms.
    int atoms() const { return static_cast<int>(Z.size()); }
    /// Distance between atoms i and j in Bohr.
    double distance(int i, int j) const;
};

/// The nuclear charge of an element symbol (case-insensitive: "CL", "cl", "Cl"), 0 when unknown.
int elementNumber(const std::string& symbol);

/// The symbol of an element (1 to 118), "" when out of range.
std::string elementSymbol(int Z);

/// The same molecule with its atoms relabelled: atom i of the result is atom order[i].
Molecule permuteAtoms(const Molecule& molecule, const std::vector<int>& order);

/// Checks that no two atoms are closer than minDistance Bohr; returns the first offending pair
/// as (i, j) or (-1, -1).
std::pair<int, int> findCoincidentAtoms(const Molecule& molecule, double minDistance = 1e-3);

/// Why a model trained on molecules of `elements` (sorted) padded to `atoms` atoms cannot take
/// a molecule (no atoms, too many atoms, an element it never saw, two atoms at the same place),
/// in words; "" when it can.
std::string whyModelCannotTake(const Molecule& molecule, const std::vector<int>& elements,
                               int atoms);

/// A problem with molecular input; what() names the file, the molecule (frame) and the line.
class MoleculeError : public std::runtime_error {
  public:
    /// frame and line are 1-based; 0 means "not applicable".
    MoleculeError(const std::string& file, int frame, long line, const std::string& problem);
    const std::string& file() const { return m_file; }
    int frame() const { return m_frame; }
    long line() const { return m_line; }
    const std::string& problem() const { return m_problem; }

  private:
    std::string m_file;
    int m_frame = 0;
    long m_line = 0;
    std::string m_problem;
};

} // namespace qm7
