#pragma once
/// @file run_store.h
/// A run on disk: config.json, history.csv, predictions.csv, summary.json, model.pt.

#include "qm7/train/trainer.h"

#include <string>

namespace qm7 {

/// Writes every file of a run into dir (created if needed), each atomically.
/// `dataSource` is recorded in config.json. Throws std::runtime_error naming the file.
void saveRun(const RunResult& run, const std::string& dir, const std::string& dataSource);

/// True when dir holds a complete, finished run (summary.json present and not cancelled).
bool hasFinishedRun(const std::string& dir);

/// True when dir holds a run stopped before its last epoch (Stop, Ctrl-C): its summary.json
/// says "cancelled", and its files hold what was done (history, predictions and the weights of
/// the best validation loss so far). Never reused as finished.
bool hasStoppedRun(const std::string& dir);

/// Reads back a run written by saveRun (config, history, predictions, summary, weights).
RunResult loadRun(const std::string& dir);

/// Writes model.pt: a state_dict of tensors (fc1.weight, fc1.bias, fc2.weight, fc2.bias).
void saveModel(const ModelWeights& weights, const std::string& path);
ModelWeights loadModel(const std::string& path);

/// JSON text of a config (the same as config.json) and back.
std::string configToJson(const TrainConfig& config, const std::string& dataSource);
TrainConfig configFromJson(const std::string& json);

} // namespace qm7
