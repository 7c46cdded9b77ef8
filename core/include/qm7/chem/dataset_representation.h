#pragma once
/// @file dataset_representation.h
/// Representations rebuilt from a loaded data set's rows. A dataset.pt holds, per molecule, the
/// upper triangle (diagonal included, row by row) of its zero-padded Coulomb matrix, usually
/// divided by one number: the sorted matrix, the eigenspectrum and randomly sorted matrices
/// follow from it.

#include "qm7/chem/representation.h"
#include "qm7/io/dataset.h"
#include "qm7/io/feature_augmentation.h"

#include <memory>
#include <string>
#include <vector>

namespace qm7 {

/// Why the rows of data cannot be turned into `kind`, or "" when they can: rows must be the
/// upper triangles of Coulomb matrices (d = n(n+1)/2, no negative entry, a zero diagonal only
/// for padding) in the data's own representation "cm" (a sorted data set also gives its
/// eigenspectrum and random sortings); randomly sorted ones also need the file's scale
/// (coulombScaleOf).
std::string representationRefusal(const Dataset& data, Representation kind);

/// The data set with every row in representation kind (d = N for the eigenspectrum), the
/// labels, source and dtype as they were; the data itself when it already is in that
/// representation; randomly sorted: one draw (seed 0; representData gives the draws too). Sorted:
/// rows and columns by descending row norm (ties by the larger diagonal, i.e. nuclear charge, then
/// by position), as sortedCoulombMatrix orders a molecule's. Eigenspectrum: eigenvalues of the
/// atoms' block by descending magnitude, zero-padded, as eigenspectrum() of the molecule; when the
/// rows were scaled as the builder scales them (the largest absolute training entry is 1), the
/// eigenspectra are scaled the same way (divided by their largest absolute training entry). Throws
/// DatasetError with representationRefusal's message.
Dataset representDataset(const Dataset& data, Representation kind);

/// The number the file's Coulomb matrices were divided by: the s for which every nonzero
/// diagonal entry of the training rows times s is 0.5 Z^2.4 for a whole Z (1 to 100); 1 for raw
/// matrices. 0 when there is no such number (the rows are not scaled Coulomb matrices).
double coulombScaleOf(const Dataset& data);

/// A data set in a representation with what trains on it: for randomly sorted matrices, the
/// draws made afresh every epoch (the data holds one draw).
struct RepresentedData {
    Dataset data;
    std::shared_ptr<const FeatureAugmentation> augmentation; ///< null for fixed features
};

/// representDataset for every representation: randomly sorted Coulomb matrices are drawn from
/// the rows' matrices with noise sigma on the row norms in atomic units (the scale and nuclear
/// charges recovered by coulombScaleOf), as for molecules. Throws DatasetError with the reason.
RepresentedData representData(const Dataset& data, Representation kind, double sigma = 1.0);

/// The n x n symmetric matrix (row-major) whose upper triangle, row by row, is row[0..d).
/// Throws DatasetError when d is not n(n+1)/2.
std::vector<double> matrixFromUpperTriangle(const float* row, int d);

} // namespace qm7
