#pragma once
/// @file mat_reader.h
/// The official QM7 file `qm7.mat` (MATLAB v5: X, T, P, Z, R in Bohr), read with libmatio.

#include "qm7/chem/molecule.h"

#include <string>
#include <vector>

namespace qm7 {

/// What a qm7.mat holds, as molecules.
struct MatData {
    std::vector<Molecule> molecules;     ///< from Z, R (Bohr) and T (kcal/mol); name = index
    std::vector<std::vector<int>> folds; ///< P: cross-validation folds of 0-based indices
    int paddedAtoms = 0;                 ///< N, the padding size of Z, R and X (23 for QM7)
    std::vector<float> coulomb;          ///< X as n * N * N (row-major), when asked for
};

/// How to read a qm7.mat.
struct MatOptions {
    bool readCoulomb = false;  ///< also keep X (the file's own Coulomb matrices)
    double minDistance = 1e-3; ///< atoms closer than this (Bohr) are an error
};

/// Reads a qm7.mat; throws MoleculeError naming the file, the variable or molecule and the
/// problem (missing or wrongly shaped variables, truncated or damaged files).
MatData readQm7Mat(const std::string& path, const MatOptions& options = {});

} // namespace qm7
