#include "qm7/analysis/deep_recipe.h"

#include "qm7/train/deep_runs.h"
#include "qm7/train/run_store.h"
#include "qm7/util/atomic_file.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace qm7 {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::size_t slot(SplitKind k) {
    return static_cast<std::size_t>(k);
}

json configJson(const DeepConfig& c, const std::string& source, int d) {
    return json{{"kind", "deep"},
                {"data", source},
                {"d", d},
                {"layers", c.layers},
                {"activation", activationName(c.activation)},
                {"optimizer", optimizerName(c.optimizer)},
                {"steps", c.steps},
                {"batch", c.batchSize},
                {"lr", c.lr},
                {"average_weights", c.averageWeights},
                {"scale_backprop", c.scaleBackprop},
                {"center_inputs", c.centerInputs},
                {"seed", c.seed},
                {"eval_every", c.evalEvery},
                {"eval_draws", c.evalDraws},
                {"train_size", c.trainSize},
                {"representation", c.representation},
                {"weight_decay", c.weightDecay}};
}

DeepConfig configOf(const json& j) {
    DeepConfig c;
    c.layers = j.at("layers").get<std::vector<int>>();
    c.activation = parseActivation(j.at("activation").get<std::string>());
    c.optimizer = parseOptimizer(j.at("optimizer").get<std::string>());
    c.steps = j.at("steps").get<long long>();
    c.batchSize = j.at("batch").get<int>();
    c.lr = j.at("lr").get<double>();
    c.averageWeights = j.at("average_weights").get<bool>();
    c.scaleBackprop = j.value("scale_backprop", true);
    c.centerInputs = j.value("center_inputs", false);
    c.seed = j.at("seed").get<std::uint64_t>();
    c.evalEvery = j.at("eval_every").get<long long>();
    c.evalDraws = j.at("eval_draws").get<int>();
    c.trainSize = j.value("train_size", 0);
    c.representation = j.value("representation", c.representation);
    c.weightDecay = j.value("weight_decay", 0.0);
    return c;
}

} // namespace

ExpandedCoulombInputs::ExpandedCoulombInputs(const MoleculeSplits& splits,
                                             CoulombExpansion expansion)
    : m_expansion(std::move(expansion)) {
    const std::vector<Molecule>* lists[3] = {&splits.train, &splits.val, &splits.test};
    for (std::size_t k = 0; k < 3; ++k) {
        for (const Molecule& m : *lists[k]) {
            m_prepared[k].push_back(PreparedCoulomb::of(m, m_expansion.atoms()));
            m_labels[k].push_back(static_cast<float>(m.energy));
        }
    }
}

int ExpandedCoulombInputs::rows(SplitKind split) const {
    return static_cast<int>(m_prepared[slot(split)].size());
}

const std::vector<float>& ExpandedCoulombInputs::labels(SplitKind split) const {
    return m_labels[slot(split)];
}

void ExpandedCoulombInputs::fill(SplitKind split, const int* idx, int count, std::uint64_t drawSeed,
                                 float* out) const {
    const auto& prepared = m_prepared[slot(split)];
    const auto d = static_cast<std::size_t>(dim());
    for (int i = 0; i < count; ++i) {
        // One stream per (draw, row): a row's draw does not depend on the batch around it.
        Rng rng(Rng::mix(drawSeed, static_cast<std::uint64_t>(idx[i]), 0x6578));
        m_expansion.draw(prepared[static_cast<std::size_t>(idx[i])], rng,
                         out + static_cast<std::size_t>(i) * d);
    }
}

DeepRun trainPaperRecipe(const MoleculeSplits& splits, const DeepConfig& config,
                         const DeepOptions& options, ExpansionSettings settings) {
    settings.seed = config.seed;
    DeepRun run;
    run.expansion = CoulombExpansion::fit(splits.train, settings);
    const ExpandedCoulombInputs inputs(splits, run.expansion);
    run.result = trainDeep(inputs, config, options);
    return run;
}

void saveDeepRun(const DeepRun& run, const std::string& dir, const std::string& dataSource) {
    const fs::path base(dir);
    fs::create_directories(base);
    const DeepResult& r = run.result;
    json config = configJson(r.config, dataSource, r.model.d);
    if (run.expansion.dim() > 0) // inputs drawn from molecules: expanded randomly sorted matrices
        config["representation"] = "expanded-random-sorted";
    writeFileAtomically((base / "config.json").string(), config.dump(2) + "\n");
    std::ostringstream h;
    h << "step,batch_loss,val_loss,val_rmse_kcal,val_mae_kcal,seconds\n" << std::setprecision(17);
    for (const DeepStats& s : r.history)
        h << s.step << "," << s.batchLoss << "," << s.valLoss << "," << s.valRmse << "," << s.valMae
          << "," << s.seconds << "\n";
    writeFileAtomically((base / "history.csv").string(), h.str());
    std::ostringstream p;
    p << "true_kcal,pred_kcal,spread_kcal\n" << std::setprecision(9);
    for (std::size_t i = 0; i < r.testPred.size(); ++i)
        p << r.testTrue[i] << "," << r.testPred[i] << ","
          << (i < r.testSpread.size() ? r.testSpread[i] : 0.0f) << "\n";
    writeFileAtomically((base / "predictions.csv").string(), p.str());
    if (!r.model.weights.empty())
        saveDeepModel(r.model, (base / "model.pt").string());
    if (run.expansion.dim() > 0)
        writeFileAtomically((base / "expansion.json").string(), run.expansion.toJson());
    const json summary{{"test",
                        {{"n", r.test.n},
                         {"mae_kcal", r.test.mae},
                         {"rmse_kcal", r.test.rmse},
                         {"r2", r.test.r2}}},
                       {"best_step", r.bestStep},
                       {"select", selectName(r.select)},
                       {"selected_step", r.selectedStep},
                       {"steps_done", r.stepsDone},
                       {"train_rows", r.trainRows},
                       {"cancelled", r.cancelled},
                       {"seconds", r.seconds}};
    writeFileAtomically((base / "summary.json").string(), summary.dump(2) + "\n");
}

bool isDeepRun(const std::string& dir) {
    try {
        const json j = json::parse(readFile((fs::path(dir) / "config.json").string()));
        return j.value("kind", "") == "deep";
    } catch (const std::exception&) {
        return false;
    }
}

DeepRun loadDeepRun(const std::string& dir) {
    const fs::path base(dir);
    DeepRun run;
    try {
        run.result.config = configOf(json::parse(readFile((base / "config.json").string())));
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(dir + "/config.json: not a deep run's config (" + e.what() + ")");
    }
    run.result.model = loadDeepModel((base / "model.pt").string());
    if (fs::exists(base / "expansion.json")) {
        run.expansion = CoulombExpansion::fromJson(readFile((base / "expansion.json").string()));
        if (run.expansion.dim() != run.result.model.d)
            throw std::runtime_error(dir + ": expansion.json and model.pt do not match");
    }
    return run;
}

namespace {

/// Rows of numbers of a CSV file with a header line.
std::vector<std::vector<double>> readCsvNumbers(const fs::path& path) {
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error(path.string() + " cannot be read");
    std::vector<std::vector<double>> rows;
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        std::vector<double> row;
        std::stringstream cells(line);
        std::string cell;
        while (std::getline(cells, cell, ','))
            row.push_back(std::stod(cell));
        if (!row.empty())
            rows.push_back(std::move(row));
    }
    return rows;
}

/// A deep run folder as a homework run (see loadAnyRun).
RunResult loadDeepRunAsRun(const std::string& dir) {
    const fs::path base(dir);
    DeepRun run = loadDeepRun(dir);
    DeepResult& r = run.result;
    try {
        const json summary = json::parse(readFile((base / "summary.json").string()));
        r.bestStep = summary.value("best_step", 0LL);
        r.stepsDone = summary.value("steps_done", 0LL);
        r.trainRows = summary.value("train_rows", 0);
        r.cancelled = summary.value("cancelled", false);
        r.seconds = summary.value("seconds", 0.0);
        for (const auto& h : readCsvNumbers(base / "history.csv")) {
            if (h.size() < 6)
                throw std::runtime_error("history.csv: a row has fewer than 6 numbers");
            r.history.push_back({static_cast<long long>(h[0]), h[1], h[2], h[3], h[4], h[5]});
        }
        for (const auto& p : readCsvNumbers(base / "predictions.csv")) {
            if (p.size() < 2)
                throw std::runtime_error("predictions.csv: a row has fewer than 2 numbers");
            r.testTrue.push_back(static_cast<float>(p[0]));
            r.testPred.push_back(static_cast<float>(p[1]));
        }
    } catch (const std::invalid_argument& e) { // std::stod
        throw std::runtime_error(dir + ": a damaged number (" + e.what() + ")");
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(dir + "/summary.json is damaged: " + e.what());
    }
    if (!r.testPred.empty())
        r.test = computeMetrics(r.testTrue, r.testPred);
    // The homework's settings these steps correspond to (epochs of trainRows rows).
    const DeepConfig& d = r.config;
    const int rows = r.trainRows > 0 ? r.trainRows : d.batchSize; // older folders: steps
    const long long perEpoch = std::max<long long>(1, (rows + d.batchSize - 1) / d.batchSize);
    TrainConfig c;
    c.hidden = d.layers.empty() ? 0 : d.layers.front();
    c.epochs = static_cast<int>((d.steps + perEpoch - 1) / perEpoch);
    c.evalEvery = static_cast<int>(std::max<long long>(1, d.evalEvery / perEpoch));
    c.batchSize = d.batchSize;
    c.lr = d.lr;
    c.seed = d.seed;
    c.trainSize = d.trainSize;
    c.representation = d.representation;
    c.weightDecay = d.weightDecay;
    return runResultOf(r, c, rows);
}

} // namespace

RunResult loadAnyRun(const std::string& dir) {
    return isDeepRun(dir) ? loadDeepRunAsRun(dir) : loadRun(dir);
}

std::vector<MoleculePrediction> predictMolecules(const DeepRun& run,
                                                 const std::vector<Molecule>& molecules, int draws,
                                                 std::uint64_t seed) {
    if (run.expansion.dim() == 0)
        throw std::invalid_argument("this run was not trained on expanded Coulomb matrices");
    std::vector<MoleculePrediction> out(molecules.size());
    MoleculeSplits one;
    std::vector<std::size_t> usable;
    for (std::size_t i = 0; i < molecules.size(); ++i) {
        out[i].error = run.expansion.check(molecules[i]);
        if (out[i].error.empty()) {
            one.test.push_back(molecules[i]);
            usable.push_back(i);
        } else {
            out[i].energy = out[i].spread = NAN;
        }
    }
    if (usable.empty())
        return out;
    const ExpandedCoulombInputs inputs(one, run.expansion);
    std::vector<int> idx(usable.size());
    for (std::size_t i = 0; i < idx.size(); ++i)
        idx[i] = static_cast<int>(i);
    (void)seed; // draws are the evaluation's fixed draws, the same for every call
    std::vector<float> spread;
    const std::vector<float> mean =
        predictDeep(run.result.model, inputs, SplitKind::Test, idx, draws, &spread);
    for (std::size_t i = 0; i < usable.size(); ++i) {
        out[usable[i]].energy = mean[i];
        out[usable[i]].spread = spread[i];
    }
    return out;
}

} // namespace qm7
