// qm7 train --model invariant (see train_invariant.h).
#include "train_invariant.h"

#include "qm7/analysis/invariant_net.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/util/atomic_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <set>

namespace qm7::cli {

namespace {

class InvariantProgress : public DeepObserver {
  public:
    explicit InvariantProgress(long long perEpoch) : m_bar("train"), m_perEpoch(perEpoch) {}
    void onEval(const DeepStats& s) override { m_last = s; }
    void onProgress(long long step, long long total, double) override {
        char buf[128] = "";
        if (m_last.step > 0)
            std::snprintf(buf, sizeof buf, "  val MAE %.2f kcal/mol at epoch %lld", m_last.valMae,
                          m_last.step / m_perEpoch);
        m_bar.update(step, total, "epoch " + std::to_string(step / m_perEpoch + 1) + buf);
    }
    void finish() { m_bar.finish(); }

  private:
    ProgressBar m_bar;
    long long m_perEpoch;
    DeepStats m_last;
};

} // namespace

int runTrainInvariant(const std::string& data, const std::string& outDir, const TrainConfig& config,
                      const DeepCliOptions& o, int threads) {
    if (o.checkpointMinutes <= 0)
        throw UsageError("--checkpoint-minutes must be positive");
    auto given = [&](const char* name) { return o.app && o.app->count(name) > 0; };
    InvariantConfig c;
    if (given("--epochs"))
        c.epochs = config.epochs;
    if (given("--batch"))
        c.batchSize = config.batchSize;
    if (given("--lr"))
        c.lr = std::max(config.lr, c.lrFinal);
    c.steps = o.steps;
    c.seed = config.seed;
    c.trainSize = config.trainSize;
    const std::string why = c.validate();
    if (!why.empty())
        throw UsageError(why);
    if (sourceKind(data) == SourceKind::TorchDataset)
        throw UsageError(data + ": the invariant network needs molecules (.xyz, .xyz.gz, .mat or "
                                "demo), not a .pt data set of Coulomb matrices");
    if (data != "demo")
        ensureReadableFile(data);
    MoleculeSplits splits;
    try {
        BuildOptions build;
        build.split = parseSplit(o.split);
        build.seed = config.seed;
        splits = splitMolecules(readMolecules(data, build).molecules, build);
    } catch (const MoleculeError& e) {
        throw UsageError(e.what());
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    const std::string out =
        outDir.empty() ? "runs/invariant-seed" + std::to_string(config.seed) : outDir;
    ensureWritableDir(out);
    setUpNumerics();
    const int rows = c.trainSize > 0 ? std::min<int>(c.trainSize, int(splits.train.size()))
                                     : int(splits.train.size());
    const long long perEpoch = (rows + c.batchSize - 1) / c.batchSize;
    std::cerr << "training the invariant network (" << c.features << " features, " << c.interactions
              << " interactions, " << c.basis << " radial functions to " << c.cutoff
              << " Bohr), Adam " << c.lr << " to " << c.lrFinal << ", batch " << c.batchSize << ", "
              << c.epochs << " epochs"
              << (c.steps > 0 ? " (at most " + std::to_string(c.steps) + " steps)" : "")
              << ", seed " << c.seed << " on " << rows << " molecules\n";
    InvariantProgress progress(perEpoch);
    DeepOptions options;
    options.observer = &progress;
    options.control = &interruptControl();
    options.threads = threads;
    options.checkpoint = out + "/checkpoint.bin";
    options.checkpointSeconds = o.checkpointMinutes * 60;
    InvariantResult run;
    try {
        run = trainInvariant(splits, c, options);
    } catch (const std::invalid_argument& e) {
        progress.finish();
        throw UsageError(e.what());
    }
    progress.finish();
    if (run.resumed)
        std::cerr << "(resumed from " << options.checkpoint << ")\n";
    if (run.cancelled) {
        std::cerr << "interrupted at step " << run.stepsDone << "; run the same command again "
                  << "to resume from " << options.checkpoint << "\n";
        return kInterrupted;
    }
    saveInvariantRun(run, out);
    std::set<int> elements;
    int atoms = 0;
    for (const Molecule& m : splits.train) {
        elements.insert(m.Z.begin(), m.Z.end());
        atoms = std::max(atoms, m.atoms());
    }
    nlohmann::json info;
    info["model"] = "invariant";
    info["atoms"] = atoms;
    info["elements"] = std::vector<int>(elements.begin(), elements.end());
    info["data"] = data;
    info["split"] = o.split;
    info["features"] = c.features;
    info["interactions"] = c.interactions;
    info["epochs"] = c.epochs;
    info["steps_done"] = run.stepsDone;
    info["selected_step"] = run.selectedStep;
    info["test_mae"] = run.test.mae;
    writeFileAtomically(out + "/model.json", info.dump(2) + "\n");
    char line[256];
    std::snprintf(line, sizeof line,
                  "test MAE %.2f kcal/mol, RMSE %.2f kcal/mol, R^2 %.4f (weights of epoch %lld, "
                  "lowest validation MSE; %lld steps; %.1f s)\n",
                  run.test.mae, run.test.rmse, run.test.r2, run.selectedStep / perEpoch,
                  run.stepsDone, run.seconds);
    std::cout << line << "run written to " << out << "\n";
    return kOk;
}

} // namespace qm7::cli
