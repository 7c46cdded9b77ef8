#pragma once
/// @file xyz_reader.h
/// Multi-frame XYZ and extended XYZ files (plain or gzip-compressed), coordinates in Angstrom.

#include "qm7/chem/molecule.h"

#include <string>
#include <vector>

namespace qm7 {

/// How to read an XYZ file.
struct XyzOptions {
    std::string energyKey = "energy"; ///< key of the label on the comment line (key=value)
    bool requireEnergy = true;        ///< a frame without the energy key is an error
    double minDistance = 1e-3;        ///< atoms closer than this (Bohr) are an error
};

/// Reads every frame of an XYZ / extended XYZ file (.xyz or .xyz.gz); coordinates are
/// converted to Bohr. Throws MoleculeError naming the file, the molecule and the line.
std::vector<Molecule> readXyz(const std::string& path, const XyzOptions& options = {});

/// Parses XYZ text; fileName is only used in error messages.
std::vector<Molecule> parseXyz(const std::string& text, const std::string& fileName,
                               const XyzOptions& options = {});

/// Reads a whole file, decompressing it when it is gzip (plain files are read as they are).
/// Throws MoleculeError when the file cannot be read or its compressed data is damaged.
std::string readMaybeGzip(const std::string& path);

} // namespace qm7
