// qm7 train for deep networks (see train_deep.h).
#include "train_deep.h"

#include "qm7/analysis/deep_recipe.h"
#include "qm7/io/dataset.h"
#include "qm7/train/deep_runs.h"

#include <cstdio>
#include <iostream>

namespace qm7::cli {

namespace {

class DeepProgress : public DeepObserver {
  public:
    DeepProgress() : m_bar("train") {}
    void onEval(const DeepStats& s) override { m_last = s; }
    void onProgress(long long step, long long total, double) override {
        char buf[128] = "";
        if (m_last.step > 0)
            std::snprintf(buf, sizeof buf, "  val MAE %.2f RMSE %.2f kcal/mol at step %lld",
                          m_last.valMae, m_last.valRmse, m_last.step);
        m_bar.update(step, total, "step " + std::to_string(step) + buf);
    }
    void finish() { m_bar.finish(); }

  private:
    ProgressBar m_bar;
    DeepStats m_last;
};

DeepConfig deepConfigOf(const TrainConfig& c, const DeepCliOptions& o, int trainRows) {
    DeepConfig d;
    auto given = [&](const char* name) { return o.app && o.app->count(name) > 0; };
    if (!o.paper) { // the homework's settings with another network (core's rule)
        NetworkChoice n;
        n.layers = o.layers.empty() ? std::vector<int>{c.hidden} : parseLayers(o.layers);
        n.activation = parseActivation(o.activation);
        n.optimizer = parseOptimizer(o.optimizer);
        d = deepConfigFor(c, n, trainRows, o.steps);
    } else { // the paper's recipe, each part overridable
        if (given("--layers"))
            d.layers = parseLayers(o.layers);
        if (given("--activation"))
            d.activation = parseActivation(o.activation);
        if (given("--optimizer"))
            d.optimizer = parseOptimizer(o.optimizer);
        if (given("--batch"))
            d.batchSize = c.batchSize;
        if (given("--lr"))
            d.lr = c.lr;
        const long long perEpoch = (trainRows + d.batchSize - 1) / d.batchSize;
        if (o.steps > 0)
            d.steps = o.steps;
        else if (given("--epochs"))
            d.steps = static_cast<long long>(c.epochs) * perEpoch;
        if (given("--eval-every"))
            d.evalEvery = std::max<long long>(1, static_cast<long long>(c.evalEvery) * perEpoch);
        d.evalEvery = std::min(d.evalEvery, d.steps);
        d.seed = c.seed;
        d.trainSize = c.trainSize;
    }
    d.evalDraws = o.draws;
    d.centerInputs = o.center;
    return d;
}

} // namespace

void addDeepOptions(CLI::App* sub, DeepCliOptions& o) {
    o.app = sub;
    sub->add_option("--layers", o.layers,
                    "Hidden widths, e.g. 400,100 (default: one layer of --hidden)");
    sub->add_option("--activation", o.activation, "relu, tanh or stanh (1.5 tanh(x/1.5))")
        ->capture_default_str();
    sub->add_option("--optimizer", o.optimizer,
                    "adam, or sgd (the paper's: rate schedule, per-layer rates, averaged weights)")
        ->capture_default_str();
    sub->add_option("--steps", o.steps, "Minibatch steps (default: epochs x batches per epoch)");
    sub->add_flag("--expand", o.expand,
                  "Inputs: randomly sorted Coulomb matrices, expanded (Montavon 2012); needs "
                  "molecules (.xyz, .mat or demo)");
    sub->add_flag("--paper", o.paper,
                  "The paper's recipe: --expand, 400,100, stanh, sgd, batch 25, 1,000,000 steps "
                  "(each can be overridden)");
    sub->add_flag("--center", o.center,
                  "With sgd: the paper code's centering of each layer's inputs (x - A)");
    sub->add_option("--split", o.split, "Train, validation, test sizes with --expand")
        ->capture_default_str();
    sub->add_option("--checkpoint-minutes", o.checkpointMinutes,
                    "Checkpoint interval; a killed run resumes from out/checkpoint.bin")
        ->capture_default_str();
    sub->add_option("--select", o.select,
                    "Weights tested: final (the running average at the last step, as the paper's "
                    "code) or best-val-mse (default: final with --paper, else best-val-mse)");
    sub->add_option("--draws", o.draws, "Random draws averaged per prediction")
        ->capture_default_str();
}

int runTrainDeep(const std::string& data, const std::string& outDir, const TrainConfig& config,
                 const DeepCliOptions& o, int threads) {
    if (o.checkpointMinutes <= 0)
        throw UsageError("--checkpoint-minutes must be positive");
    try { // bad choices are reported before any data is read
        if (!o.layers.empty())
            parseLayers(o.layers);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--layers: ") + e.what());
    }
    try {
        parseActivation(o.activation);
        parseOptimizer(o.optimizer);
        if (!o.select.empty())
            parseSelect(o.select);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    const bool expand = o.expand || o.paper;
    DeepRun run;
    std::unique_ptr<DeepInputs> inputs;
    Dataset dataset;
    MoleculeSplits splits;
    int trainRows = 0;
    if (expand) {
        if (sourceKind(data) == SourceKind::TorchDataset)
            throw UsageError(data + ": --expand and --paper need molecules (.xyz, .xyz.gz, .mat "
                                    "or demo), not a .pt data set");
        if (data != "demo")
            ensureReadableFile(data);
        try {
            BuildOptions build;
            build.split = parseSplit(o.split);
            build.seed = config.seed;
            const MoleculeSource source = readMolecules(data, build);
            splits = splitMolecules(source.molecules, build);
            std::cerr << "fitting the input expansion on " << splits.train.size()
                      << " training molecules...\n";
            ExpansionSettings settings;
            settings.seed = config.seed;
            run.expansion = CoulombExpansion::fit(splits.train, settings);
        } catch (const MoleculeError& e) {
            throw UsageError(e.what());
        } catch (const std::invalid_argument& e) {
            throw UsageError(e.what());
        }
        inputs = std::make_unique<ExpandedCoulombInputs>(splits, run.expansion);
        trainRows = static_cast<int>(splits.train.size());
    } else {
        dataset = loadData(data);
        inputs = std::make_unique<DatasetInputs>(dataset);
        trainRows = static_cast<int>(dataset.train.rows());
    }
    if (config.trainSize > 0)
        trainRows = std::min(trainRows, config.trainSize);
    DeepConfig deep;
    try {
        deep = deepConfigOf(config, o, trainRows);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    const std::string why = deep.validate();
    if (!why.empty())
        throw UsageError(why);
    const std::string out =
        outDir.empty() ? "runs/deep-seed" + std::to_string(config.seed) : outDir;
    ensureWritableDir(out);
    setUpNumerics();
    std::string layers;
    for (int w : deep.layers)
        layers += (layers.empty() ? "" : ",") + std::to_string(w);
    std::cerr << "training " << inputs->dim() << " -> " << layers << " -> 1, "
              << activationName(deep.activation) << ", " << optimizerName(deep.optimizer)
              << ", lr=" << deep.lr << ", batch=" << deep.batchSize << ", steps=" << deep.steps
              << ", seed=" << deep.seed << " on " << trainRows << " molecules\n";
    DeepProgress progress;
    DeepOptions options;
    options.observer = &progress;
    options.control = &interruptControl();
    options.threads = threads;
    options.checkpoint = out + "/checkpoint.bin";
    options.checkpointSeconds = o.checkpointMinutes * 60;
    options.select = !o.select.empty() ? parseSelect(o.select)
                     : o.paper         ? DeepSelect::Final
                                       : DeepSelect::BestValMse;
    try {
        run.result = trainDeep(*inputs, deep, options);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    progress.finish();
    if (run.result.resumed)
        std::cerr << "(resumed from " << options.checkpoint << ")\n";
    saveDeepRun(run, out, data);
    if (run.result.cancelled) {
        std::cerr << "interrupted at step " << run.result.stepsDone << "; run the same command "
                  << "again to resume from " << options.checkpoint << "\n";
        return kInterrupted;
    }
    char line[256];
    std::snprintf(line, sizeof line,
                  "test MAE %.2f kcal/mol, RMSE %.2f kcal/mol, R^2 %.4f (%s weights of step "
                  "%lld, lowest validation MSE at step %lld; %.1f s)\n",
                  run.result.test.mae, run.result.test.rmse, run.result.test.r2,
                  selectName(run.result.select).c_str(), run.result.selectedStep,
                  run.result.bestStep, run.result.seconds);
    std::cout << line << "run written to " << out << "\n";
    return kOk;
}

} // namespace qm7::cli
