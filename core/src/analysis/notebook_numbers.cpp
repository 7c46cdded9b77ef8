#include "qm7/analysis/notebook_numbers.h"

#include "qm7/io/csv_table.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cmath>
#include <map>
#include <set>

namespace qm7 {

namespace {

/// A header cell as matched: trimmed, numpy's "# " comment mark dropped, lower case, spaces,
/// dashes and dots as underscores.
std::string key(const std::string& name) {
    std::string s;
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        s += (c == ' ' || c == '-' || c == '.') ? '_' : static_cast<char>(std::tolower(u));
    }
    const auto from = s.find_first_not_of("_#\t");
    if (from == std::string::npos)
        return {};
    const auto to = s.find_last_not_of("_\t");
    return s.substr(from, to - from + 1);
}

bool has(const std::string& s, const char* part) {
    return s.find(part) != std::string::npos;
}

/// The file read as a table with the checks every notebook CSV gets.
struct Table {
    CsvTable csv;
    std::vector<std::string> keys;
    int index = -1; ///< pandas' unnamed index column, -1 when absent
};

Table readTable(const std::string& path) {
    Table t;
    try {
        t.csv = readCsvTable(path);
    } catch (const std::exception& e) {
        throw NotebookCsvError(e.what());
    }
    if (t.csv.header.empty())
        throw NotebookCsvError(path + " is empty");
    if (t.csv.rows.empty())
        throw NotebookCsvError(path + " has a header line but no rows of numbers");
    for (std::size_t i = 0; i < t.csv.rows.size(); ++i) {
        if (t.csv.rows[i].size() != t.csv.header.size())
            throw NotebookCsvError(path + ", line " + std::to_string(t.csv.lines[i]) + ": " +
                                   std::to_string(t.csv.rows[i].size()) +
                                   " cells where the header has " +
                                   std::to_string(t.csv.header.size()) + " (a line cut short?)");
    }
    bool numeric = true; // numpy.savetxt without header=: the first row is taken as names
    for (const auto& h : t.csv.header) {
        double v = 0;
        numeric = numeric && !h.empty() && csvNumber(h, v);
        t.keys.push_back(key(h));
    }
    if (numeric)
        throw NotebookCsvError(path + ": the first line holds numbers, not column names; write "
                                      "them, e.g. np.savetxt(PATH, a, delimiter=\",\", "
                                      "header=\"epoch,train_loss,val_loss\", comments=\"\")");
    if (t.keys.size() > 1 && (t.keys[0].empty() || t.keys[0] == "unnamed:_0"))
        t.index = 0;
    return t;
}

std::string columnList(const Table& t) {
    std::string out;
    for (std::size_t i = 0; i < t.csv.header.size(); ++i) {
        if (static_cast<int>(i) == t.index)
            continue;
        out += (out.empty() ? "'" : ", '") + t.csv.header[i] + "'";
    }
    return out.empty() ? "none" : out;
}

/// The column's numbers; text in a cell is an error naming its line and column.
std::vector<double> numbers(const Table& t, int column, const std::string& path) {
    std::vector<double> out;
    for (std::size_t i = 0; i < t.csv.rows.size(); ++i) {
        const std::string& cell = t.csv.rows[i][static_cast<std::size_t>(column)];
        double v = 0;
        if (!csvNumber(cell, v))
            throw NotebookCsvError(path + ", line " + std::to_string(t.csv.lines[i]) +
                                   ", column '" + t.csv.header[static_cast<std::size_t>(column)] +
                                   "': '" + cell + "' is not a number");
        out.push_back(v);
    }
    return out;
}

/// The first column whose key satisfies `match`, preferring one whose key contains `prefer`.
template <class Match>
int findColumn(const Table& t, const std::set<int>& taken, Match match,
               const std::vector<const char*>& prefer = {}) {
    int found = -1, foundRank = 1 << 20;
    for (int i = 0; i < static_cast<int>(t.keys.size()); ++i) {
        if (i == t.index || taken.count(i) || !match(t.keys[static_cast<std::size_t>(i)]))
            continue;
        int rank = static_cast<int>(prefer.size());
        for (std::size_t p = 0; p < prefer.size(); ++p)
            if (has(t.keys[static_cast<std::size_t>(i)], prefer[p])) {
                rank = static_cast<int>(p);
                break;
            }
        if (rank < foundRank) {
            found = i;
            foundRank = rank;
        }
    }
    return found;
}

std::string used(const Table& t, const std::string& what, int column) {
    return what + " from '" + t.csv.header[static_cast<std::size_t>(column)] + "'";
}

std::string indexNote(const Table& t) {
    return t.index >= 0 ? "; the unnamed first column (pandas' index) ignored" : "";
}

} // namespace

NotebookLosses readNotebookLosses(const std::string& path) {
    const Table t = readTable(path);
    std::set<int> taken;
    const int epoch = findColumn(t, taken, [](const std::string& k) {
        return k == "epoch" || k == "epochs" || k == "ep" || k == "epoch_number";
    });
    if (epoch >= 0)
        taken.insert(epoch);
    const int val =
        findColumn(t, taken, [](const std::string& k) { return has(k, "val") && !has(k, "train"); },
                   {"loss", "mse"});
    if (val >= 0)
        taken.insert(val);
    const int test =
        findColumn(t, taken, [](const std::string& k) { return has(k, "test"); }, {"loss", "mse"});
    if (test >= 0)
        taken.insert(test);
    int train =
        findColumn(t, taken, [](const std::string& k) { return has(k, "train"); }, {"loss", "mse"});
    if (train < 0) // Keras' history and many notebooks: "loss" beside "val_loss"
        train = findColumn(t, taken, [](const std::string& k) { return k == "loss"; });
    if (train < 0 && val < 0 && test < 0)
        throw NotebookCsvError(path + ": no loss column found; its columns are " + columnList(t) +
                               ". Name them epoch, train_loss, val_loss (and test_loss).");
    NotebookLosses out;
    out.file = path;
    std::vector<std::string> parts;
    if (epoch >= 0) {
        out.epoch = numbers(t, epoch, path);
        parts.push_back(used(t, "epoch", epoch));
    } else {
        for (std::size_t i = 0; i < t.csv.rows.size(); ++i)
            out.epoch.push_back(static_cast<double>(i + 1));
        parts.push_back("epoch from the row number (1, 2, ...)");
    }
    if (train >= 0) {
        out.train = numbers(t, train, path);
        parts.push_back(used(t, "train loss", train));
    }
    if (val >= 0) {
        out.val = numbers(t, val, path);
        parts.push_back(used(t, "validation loss", val));
    }
    if (test >= 0) {
        out.test = numbers(t, test, path);
        parts.push_back(used(t, "test loss", test));
    }
    for (std::size_t i = 0; i < parts.size(); ++i)
        out.columnsUsed += (i ? ", " : "") + parts[i];
    out.columnsUsed += indexNote(t);
    return out;
}

std::string curveMetricText(CurveMetric metric) {
    switch (metric) {
    case CurveMetric::Rmse:
        return "test RMSE (squared to MSE per row)";
    case CurveMetric::Mae:
        return "test MAE";
    case CurveMetric::Mse:
        break;
    }
    return "test MSE";
}

NotebookCurve readNotebookCurve(const std::string& path) {
    const Table t = readTable(path);
    std::set<int> taken;
    const int nCol = findColumn(t, taken, [](const std::string& k) {
        static const std::set<std::string> names = {
            "n",         "n_train", "ntrain",    "train_size", "training_size",   "size",
            "n_samples", "samples", "num_train", "n_training", "training_points", "n_points"};
        return names.count(k) > 0;
    });
    if (nCol < 0)
        throw NotebookCsvError(path +
                               ": no training-size column (n, n_train or train_size); its "
                               "columns are " +
                               columnList(t));
    taken.insert(nCol);
    const int seedCol = findColumn(t, taken, [](const std::string& k) { return has(k, "seed"); });
    if (seedCol >= 0)
        taken.insert(seedCol);
    // The error: MSE before RMSE before MAE, a test column before any other.
    const auto errorOf = [&](const char* kind) {
        return findColumn(t, taken,
                          [kind](const std::string& k) {
                              return has(k, kind) &&
                                     !(std::string(kind) == "mse" && has(k, "rmse"));
                          },
                          {"test"});
    };
    CurveMetric metric = CurveMetric::Mse;
    int valueCol = errorOf("mse");
    if (valueCol < 0 && (valueCol = errorOf("rmse")) >= 0)
        metric = CurveMetric::Rmse;
    if (valueCol < 0 && (valueCol = errorOf("mae")) >= 0)
        metric = CurveMetric::Mae;
    bool guessed = false;
    if (valueCol < 0) { // "test_loss", "error": the homework's curve is of the test MSE
        valueCol = findColumn(t, taken,
                              [](const std::string& k) { return has(k, "loss") || has(k, "err"); },
                              {"test"});
        guessed = valueCol >= 0;
    }
    if (valueCol < 0)
        throw NotebookCsvError(path +
                               ": no test error column (test_mse, test_rmse or test_mae); "
                               "its columns are " +
                               columnList(t));

    NotebookCurve out;
    out.file = path;
    out.metric = metric;
    const std::vector<double> ns = numbers(t, nCol, path), vs = numbers(t, valueCol, path);
    const std::vector<double> seeds =
        seedCol >= 0 ? numbers(t, seedCol, path) : std::vector<double>(ns.size(), NAN);
    // Each row is one run, as the workbench's curve holds runs: grouped by n, and by seed for
    // the per-seed curves (without a seed column, the k-th row of an n is seed k).
    std::vector<RunResult> runs;
    std::map<double, int> seedIndex, rowsOfN;
    int skipped = 0;
    for (std::size_t i = 0; i < ns.size(); ++i) {
        const std::string where = path + ", line " + std::to_string(t.csv.lines[i]) + ": ";
        if (!std::isfinite(vs[i])) {
            ++skipped; // pandas writes a missing value as an empty cell
            continue;
        }
        if (!std::isfinite(ns[i]) || ns[i] < 1 || ns[i] != std::floor(ns[i]) || ns[i] > 1e9)
            throw NotebookCsvError(where + "n = '" + t.csv.rows[i][static_cast<std::size_t>(nCol)] +
                                   "' is not a training size");
        if (vs[i] <= 0)
            throw NotebookCsvError(where + "the error " +
                                   t.csv.rows[i][static_cast<std::size_t>(valueCol)] +
                                   " is not positive (a learning curve is fitted in log space)");
        RunResult r;
        r.config.trainSize = static_cast<int>(ns[i]);
        int s = rowsOfN[ns[i]]++;
        if (seedCol >= 0) {
            if (!std::isfinite(seeds[i]))
                throw NotebookCsvError(where + "the seed is empty");
            s = seedIndex.emplace(seeds[i], static_cast<int>(seedIndex.size())).first->second;
        }
        r.config.seed = static_cast<std::uint64_t>(s);
        r.test.rmse = metric == CurveMetric::Rmse ? vs[i] : NAN;
        r.test.mse = metric == CurveMetric::Rmse ? vs[i] * vs[i] : vs[i];
        r.test.mae = metric == CurveMetric::Mae ? vs[i] : NAN;
        r.trainRows = r.config.trainSize;
        runs.push_back(std::move(r));
        out.n.push_back(ns[i]);
        out.value.push_back(vs[i]);
        out.seed.push_back(seedCol >= 0 ? seeds[i] : s);
    }
    CurveConfig curve;
    curve.sizes.clear();
    for (const auto& entry : rowsOfN)
        curve.sizes.push_back(static_cast<int>(entry.first));
    std::vector<const RunResult*> ptrs;
    for (const RunResult& r : runs)
        ptrs.push_back(&r);
    out.rows = summarizeFinishedCurve(curve, ptrs);
    out.points = curvePoints(out.rows);
    out.perSeed = perSeedCurves(ptrs);
    if (out.points.size() < 2)
        throw NotebookCsvError(path + ": " + std::to_string(out.points.size()) +
                               " training size(s) with an error; a learning curve needs at "
                               "least two");

    out.columnsUsed =
        used(t, "n", nCol) + ", " +
        used(t, curveMetricText(metric) + (guessed ? " (taken as MSE)" : ""), valueCol) +
        (seedCol >= 0 ? ", " + used(t, "seed", seedCol)
                      : std::string(", no seed column (rows of one n are its seeds "
                                    "in order)"));
    if (skipped > 0)
        out.columnsUsed += "; " + std::to_string(skipped) + " row(s) with an empty error skipped";
    out.columnsUsed += indexNote(t);
    return out;
}

LawRanking rankNotebookCurve(const NotebookCurve& curve, double targetN,
                             const FitOptions& options) {
    return rankLaws(curve.points, curve.perSeed, targetN, options);
}

} // namespace qm7
