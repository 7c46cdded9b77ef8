// Checking a student's model against the course data and the workbench's reference runs.
#include "qm7/analysis/model_check.h"

#include "qm7/util/series.h"

#include "qm7/analysis/student_model.h"
#include "qm7/train/run_store.h"
#include "qm7/util/atomic_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace qm7 {

namespace fs = std::filesystem;

namespace {

std::string fmt(double v, int digits = 2) {
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", digits, v);
    return b;
}

std::string lrText(double lr) {
    char b[32];
    std::snprintf(b, sizeof b, "%.0e", lr);
    std::string s = b; // 1e-03 -> 1e-3
    const auto e = s.find("e-0");
    if (e != std::string::npos)
        s.erase(e + 2, 1);
    return s;
}

double mean(const std::vector<double>& v) {
    return meanStd(v).mean;
}

double sd(const std::vector<double>& v) {
    return meanStd(v).std;
}

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos)
        return s;
    std::string q = "\"";
    // One line per row: a message's line break becomes a space.
    for (char c : s)
        q += c == '"' ? std::string("\"\"") : std::string(1, c == '\n' ? ' ' : c);
    return q + "\"";
}

std::vector<double> rmses(const Reference& r) {
    std::vector<double> v;
    for (const auto& m : r.seeds)
        v.push_back(m.rmse);
    return v;
}

} // namespace

double Reference::meanRmse() const {
    return mean(rmses(*this));
}
double Reference::minRmse() const {
    const auto v = rmses(*this);
    return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}
double Reference::maxRmse() const {
    const auto v = rmses(*this);
    return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

std::string outputScaleText(OutputScale s) {
    return s == OutputScale::Kcal         ? "kcal/mol"
           : s == OutputScale::Normalized ? "normalized"
                                          : "auto";
}

Reference trainReference(const Dataset& data, const TrainConfig& config, int seeds,
                         const TrainOptions& options) {
    std::vector<TrainConfig> configs;
    for (int s = 0; s < seeds; ++s) {
        TrainConfig c = config;
        c.seed = static_cast<std::uint64_t>(s);
        configs.push_back(c);
    }
    const auto runs = trainMany(data, configs, options);
    Reference r;
    r.description = "workbench, p " + std::to_string(config.hidden) + ", lr " + lrText(config.lr) +
                    ", " + std::to_string(config.epochs) + " epochs, " + std::to_string(seeds) +
                    (seeds == 1 ? " seed" : " seeds");
    for (const auto& run : runs) {
        if (run.cancelled)
            throw std::runtime_error("the reference training was cancelled");
        r.seeds.push_back(run.test);
    }
    if (!runs.empty()) {
        r.testTrue = runs.front().testTrue;
        r.testPred = runs.front().testPred;
    }
    return r;
}

Reference loadReference(const std::string& dir) {
    std::vector<std::string> dirs;
    if (hasFinishedRun(dir)) {
        dirs.push_back(dir);
    } else if (fs::is_directory(dir)) {
        for (const auto& e : fs::recursive_directory_iterator(dir))
            if (e.is_directory() && hasFinishedRun(e.path().string()))
                dirs.push_back(e.path().string());
        std::sort(dirs.begin(), dirs.end());
    }
    if (dirs.empty())
        throw std::runtime_error(dir + ": no finished run (a folder written by qm7 train or the "
                                       "workbench, or a folder of them)");
    Reference r;
    TrainConfig c;
    for (const auto& d : dirs) {
        const RunResult run = loadRun(d);
        if (r.seeds.empty()) {
            r.testTrue = run.testTrue;
            r.testPred = run.testPred;
            c = run.config;
        }
        r.seeds.push_back(run.test);
    }
    r.description = "runs in " + dir + ", p " + std::to_string(c.hidden) + ", lr " + lrText(c.lr) +
                    ", " + std::to_string(c.epochs) + " epochs, " + std::to_string(dirs.size()) +
                    (dirs.size() == 1 ? " run" : " runs");
    return r;
}

ModelCheck checkModel(const Dataset& data, const std::string& path, const CheckOptions& options,
                      const Reference* reference) {
    ModelCheck c;
    c.file = path;
    c.name = fs::path(path).filename().string();
    try {
        const StudentModel model = StudentModel::load(path);
        c.kind = model.description();
        c.hidden = model.hidden();
        const auto rawVal = model.forward(data.val.X, data.d);
        const auto rawTest = model.forward(data.test.X, data.d);
        for (double v : rawTest)
            if (!std::isfinite(v))
                throw StudentModelError(path + ": the model outputs NaN");
        // The homework's unnormalization: the training labels' mean and std.
        const LabelStats st = labelStats(data.train.y);
        const double n = static_cast<double>(st.n);
        c.labelMean = st.mean;
        c.labelStd =
            options.std == StdKind::Sample && n > 1 ? st.std * std::sqrt(n / (n - 1)) : st.std;
        c.rawSpread = sd(rawVal);
        c.scale = options.scale;
        if (c.scale == OutputScale::Auto) {
            c.scaleDetected = true;
            // Normalized outputs spread about 1, kcal/mol ones about the labels' std.
            const bool normalized =
                c.rawSpread > 0
                    ? std::abs(std::log(c.rawSpread)) < std::abs(std::log(c.rawSpread / c.labelStd))
                    : std::abs(mean(rawVal)) < std::abs(mean(rawVal) - c.labelMean);
            c.scale = normalized ? OutputScale::Normalized : OutputScale::Kcal;
        }
        c.testTrue = data.test.y;
        c.testPred.resize(rawTest.size());
        for (std::size_t i = 0; i < rawTest.size(); ++i)
            c.testPred[i] = static_cast<float>(c.scale == OutputScale::Normalized
                                                   ? rawTest[i] * c.labelStd + c.labelMean
                                                   : rawTest[i]);
        c.test = computeMetrics(c.testTrue, c.testPred);
        double res = 0;
        for (std::size_t i = 0; i < c.testPred.size(); ++i)
            res += static_cast<double>(c.testPred[i]) - static_cast<double>(c.testTrue[i]);
        c.meanResidual = res / static_cast<double>(c.testPred.size());
        c.ok = true;
    } catch (const std::exception& e) {
        c.ok = false;
        c.error = e.what();
        if (c.error.compare(0, path.size(), path) != 0)
            c.error = path + ": " + c.error;
        return c;
    }
    if (reference && !reference->empty())
        judge(c, *reference);
    return c;
}

void judge(ModelCheck& c, const Reference& ref) {
    const auto v = rmses(ref);
    const double m = mean(v), lo = ref.minRmse(), hi = ref.maxRmse();
    // Two seeds' sd or a tenth of the RMSE, whichever is wider: other seeds and another
    // framework's random numbers move the test RMSE by about that much.
    const double tol = std::max(2 * sd(v), 0.1 * m);
    const std::string spread = fmt(lo) + (v.size() > 1 ? "-" + fmt(hi) : std::string()) +
                               " kcal/mol over " + std::to_string(v.size()) +
                               (v.size() == 1 ? " run" : " runs");
    const double r = c.test.rmse;
    if (r <= hi + tol) {
        c.inside = true;
        c.verdict =
            r < lo - tol
                ? "better than the reference: test RMSE " + fmt(r) + " below its " + spread
                : "inside the reference's seed spread: test RMSE " + fmt(r) + " vs " + spread;
        return;
    }
    c.inside = false;
    std::string where;
    auto add = [&where](const std::string& s) { where += (where.empty() ? "" : "; ") + s; };
    if (std::abs(c.meanResidual) > 0.5 * r)
        add("mostly a constant offset of " + std::string(c.meanResidual > 0 ? "+" : "") +
            fmt(c.meanResidual, 1) +
            " kcal/mol (a normalization mistake? unnormalize with the training labels' mean)");
    // Slope of predictions against truth.
    const std::size_t n = c.testTrue.size();
    double mt = 0, mp = 0;
    for (std::size_t i = 0; i < n; ++i) {
        mt += c.testTrue[i];
        mp += c.testPred[i];
    }
    mt /= static_cast<double>(n);
    mp /= static_cast<double>(n);
    double sxy = 0, sxx = 0;
    for (std::size_t i = 0; i < n; ++i) {
        sxy += (c.testTrue[i] - mt) * (c.testPred[i] - mp);
        sxx += (c.testTrue[i] - mt) * (c.testTrue[i] - mt);
    }
    const double slope = sxx > 0 ? sxy / sxx : 1;
    if (slope < 0.8)
        add("predictions compressed towards the mean (slope " + fmt(slope) +
            " against the truth): underfitted, e.g. a too small learning rate or too few epochs");
    else if (slope > 1.25)
        add("predictions stretched (slope " + fmt(slope) +
            " against the truth): the std used to "
            "unnormalize?");
    // The high-energy end: the tenth of test molecules with the largest |E|.
    std::vector<std::size_t> idx(n);
    std::iota(idx.begin(), idx.end(), std::size_t{0});
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
        return std::abs(c.testTrue[a]) > std::abs(c.testTrue[b]);
    });
    const std::size_t top = std::max<std::size_t>(1, n / 10);
    double eTop = 0, eRest = 0;
    for (std::size_t k = 0; k < n; ++k) {
        const double e = c.testPred[idx[k]] - c.testTrue[idx[k]];
        (k < top ? eTop : eRest) += e * e;
    }
    eTop = std::sqrt(eTop / static_cast<double>(top));
    eRest = n > top ? std::sqrt(eRest / static_cast<double>(n - top)) : 0;
    if (eTop > 2 * eRest)
        add("the largest errors at the high-energy end (RMSE " + fmt(eTop, 1) +
            " kcal/mol on the tenth with the largest |E|, " + fmt(eRest, 1) + " on the rest)");
    if (where.empty())
        add("errors spread over the whole energy range");
    c.verdict = "outside the reference's seed spread: test RMSE " + fmt(r) + " is " +
                fmt(r / m, 1) + "x the reference's " + fmt(m) + " (" + spread + "); " + where;
}

std::vector<std::string> modelFilesIn(const std::string& dir) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name.empty() || name[0] == '.' || !e.is_regular_file())
            continue;
        files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

void writeCheckCsv(const std::vector<ModelCheck>& checks, const std::string& path) {
    std::ostringstream s;
    s << "file,kind,test_rmse_kcal,test_mae_kcal,test_r2,scale,inside,verdict,error\n";
    for (const auto& c : checks) {
        s << csvField(c.name) << "," << csvField(c.kind) << ",";
        if (c.ok)
            s << fmt(c.test.rmse, 4) << "," << fmt(c.test.mae, 4) << "," << fmt(c.test.r2, 6) << ","
              << outputScaleText(c.scale) << ","
              << (c.verdict.empty() ? ""
                  : c.inside        ? "yes"
                                    : "no");
        else
            s << ",,,,";
        s << "," << csvField(c.verdict) << "," << csvField(c.error) << "\n";
    }
    writeFileAtomically(path, s.str());
}

} // namespace qm7
