#pragma once
/// @file bag_of_bonds.h
/// Bag of Bonds (Hansen et al., J. Phys. Chem. Lett. 6, 2326 (2015)): the Coulomb matrix's
/// entries grouped by element (the diagonal 0.5 Z^2.4) and by element pair (Z_i Z_j / |R_i - R_j|,
/// atomic units: distances in Bohr), each bag sorted descending and zero-padded to the largest
/// count in the data. Invariant to the order of the atoms by construction.

#include "qm7/chem/molecule.h"

#include <string>
#include <vector>

namespace qm7 {

/// The bags and their sizes, fitted on a data set; a trained model keeps its layout so new
/// molecules get the same columns.
struct BagLayout {
    struct Bag {
        int za = 0, zb = 0; ///< the elements (za <= zb); za == zb with diagonal for 0.5 Z^2.4
        bool diagonal = false;
        int size = 0; ///< the largest count of this bag in the data
    };
    /// Diagonal bags by ascending Z first, then pair bags by (za, zb) ascending.
    std::vector<Bag> bags;

    /// Features per molecule: the sum of the bag sizes.
    int width() const;
    /// The elements of the layout, ascending.
    std::vector<int> elements() const;

    /// The layout of a set of molecules: every element and pair seen, each bag as large as its
    /// largest count. Throws MoleculeError for a molecule without atoms or with a charge < 1.
    static BagLayout fit(const std::vector<Molecule>& molecules);

    /// Text form ("bag-of-bonds 1", then one "diagonal Z size" or "pair Za Zb size" per line)
    /// and back; fromText throws std::runtime_error naming the damaged line.
    std::string toText() const;
    static BagLayout fromText(const std::string& text);

    /// Why the layout cannot hold the molecule (an element it never saw, more atoms or pairs of
    /// a kind than its bag), in words; "" when it can.
    std::string whyCannotHold(const Molecule& molecule) const;

    bool operator==(const BagLayout& other) const;
};

/// The Bag of Bonds vector of a molecule (layout.width() values, atomic units). Throws
/// MoleculeError with whyCannotHold's reason, or when two atoms are at the same place.
std::vector<double> bagOfBonds(const Molecule& molecule, const BagLayout& layout);

} // namespace qm7
