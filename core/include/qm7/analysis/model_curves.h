#pragma once
/// @file model_curves.h
/// The field's learning-curve figure (Faber et al., J. Chem. Theory Comput. 13, 5255 (2017);
/// Collins et al., J. Chem. Phys. 148, 241718 (2018)): test MAE against the number of training
/// molecules, on log-log axes, for several models trained on one cross-validation fold, each
/// curve with its slope. Every point is a cross-validation study of one fold with a training
/// size (cv_study.h) in its own folder, `<out>/<model>-n<size>` ("-nall" for every training
/// molecule), so a rerun reuses finished points and resumes the networks' checkpoints, and
/// several processes (or Slurm tasks) may fill one folder side by side.

#include "qm7/analysis/curve_fit.h"
#include "qm7/analysis/cv_study.h"

#include <cmath>
#include <string>
#include <vector>

namespace qm7 {

/// One model of the figure: which cross-validation model, on which representation (kernel
/// ridge regression and the one-hidden-layer network; the paper's and the invariant network
/// read their own).
struct CurveModelSpec {
    CvModel model = CvModel::Krr;
    Representation representation = Representation::Sorted;
};

/// "krr-sorted", "krr-bob", "mlp-sorted", "mlp-bob", "paper", "invariant": folder names and
/// the CLI's --models.
std::string curveModelKey(const CurveModelSpec& spec);
/// What the figure's legend says, e.g. "KRR, Bag of Bonds".
std::string curveModelLabel(const CurveModelSpec& spec);
/// Parses a key of curveModelKey ("mlp" alone means mlp-sorted); throws std::invalid_argument
/// listing the choices.
CurveModelSpec parseCurveModel(const std::string& key);
/// The figure's five models: KRR on sorted Coulomb matrices and on Bag of Bonds, the
/// homework's network, the paper's network and the invariant network.
std::vector<CurveModelSpec> defaultCurveModels();

/// What the figure trains.
struct ModelCurvesConfig {
    std::string out;        ///< results folder (created); reruns continue it
    std::string sourceName; ///< the molecules' name in messages
    int folds = 5;          ///< the partition (seeded with `seed`, or the source's P)
    int fold = 0;           ///< the fold whose molecules are the test set
    std::uint64_t seed = 0;
    double valFraction = 0.1;
    /// Training sizes, increasing; 0 (last) = every training molecule of the fold.
    std::vector<int> sizes{100, 300, 1000, 3000, 0};
    std::vector<CurveModelSpec> models = defaultCurveModels();
    TrainConfig mlp; ///< the homework's network (its defaults are the homework's recipe)
    /// The paper's network: minibatch steps at every size (its paper trains 1,000,000; the
    /// figure's default is a fifth of that, for time).
    long long paperSteps = 200000;
    /// The invariant network trains its 80 epochs, or more at small sizes so that it makes at
    /// least this many minibatch steps (80 epochs of 100 molecules are only 320 steps).
    long long invariantMinSteps = 4000;
    int threads = 0;                ///< training threads (0 = all cores; the invariant net: 1)
    double checkpointSeconds = 180; ///< the networks' checkpoint interval
};

/// "100, 300, 1000, all" -> {100, 300, 1000, 0} (commas or spaces between); throws
/// std::invalid_argument naming a piece that is neither a whole number nor "all".
std::vector<int> parseCurveSizes(const std::string& text);

/// Checks sizes (increasing, >= 2, 0 only last), models (at least one, no repeat), the fold,
/// seeds and budgets; returns the problem in words, "" when fine.
std::string validateModelCurves(const ModelCurvesConfig& config);

/// The cross-validation study of one point: one fold, training size n (0 = all), the model's
/// settings for that size (the invariant network's epochs and validation interval grow at
/// small n as invariantMinSteps says), in `<out>/<key>-n<size>`.
CvStudyConfig modelCurveStudy(const ModelCurvesConfig& config, const CurveModelSpec& spec,
                              int size);

/// One point of a curve: a finished fold.
struct ModelCurvePoint {
    int size = 0;      ///< as asked (0 = all)
    FoldResult result; ///< result.trainRows is the n drawn
};

/// One model's curve and its slope: the power law A n^-b fitted to the test MAE in log space
/// (curve_fit.h); the slope is -b (needs two sizes; fit.ok false otherwise).
struct ModelCurve {
    CurveModelSpec spec;
    std::string key, label;
    std::vector<ModelCurvePoint> points; ///< by increasing training rows
    FitResult fit;
    double slope() const { return fit.ok ? -fit.params[1] : NAN; }
};

/// The fit of a curve's points (failed folds left out).
FitResult fitModelCurve(const std::vector<ModelCurvePoint>& points);

/// Reads every finished point in a results folder (folders `<key>-n<size>` of known models
/// whose fold result.json exists and is not a cancelled run), one curve per model in the
/// order of defaultCurveModels(), then other keys; missing folder = no curves. Damaged
/// result files throw std::runtime_error naming the file.
std::vector<ModelCurve> collectModelCurves(const std::string& out);

/// Told what the figure does; every call comes from the thread that runs it.
class ModelCurvesObserver : public CvStudyObserver {
  public:
    /// Point index of total (model, size) starts (or is read from disk).
    virtual void onPoint(const CurveModelSpec& /*spec*/, int /*size*/, int /*index*/,
                         int /*total*/) {}
};

/// What a run of the figure produced: the curves of the folder when it stopped.
struct ModelCurvesResult {
    std::vector<ModelCurve> curves;
    bool cancelled = false;
};

/// Trains (or reads) every point, model by model and size by size, and writes
/// `<out>/curves.csv` (modelCurvesCsv of collectModelCurves) after each point. Cancel through
/// control between and inside points. Throws std::invalid_argument for settings that do not
/// fit (validateModelCurves' message, a folder of other settings) and what the models throw.
ModelCurvesResult runModelCurves(const MoleculeSource& source, const ModelCurvesConfig& config,
                                 ModelCurvesObserver* observer = nullptr,
                                 TrainControl* control = nullptr);

/// curves.csv: one row per point (model, label, size, train rows, test MAE, RMSE, validation
/// MAE, seconds, status, the model's slope and its standard error, detail).
std::string modelCurvesCsv(const std::vector<ModelCurve>& curves);

/// curves.md: per model the points and the slope, for a report or a note.
std::string modelCurvesMarkdown(const std::vector<ModelCurve>& curves);

} // namespace qm7
