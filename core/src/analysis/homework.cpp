#include "qm7/analysis/homework.h"

#include "qm7/util/atomic_file.h"
#include "qm7/analysis/curve_verify.h"
#include "qm7/train/resumable.h"
#include "qm7/train/run_store.h"
#include "qm7/version.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;
using nlohmann::json;

namespace qm7 {

namespace {

std::string fmt(const char* format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

std::string g(double v) {
    return fmt("%.6g", v);
}

json settingsJson(const HomeworkConfig& c, const std::string& dataSource) {
    return json{{"data", dataSource},
                {"hidden", c.base.hidden},
                {"epochs", c.base.epochs},
                {"batch_size", c.base.batchSize},
                {"eval_every", c.base.evalEvery},
                {"lrs", c.lrs},
                {"seeds", c.seeds},
                {"rule", sweepRuleName(c.rule)},
                {"sizes", c.sizes},
                {"target_n", c.targetN},
                {"fit_log_space", c.fit.logSpace},
                {"fit_weight_by_spread", c.fit.weightBySpread}};
}

/// Run folders of the sweep and the curve.
std::vector<std::string> sweepDirs(const std::string& dir, const std::vector<TrainConfig>& runs) {
    std::vector<std::string> dirs;
    for (const auto& c : runs)
        dirs.push_back((fs::path(dir) / "sweep" / sweepRunName(c.lr, c.seed)).string());
    return dirs;
}

std::vector<std::string> curveDirs(const std::string& dir, const std::vector<TrainConfig>& runs) {
    std::vector<std::string> dirs;
    for (const auto& c : runs)
        dirs.push_back((fs::path(dir) / "curve" / curveRunName(c.trainSize, c.seed)).string());
    return dirs;
}

/// The curve's summary and fits; the laws are ranked unless `stored` (a ranking the report
/// was written with) was made from this very curve, which is then kept as it is.
void summarizeCurveAndFit(HomeworkResult& result, const HomeworkConfig& config,
                          const LawRanking* stored = nullptr) {
    result.curve = summarizeCurve(result.curveConfig, result.curveRuns);
    result.fits = fitAllCurves(curvePoints(result.curve), config.fit);
    result.extrapolations.clear();
    for (const auto& f : result.fits)
        result.extrapolations.push_back(extrapolate95(f, config.targetN));
    // The answer comes from the forward-validation ranking (law_ranking.h).
    if (stored && rankingMatches(*stored, curvePoints(result.curve), config.targetN, config.fit))
        result.ranking = *stored;
    else
        result.ranking = rankLaws(curvePoints(result.curve), perSeedCurves(result.curveRuns),
                                  config.targetN, config.fit);
}

/// dir/ranking.json as writeReport wrote it; nullopt when there is none.
std::optional<LawRanking> storedRanking(const std::string& dir) {
    const fs::path path = fs::path(dir) / "ranking.json";
    if (!fs::exists(path))
        return std::nullopt;
    try {
        return lawRankingFromJson(readFile(path.string()));
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(path.string() + " is damaged (" + e.what() +
                                 "); delete it to rank the laws again from the runs");
    }
}

json statsJson(const LabelStats& s) {
    return json{{"n", s.n}, {"mean", s.mean}, {"std", s.std}, {"min", s.min}, {"max", s.max}};
}

LabelStats statsOf(const json& j) {
    LabelStats s;
    s.n = j.value("n", std::size_t{0});
    s.mean = j.value("mean", 0.0);
    s.std = j.value("std", 0.0);
    s.min = j.value("min", 0.0);
    s.max = j.value("max", 0.0);
    return s;
}

/// Question 6's run: the chosen learning rate's run with the lowest validation loss.
RunResult chosenRun(const HomeworkResult& result) {
    std::vector<const RunResult*> runs;
    for (const auto& r : result.sweepRuns)
        runs.push_back(&r);
    const RunResult* q6 = questionSixRun(result.sweep, runs);
    return q6 ? *q6 : RunResult{};
}

/// This session's wall time and reused runs, so that a report rendered later tells the truth.
void writeSession(const std::string& dir, const HomeworkResult& result) {
    const json session{{"seconds", result.seconds}, {"reused_runs", result.reusedRuns}};
    writeFileAtomically((fs::path(dir) / "session.json").string(), session.dump(2) + "\n");
}

} // namespace

HomeworkConfig homeworkConfigFromJson(const std::string& text, std::string* dataSource) {
    const json j = json::parse(text);
    HomeworkConfig c;
    c.base.hidden = j.value("hidden", c.base.hidden);
    c.base.epochs = j.value("epochs", c.base.epochs);
    c.base.batchSize = j.value("batch_size", c.base.batchSize);
    c.base.evalEvery = j.value("eval_every", c.base.evalEvery);
    c.lrs = j.value("lrs", c.lrs);
    c.seeds = j.value("seeds", c.seeds);
    c.rule = j.value("rule", std::string("final")) == "best" ? SweepRule::BestLoss
                                                             : SweepRule::FinalLoss;
    c.sizes = j.value("sizes", c.sizes);
    c.targetN = j.value("target_n", c.targetN);
    c.fit.logSpace = j.value("fit_log_space", true);
    c.fit.weightBySpread = j.value("fit_weight_by_spread", true);
    if (dataSource)
        *dataSource = j.value("data", std::string());
    return c;
}

HomeworkResult loadHomework(const std::string& dir, std::string* dataSource) {
    HomeworkConfig config;
    try {
        config =
            homeworkConfigFromJson(readFile((fs::path(dir) / "config.json").string()), dataSource);
    } catch (const json::exception& e) {
        throw std::runtime_error(dir + "/config.json is damaged: " + e.what());
    }
    HomeworkResult result;
    result.targetN = config.targetN;
    try {
        const json data = json::parse(readFile((fs::path(dir) / "data.json").string()));
        result.d = data.value("d", 0);
        result.atoms = data.value("atoms", 0);
        result.train = statsOf(data.at("train"));
        result.val = statsOf(data.at("val"));
        result.test = statsOf(data.at("test"));
    } catch (const std::exception&) {
        // Older folders have no data.json: the report then shows no label statistics.
    }
    result.sweepConfig = SweepConfig{config.base, config.lrs, config.seeds, config.rule};
    auto load = [&](const std::vector<std::string>& dirs) {
        std::vector<RunResult> runs;
        for (const auto& d : dirs) {
            if (!hasFinishedRun(d))
                throw std::runtime_error(d + " is not a finished run: finish the homework first "
                                             "(run the same qm7 homework command again)");
            runs.push_back(loadRun(d));
        }
        return runs;
    };
    result.sweepRuns = load(sweepDirs(dir, sweepConfigs(result.sweepConfig)));
    result.sweep = summarizeSweep(result.sweepConfig, result.sweepRuns);
    result.final = chosenRun(result);
    TrainConfig curveBase = config.base;
    curveBase.lr = result.sweep.chosenLr;
    result.curveConfig = CurveConfig{curveBase, config.sizes, config.seeds};
    result.curveRuns = load(curveDirs(dir, curveConfigs(result.curveConfig)));
    // The ranking the report was written with (ranking.json), when it still belongs to these
    // runs: a report rendered again draws the same answer, never a ranking made anew.
    const std::optional<LawRanking> stored = storedRanking(dir);
    summarizeCurveAndFit(result, config, stored ? &*stored : nullptr);
    result.measured = loadVerification(dir); // measured points at larger n
    result.seconds = -1; // unknown unless the session that trained the runs left its record
    result.reusedRuns = -1;
    try {
        const json session = json::parse(readFile((fs::path(dir) / "session.json").string()));
        result.seconds = session.value("seconds", -1.0);
        result.reusedRuns = session.value("reused_runs", -1);
    } catch (const std::exception&) {
        // Older folders have no session.json: the report then states no wall time.
    }
    result.exploration = readHomeworkExploration(dir);
    return result;
}

std::string HomeworkConfig::validate(int availableRows) const {
    SweepConfig sweep{base, lrs, seeds, rule};
    std::string why = sweep.validate();
    if (!why.empty())
        return why;
    CurveConfig curve{base, sizes, seeds};
    why = curve.validate(availableRows);
    if (!why.empty())
        return why;
    if (!(targetN > 0) || !std::isfinite(targetN))
        return "the extrapolation target n must be a positive number";
    return "";
}

std::string HomeworkConfig::toJson(const std::string& dataSource) const {
    json j = settingsJson(*this, dataSource);
    j["qm7_version"] = kVersion;
    return j.dump(2) + "\n";
}

std::string sweepRunName(double lr, std::uint64_t seed) {
    return "lr" + fmt("%.0e", lr) + "-seed" + std::to_string(seed);
}

std::string curveRunName(int n, std::uint64_t seed) {
    return "n" + fmt("%05.0f", n) + "-seed" + std::to_string(seed);
}

HomeworkResult runHomework(const Dataset& data, const HomeworkConfig& config,
                           const std::string& dir, const std::string& dataSource,
                           const TrainOptions& options, const StageCallback& stage) {
    const auto start = std::chrono::steady_clock::now();
    const std::string why = config.validate(static_cast<int>(data.train.rows()));
    if (!why.empty())
        throw std::invalid_argument(why);
    auto say = [&](const std::string& s) {
        if (stage)
            stage(s);
    };
    fs::create_directories(dir);
    const fs::path configPath = fs::path(dir) / "config.json";
    if (fs::exists(configPath)) {
        json stored;
        try {
            stored = json::parse(readFile(configPath.string()));
        } catch (const json::exception&) {
            stored = json::object();
        }
        stored.erase("qm7_version");
        if (stored != settingsJson(config, dataSource))
            throw std::invalid_argument(
                dir + " holds a homework with other settings or data (see its config.json); "
                      "choose another output folder, or delete that one to start over");
    }
    writeFileAtomically(configPath.string(), config.toJson(dataSource));

    HomeworkResult result;
    result.train = labelStats(data.train.y);
    result.val = labelStats(data.val.y);
    result.test = labelStats(data.test.y);
    result.d = data.d;
    result.atoms = data.atoms;
    result.targetN = config.targetN;
    const json dataJson{{"d", result.d},
                        {"atoms", result.atoms},
                        {"train", statsJson(result.train)},
                        {"val", statsJson(result.val)},
                        {"test", statsJson(result.test)}};
    writeFileAtomically((fs::path(dir) / "data.json").string(), dataJson.dump(2) + "\n");

    // Question 5: the learning rate, chosen over seeds.
    result.sweepConfig = SweepConfig{config.base, config.lrs, config.seeds, config.rule};
    const auto sweepRuns = sweepConfigs(result.sweepConfig);
    say("learning-rate sweep: " + std::to_string(sweepRuns.size()) + " runs");
    int reused = 0;
    result.sweepRuns =
        trainResumable(data, sweepRuns, sweepDirs(dir, sweepRuns), dataSource, options, 0, &reused);
    result.reusedRuns += reused;
    auto isCancelled = [&] { return options.control && options.control->cancel.load(); };
    if (isCancelled()) {
        result.cancelled = true;
        return result;
    }
    result.sweep = summarizeSweep(result.sweepConfig, result.sweepRuns);
    result.final = chosenRun(result);
    saveRun(result.final, (fs::path(dir) / "final").string(), dataSource);
    say("chosen learning rate " + g(result.sweep.chosenLr) + " (lowest mean " +
        sweepRuleName(config.rule) + " validation loss)");

    // Question 7: the learning curve at the chosen learning rate.
    TrainConfig curveBase = config.base;
    curveBase.lr = result.sweep.chosenLr;
    result.curveConfig = CurveConfig{curveBase, config.sizes, config.seeds};
    const auto curveRuns = curveConfigs(result.curveConfig);
    say("learning curve: " + std::to_string(curveRuns.size()) + " runs");
    result.curveRuns =
        trainResumable(data, curveRuns, curveDirs(dir, curveRuns), dataSource, options, 0, &reused);
    result.reusedRuns += reused;
    if (isCancelled()) {
        result.cancelled = true;
        return result;
    }
    summarizeCurveAndFit(result, config);
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    writeSession(dir, result);
    result.exploration = readHomeworkExploration(dir);
    return result;
}

} // namespace qm7
