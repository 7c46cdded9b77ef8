// Successive halving (successive_halving.h).
#include "qm7/analysis/successive_halving.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace qm7 {

std::vector<int> halvingBudgets(int maxEpochs, int eta, int rungs) {
    if (maxEpochs < 1 || eta < 2 || rungs < 1)
        throw std::invalid_argument("successive halving needs epochs >= 1, eta >= 2, rungs >= 1");
    std::vector<int> budgets;
    double b = maxEpochs;
    for (int r = 0; r < rungs; ++r) {
        const int e = std::max(1, static_cast<int>(std::lround(b)));
        if (budgets.empty() || e != budgets.back())
            budgets.push_back(e);
        b /= eta;
    }
    std::reverse(budgets.begin(), budgets.end());
    return budgets;
}

std::vector<int> halvingSurvivors(const std::vector<double>& losses, const std::vector<int>& alive,
                                  int eta) {
    std::vector<int> order = alive;
    auto key = [&](int i) {
        const double l = losses.at(static_cast<std::size_t>(i));
        return std::isnan(l) ? HUGE_VAL : l;
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return key(a) < key(b) || (key(a) == key(b) && a < b); });
    const std::size_t keep = std::max<std::size_t>(
        1, (alive.size() + static_cast<std::size_t>(eta) - 1) / static_cast<std::size_t>(eta));
    order.resize(std::min(keep, order.size()));
    std::sort(order.begin(), order.end());
    return order;
}

HalvingOutcome successiveHalving(
    int trials, const std::vector<int>& budgets, int eta,
    const std::function<std::vector<double>(const std::vector<int>& alive, int budget)>& train,
    int epochCost) {
    HalvingOutcome out;
    const auto n = static_cast<std::size_t>(std::max(0, trials));
    out.budgetReached.assign(n, 0);
    out.stopped.assign(n, false);
    out.lastLoss.assign(n, NAN);
    std::vector<int> alive;
    for (int i = 0; i < trials; ++i)
        alive.push_back(i);
    std::vector<double> losses(n, NAN);
    for (std::size_t r = 0; r < budgets.size() && !alive.empty(); ++r) {
        const std::vector<double> got = train(alive, budgets[r]);
        if (got.size() != alive.size())
            throw std::logic_error("successive halving: one loss per trial expected");
        out.epochsTrained +=
            static_cast<long long>(budgets[r]) * static_cast<long long>(alive.size()) * epochCost;
        for (std::size_t k = 0; k < alive.size(); ++k) {
            const auto i = static_cast<std::size_t>(alive[k]);
            losses[i] = got[k];
            out.lastLoss[i] = got[k];
            out.budgetReached[i] = budgets[r];
        }
        if (r + 1 == budgets.size()) {
            out.best = halvingSurvivors(losses, alive, static_cast<int>(alive.size()))[0];
            break;
        }
        const std::vector<int> keep = halvingSurvivors(losses, alive, eta);
        for (int i : alive)
            if (!std::binary_search(keep.begin(), keep.end(), i))
                out.stopped[static_cast<std::size_t>(i)] = true;
        alive = keep;
    }
    return out;
}

} // namespace qm7
