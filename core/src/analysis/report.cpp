// The homework's report.md (question by question) and every CSV table, written in one place.
#include "qm7/analysis/report.h"

#include "qm7/util/atomic_file.h"
#include "qm7/util/series.h"
#include "qm7/version.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;

namespace qm7 {

namespace {

std::string fmt(const char* format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    std::string s = buf;
    if (s.size() > 1 && s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos)
        s.erase(0, 1); // a negative number that rounds to zero: "0.00", not "-0.00"
    return s;
}

std::string g(double v) {
    return fmt("%.6g", v);
}

/// The power of ten of x's first significant digit (0 for x = 0).
int digitPosition(double x) {
    return x == 0.0 ? 0 : static_cast<int>(std::floor(std::log10(std::fabs(x))));
}

/// x written with its digits down to 10^q, in scientific notation.
std::string scientific(double x, int q) {
    if (x == 0.0)
        return "0";
    const int e = static_cast<int>(std::floor(std::log10(std::fabs(x))));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*fe%d", std::max(0, e - q), x / std::pow(10.0, e), e);
    return buf;
}

void dataSection(std::ostringstream& md, const HomeworkResult& r) {
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
}

void trainingSections(std::ostringstream& md, const HomeworkResult& r) {
    const TrainConfig& base = r.sweepConfig.base;
    md << "## 3. Batches\n\nMinibatches of " << base.batchSize
       << " molecules; each run reshuffles its training set every epoch (a permutation drawn "
          "from its seed), so an epoch visits every training molecule once.\n\n";
    const long long params = static_cast<long long>(base.hidden) * (r.d + 2) + 1;
    md << "## 4. Network and initialization\n\n"
       << "f(x) = Σ_i w2_i ReLU(x·w1_i + b1_i) + b2 with d = " << r.d
       << " inputs, p = " << base.hidden << " hidden units and one output (" << params
       << " parameters), trained with Adam on the MSE. PyTorch's default initialization, drawn "
          "from each run's seed: w1, b1 ~ U(-1/√d, 1/√d); w2, b2 ~ U(-1/√p, 1/√p).\n\n";
}

void sweepSection(std::ostringstream& md, const HomeworkResult& r) {
    if (r.sweep.rows.empty())
        return;
    md << "## 5. Learning rate (" << r.sweepConfig.seeds << " seeds)\n\n"
       << "| lr | final val loss (mean ± std) | best val loss (mean ± std) | test RMSE kcal/mol "
          "(best-validation weights) |\n"
       << "|---:|---:|---:|---:|\n";
    for (const auto& row : r.sweep.rows)
        md << "| " << g(row.lr) << (row.lr == r.sweep.chosenLr ? " **(chosen)**" : "") << " | "
           << fmt("%.5f", row.finalMean) << " ± " << fmt("%.5f", row.finalStd) << " | "
           << fmt("%.5f", row.bestMean) << " ± " << fmt("%.5f", row.bestStd) << " | "
           << fmt("%.2f", row.testRmseMean) << " ± " << fmt("%.2f", row.testRmseStd) << " |\n";
    md << "\nChosen learning rate: **" << g(r.sweep.chosenLr) << "**, by "
       << sweepRuleStatement(r.sweep.rule) << ".";
    if (r.sweep.rows.size() > 1) {
        const bool largest = r.sweep.chosenLr == r.sweep.rows.back().lr;
        const bool smallest = r.sweep.chosenLr == r.sweep.rows.front().lr;
        if (largest || smallest)
            md << " It is the " << (largest ? "largest" : "smallest")
               << " rate tried: the optimum may lie beyond the range.";
    }
    md << "\n\n";
}

void testSection(std::ostringstream& md, const HomeworkResult& r) {
    if (r.final.testTrue.empty())
        return;
    md << "## 6. Test set (lr " << g(r.final.config.lr) << ", seed " << r.final.config.seed
       << ")\n\n"
       << "The run of the chosen learning rate with the lowest validation loss; its best "
          "validation loss was at epoch "
       << r.final.bestEpoch << ", and those weights are tested.\n\n"
       << "| metric | value |\n|---|---:|\n"
       << "| test MSE (normalized) | " << fmt("%.5f", r.final.testMseNormalized) << " |\n"
       << "| test RMSE | " << fmt("%.2f", r.final.test.rmse) << " kcal/mol |\n"
       << "| test MAE | " << fmt("%.2f", r.final.test.mae) << " kcal/mol |\n"
       << "| R² | " << fmt("%.4f", r.final.test.r2) << " |\n"
       << "| max error | " << fmt("%.1f", r.final.test.maxError) << " kcal/mol |\n\n";
}

void curveSection(std::ostringstream& md, const HomeworkResult& r) {
    if (r.curve.empty())
        return;
    md << "## 7. Learning curve (lr " << g(r.curveConfig.base.lr) << ", " << r.curveConfig.seeds
       << " seeds)\n\n| n | test MSE kcal²/mol² (mean ± std) | test RMSE kcal/mol | test MAE "
          "kcal/mol |\n"
       << "|---:|---:|---:|---:|\n";
    for (const auto& row : r.curve)
        md << "| " << row.n << " | " << fmt("%.1f", row.mseMean) << " ± " << fmt("%.1f", row.mseStd)
           << " | " << fmt("%.2f", row.rmseMean) << " ± " << fmt("%.2f", row.rmseStd) << " | "
           << fmt("%.2f", row.maeMean) << " ± " << fmt("%.2f", row.maeStd) << " |\n";
    // Question 7's answer: the laws ranked by forward validation (law_ranking.h).
    md << "\n" << lawRankingMarkdown(r.ranking, r.measured, {});
    md << "\n";
}

void representationSection(std::ostringstream& md, const HomeworkResult& r) {
    if (r.representations.empty())
        return;
    md << "## 8. Permutation invariance\n\n"
       << "| representation | d | runs | test RMSE kcal/mol (mean ± std) | test MAE kcal/mol |\n"
       << "|---|---:|---:|---:|---:|\n";
    const RepresentationRow* best = nullptr;
    for (const auto& row : r.representations) {
        md << "| " << row.representation << " | " << row.d << " | " << row.runs << " | "
           << fmt("%.2f", row.rmseMean) << " ± " << fmt("%.2f", row.rmseStd) << " | "
           << fmt("%.2f", row.maeMean) << " ± " << fmt("%.2f", row.maeStd) << " |\n";
        if (row.runs > 0 && (!best || row.rmseMean < best->rmseMean))
            best = &row;
    }
    if (best)
        md << "\nLowest test RMSE: " << best->representation << " (" << fmt("%.2f", best->rmseMean)
           << " kcal/mol).";
    md << " The plain Coulomb matrix depends on the order of the atoms in the file; sorted "
          "matrices and eigenspectra do not, and randomly sorted matrices average over "
          "orders.\n\n";
}

/// x rounded to 10^q: fixed notation for magnitudes in [1e-3, 1e4), else scientific ("1.9e5").
std::string roundedTo(double x, int q, double magnitude = NAN) {
    const double step = std::pow(10.0, q);
    double r = std::round(x / step) * step;
    if (r == 0.0)
        r = 0.0; // no "-0"
    if (std::isnan(magnitude))
        magnitude = std::fabs(r);
    if (magnitude >= 1e4 || (magnitude < 1e-3 && magnitude > 0))
        return scientific(r, q);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", std::max(0, -q), r);
    return buf;
}

} // namespace

std::string formatWithError(double value, double error, const std::string& sep) {
    if (!std::isfinite(value))
        return fmt("%g", value) + sep + fmt("%g", error);
    if (!std::isfinite(error) || error <= 0) // no usable error: three significant digits
        return roundedTo(value, digitPosition(value) - 2) + sep +
               (std::isfinite(error) ? std::string("0") : std::string("inf"));
    int q = digitPosition(error) - 1;                 // the error's second significant digit
    if (std::round(error / std::pow(10.0, q)) >= 100) // 99.7 rounds to 100: one digit fewer
        ++q;
    if (value != 0 && digitPosition(value) - q > 5) // a tiny relative error: six digits at most
        return roundedTo(value, digitPosition(value) - 5) + sep + roundedTo(error, q);
    const double magnitude = std::max(std::fabs(value), error);
    return roundedTo(value, q, magnitude) + sep + roundedTo(error, q, magnitude);
}

RepresentationRow summarizeRepresentation(const std::string& representation, int d,
                                          const std::vector<const RunResult*>& runs) {
    RepresentationRow row;
    row.representation = representation;
    row.d = d;
    std::vector<double> rmse, mae;
    for (const RunResult* r : runs) {
        if (!r || r->cancelled || r->testTrue.empty())
            continue;
        rmse.push_back(r->test.rmse);
        mae.push_back(r->test.mae);
    }
    const MeanStd r = meanStd(rmse), m = meanStd(mae);
    row.runs = static_cast<int>(rmse.size());
    row.rmseMean = r.mean;
    row.rmseStd = r.std;
    row.maeMean = m.mean;
    row.maeStd = m.std;
    return row;
}

const RunResult* questionSixRun(const SweepSummary& sweep,
                                const std::vector<const RunResult*>& runs) {
    const RunResult* best = nullptr;
    for (const RunResult* r : runs) {
        if (!r || r->cancelled || r->config.lr != sweep.chosenLr)
            continue;
        if (!best || r->bestValLoss < best->bestValLoss ||
            (r->bestValLoss == best->bestValLoss && r->config.seed < best->config.seed))
            best = r;
    }
    return best;
}

Extrapolation extrapolate95(const FitResult& fit, double n) {
    // With 4 sizes a fit has 1-2 degrees of freedom: Student's t, not 1.96, gives a 95% band.
    // Without degrees of freedom extrapolate() gives the value and no band whatever z is.
    const double t = studentTQuantile(0.95, std::max(1, fit.dof));
    return extrapolate(fit, n, t);
}

HomeworkResult homeworkFromRuns(const HomeworkInputs& in) {
    HomeworkResult r;
    r.train = in.train;
    r.val = in.val;
    r.test = in.test;
    r.d = in.d;
    r.atoms = in.atoms;
    r.sweepConfig = in.sweep;
    r.curveConfig = in.curve;
    r.targetN = in.targetN;
    r.representations = in.representations;
    r.seconds = in.seconds;
    r.reusedRuns = in.reusedRuns;
    for (const RunResult* run : in.sweepRuns)
        if (run && !run->cancelled)
            r.sweepRuns.push_back(*run);
    for (const RunResult* run : in.curveRuns)
        if (run && !run->cancelled)
            r.curveRuns.push_back(*run);
    if (!in.sweepRuns.empty()) {
        r.sweep = summarizeFinishedSweep(in.sweep, in.sweepRuns);
        if (const RunResult* q6 = questionSixRun(r.sweep, in.sweepRuns))
            r.final = *q6;
    }
    if (!in.curveRuns.empty()) {
        r.curve = summarizeFinishedCurve(in.curve, in.curveRuns);
        r.fits = fitAllCurves(curvePoints(r.curve), in.fit);
        for (const auto& f : r.fits)
            r.extrapolations.push_back(extrapolate95(f, in.targetN));
        r.ranking = rankLaws(curvePoints(r.curve), perSeedCurves(in.curveRuns), in.targetN, in.fit);
    }
    return r;
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

std::string representationsCsv(const std::vector<RepresentationRow>& rows) {
    std::ostringstream s;
    s << "representation,d,runs,test_rmse_kcal_mean,test_rmse_kcal_std,test_mae_kcal_mean,"
         "test_mae_kcal_std\n";
    for (const auto& r : rows)
        s << r.representation << ',' << r.d << ',' << r.runs << ',' << g(r.rmseMean) << ','
          << g(r.rmseStd) << ',' << g(r.maeMean) << ',' << g(r.maeStd) << '\n';
    return s.str();
}

std::string reportMarkdown(const HomeworkResult& r, const std::string& dataSource,
                           const std::vector<std::string>& figures) {
    std::ostringstream md;
    md << "# QM7 homework report\n\n"
       << "Data: `" << dataSource << "`; d = " << r.d << " (N = " << r.atoms << " atoms). "
       << "Network d -> " << r.sweepConfig.base.hidden << " -> 1 (ReLU), Adam, MSE, batch "
       << r.sweepConfig.base.batchSize << ", " << r.sweepConfig.base.epochs
       << " epochs, evaluation every " << r.sweepConfig.base.evalEvery << " epochs. "
       << "Written by qm7 " << kVersion << ".\n\n";
    dataSection(md, r);
    trainingSections(md, r);
    sweepSection(md, r);
    testSection(md, r);
    curveSection(md, r);
    representationSection(md, r);
    md << explorationMarkdown(r.exploration);
    if (!figures.empty()) {
        md << "## Figures\n\n";
        for (const auto& f : figures)
            md << "![" << f << "](" << f << ")\n\n";
    }
    md << "Tables:";
    if (!r.sweep.rows.empty())
        md << " `sweep.csv`";
    if (!r.curve.empty())
        md << " `curve.csv` `fits.csv`";
    if (!r.representations.empty())
        md << " `representations.csv`";
    md << ".\n";
    if (r.seconds >= 0) {
        const int runs = static_cast<int>(r.sweepRuns.size() + r.curveRuns.size());
        md << "\nWall time of the session that wrote these runs: " << fmt("%.0f", r.seconds)
           << " s";
        if (r.reusedRuns >= 0)
            md << " (" << runs - r.reusedRuns << " runs trained, " << r.reusedRuns
               << " reused from an earlier session)";
        md << ".\n";
    }
    return md.str();
}

void writeReport(const HomeworkResult& r, const std::string& dir, const std::string& dataSource,
                 const std::vector<std::string>& figures) {
    const fs::path base(dir);
    fs::create_directories(base);
    if (!r.sweep.rows.empty())
        writeFileAtomically((base / "sweep.csv").string(), sweepCsv(r.sweep));
    if (!r.curve.empty()) {
        writeFileAtomically((base / "curve.csv").string(), curveCsv(r.curve));
        writeFileAtomically((base / "fits.csv").string(), lawRankingCsv(r.ranking));
        // The same ranking whole, read back by loadHomework: a figure drawn later shows it.
        writeFileAtomically((base / "ranking.json").string(), lawRankingJson(r.ranking));
    }
    if (!r.measured.empty())
        writeFileAtomically((base / "verify.csv").string(), verifyCsv(r.ranking, r.measured, {}));
    if (!r.representations.empty())
        writeFileAtomically((base / "representations.csv").string(),
                            representationsCsv(r.representations));
    writeFileAtomically((base / "report.md").string(), reportMarkdown(r, dataSource, figures));
}

} // namespace qm7
