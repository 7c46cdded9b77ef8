// qm7 train: one training run with a live progress bar; writes a run folder.
#include "commands.h"
#include "train_deep.h"

#include "qm7/io/dataset.h"
#include "qm7/train/run_store.h"

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
    DeepCliOptions deep;
};

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
    if (wantsDeep(o.deep, o.config))
        return runTrainDeep(o.data, o.out, o.config, o.deep, o.threads);
    const std::string why = o.config.validate();
    if (!why.empty())
        throw UsageError(why);
    const Dataset data = loadData(o.data);
    if (o.config.trainSize > static_cast<int>(data.train.rows()))
        throw UsageError("--train-size " + std::to_string(o.config.trainSize) + " exceeds the " +
                         std::to_string(data.train.rows()) + " training rows of " + o.data);
    const std::string out = o.out.empty() ? "runs/lr" + CLI::detail::to_string(o.config.lr) +
                                                "-seed" + std::to_string(o.config.seed)
                                          : o.out;
    ensureWritableDir(out);
    setUpNumerics();

    std::cerr << "training p=" << o.config.hidden << ", lr=" << o.config.lr
              << ", epochs=" << o.config.epochs << ", batch=" << o.config.batchSize
              << ", seed=" << o.config.seed << " on " << data.train.rows()
              << " molecules (d=" << data.d << ")\n";
    TrainProgress progress(o.config.epochs);
    TrainOptions options;
    options.observer = &progress;
    options.control = &interruptControl();
    options.threads = o.threads;
    const RunResult result = train(data, o.config, options);
    progress.finish();
    saveRun(result, out, o.data);

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
    addTrainingOptions(sub, o->config, o->threads);
    addDeepOptions(sub, o->deep);
    return {sub, [o] { return runTrain(*o); }};
}

} // namespace qm7::cli
