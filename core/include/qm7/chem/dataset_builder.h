#pragma once
/// @file dataset_builder.h
/// From molecules to data sets: splits, representations, feature scaling, data sources.

#include "qm7/io/dataset.h"
#include "qm7/io/feature_augmentation.h"
#include "qm7/chem/molecule.h"
#include "qm7/chem/representation.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace qm7 {

/// Sizes of the train, validation and test splits: molecule counts or fractions of all.
struct SplitSpec {
    std::array<double, 3> values{1500, 500, 1000};
    bool fractions = false; ///< values are fractions of the molecules (summing to at most 1)
};

/// Parses "1500,500,1000" (counts) or "0.8,0.1,0.1" (fractions); throws std::invalid_argument.
SplitSpec parseSplit(const std::string& text);

/// Molecule counts of the three splits for the given number of molecules; throws
/// std::invalid_argument when they do not fit.
std::array<int, 3> splitSizes(const SplitSpec& spec, int available);

/// Called with (done, total) molecules while features are computed.
using BuildProgress = std::function<void(int done, int total)>;

/// How to make a data set from molecules.
struct BuildOptions {
    SplitSpec split;        ///< ignored when useFolds
    std::uint64_t seed = 0; ///< the random split (and the random-sorted draw)
    /// kind, padding size N (23), noise sigma; Bag of Bonds without a layout: fitted on all
    /// the molecules (their labels play no part)
    RepresentationOptions representation;
    bool scale = true;     ///< divide all X by the largest absolute entry of the training rows
    bool useFolds = false; ///< use the folds of a qm7.mat: test = fold k, val = fold k+1
    int testFold = 0;      ///< k, 0-based
    std::string energyKey = "energy"; ///< the label's key in (extended) XYZ files
    BuildProgress progress;           ///< optional
};

/// The molecules of each split and their indices in the source.
struct MoleculeSplits {
    std::vector<Molecule> train, val, test;
    std::vector<int> trainIndex, valIndex, testIndex;
};

/// A built data set with what made it.
struct BuildResult {
    Dataset data;
    MoleculeSplits molecules; ///< empty when the data set was read from a .pt file
    double scale = 1.0;       ///< X was divided by this
    /// A .pt file's randomly sorted draws (representData); null otherwise (molecules make
    /// theirs with RandomSortedAugmentation(BuildResult)).
    std::shared_ptr<const FeatureAugmentation> augmentation;
    /// Bag of Bonds: the layout of the rows (the options' own, or fitted on all the molecules)
    std::shared_ptr<const BagLayout> bags;
};

/// Splits molecules at random (seeded) or by folds (test = folds[k], val = folds[k+1 mod K],
/// train = the rest). Throws std::invalid_argument when sizes or folds do not fit.
MoleculeSplits splitMolecules(const std::vector<Molecule>& molecules, const BuildOptions& options,
                              const std::vector<std::vector<int>>& folds = {});

/// Features of each molecule (rows of featureSize values), divided by scale; seed only
/// matters for RandomSorted. Throws MoleculeError naming source and molecule.
std::vector<float> computeFeatures(const std::vector<Molecule>& molecules,
                                   const RepresentationOptions& representation, double scale,
                                   std::uint64_t seed, const std::string& source = "",
                                   const std::vector<int>& sourceIndex = {},
                                   const std::function<void(int)>& onMolecule = {});

/// Builds a data set: split, features, scaling; sets d, atoms, representation and source.
BuildResult buildDatasetDetailed(const std::vector<Molecule>& molecules,
                                 const BuildOptions& options,
                                 const std::vector<std::vector<int>>& folds = {},
                                 const std::string& source = "");

/// Builds a data set (see buildDatasetDetailed).
Dataset buildDataset(const std::vector<Molecule>& molecules, const BuildOptions& options,
                     const std::vector<std::vector<int>>& folds = {},
                     const std::string& source = "");

/// Molecules read from a file, with the folds of a qm7.mat.
struct MoleculeSource {
    std::vector<Molecule> molecules;
    std::vector<std::vector<int>> folds;
    std::string path; ///< the file actually read (the demo file for "demo")
};

/// What kind of file a data source is.
enum class SourceKind { TorchDataset, Xyz, Mat, Demo, Unknown };

/// Tells by name: "demo", *.pt, *.xyz / *.xyz.gz / *.extxyz, *.mat.
SourceKind sourceKind(const std::string& path);

/// Reads the molecules of an .xyz, .xyz.gz, .mat or "demo"; throws MoleculeError.
MoleculeSource readMolecules(const std::string& path, const BuildOptions& options = {});

/// Any data source as a built data set: molecules are read and built in
/// options.representation; a .pt is loaded, its rows as they are for CoulombMatrix (the default,
/// whatever the file holds), else turned into options.representation (representData: sorted,
/// eigenspectrum, randomly sorted with its draws in BuildResult::augmentation) or refused with
/// the reason (DatasetError). Throws DatasetError, MoleculeError or std::invalid_argument with a
/// clear message.
BuildResult loadDataSourceDetailed(const std::string& path, const BuildOptions& options = {});

/// Any data source as a data set (see loadDataSourceDetailed).
Dataset loadDataSource(const std::string& path, const BuildOptions& options = {});

/// The bundled demo molecules (qm7.xyz.gz): $QM7_DEMO_DATA, else beside the executable
/// (../share/qm7-workbench/demo/), else the source tree; "" when none exists.
std::string demoDataPath();

} // namespace qm7
