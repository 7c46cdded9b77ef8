#include "check_numbers.h"

#include "cli_common.h"
#include "curve_answer.h"

#include "qm7/analysis/notebook_numbers.h"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace qm7::cli {

namespace {

/// "0.01234" or "-" for a missing (NaN) value.
std::string cell(const std::vector<double>& v, std::size_t i) {
    if (i >= v.size() || !std::isfinite(v[i]))
        return "-";
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", v[i]);
    return b;
}

/// The last finite value and its index, or -1.
int lastFinite(const std::vector<double>& v) {
    for (int i = static_cast<int>(v.size()) - 1; i >= 0; --i)
        if (std::isfinite(v[static_cast<std::size_t>(i)]))
            return i;
    return -1;
}

void printLosses(const NotebookLosses& l) {
    std::cout << "losses     " << l.file << "\n";
    std::cout << "columns    " << l.columnsUsed << "\n";
    std::cout << "epochs     " << l.epoch.size() << " rows, epoch " << cell(l.epoch, 0) << " to "
              << cell(l.epoch, l.epoch.size() - 1) << "\n";
    const auto line = [&](const char* name, const std::vector<double>& v) {
        if (v.empty())
            return;
        const int last = lastFinite(v);
        std::size_t best = 0;
        bool any = false;
        for (std::size_t i = 0; i < v.size(); ++i)
            if (std::isfinite(v[i]) && (!any || v[i] < v[best])) {
                best = i;
                any = true;
            }
        std::cout << name << "first " << cell(v, 0) << ", last " << cell(v, last < 0 ? 0 : last)
                  << (any ? ", lowest " + cell(v, best) + " at epoch " + cell(l.epoch, best)
                          : std::string(", no value"))
                  << "\n";
    };
    line("train      ", l.train);
    line("validation ", l.val);
    line("test       ", l.test);
}

void printCurve(const NotebookCurve& c, double targetN) {
    std::cout << "curve      " << c.file << "\n";
    std::cout << "columns    " << c.columnsUsed << "\n";
    std::cout << "points     " << (c.metric == CurveMetric::Mae ? "MAE" : "MSE")
              << " mean ± std over seeds, per n:";
    for (const auto& r : c.rows) {
        char b[96];
        std::snprintf(b, sizeof b, " %d: %.4g ± %.2g (%d)", r.n, r.mseMean, r.mseStd, r.runs);
        std::cout << b;
    }
    std::cout << "\n";
    if (c.metric == CurveMetric::Mae)
        std::cout << "note       the laws are fitted to the MAE (the table's 'MSE' columns "
                     "read as MAE, kcal/mol)\n";
    printLawRanking(rankNotebookCurve(c, targetN), {});
}

} // namespace

int runCheckNumbers(const std::string& losses, const std::string& curve, double targetN) {
    if (!(targetN > 1) || !std::isfinite(targetN))
        throw UsageError("--target must be a training size above 1");
    try {
        if (!losses.empty())
            printLosses(readNotebookLosses(losses));
        if (!losses.empty() && !curve.empty())
            std::cout << "\n";
        if (!curve.empty())
            printCurve(readNotebookCurve(curve), targetN);
    } catch (const NotebookCsvError& e) {
        throw UsageError(e.what());
    }
    return kOk;
}

} // namespace qm7::cli
