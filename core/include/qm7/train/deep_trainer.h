#pragma once
/// @file deep_trainer.h
/// A multilayer perceptron of any depth (d -> h1 -> ... -> hk -> 1), trained step by step on
/// inputs that may be drawn afresh for every example at every step (randomly sorted, expanded
/// Coulomb matrices, Montavon et al. 2012). Hand-written forward and backward on BLAS; Adam, or
/// the paper's SGD (step schedule, per-layer rates, running average of the weights).
/// Checkpoints every few minutes; a killed run resumes from its last checkpoint.
///
/// The homework's network (one hidden layer of 1000, ReLU, Adam) is trained by trainer.h, not
/// here; this trainer is for every other network.

#include "qm7/io/dataset.h"
#include "qm7/io/feature_augmentation.h"
#include "qm7/train/metrics.h"
#include "qm7/train/trainer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qm7 {

/// Hidden activation: relu, tanh, or the paper's 1.5 tanh(x / 1.5) ("stanh").
enum class Activation { Relu, Tanh, ScaledTanh };
/// Adam (PyTorch's defaults, MSE loss) or the paper's SGD (see DeepConfig).
enum class Optimizer { Adam, Sgd };

/// "relu", "tanh", "stanh"; parse* throw std::invalid_argument naming the choices.
std::string activationName(Activation a);
Activation parseActivation(const std::string& text);
/// "adam", "sgd".
std::string optimizerName(Optimizer o);
Optimizer parseOptimizer(const std::string& text);
/// Which weights a deep run tests and saves: the final ones (the averaged ones for SGD with
/// averaging, as the paper's code does) or those of the lowest validation MSE.
enum class DeepSelect { Final, BestValMse };
/// "final", "best-val-mse"; parse throws std::invalid_argument naming the choices.
std::string selectName(DeepSelect s);
DeepSelect parseSelect(const std::string& text);
/// "400,100" -> {400, 100}; throws std::invalid_argument for anything else.
std::vector<int> parseLayers(const std::string& text);

/// Settings of one deep run. Defaults are the paper's recipe.
struct DeepConfig {
    std::vector<int> layers{400, 100}; ///< hidden widths
    Activation activation = Activation::ScaledTanh;
    Optimizer optimizer = Optimizer::Sgd;
    long long steps = 1000000; ///< minibatch updates
    int batchSize = 25;
    /// Adam: its learning rate. SGD: the base rate of the schedule, which multiplies it by
    /// 1, 2.5, 5, 10 from steps 0, 500, 2500, 12500 (0.001 -> 0.0025 -> 0.005 -> 0.01), each
    /// layer's rate divided by sqrt(its fan-in); the SGD loss is 1/2 the sum of squared
    /// (standardized) errors over the batch, Adam's is their mean.
    double lr = 1e-3;
    /// SGD: the weights tested are a running average, avg += a (w - avg), a = 10 / (10 + step).
    bool averageWeights = true;
    /// SGD: as the paper's code, which scales the error passed down through layer j by
    /// sqrt(fan-in_j / fan-out_j): layer l's rate is multiplied by the product of these factors
    /// over the layers above it (x20 and x10 for the hidden layers of d -> 400 -> 100 -> 1).
    bool scaleBackprop = true;
    /// SGD: the paper code's centering: each layer computes (x - A) W^T + b, A following the
    /// mean of its inputs with the layer's rate (b compensates, so the step of A does not change
    /// the function). model.pt holds the equivalent plain biases b - W A.
    bool centerInputs = false;
    /// Adam: its L2 penalty, weightDecay x w added to every parameter's gradient (as
    /// torch.optim.Adam's weight_decay and the homework trainer's); 0 = none.
    double weightDecay = 0;
    std::uint64_t seed = 0;     ///< initialization, example order, draws
    long long evalEvery = 5000; ///< validation every k steps (and at the end); best kept
    int evalDraws = 10;         ///< predictions averaged over this many draws (random inputs)
    /// 0 = all training rows, else the first n of a seeded permutation.
    int trainSize = 0;
    /// The features the run trains on, recorded in config.json (not part of the checkpoint key).
    std::string representation = "cm";
    /// An empty string when valid, else what is wrong.
    std::string validate() const;
};

/// The inputs of a deep run: per split, rows of dim() features and labels in kcal/mol.
/// Random inputs (randomly sorted Coulomb matrices) are drawn per example: fill() gives the same
/// features for the same (split, row, drawSeed).
class DeepInputs {
  public:
    virtual ~DeepInputs() = default;
    virtual int dim() const = 0;
    virtual int rows(SplitKind split) const = 0;
    virtual const std::vector<float>& labels(SplitKind split) const = 0;
    /// Features of rows idx[0..count) of split into out (count x dim, row-major).
    virtual void fill(SplitKind split, const int* idx, int count, std::uint64_t drawSeed,
                      float* out) const = 0;
    /// True when fill depends on drawSeed (then evaluation averages evalDraws draws).
    virtual bool random() const { return false; }
};

/// Fixed inputs: the X of a data set (any representation), standardized as stored.
class DatasetInputs : public DeepInputs {
  public:
    explicit DatasetInputs(const Dataset& data) : m_data(data) {}
    int dim() const override { return static_cast<int>(m_data.d); }
    int rows(SplitKind split) const override;
    const std::vector<float>& labels(SplitKind split) const override;
    void fill(SplitKind split, const int* idx, int count, std::uint64_t drawSeed,
              float* out) const override;

  private:
    const Split& split(SplitKind kind) const;
    const Dataset& m_data;
};

/// A trained deep network: everything predictions need except the input features.
/// weights[l] is layer l's weight (out x in, row-major, PyTorch's nn.Linear layout),
/// biases[l] its bias; the last layer has out = 1. Outputs are standardized: scaler
/// turns them into kcal/mol.
struct DeepModel {
    int d = 0;
    std::vector<int> layers;
    Activation activation = Activation::ScaledTanh;
    std::vector<std::vector<float>> weights, biases;
    LabelScaler scaler;
    /// Sizes of layer l: fan-in and fan-out.
    int fanIn(std::size_t l) const { return l == 0 ? d : layers[l - 1]; }
    int fanOut(std::size_t l) const { return l < layers.size() ? layers[l] : 1; }
};

/// Progress of a deep run, at every evaluation.
struct DeepStats {
    long long step = 0;
    double batchLoss = 0; ///< mean over the steps since the last evaluation (MSE, standardized)
    double valLoss = 0;   ///< validation MSE (standardized) of the tested (averaged) weights
    double valRmse = 0;   ///< kcal/mol
    double valMae = 0;    ///< kcal/mol
    double seconds = 0;   ///< wall time of this run, resumed parts included
};

struct DeepResult {
    DeepConfig config;
    std::vector<DeepStats> history;
    DeepModel model; ///< the selected weights (the averaged ones for SGD with averaging)
    DeepSelect select = DeepSelect::BestValMse; ///< how model was chosen
    long long bestStep = 0;     ///< step of the lowest validation MSE (whatever the selection)
    long long selectedStep = 0; ///< step of the weights in model (stepsDone for Final)
    long long stepsDone = 0;
    int trainRows = 0;                                 ///< training rows used
    Metrics test;                                      ///< kcal/mol
    std::vector<float> testTrue, testPred, testSpread; ///< kcal/mol; spread = std over draws
    bool cancelled = false;
    bool resumed = false; ///< continued from a checkpoint
    double seconds = 0;
};

class DeepObserver {
  public:
    virtual ~DeepObserver() = default;
    virtual void onEval(const DeepStats& /*stats*/) {}
    /// Every ~100 steps.
    virtual void onProgress(long long /*step*/, long long /*total*/, double /*seconds*/) {}
};

struct DeepOptions {
    DeepObserver* observer = nullptr;
    TrainControl* control = nullptr; ///< cancel (a checkpoint is written first), pause
    /// Checkpoint file ("" = none): written atomically every checkpointSeconds and on cancel;
    /// when it exists at the start with the same config, training resumes from it.
    std::string checkpoint;
    double checkpointSeconds = 180;
    /// The weights tested and returned. Not part of the checkpoint key: a finished run's
    /// checkpoint can be resumed with another selection (it is then only tested).
    DeepSelect select = DeepSelect::BestValMse;
    /// Reserved: a step runs on the calling thread with single-threaded BLAS (on a shared
    /// machine that is faster than OpenBLAS's pool); several runs go side by side instead.
    int threads = 0;
};

/// Trains one network. Throws std::invalid_argument for a bad config or inputs.
DeepResult trainDeep(const DeepInputs& inputs, const DeepConfig& config,
                     const DeepOptions& options = {});

/// Predictions in kcal/mol of rows x d fixed inputs.
std::vector<float> predictDeep(const DeepModel& model, const std::vector<float>& X);

/// Predictions in kcal/mol of rows idx of a split, the mean over `draws` draws (1 for fixed
/// inputs); spread (optional) receives the standard deviation over the draws.
std::vector<float> predictDeep(const DeepModel& model, const DeepInputs& inputs, SplitKind split,
                               const std::vector<int>& idx, int draws,
                               std::vector<float>* spread = nullptr);

/// model.pt: a state_dict {"layers.0.weight", "layers.0.bias", ..., "layers.K.weight",
/// "layers.K.bias"} (K = number of hidden layers; layers.K is the output layer, 1 x h_K), plus
/// "activation" (0 relu, 1 tanh, 2 1.5 tanh(x/1.5)), "label_mean", "label_std" as 0-d tensors.
void saveDeepModel(const DeepModel& model, const std::string& path);
DeepModel loadDeepModel(const std::string& path);

} // namespace qm7
