#pragma once
/// @file invariant_net.h
/// A network invariant to permutation, rotation and translation of the atoms by construction,
/// in the manner of SchNet (Schütt et al., J. Chem. Phys. 148, 241722 (2018)) and the deep tensor
/// neural network (Schütt et al., Nat. Commun. 8, 13890 (2017)):
/// - each atom starts as a learned vector of its element;
/// - interatomic distances (the only geometry it sees) are expanded on Gaussian radial basis
///   functions and damped by a smooth cosine cutoff;
/// - a few interaction layers (continuous-filter convolutions) update every atom from its
///   neighbours, with filters computed from the distances;
/// - an atom-wise output is summed over the atoms.
/// The energy is sum_i ref(Z_i) + scale * sum_i out_i: ref is a per-element energy fitted by least
/// squares on the training molecules and scale the standard deviation of what it leaves.
///
/// Molecules are batched with padding and a mask; forward and backward run in LibTorch on
/// torch's thread pool. Adam with an exponentially decaying rate, minibatches over seeded
/// epoch permutations, validation every few epochs (the lowest validation MSE kept), a
/// checkpoint (the deep network's file format) from which a killed run resumes bit for bit.

#include "qm7/chem/dataset_builder.h"
#include "qm7/chem/molecule.h"
#include "qm7/train/deep_trainer.h"
#include "qm7/train/metrics.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qm7 {

/// Settings of the invariant network and its training.
struct InvariantConfig {
    int features = 64;    ///< width of the atom vectors and filters
    int interactions = 3; ///< continuous-filter convolution layers
    int basis = 40;       ///< Gaussian radial basis functions, centres evenly on [0, cutoff]
    double cutoff = 10.0; ///< Bohr (5.3 Angstrom); farther pairs do not interact
    /// Passes over the training molecules; the rate decays over them. 80: one fold of the demo
    /// (5,160 training molecules, 162 steps per epoch at about 0.25 s each on one busy core)
    /// takes about 55 minutes.
    int epochs = 80;
    long long steps = 0;    ///< cap on minibatch updates (0 = no cap): a quick, shorter run
    int batchSize = 32;     ///< molecules per step
    double lr = 1e-3;       ///< Adam's rate at the start
    double lrFinal = 2e-5;  ///< its rate after `epochs` epochs (exponential decay in between)
    std::uint64_t seed = 0; ///< initialization, epoch order, training subset
    int evalEvery = 1;      ///< epochs between validations (and at the end)
    int trainSize = 0;      ///< 0 = all training molecules, else the first n of a seeded order
    /// An empty string when valid, else what is wrong.
    std::string validate() const;
};

/// A trained invariant network: what predictions need.
struct InvariantModel {
    InvariantConfig config;        ///< the architecture fields are used (features ... cutoff)
    std::vector<int> elements;     ///< nuclear charges it knows, ascending
    std::vector<double> reference; ///< kcal/mol per atom of each element of `elements`
    double scale = 1;              ///< kcal/mol per unit of the network's summed output
    std::vector<float> params;     ///< all weights, flat (see saveInvariantModel for the names)
};

struct InvariantResult {
    InvariantConfig config;
    std::vector<DeepStats> history; ///< one row per validation (valLoss: normalized MSE)
    InvariantModel model;           ///< the selected weights
    DeepSelect select = DeepSelect::BestValMse;
    long long bestStep = 0, selectedStep = 0, stepsDone = 0, stepsPerEpoch = 0;
    int trainRows = 0;
    Metrics test; ///< kcal/mol, on splits.test
    std::vector<float> testTrue, testPred;
    bool cancelled = false; ///< stopped by the control before the end (checkpoint written)
    bool resumed = false;   ///< continued from a checkpoint
    double seconds = 0;     ///< wall time, earlier sessions included
};

/// Trains on splits.train, validates on splits.val and tests on splits.test (may be empty).
/// options: observer, control (cancel writes the checkpoint), checkpoint, checkpointSeconds,
/// select, threads (torch's intra-op threads; 0 = one: on a shared 2-core machine two threads
/// took 1.3 s a step waiting for each other, one 0.25 s). Throws
/// std::invalid_argument for a bad config or a molecule it cannot take (named, with the reason).
InvariantResult trainInvariant(const MoleculeSplits& splits, const InvariantConfig& config,
                               const DeepOptions& options = {});

/// Energies in kcal/mol (computed in double precision). Throws std::invalid_argument naming the
/// first molecule the model cannot take and why.
std::vector<double> predictInvariant(const InvariantModel& model,
                                     const std::vector<Molecule>& molecules);

/// Why the model cannot take a molecule (no atoms, an unknown element, two atoms at the same
/// place, a coordinate that is not a number), "" when it can.
std::string whyInvariantCannotTake(const InvariantModel& model, const Molecule& molecule);

/// The training loss (mean squared normalized error) of molecules in double precision for the
/// flat weights `params` of model's architecture, and its gradient by autograd when gradient is
/// given: what the trainer minimizes, for checking the gradients against finite differences.
double invariantLoss(const InvariantModel& model, const std::vector<double>& params,
                     const std::vector<Molecule>& molecules, std::vector<double>* gradient);

/// Writes a trained run into dir: model.pt and history.csv (one row per validation: step,
/// epoch, batch loss and validation MSE normalized, validation RMSE and MAE in kcal/mol,
/// seconds). The caller writes model.json ("model": "invariant"), which qm7 predict reads.
void saveInvariantRun(const InvariantResult& run, const std::string& dir);

/// model.pt: a state_dict that Python's torch.load reads: "embedding" (elements x F),
/// "interactions.t.{filter1,filter2,input,output1,output2}.{weight,bias}" (input has no bias),
/// "readout1.{weight,bias}", "readout2.{weight,bias}", and "elements", "reference", "scale",
/// "cutoff", "basis" tensors. Loading throws std::runtime_error naming what is wrong.
void saveInvariantModel(const InvariantModel& model, const std::string& path);
InvariantModel loadInvariantModel(const std::string& path);

} // namespace qm7
