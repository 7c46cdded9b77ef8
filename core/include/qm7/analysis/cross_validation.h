#pragma once
/// @file cross_validation.h
/// K-fold cross-validation over molecules: the folds (qm7.mat's P, or a seeded partition saved
/// beside the results), a validation part carved from the training folds, and one fold of
/// kernel ridge regression or of the one-hidden-layer network, with its result on disk.

#include "qm7/util/series.h"
#include "qm7/analysis/invariant_net.h"
#include "qm7/analysis/krr.h"
#include "qm7/chem/molecule.h"
#include "qm7/chem/representation.h"
#include "qm7/train/deep_trainer.h"
#include "qm7/train/metrics.h"
#include "qm7/train/trainer.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qm7 {

/// The folds of a cross-validation: disjoint lists of molecule indices covering all molecules.
struct CvPartition {
    std::vector<std::vector<int>> folds;
    std::string origin;     ///< "P of <file>" or "seeded"
    std::uint64_t seed = 0; ///< the seed of a seeded partition
    int molecules = 0;      ///< how many molecules the source had
};

/// A seeded random partition of n molecules into k folds whose sizes differ by at most one.
/// Throws std::invalid_argument when k < 2 or n < k.
CvPartition seededPartition(int molecules, int folds, std::uint64_t seed);

/// Checks that there are at least 2 non-empty folds of indices in 0..molecules-1 and that no
/// molecule is in two folds; throws std::invalid_argument naming the problem. Returns how many
/// molecules are in no fold (they are not used; qm7-layout.mat's P leaves one of 7101 out).
int validatePartition(const CvPartition& partition);

/// partition.json text and back (throws std::runtime_error for damaged text).
std::string partitionToJson(const CvPartition& partition);
CvPartition partitionFromJson(const std::string& json);

/// The molecules of one fold: test = fold k, validation = a seeded fraction of the other
/// folds, train = the rest of them.
struct FoldSplit {
    std::vector<int> train, val, test;
};

/// Throws std::invalid_argument when k is out of range or the fraction leaves no rows.
FoldSplit foldSplit(const CvPartition& partition, int k, double valFraction, std::uint64_t seed);

/// Which model a cross-validation trains.
enum class CvModel { Krr, Mlp, Paper, Invariant };

/// krr, mlp, paper or invariant.
std::string cvModelName(CvModel model);
/// Parses krr|mlp|paper|invariant; throws std::invalid_argument listing the choices.
CvModel parseCvModel(const std::string& name);

/// Settings of one fold.
struct CvSettings {
    int atoms = 23; ///< padding size N of the Coulomb matrices
    /// krr and mlp: the input (random-sorted: mlp only, a fresh draw per epoch)
    Representation representation = Representation::Sorted;
    double valFraction = 0.1; ///< of the training folds, kept for validation
    std::uint64_t seed = 0;   ///< validation carve and training seed
    KrrGrid krr;              ///< model krr: kernel and grid
    KrrProgress krrProgress;  ///< model krr: (done, total) grid points
    /// Cancel for every model (checked between KRR grid points and network steps); when set,
    /// it replaces the control of trainOptions and paperOptions.
    TrainControl* control = nullptr;
    /// The settings in words (cvFingerprint of cv_study.h), stored in result.json so that a
    /// finished fold is reused only for the same settings
    std::string fingerprint;
    TrainConfig mlp;           ///< model mlp: the one-hidden-layer network (on sorted CMs)
    TrainOptions trainOptions; ///< observer / control for the network
    DeepConfig paper;          ///< model paper: the deep network (defaults: the paper's recipe)
    /// observer / control / select (default final: the paper code tests the final averaged
    /// weights); the checkpoint is set per fold
    DeepOptions paperOptions = [] {
        DeepOptions o;
        o.select = DeepSelect::Final;
        return o;
    }();
    /// model invariant: the network invariant by construction (invariant_net.h); it reports
    /// through paperOptions' observer, runs on trainOptions.threads, keeps the weights of the
    /// lowest validation MSE and checkpoints into dir/checkpoint.bin like the paper's network
    InvariantConfig invariant;
};

/// What one fold produced (errors in kcal/mol).
struct FoldResult {
    int fold = 0;
    CvModel model = CvModel::Krr;
    Metrics test;
    double valMae = 0;
    int trainRows = 0, valRows = 0, testRows = 0;
    /// Wall time of training the fold, earlier sessions of a resumed paper network included;
    /// NaN when unknown (a paper result.json written before train_seconds was stored).
    double seconds = 0;
    std::string detail; ///< the chosen hyperparameters, e.g. "sigma 2000, lambda 1e-08"
    /// The settings the fold was trained with (cvFingerprint); "" in results written before
    /// fingerprints were stored.
    std::string fingerprint;
    /// The fold ran but its test error is not a number (the model diverged): a failed fold,
    /// counted and shown, never left out silently.
    bool failed() const { return !std::isfinite(test.mae) || !std::isfinite(test.rmse); }
    std::vector<int> testIndex;
    std::vector<float> testTrue, testPred;
    bool cancelled = false;
};

/// result.json text of a fold and back (without the predictions); NaN errors are stored as null
/// and read back as NaN. The training wall time is
/// "train_seconds"; files without it give seconds = the stored "seconds" for krr and mlp
/// (trained in one go) and NaN for the paper's network (it may be the time of a resume).
std::string foldResultToJson(const FoldResult& result);
FoldResult foldResultFromJson(const std::string& json);

/// Features of molecules in a representation (atomic units, unscaled), as doubles; seed picks
/// the draw of random-sorted ones; bags is Bag of Bonds' layout (required for it). Throws
/// MoleculeError naming the molecule when it does not fit.
std::vector<double> moleculeFeatures(const std::vector<Molecule>& molecules,
                                     Representation representation, int atoms,
                                     std::uint64_t seed = 0,
                                     std::shared_ptr<const BagLayout> bags = nullptr);

/// The file beside a fold's (or a run's) model that holds its Bag of Bonds layout.
inline constexpr const char* kBagLayoutFile = "bag_layout.txt";

/// Sorted Coulomb matrices (upper triangle, atomic units, unscaled) of molecules, as doubles.
std::vector<double> sortedCoulombFeatures(const std::vector<Molecule>& molecules, int atoms);

/// Runs one fold and writes its run into dir: result.json, cv_predictions.csv and the model
/// (krr.bin; model.pt with the scale in model.json; or a deep run folder for the paper's
/// network, which checkpoints into dir/checkpoint.bin and resumes from it when run again).
FoldResult runFold(const std::vector<Molecule>& molecules, const FoldSplit& split, int fold,
                   CvModel model, const CvSettings& settings, const std::string& dir);

/// A published figure to print beside ours.
struct CvAnchor {
    std::string method;
    double mae = 0, rmse = 0; ///< 0 when not published
    std::string source;
};

/// Published QM7 results: mean predictor, Rupp et al. 2012 KRR (Gaussian, eigenvalues), Hansen
/// et al. 2013 KRR (Laplacian, Coulomb matrices), Hansen et al. 2015 (Bag of Bonds), Montavon et
/// al. 2012 network and KRR; each with its paper and setting.
std::vector<CvAnchor> publishedAnchors();

} // namespace qm7
