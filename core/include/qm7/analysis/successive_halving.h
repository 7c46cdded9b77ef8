#pragma once
/// @file successive_halving.h
/// Successive halving (the rule behind Optuna's and Ray Tune's ASHA pruners): every trial trains
/// a short budget of epochs, the best 1/eta by validation loss continue to eta times the budget,
/// and so on until the full budget; stopped trials keep the budget they reached.

#include <functional>
#include <vector>

namespace qm7 {

/// The epoch budgets of `rungs` rounds ending at maxEpochs, each eta times the one before
/// (at least 1 epoch, no budget repeated): e.g. 300 epochs, eta 3, 3 rungs -> 33, 100, 300.
std::vector<int> halvingBudgets(int maxEpochs, int eta, int rungs);

/// The trials of `alive` (indices into losses) that continue: the ceil(n / eta) lowest losses,
/// at least one; ties keep the lower index. NaN losses rank last.
std::vector<int> halvingSurvivors(const std::vector<double>& losses, const std::vector<int>& alive,
                                  int eta);

struct HalvingOutcome {
    std::vector<int> budgetReached; ///< per trial: the last budget it trained
    std::vector<bool> stopped;      ///< per trial: stopped before the last rung
    std::vector<double> lastLoss;   ///< per trial: its loss at budgetReached
    long long epochsTrained = 0;    ///< sum over rungs of budget x trials trained (x trainCost)
    int best = -1;                  ///< the trial with the lowest loss at the last rung
};

/// Runs the rounds: train(alive trials, budget) returns their validation losses (in order).
/// Each rung trains its trials to its budget; epochsTrained counts budget x trials x epochCost
/// per rung (epochCost: e.g. the seeds per trial), as the trainer really trains them.
HalvingOutcome successiveHalving(
    int trials, const std::vector<int>& budgets, int eta,
    const std::function<std::vector<double>(const std::vector<int>& alive, int budget)>& train,
    int epochCost = 1);

} // namespace qm7
