#pragma once
/// @file deep_recipe.h
/// The paper's recipe (Montavon et al., NeurIPS 2012) end to end: molecules of three splits ->
/// randomly sorted, expanded Coulomb matrices drawn per example and step -> the deep network;
/// deep run folders on disk; predictions for new molecules with an uncertainty.

#include "qm7/chem/dataset_builder.h"
#include "qm7/chem/expansion.h"
#include "qm7/train/deep_trainer.h"

#include <string>
#include <vector>

namespace qm7 {

/// Randomly sorted, expanded Coulomb matrices of the molecules of three splits (fresh per
/// (row, drawSeed)). Molecules are prepared once.
class ExpandedCoulombInputs : public DeepInputs {
  public:
    ExpandedCoulombInputs(const MoleculeSplits& splits, CoulombExpansion expansion);
    int dim() const override { return m_expansion.dim(); }
    int rows(SplitKind split) const override;
    const std::vector<float>& labels(SplitKind split) const override;
    void fill(SplitKind split, const int* idx, int count, std::uint64_t drawSeed,
              float* out) const override;
    bool random() const override { return true; }
    const CoulombExpansion& expansion() const { return m_expansion; }

  private:
    CoulombExpansion m_expansion;
    std::vector<PreparedCoulomb> m_prepared[3];
    std::vector<float> m_labels[3];
};

/// A deep run with what it needs to predict new molecules.
struct DeepRun {
    DeepResult result;
    CoulombExpansion expansion; ///< dim() == 0 when the run was trained on fixed inputs
};

/// Fits the expansion on splits.train (seeded by config.seed) and trains the network.
/// With options.checkpoint set, a killed run resumes from it.
DeepRun trainPaperRecipe(const MoleculeSplits& splits, const DeepConfig& config,
                         const DeepOptions& options = {}, ExpansionSettings settings = {});

/// Writes a deep run folder: config.json (kind "deep"), history.csv, predictions.csv
/// (true, predicted, spread), summary.json, model.pt (see saveDeepModel), expansion.json.
void saveDeepRun(const DeepRun& run, const std::string& dir, const std::string& dataSource);
/// True when dir holds a deep run (config.json says "kind": "deep").
bool isDeepRun(const std::string& dir);
/// Reads model.pt, expansion.json and the config back (history and predictions are not read).
DeepRun loadDeepRun(const std::string& dir);

/// A run folder of either kind as a homework run (qm7::loadRun; a deep run through runResultOf,
/// without weights: its history, test predictions and settings, epochs of its training rows).
RunResult loadAnyRun(const std::string& dir);

/// A prediction for one molecule: the mean over draws and their standard deviation, or why the
/// model cannot predict it (then energy and spread are NaN).
struct MoleculePrediction {
    double energy = 0; ///< kcal/mol
    double spread = 0; ///< kcal/mol, std over the random draws
    std::string error;
};

/// Predicts molecules with a run trained by trainPaperRecipe (draws random sortings each).
std::vector<MoleculePrediction> predictMolecules(const DeepRun& run,
                                                 const std::vector<Molecule>& molecules,
                                                 int draws = 10, std::uint64_t seed = 0);

} // namespace qm7
