// Exploration trials, trials.csv and the summaries the Exploration tab draws (exploration.h).
#include "qm7/analysis/exploration.h"

#include "qm7/util/series.h"

#include "qm7/util/atomic_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace qm7 {

namespace {

const char* const kTail[] = {"val_loss", "val_rmse", "test_rmse", "epochs", "seconds"};

std::vector<std::string> splitCsv(const std::string& line) {
    std::vector<std::string> out;
    std::string cell;
    std::istringstream in(line);
    while (std::getline(in, cell, ','))
        out.push_back(cell);
    if (!line.empty() && line.back() == ',')
        out.emplace_back();
    return out;
}

std::string number(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

/// The mean of the finite values, NaN when there is none (a setting whose trials all failed).
double meanOf(const std::vector<double>& v) {
    const MeanStd m = meanStd(v);
    return m.n == 0 ? NAN : m.mean;
}
double stdOf(const std::vector<double>& v) {
    return meanStd(v).std;
}

// Numeric values sort as numbers, text values in first-seen order; x is the number or the rank.
std::vector<std::pair<std::string, double>> orderedValues(const std::vector<std::string>& seen) {
    std::vector<std::pair<std::string, double>> out;
    bool numeric = true;
    for (const auto& v : seen) {
        char* end = nullptr;
        const double x = std::strtod(v.c_str(), &end);
        numeric = numeric && end && *end == '\0' && !v.empty();
        out.emplace_back(v, x);
    }
    if (numeric)
        std::sort(out.begin(), out.end(),
                  [](const auto& a, const auto& b) { return a.second < b.second; });
    else
        for (std::size_t i = 0; i < out.size(); ++i)
            out[i].second = static_cast<double>(i);
    return out;
}

std::vector<std::string> valuesOf(const std::vector<ExplorationTrial>& trials,
                                  const std::string& name) {
    std::vector<std::string> seen;
    for (const auto& t : trials) {
        const std::string v = settingValue(t.setting, name);
        if (!v.empty() && std::find(seen.begin(), seen.end(), v) == seen.end())
            seen.push_back(v);
    }
    return seen;
}

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

} // namespace

ExplorationTrial explorationTrialOf(const TrialSetting& setting, const RunResult& run,
                                    const std::string& status) {
    ExplorationTrial t;
    t.run = trialRunName(setting, run.config.seed);
    t.setting = setting;
    t.seed = run.config.seed;
    t.valLoss = run.bestValLoss;
    t.valRmse = NAN;
    for (const auto& h : run.history)
        if (h.epoch == run.bestEpoch)
            t.valRmse = h.valRmse;
    t.testRmse = run.test.rmse;
    t.epochs = run.epochsDone;
    t.seconds = run.seconds;
    t.status = run.cancelled ? "cancelled" : status;
    return t;
}

std::string trialsCsv(const std::vector<ExplorationTrial>& trials) {
    const std::vector<std::string> names = explorationSettingNames(trials);
    std::string out = "run,status,seed";
    for (const auto& n : names)
        out += "," + n;
    for (const char* c : kTail)
        out += std::string(",") + c;
    out += "\n";
    for (const auto& t : trials) {
        out += t.run + "," + t.status + "," + std::to_string(t.seed);
        for (const auto& n : names)
            out += "," + settingValue(t.setting, n);
        out += "," + number(t.valLoss) + "," + number(t.valRmse) + "," + number(t.testRmse) + "," +
               std::to_string(t.epochs) + "," + number(t.seconds) + "\n";
    }
    return out;
}

std::vector<ExplorationTrial> parseTrialsCsv(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    if (!std::getline(in, line))
        throw std::invalid_argument("trials.csv is empty");
    const std::vector<std::string> header = splitCsv(line);
    const std::size_t tail = std::size(kTail);
    if (header.size() < 3 + tail || header[0] != "run" || header[1] != "status" ||
        header[2] != "seed" || header[header.size() - tail] != kTail[0])
        throw std::invalid_argument("trials.csv: the header is not run,status,seed,<settings>,"
                                    "val_loss,val_rmse,test_rmse,epochs,seconds");
    const std::vector<std::string> names(header.begin() + 3,
                                         header.end() - static_cast<long>(tail));
    std::vector<ExplorationTrial> trials;
    int lineNo = 1;
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.empty())
            continue;
        const std::vector<std::string> cells = splitCsv(line);
        if (cells.size() != header.size())
            throw std::invalid_argument("trials.csv line " + std::to_string(lineNo) + ": " +
                                        std::to_string(cells.size()) + " cells, expected " +
                                        std::to_string(header.size()));
        try {
            ExplorationTrial t;
            t.run = cells[0];
            t.status = cells[1];
            t.seed = std::stoull(cells[2]);
            for (std::size_t i = 0; i < names.size(); ++i)
                if (!cells[3 + i].empty())
                    t.setting.emplace_back(names[i], cells[3 + i]);
            const std::size_t at = 3 + names.size();
            t.valLoss = std::stod(cells[at]);
            t.valRmse = std::stod(cells[at + 1]);
            t.testRmse = std::stod(cells[at + 2]);
            t.epochs = std::stoi(cells[at + 3]);
            t.seconds = std::stod(cells[at + 4]);
            trials.push_back(std::move(t));
        } catch (const std::logic_error&) {
            throw std::invalid_argument("trials.csv line " + std::to_string(lineNo) +
                                        ": a number is missing or malformed");
        }
    }
    return trials;
}

void writeTrialsCsv(const std::string& path, const std::vector<ExplorationTrial>& trials) {
    writeFileAtomically(path, trialsCsv(trials));
}

std::string trialRunDir(const std::string& sweepDir, const std::string& run) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path grid = fs::path(sweepDir) / "runs" / run;
    if (fs::is_directory(grid, ec))
        return grid.string();
    std::string best;
    long budget = -1;
    for (const auto& entry : fs::directory_iterator(sweepDir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("halving-", 0) != 0 || !fs::is_directory(entry.path() / run, ec))
            continue;
        const long b = std::strtol(name.c_str() + 8, nullptr, 10);
        if (b > budget) {
            budget = b;
            best = (entry.path() / run).string();
        }
    }
    return best;
}

std::vector<ExplorationTrial> readTrialsCsv(const std::string& path) {
    return parseTrialsCsv(readFile(path));
}

std::vector<std::string> explorationSettingNames(const std::vector<ExplorationTrial>& trials) {
    std::vector<std::string> names;
    for (const auto& t : trials)
        for (const auto& kv : t.setting)
            if (std::find(names.begin(), names.end(), kv.first) == names.end())
                names.push_back(kv.first);
    return names;
}

std::vector<SettingSummary> summarizeSettings(const std::vector<ExplorationTrial>& trials) {
    std::vector<TrialSetting> order;
    std::map<TrialSetting, std::vector<const ExplorationTrial*>> groups;
    for (const auto& t : trials) {
        if (t.status == "cancelled")
            continue;
        auto& g = groups[t.setting];
        if (g.empty())
            order.push_back(t.setting);
        g.push_back(&t);
    }
    std::vector<SettingSummary> out;
    for (const auto& s : order) {
        std::vector<double> loss, val, test;
        SettingSummary sum;
        sum.setting = s;
        for (const auto* t : groups[s]) {
            loss.push_back(t->valLoss);
            val.push_back(t->valRmse);
            test.push_back(t->testRmse);
            sum.stopped = sum.stopped || t->status == "stopped";
        }
        sum.valLossMean = meanOf(loss);
        sum.valMean = meanOf(val);
        sum.valStd = stdOf(val);
        sum.testMean = meanOf(test);
        sum.testStd = stdOf(test);
        sum.runs = static_cast<int>(loss.size());
        out.push_back(sum);
    }
    return out;
}

int bestSetting(const std::vector<SettingSummary>& summaries) {
    int best = -1;
    for (std::size_t i = 0; i < summaries.size(); ++i) {
        const auto& s = summaries[i];
        if (s.stopped || !std::isfinite(s.valLossMean))
            continue;
        if (best < 0 || s.valLossMean < summaries[static_cast<std::size_t>(best)].valLossMean)
            best = static_cast<int>(i);
    }
    return best;
}

std::vector<ProfilePoint> settingProfile(const std::vector<ExplorationTrial>& trials,
                                         const std::string& name) {
    std::vector<ProfilePoint> out;
    for (const auto& [value, x] : orderedValues(valuesOf(trials, name))) {
        std::vector<double> v;
        for (const auto& t : trials)
            if (t.status == "finished" && settingValue(t.setting, name) == value &&
                std::isfinite(t.valRmse))
                v.push_back(t.valRmse);
        if (v.empty())
            continue;
        ProfilePoint p;
        p.value = value;
        p.x = x;
        p.mean = meanOf(v);
        p.std = stdOf(v);
        p.min = *std::min_element(v.begin(), v.end());
        p.max = *std::max_element(v.begin(), v.end());
        p.runs = static_cast<int>(v.size());
        out.push_back(p);
    }
    return out;
}

Heatmap settingHeatmap(const std::vector<ExplorationTrial>& trials, const std::string& x,
                       const std::string& y) {
    Heatmap h;
    for (const auto& [v, _] : orderedValues(valuesOf(trials, x)))
        h.xValues.push_back(v);
    for (const auto& [v, _] : orderedValues(valuesOf(trials, y)))
        h.yValues.push_back(v);
    h.mean.assign(h.yValues.size(), std::vector<double>(h.xValues.size(), NAN));
    h.runs.assign(h.yValues.size(), std::vector<int>(h.xValues.size(), 0));
    for (std::size_t yi = 0; yi < h.yValues.size(); ++yi)
        for (std::size_t xi = 0; xi < h.xValues.size(); ++xi) {
            std::vector<double> v;
            for (const auto& t : trials)
                if (t.status == "finished" && settingValue(t.setting, x) == h.xValues[xi] &&
                    settingValue(t.setting, y) == h.yValues[yi] && std::isfinite(t.valRmse))
                    v.push_back(t.valRmse);
            h.mean[yi][xi] = meanOf(v);
            h.runs[yi][xi] = static_cast<int>(v.size());
        }
    return h;
}

std::string settingEffect(const std::vector<ExplorationTrial>& trials, const std::string& name) {
    const std::vector<ProfilePoint> p = settingProfile(trials, name);
    if (p.size() < 2)
        return "fewer than two of its values have finished trials: no effect to read";
    std::size_t b = 0;
    for (std::size_t i = 0; i < p.size(); ++i)
        if (p[i].mean < p[b].mean)
            b = i;
    // The seed spread: the largest std over seeds of one setting (not over the other settings,
    // which the profile averages over).
    double spread = 0;
    for (const auto& s : summarizeSettings(trials))
        if (!s.stopped && std::isfinite(s.valStd))
            spread = std::max(spread, s.valStd);
    auto within = [&](double a, double c) { return std::fabs(a - c) <= spread; };
    std::ostringstream s;
    const auto& first = p.front();
    const auto& last = p.back();
    bool flat = true;
    for (const auto& q : p)
        flat = flat && within(q.mean, p[b].mean);
    if (flat) {
        s << "validation error barely changes with " << name << " (" << fmt(p[b].mean);
        s << " to ";
        double worst = p[b].mean;
        for (const auto& q : p)
            worst = std::max(worst, q.mean);
        s << fmt(worst) << " kcal/mol): within the seed spread";
        return s.str();
    }
    // Choices without an order (activation, representation): from best to worst.
    const bool numeric = std::all_of(p.begin(), p.end(), [](const ProfilePoint& q) {
        char* end = nullptr;
        std::strtod(q.value.c_str(), &end);
        return !q.value.empty() && end && *end == '\0';
    });
    if (!numeric) {
        std::vector<ProfilePoint> byMean = p;
        std::stable_sort(byMean.begin(), byMean.end(),
                         [](const auto& x, const auto& y) { return x.mean < y.mean; });
        s << "validation error is lowest with " << name << "=" << byMean[0].value << " ("
          << fmt(byMean[0].mean) << " kcal/mol), then";
        for (std::size_t i = 1; i < byMean.size(); ++i)
            s << (i > 1 ? ", " : " ") << byMean[i].value << " (" << fmt(byMean[i].mean) << ")";
        if (within(byMean[1].mean, byMean[0].mean))
            s << "; " << byMean[0].value << " and " << byMean[1].value
              << " are within the seed spread";
        return s.str();
    }
    s << "validation error ";
    if (b == 0) {
        s << "is lowest at " << name << "=" << first.value << " (" << fmt(first.mean);
        s << " kcal/mol) and rises to " << fmt(last.mean) << " at " << last.value;
    } else {
        s << "falls with " << name << " from " << first.value << " to " << p[b].value << " ("
          << fmt(first.mean);
        s << " -> " << fmt(p[b].mean) << " kcal/mol)";
        if (b + 1 < p.size()) {
            if (within(last.mean, p[b].mean))
                s << ", then is flat within the seed spread up to " << last.value;
            else
                s << ", then rises to " << fmt(last.mean) << " at " << last.value;
        }
    }
    return s.str();
}

} // namespace qm7
