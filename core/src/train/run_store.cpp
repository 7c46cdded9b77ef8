#include "qm7/train/run_store.h"

#include "qm7/io/csv_table.h"

#include "qm7/util/atomic_file.h"
#include "qm7/version.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace qm7 {

namespace {

json configJson(const TrainConfig& c) {
    return json{{"hidden", c.hidden},
                {"epochs", c.epochs},
                {"lr", c.lr},
                {"batch_size", c.batchSize},
                {"seed", c.seed},
                {"eval_every", c.evalEvery},
                {"train_size", c.trainSize},
                {"optimizer", "adam"},
                {"loss", "mse"},
                {"representation", c.representation},
                {"weight_decay", c.weightDecay}};
}

TrainConfig configOf(const json& j) {
    TrainConfig c;
    c.hidden = j.value("hidden", c.hidden);
    c.epochs = j.value("epochs", c.epochs);
    c.lr = j.value("lr", c.lr);
    c.batchSize = j.value("batch_size", c.batchSize);
    c.seed = j.value("seed", c.seed);
    c.evalEvery = j.value("eval_every", c.evalEvery);
    c.trainSize = j.value("train_size", c.trainSize);
    // Folders written before the field existed hold Coulomb matrices ("cm").
    c.representation = j.value("representation", c.representation);
    c.weightDecay = j.value("weight_decay", c.weightDecay);
    return c;
}

/// Numbers in CSV/JSON with enough digits to read back the same float.
std::string num(double v) {
    std::ostringstream s;
    s << std::setprecision(9) << v;
    return s.str();
}

json metricsJson(const Metrics& m) {
    return json{{"n", m.n},          {"mse_kcal2", m.mse}, {"rmse_kcal", m.rmse},
                {"mae_kcal", m.mae}, {"r2", m.r2},         {"max_error_kcal", m.maxError}};
}

std::vector<std::vector<std::string>> readCsv(const std::string& path) {
    return readCsvTable(path).rows;
}

} // namespace

std::string configToJson(const TrainConfig& config, const std::string& dataSource) {
    json j = configJson(config);
    j["data"] = dataSource;
    j["qm7_version"] = kVersion;
    return j.dump(2) + "\n";
}

TrainConfig configFromJson(const std::string& text) {
    return configOf(json::parse(text));
}

void saveRun(const RunResult& run, const std::string& dir, const std::string& dataSource) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw std::runtime_error("cannot create the folder " + dir + ": " + ec.message());
    const fs::path base(dir);
    writeFileAtomically((base / "config.json").string(), configToJson(run.config, dataSource));

    std::ostringstream history;
    history << "epoch,batch_loss,train_loss,val_loss,train_rmse_kcal,val_rmse_kcal,seconds\n";
    for (const auto& e : run.history)
        history << e.epoch << ',' << num(e.batchLoss) << ',' << num(e.trainLoss) << ','
                << num(e.valLoss) << ',' << num(e.trainRmse) << ',' << num(e.valRmse) << ','
                << num(e.seconds) << '\n';
    writeFileAtomically((base / "history.csv").string(), history.str());

    std::ostringstream pred;
    pred << "index,true_kcal_mol,predicted_kcal_mol,error_kcal_mol\n";
    for (std::size_t i = 0; i < run.testPred.size() && i < run.testTrue.size(); ++i)
        pred << i << ',' << num(run.testTrue[i]) << ',' << num(run.testPred[i]) << ','
             << num(static_cast<double>(run.testPred[i]) - run.testTrue[i]) << '\n';
    writeFileAtomically((base / "predictions.csv").string(), pred.str());

    if (!run.weights.w1.empty())
        saveModel(run.weights, (base / "model.pt").string());

    json summary{{"test", metricsJson(run.test)},
                 {"test_mse_normalized", run.testMseNormalized},
                 {"best_epoch", run.bestEpoch},
                 {"best_val_loss", run.bestValLoss},
                 {"final_val_loss", run.finalValLoss},
                 {"label_mean", run.scaler.mean},
                 {"label_std", run.scaler.std},
                 {"train_rows", run.trainRows},
                 {"epochs_done", run.epochsDone},
                 {"cancelled", run.cancelled},
                 {"seconds", run.seconds}};
    // summary.json last: its presence marks a complete run (see hasFinishedRun).
    writeFileAtomically((base / "summary.json").string(), summary.dump(2) + "\n");
}

bool hasFinishedRun(const std::string& dir) {
    const fs::path summary = fs::path(dir) / "summary.json";
    if (!fs::exists(summary) || !fs::exists(fs::path(dir) / "model.pt"))
        return false;
    try {
        const json j = json::parse(readFile(summary.string()));
        return !j.value("cancelled", true);
    } catch (const std::exception&) {
        return false;
    }
}

bool hasStoppedRun(const std::string& dir) {
    const fs::path summary = fs::path(dir) / "summary.json";
    if (!fs::exists(summary) || !fs::exists(fs::path(dir) / "model.pt"))
        return false;
    try {
        return json::parse(readFile(summary.string())).value("cancelled", false);
    } catch (const std::exception&) {
        return false;
    }
}

RunResult loadRun(const std::string& dir) {
    const fs::path base(dir);
    RunResult r;
    try {
        const json config = json::parse(readFile((base / "config.json").string()));
        if (config.value("kind", "") == "deep") // written by saveDeepRun
            throw std::runtime_error(dir + " holds a run of another network than the homework's "
                                           "(a deep run): read it with loadAnyRun");
        r.config = configOf(config);
        const json s = json::parse(readFile((base / "summary.json").string()));
        const json& t = s.at("test");
        r.test.n = t.value("n", std::size_t{0});
        r.test.mse = t.value("mse_kcal2", 0.0);
        r.test.rmse = t.value("rmse_kcal", 0.0);
        r.test.mae = t.value("mae_kcal", 0.0);
        r.test.r2 = t.value("r2", 0.0);
        r.test.maxError = t.value("max_error_kcal", 0.0);
        r.testMseNormalized = s.value("test_mse_normalized", 0.0);
        r.bestEpoch = s.value("best_epoch", 0);
        r.bestValLoss = s.value("best_val_loss", 0.0);
        r.finalValLoss = s.value("final_val_loss", 0.0);
        r.scaler.mean = s.value("label_mean", 0.0);
        r.scaler.std = s.value("label_std", 1.0);
        r.trainRows = s.value("train_rows", 0);
        r.epochsDone = s.value("epochs_done", 0);
        r.cancelled = s.value("cancelled", false);
        r.seconds = s.value("seconds", 0.0);
    } catch (const json::exception& e) {
        throw std::runtime_error(dir + ": the run's JSON files are damaged (" + e.what() + ")");
    }
    try {
        for (const auto& c : readCsv((base / "history.csv").string())) {
            if (c.size() < 7)
                continue;
            EpochStats e;
            e.epoch = std::stoi(c[0]);
            e.batchLoss = std::stod(c[1]);
            e.trainLoss = std::stod(c[2]);
            e.valLoss = std::stod(c[3]);
            e.trainRmse = std::stod(c[4]);
            e.valRmse = std::stod(c[5]);
            e.seconds = std::stod(c[6]);
            e.evaluated = true;
            r.history.push_back(e);
        }
        for (const auto& c : readCsv((base / "predictions.csv").string())) {
            if (c.size() < 3)
                continue;
            r.testTrue.push_back(std::stof(c[1]));
            r.testPred.push_back(std::stof(c[2]));
        }
    } catch (const std::logic_error& e) {
        throw std::runtime_error(dir + ": a CSV file of the run is damaged (" + e.what() + ")");
    }
    if (fs::exists(base / "model.pt"))
        r.weights = loadModel((base / "model.pt").string());
    return r;
}

} // namespace qm7
