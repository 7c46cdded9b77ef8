// qm7 train: one training run with a live progress bar; writes a run folder.
#include "commands.h"
#include "train_deep.h"
#include "train_invariant.h"

#include "qm7/analysis/train_request.h"
#include "qm7/chem/augmentation.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/io/dataset.h"

#include <cstdio>
#include <iostream>
#include <sstream>

namespace qm7::cli {

namespace {

struct TrainOptionsCli {
    std::string data = "demo";
    std::string out;
    TrainConfig config;
    int threads = 0; ///< training threads, 0 = all cores
    std::string representation = "cm";
    DeepCliOptions deep;
    std::string model; ///< "" = a network of --layers (or --paper); "invariant"
};

/// The data in the chosen representation: a dataset.pt's rows converted (representData),
/// molecules built in it; randomly sorted ones with their per-epoch draws.
struct LoadedData {
    std::shared_ptr<const Dataset> data;
    std::shared_ptr<const FeatureAugmentation> augmentation;
};

LoadedData loadRepresented(const std::string& path, Representation kind) {
    LoadedData out;
    if (kind == Representation::CoulombMatrix) {
        out.data = std::make_shared<const Dataset>(loadData(path));
        return out;
    }
    if (path != "demo")
        ensureReadableFile(path);
    try {
        if (sourceKind(path) != SourceKind::TorchDataset)
            std::cerr << "building the data set from " << path << " (split 1500/500/1000, seed 0, "
                      << representationName(kind) << ")...\n";
        BuildOptions build;
        build.representation.kind = kind;
        BuildResult built = loadDataSourceDetailed(path, build);
        out.augmentation = built.augmentation; // a .pt's draws
        if (kind == Representation::RandomSorted && !built.molecules.train.empty())
            out.augmentation = std::make_shared<const RandomSortedAugmentation>(built);
        out.data = std::make_shared<const Dataset>(std::move(built.data));
    } catch (const DatasetError& e) {
        throw UsageError(path + ": " + e.what());
    } catch (const MoleculeError& e) {
        throw UsageError(e.what());
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    return out;
}

/// Options only the deep trainer's own command path has (the paper's recipe, expanded inputs,
/// step counts, weight selection); without them a run goes through qm7::train(TrainRequest).
bool deepRecipeOnly(const DeepCliOptions& d) {
    auto given = [&](const char* name) { return d.app && d.app->count(name) > 0; };
    return d.paper || d.expand || d.center || d.steps > 0 || !d.select.empty() ||
           given("--checkpoint-minutes") || given("--draws") || given("--split");
}

/// Draws the progress bar from the trainer's callbacks.
class TrainProgress : public TrainObserver {
  public:
    explicit TrainProgress(int epochs) : m_bar("train"), m_epochs(epochs) {}
    void onEpoch(const EpochStats& s) override {
        if (s.evaluated)
            m_last = s;
        std::ostringstream extra;
        extra << "epoch " << s.epoch << "/" << m_epochs;
        char buf[96];
        std::snprintf(buf, sizeof buf, "  loss %.4f", s.batchLoss);
        extra << buf;
        if (m_last.epoch > 0) {
            std::snprintf(buf, sizeof buf, "  val %.4f (%.1f kcal/mol)", m_last.valLoss,
                          m_last.valRmse);
            extra << buf;
        }
        m_bar.update(s.epoch, m_epochs, extra.str());
    }
    void finish() { m_bar.finish(); }

  private:
    ProgressBar m_bar;
    int m_epochs;
    EpochStats m_last;
};

int runTrain(const TrainOptionsCli& o) {
    Representation kind;
    try {
        kind = parseRepresentation(o.representation);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--representation: ") + e.what());
    }
    if (!o.model.empty() && o.model != "invariant")
        throw UsageError("--model " + o.model +
                         ": the one choice is invariant (without --model, "
                         "qm7 train trains the network of --layers)");
    if (o.model == "invariant")
        return runTrainInvariant(o.data, o.out, o.config, o.deep, o.threads);
    if (deepRecipeOnly(o.deep)) {
        if (kind != Representation::CoulombMatrix)
            throw UsageError("--representation applies to fixed inputs; --paper, --expand, "
                             "--center, --steps and --select train on their own inputs");
        return runTrainDeep(o.data, o.out, o.config, o.deep, o.threads);
    }
    TrainRequest request;
    request.configs = {o.config};
    request.threads = o.threads;
    request.dataSource = o.data;
    try { // bad choices are reported before any data is read
        if (!o.deep.layers.empty())
            request.network.layers = parseLayers(o.deep.layers);
        else
            request.network.layers = {o.config.hidden};
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--layers: ") + e.what());
    }
    try {
        request.network.activation = parseActivation(o.deep.activation);
        request.network.optimizer = parseOptimizer(o.deep.optimizer);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    // The homework's network (one ReLU layer, Adam) is as wide as --layers says, or --hidden.
    if (request.network.homework())
        request.configs.front().hidden = request.network.layers.front();
    const std::string why = o.config.validate();
    if (!why.empty())
        throw UsageError(why);
    const std::string network = request.network.validate(kind == Representation::RandomSorted);
    if (!network.empty())
        throw UsageError(network);
    LoadedData loaded = loadRepresented(o.data, kind);
    request.data = loaded.data;
    request.augmentation = loaded.augmentation;
    // cm (the default) takes a .pt's rows as they are, whatever they hold (config.json says).
    if (kind != Representation::CoulombMatrix)
        request.representation = representationName(kind);
    const Dataset& data = *request.data;
    if (o.config.trainSize > static_cast<int>(data.train.rows()))
        throw UsageError("--train-size " + std::to_string(o.config.trainSize) + " exceeds the " +
                         std::to_string(data.train.rows()) + " training rows of " + o.data);
    const std::string invalid = request.validate();
    if (!invalid.empty())
        throw UsageError(invalid);
    request.runFolder = o.out.empty() ? (request.network.homework()
                                             ? "runs/lr" + CLI::detail::to_string(o.config.lr) +
                                                   "-seed" + std::to_string(o.config.seed)
                                             : "runs/deep-seed" + std::to_string(o.config.seed))
                                      : o.out;
    ensureWritableDir(request.runFolder);
    setUpNumerics();

    const TrainConfig& c = request.configs.front();
    std::string layers;
    for (int w : request.network.layers)
        layers += (layers.empty() ? "" : ",") + std::to_string(w);
    std::cerr << "training " << data.d << " -> " << layers << " -> 1 ("
              << activationName(request.network.activation) << ", "
              << optimizerName(request.network.optimizer) << "), lr=" << c.lr
              << ", epochs=" << c.epochs << ", batch=" << c.batchSize << ", seed=" << c.seed
              << " on " << data.train.rows() << " molecules (" << data.representation
              << ", d=" << data.d << ")\n";
    TrainProgress progress(c.epochs);
    TrainOptions options;
    options.observer = &progress;
    options.control = &interruptControl();
    std::vector<RunResult> results;
    try {
        results = train(request, options);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    progress.finish();
    const RunResult& result = results.front();
    const std::string& out = request.runFolder;
    if (result.cancelled) {
        std::cerr << "interrupted after " << result.epochsDone << " epochs; what was done is in "
                  << out << "\n";
        return kInterrupted;
    }
    char line[256];
    std::snprintf(line, sizeof line,
                  "test RMSE %.2f kcal/mol, MAE %.2f kcal/mol, R^2 %.4f (best validation at "
                  "epoch %d; %.1f s)\n",
                  result.test.rmse, result.test.mae, result.test.r2, result.bestEpoch,
                  result.seconds);
    std::cout << line << "run written to " << out << "\n";
    return kOk;
}

} // namespace

Command addTrainCommand(CLI::App& app) {
    auto o = std::make_shared<TrainOptionsCli>();
    CLI::App* sub = app.add_subcommand("train", "Train one network and write a run folder");
    sub->add_option("--data", o->data, "dataset.pt, molecules (.xyz, .xyz.gz, .mat) or demo")
        ->capture_default_str();
    sub->add_option("--out", o->out, "Output folder (default runs/lr<lr>-seed<seed>)");
    sub->add_option("--seed", o->config.seed, "Seed of initialization and data order")
        ->capture_default_str();
    sub->add_option("--train-size", o->config.trainSize,
                    "Use only the first n of a seeded permutation of the training rows (0 = all)")
        ->capture_default_str();
    sub->add_option("--representation", o->representation,
                    "Inputs: cm (Coulomb matrix), sorted, eigen (eigenspectrum), random-sorted "
                    "(drawn afresh every epoch; a dataset.pt's rows are converted) or bob (Bag "
                    "of Bonds, built from molecules)")
        ->capture_default_str();
    sub->add_option("--model", o->model,
                    "invariant: a network invariant by construction (SchNet-like, on interatomic "
                    "distances; needs molecules; --epochs (default 80), --steps, --batch, --lr, "
                    "--split apply)");
    addTrainingOptions(sub, o->config, o->threads);
    addDeepOptions(sub, o->deep);
    return {sub, [o] { return runTrain(*o); }};
}

} // namespace qm7::cli
