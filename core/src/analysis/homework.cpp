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

void summarizeCurveAndFit(HomeworkResult& result, const HomeworkConfig& config) {
    result.curve = summarizeCurve(result.curveConfig, result.curveRuns);
    result.fits = fitAllCurves(curvePoints(result.curve), config.fit);
    result.extrapolations.clear();
    for (const auto& f : result.fits)
        result.extrapolations.push_back(extrapolate95(f, config.targetN));
    // issue 11: the answer comes from the forward-validation ranking (law_ranking.h).
    result.ranking = rankLaws(curvePoints(result.curve), perSeedCurves(result.curveRuns),
                              config.targetN, config.fit);
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

RunResult chosenRun(const HomeworkResult& result) {
    const auto runs = sweepConfigs(result.sweepConfig);
    for (std::size_t i = 0; i < runs.size(); ++i)
        if (runs[i].lr == result.sweep.chosenLr && runs[i].seed == 0)
            return result.sweepRuns[i];
    return {};
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
    summarizeCurveAndFit(result, config);
    result.measured = loadVerification(dir); // issue 11: measured points at larger n
    result.reusedRuns = static_cast<int>(result.sweepRuns.size() + result.curveRuns.size());
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
    return result;
}

Extrapolation extrapolate95(const FitResult& fit, double n) {
    // With 4 sizes a fit has 1-2 degrees of freedom: Student's t, not 1.96, gives a 95% band.
    const double t = fit.dof > 0 ? studentTQuantile(0.95, fit.dof) : NAN;
    return extrapolate(fit, n, std::isfinite(t) ? t : 1.96);
}

std::string sweepCsv(const SweepSummary& sweep) {
    std::ostringstream s;
    s << "lr,runs,final_val_loss_mean,final_val_loss_std,best_val_loss_mean,best_val_loss_std,"
         "test_rmse_kcal_mean,test_rmse_kcal_std,chosen\n";
    for (const auto& r : sweep.rows)
        s << g(r.lr) << ',' << r.runs << ',' << g(r.finalMean) << ',' << g(r.finalStd) << ','
          << g(r.bestMean) << ',' << g(r.bestStd) << ',' << g(r.testRmseMean) << ','
          << g(r.testRmseStd) << ',' << (r.lr == sweep.chosenLr ? 1 : 0) << '\n';
    return s.str();
}

std::string curveCsv(const std::vector<CurveRow>& curve) {
    std::ostringstream s;
    s << "n,runs,test_mse_kcal2_mean,test_mse_kcal2_std,test_rmse_kcal_mean,test_rmse_kcal_std,"
         "test_mae_kcal_mean,test_mae_kcal_std\n";
    for (const auto& r : curve)
        s << r.n << ',' << r.runs << ',' << g(r.mseMean) << ',' << g(r.mseStd) << ','
          << g(r.rmseMean) << ',' << g(r.rmseStd) << ',' << g(r.maeMean) << ',' << g(r.maeStd)
          << '\n';
    return s.str();
}

std::string fitsCsv(const std::vector<FitResult>& fits,
                    const std::vector<Extrapolation>& extrapolations) {
    std::ostringstream s;
    s << "rank,model,formula,ok,A,A_stderr,b,b_stderr,C,C_stderr,aic,rms_log_residual,r2,"
         "extrapolation_n,extrapolated_mse_kcal2,band_lower,band_upper\n";
    for (std::size_t i = 0; i < fits.size(); ++i) {
        const FitResult& f = fits[i];
        s << i + 1 << ',' << curveModelName(f.model) << ",\"" << curveModelFormula(f.model) << "\","
          << (f.ok ? 1 : 0);
        for (std::size_t k = 0; k < 3; ++k) {
            if (f.ok && k < f.params.size())
                s << ',' << g(f.params[k]) << ',' << g(f.stderrs[k]);
            else
                s << ",,";
        }
        s << ',' << (f.ok ? g(f.aic) : "") << ',' << (f.ok ? g(f.rmsLogResidual) : "") << ','
          << (f.ok ? g(f.r2) : "");
        if (i < extrapolations.size() && extrapolations[i].ok)
            s << ',' << g(extrapolations[i].n) << ',' << g(extrapolations[i].value) << ','
              << g(extrapolations[i].lower) << ',' << g(extrapolations[i].upper) << '\n';
        else
            s << ",,,,\n";
    }
    return s.str();
}

void writeHomeworkReport(const HomeworkResult& r, const std::string& dir,
                         const std::string& dataSource, const std::vector<std::string>& figures) {
    const fs::path base(dir);
    fs::create_directories(base);
    writeFileAtomically((base / "sweep.csv").string(), sweepCsv(r.sweep));
    writeFileAtomically((base / "curve.csv").string(), curveCsv(r.curve));
    writeFileAtomically((base / "fits.csv").string(), lawRankingCsv(r.ranking)); // issue 11
    if (!r.measured.empty())
        writeFileAtomically((base / "verify.csv").string(), verifyCsv(r.ranking, r.measured, {}));

    std::ostringstream md;
    md << "# QM7 homework report\n\n"
       << "Data: `" << dataSource << "`; d = " << r.d << " (N = " << r.atoms << " atoms). "
       << "Network d -> " << r.sweepConfig.base.hidden << " -> 1 (ReLU), Adam, MSE, batch "
       << r.sweepConfig.base.batchSize << ", " << r.sweepConfig.base.epochs
       << " epochs, evaluation every " << r.sweepConfig.base.evalEvery << " epochs. "
       << "Written by qm7 " << kVersion << ".\n\n";

    md << "## 1-2. Data and label normalization\n\n"
       << "| split | n | mean (kcal/mol) | std | min | max |\n|---|---:|---:|---:|---:|---:|\n";
    const std::pair<const char*, const LabelStats*> splits[] = {
        {"train", &r.train}, {"val", &r.val}, {"test", &r.test}};
    for (const auto& [name, s] : splits)
        md << "| " << name << " | " << s->n << " | " << fmt("%.1f", s->mean) << " | "
           << fmt("%.1f", s->std) << " | " << fmt("%.1f", s->min) << " | " << fmt("%.1f", s->max)
           << " |\n";
    md << "\nAll labels are normalized with the training mean " << fmt("%.2f", r.train.mean)
       << " and standard deviation " << fmt("%.2f", r.train.std)
       << " kcal/mol; predictions are unnormalized with the same numbers.\n\n";

    md << "## 5. Learning rate (" << r.sweepConfig.seeds << " seeds)\n\n"
       << "| lr | final val loss (mean ± std) | best val loss (mean ± std) | test RMSE kcal/mol |\n"
       << "|---:|---:|---:|---:|\n";
    for (const auto& row : r.sweep.rows)
        md << "| " << g(row.lr) << (row.lr == r.sweep.chosenLr ? " **(chosen)**" : "") << " | "
           << fmt("%.5f", row.finalMean) << " ± " << fmt("%.5f", row.finalStd) << " | "
           << fmt("%.5f", row.bestMean) << " ± " << fmt("%.5f", row.bestStd) << " | "
           << fmt("%.2f", row.testRmseMean) << " ± " << fmt("%.2f", row.testRmseStd) << " |\n";
    md << "\nChosen learning rate: **" << g(r.sweep.chosenLr) << "**, the lowest mean "
       << sweepRuleName(r.sweep.rule) << " validation loss (normalized MSE).\n\n";

    md << "## 6. Test set (lr " << g(r.sweep.chosenLr) << ", seed 0)\n\n"
       << "Best validation loss at epoch " << r.final.bestEpoch << "; those weights are tested.\n\n"
       << "| metric | value |\n|---|---:|\n"
       << "| test MSE (normalized) | " << fmt("%.5f", r.final.testMseNormalized) << " |\n"
       << "| test RMSE | " << fmt("%.2f", r.final.test.rmse) << " kcal/mol |\n"
       << "| test MAE | " << fmt("%.2f", r.final.test.mae) << " kcal/mol |\n"
       << "| R² | " << fmt("%.4f", r.final.test.r2) << " |\n"
       << "| max error | " << fmt("%.1f", r.final.test.maxError) << " kcal/mol |\n\n"
       << "Loss history: `final/history.csv`; parity data: `final/predictions.csv`.\n\n";

    md << "## 7. Learning curve (lr " << g(r.curveConfig.base.lr) << ", " << r.curveConfig.seeds
       << " seeds)\n\n| n | test MSE kcal²/mol² (mean ± std) | test RMSE kcal/mol | test MAE "
          "kcal/mol |\n"
       << "|---:|---:|---:|---:|\n";
    for (const auto& row : r.curve)
        md << "| " << row.n << " | " << fmt("%.1f", row.mseMean) << " ± " << fmt("%.1f", row.mseStd)
           << " | " << fmt("%.2f", row.rmseMean) << " ± " << fmt("%.2f", row.rmseStd) << " | "
           << fmt("%.2f", row.maeMean) << " ± " << fmt("%.2f", row.maeStd) << " |\n";
    md << "\n" << lawRankingMarkdown(r.ranking, r.measured, {}); // issue 11
    if (!figures.empty()) {
        md << "\n## Figures\n\n";
        for (const auto& f : figures)
            md << "![" << f << "](" << f << ")\n\n";
    }
    md << "\nTables: `sweep.csv`, `curve.csv`, `fits.csv`; every run: `sweep/`, `curve/`, "
          "`final/`. Wall time of this session: "
       << fmt("%.0f", r.seconds) << " s (" << r.reusedRuns
       << " runs reused from an earlier session).\n";
    writeFileAtomically((base / "report.md").string(), md.str());
}

} // namespace qm7
