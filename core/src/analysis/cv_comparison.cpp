// The comparison of several cross-validation studies on the same folds: the plan of the
// studies, the loop that runs them, and the table, comparison.csv and comparison.md (one
// writer for both formats).
#include "qm7/analysis/cv_comparison.h"

#include "qm7/util/atomic_file.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace qm7 {

namespace {

/// A number for the CSV; "" when not finite.
std::string csvNumber(double v) {
    if (!std::isfinite(v))
        return "";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

/// "12.34 ± 0.56" (no spread for one fold), "-" when nothing is known.
std::string meanStdText(const MeanStd& m) {
    if (m.n == 0 || !std::isfinite(m.mean))
        return "-";
    char buf[96];
    if (m.n > 1)
        std::snprintf(buf, sizeof buf, "%.2f ± %.2f", m.mean, m.std);
    else
        std::snprintf(buf, sizeof buf, "%.2f", m.mean);
    return buf;
}

std::string anchorText(double v) {
    if (!(v > 0))
        return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

/// Quotes a CSV cell when it holds a comma or a quote.
std::string csvCell(const std::string& text) {
    if (text.find_first_of(",\"\n") == std::string::npos)
        return text;
    std::string q = "\"";
    for (char c : text)
        q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

} // namespace

CvComparisonRow comparisonRow(const std::string& representation, const std::string& network,
                              const std::string& folder, int folds, const CvStudyResult& study) {
    CvComparisonRow row;
    row.representation = representation;
    row.network = network;
    row.folder = folder;
    row.foldsTotal = folds;
    row.foldsDone = static_cast<int>(study.folds.size());
    for (const bool disk : study.fromDisk)
        row.foldsReused += disk ? 1 : 0;
    row.foldsFailed = study.failed;
    row.mae = study.mae;
    row.rmse = study.rmse;
    row.valMae = study.valMae;
    row.seconds = study.seconds;
    return row;
}

bool samePartition(const CvPartition& a, const CvPartition& b) {
    return a.molecules == b.molecules && a.folds == b.folds;
}

std::string comparisonCsv(const std::vector<CvComparisonRow>& rows,
                          const std::vector<CvAnchor>& anchors) {
    std::ostringstream csv;
    csv << "representation,network,folds_done,folds,folds_failed,mae_mean,mae_std,val_mae_mean,"
           "val_mae_std,rmse_mean,rmse_std,seconds_per_fold,folder\n";
    const auto cell = [](const MeanStd& m, double v) { return m.n > 0 ? csvNumber(v) : ""; };
    for (const CvComparisonRow& r : rows) {
        csv << csvCell(r.representation) << ',' << csvCell(r.network) << ',' << r.foldsDone << ','
            << r.foldsTotal << ',' << r.foldsFailed << ',' << cell(r.mae, r.mae.mean) << ','
            << cell(r.mae, r.mae.std) << ',' << cell(r.valMae, r.valMae.mean) << ','
            << cell(r.valMae, r.valMae.std) << ',' << cell(r.rmse, r.rmse.mean) << ','
            << cell(r.rmse, r.rmse.std) << ',' << cell(r.seconds, r.seconds.mean) << ','
            << csvCell(r.folder) << '\n';
    }
    for (const CvAnchor& a : anchors)
        csv << csvCell(a.method) << ",published,,,," << (a.mae > 0 ? csvNumber(a.mae) : "")
            << ",,,," << (a.rmse > 0 ? csvNumber(a.rmse) : "") << ",,," << csvCell(a.source)
            << '\n';
    return csv.str();
}

std::string comparisonMarkdown(const std::string& title, const std::vector<CvComparisonRow>& rows,
                               const std::vector<CvAnchor>& anchors) {
    std::ostringstream md;
    md << "# " << title << "\n\n";
    md << "| representation | network | test MAE kcal/mol | validation MAE kcal/mol | test RMSE "
          "kcal/mol | folds | s per fold |\n";
    md << "| --- | --- | --- | --- | --- | --- | --- |\n";
    for (const CvComparisonRow& r : rows) {
        char time[32] = "-";
        if (r.seconds.n > 0 && std::isfinite(r.seconds.mean))
            std::snprintf(time, sizeof time, "%.1f", r.seconds.mean);
        md << "| " << r.representation << " | " << r.network << " | " << meanStdText(r.mae) << " | "
           << meanStdText(r.valMae) << " | " << meanStdText(r.rmse) << " | " << r.foldsDone << "/"
           << r.foldsTotal
           << (r.foldsFailed > 0 ? " (" + std::to_string(r.foldsFailed) + " failed: NaN)" : "")
           << " | " << time << " |\n";
    }
    md << "\nMean ± standard deviation over the folds that did not fail (test fold of each; the "
          "validation MAE is of the weights tested); every study uses the same partition.\n\n";
    md << "Published anchors (QM7, each with its setting):\n\n";
    md << "| method | MAE kcal/mol | RMSE kcal/mol | source |\n";
    md << "| --- | --- | --- | --- |\n";
    for (const CvAnchor& a : anchors)
        md << "| " << a.method << " | " << anchorText(a.mae) << " | " << anchorText(a.rmse) << " | "
           << a.source << " |\n";
    return md.str();
}

void writeComparison(const std::string& dir, const std::string& title,
                     const std::vector<CvComparisonRow>& rows,
                     const std::vector<CvAnchor>& anchors) {
    namespace fs = std::filesystem;
    fs::create_directories(dir);
    writeFileAtomically((fs::path(dir) / "comparison.csv").string(), comparisonCsv(rows, anchors));
    writeFileAtomically((fs::path(dir) / "comparison.md").string(),
                        comparisonMarkdown(title, rows, anchors));
}

std::vector<CvComparisonStudy> planComparison(const CvComparisonSettings& s) {
    namespace fs = std::filesystem;
    if (s.folds < 2)
        throw std::invalid_argument("the number of folds must be at least 2");
    if (s.trainSize < 0)
        throw std::invalid_argument("the training size must be 0 (all) or positive");
    if (s.paperSteps < 0)
        throw std::invalid_argument("the paper network's steps must be positive");
    if (const std::string why = s.mlp.validate(); !why.empty())
        throw std::invalid_argument(why);
    if (s.representations.empty() && !s.paper)
        throw std::invalid_argument("nothing to compare: no representation and no paper network");
    CvStudyConfig base;
    base.sourceName = s.sourceName;
    base.folds = s.folds;
    base.trainSize = s.trainSize;
    base.settings.seed = s.seed;
    base.settings.mlp = s.mlp;
    base.settings.mlp.seed = s.seed;
    base.settings.trainOptions.threads = s.threads;
    std::vector<CvComparisonStudy> plan;
    for (const Representation rep : s.representations) {
        CvComparisonStudy p{base, representationName(rep),
                            "1 x " + std::to_string(s.mlp.hidden) + " (mlp)", ""};
        p.config.model = CvModel::Mlp;
        p.config.settings.representation = rep;
        p.folder = "cv-mlp-" + p.representation;
        p.config.out = (fs::path(s.out) / p.folder).string();
        plan.push_back(p);
    }
    if (s.paper) {
        CvComparisonStudy p{base, "random-sorted + expanded", "", "cv-paper"};
        p.config.model = CvModel::Paper;
        if (s.paperSteps > 0)
            p.config.settings.paper.steps = s.paperSteps;
        if (p.config.settings.paper.evalEvery > p.config.settings.paper.steps)
            p.config.settings.paper.evalEvery = p.config.settings.paper.steps;
        if (const std::string bad = p.config.settings.paper.validate(); !bad.empty())
            throw std::invalid_argument(bad);
        std::string layers;
        for (const int width : p.config.settings.paper.layers)
            layers += (layers.empty() ? "" : "-") + std::to_string(width);
        p.network =
            "paper " + layers + " (" + std::to_string(p.config.settings.paper.steps) + " steps)";
        p.config.out = (fs::path(s.out) / p.folder).string();
        plan.push_back(p);
    }
    return plan;
}

std::string comparisonTitle(const CvComparisonSettings& s) {
    return "Representations x networks, " + std::to_string(s.folds) + "-fold cross-validation on " +
           s.sourceName;
}

CvComparisonResult runComparison(const MoleculeSource& source, const CvComparisonSettings& settings,
                                 const std::vector<CvComparisonStudy>& plan,
                                 const CvComparisonCallbacks& callbacks, TrainControl* control) {
    CvComparisonResult out;
    CvPartition first;
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const CvComparisonStudy& p = plan[i];
        CvStudyObserver* observer = callbacks.studyStarts ? callbacks.studyStarts(i, p) : nullptr;
        const CvStudyResult result = runCvStudy(source, p.config, observer, control);
        if (i == 0)
            first = result.partition;
        else if (!samePartition(first, result.partition))
            throw std::invalid_argument(p.config.out + "/partition.json holds other folds than " +
                                        plan[0].config.out +
                                        "/partition.json: use a fresh results folder");
        out.rows.push_back(
            comparisonRow(p.representation, p.network, p.folder, settings.folds, result));
        if (callbacks.studyDone)
            callbacks.studyDone(i, out.rows.back());
        if (result.cancelled || (control && control->cancel.load())) {
            out.cancelled = true;
            break;
        }
    }
    writeComparison(settings.out, comparisonTitle(settings), out.rows, publishedAnchors());
    return out;
}

} // namespace qm7
