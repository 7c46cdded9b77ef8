// qm7 invariance --folds K: the one-hidden-layer network on every representation and the
// paper's network, each a resumable cross-validation study in <out>/cv-*, on one partition;
// then the comparison table written by core (comparison.csv, comparison.md).
#include "invariance_cv.h"

#include "commands.h"

#include "qm7/analysis/cv_comparison.h"
#include "qm7/analysis/cv_study.h"
#include "qm7/chem/dataset_builder.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

namespace qm7::cli {

namespace {

namespace fs = std::filesystem;

/// A progress bar per trained fold and a line per finished fold, on stderr.
class StudyProgress : public CvStudyObserver {
  public:
    StudyProgress(std::string label, int epochs) : m_label(std::move(label)), m_epochs(epochs) {}
    void onFoldStart(int fold, const FoldSplit& split) override {
        m_bar = std::make_unique<ProgressBar>(m_label + " fold " + std::to_string(fold));
        std::cerr << m_label << " fold " << fold << ": training on " << split.train.size()
                  << " molecules\n";
    }
    void onEpoch(const EpochStats& s) override {
        if (m_bar)
            m_bar->update(s.epoch, m_epochs, "epoch " + std::to_string(s.epoch));
    }
    void onDeepProgress(long long step, long long total, double) override {
        if (m_bar)
            m_bar->update(step, total, "step " + std::to_string(step));
    }
    void onFoldDone(const FoldResult& r, bool fromDisk) override {
        finish();
        char line[200];
        std::snprintf(line, sizeof line, "%s fold %d: MAE %.2f, RMSE %.2f kcal/mol%s\n",
                      m_label.c_str(), r.fold, r.test.mae, r.test.rmse,
                      fromDisk ? " (reused from disk)" : "");
        std::cerr << line;
    }
    void finish() {
        if (m_bar)
            m_bar->finish();
        m_bar.reset();
    }

  private:
    std::string m_label;
    int m_epochs;
    std::unique_ptr<ProgressBar> m_bar;
};

} // namespace

int runInvarianceCv(const InvarianceCvOptions& o) {
    if (o.folds < 2)
        throw UsageError("--folds must be at least 2");
    if (o.trainSize < 0)
        throw UsageError("--train-size must be 0 (all) or positive");
    if (o.paperSteps < 0)
        throw UsageError("--paper-steps must be positive");
    const std::string why = o.config.validate();
    if (!why.empty())
        throw UsageError(why);
    std::vector<Representation> kinds;
    try {
        for (const std::string& name : o.representations)
            kinds.push_back(parseRepresentation(name));
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    if (kinds.empty() && !o.paper)
        throw UsageError("nothing to compare: give --representations or drop --no-paper");

    // The studies: one per representation, then the paper's network.
    struct Planned {
        CvStudyConfig config;
        std::string representation, network;
    };
    std::vector<Planned> plan;
    CvStudyConfig base;
    base.sourceName = o.from;
    base.folds = o.folds;
    base.trainSize = o.trainSize;
    base.settings.seed = o.seed;
    base.settings.mlp = o.config;
    base.settings.mlp.seed = o.seed;
    base.settings.trainOptions.threads = o.threads;
    for (const Representation rep : kinds) {
        Planned p{base, representationName(rep),
                  "1 x " + std::to_string(o.config.hidden) + " (mlp)"};
        p.config.model = CvModel::Mlp;
        p.config.settings.representation = rep;
        p.config.out = (fs::path(o.out) / ("cv-mlp-" + p.representation)).string();
        plan.push_back(p);
    }
    if (o.paper) {
        Planned p{base, "random-sorted + expanded", ""};
        p.config.model = CvModel::Paper;
        if (o.paperSteps > 0)
            p.config.settings.paper.steps = o.paperSteps;
        if (p.config.settings.paper.evalEvery > p.config.settings.paper.steps)
            p.config.settings.paper.evalEvery = p.config.settings.paper.steps;
        if (const std::string bad = p.config.settings.paper.validate(); !bad.empty())
            throw UsageError(bad);
        std::string layers;
        for (const int width : p.config.settings.paper.layers)
            layers += (layers.empty() ? "" : "-") + std::to_string(width);
        p.network =
            "paper " + layers + " (" + std::to_string(p.config.settings.paper.steps) + " steps)";
        p.config.out = (fs::path(o.out) / "cv-paper").string();
        plan.push_back(p);
    }

    MoleculeSource source;
    try {
        source = readMolecules(o.from);
    } catch (const MoleculeError& e) {
        throw UsageError(e.what());
    }
    ensureWritableDir(o.out);
    setUpNumerics();
    std::cerr << "comparison on " << o.from << ": " << source.molecules.size() << " molecules, "
              << o.folds << " folds, " << plan.size() << " studies in " << o.out << "\n";

    std::vector<CvComparisonRow> rows;
    CvPartition first;
    bool cancelled = false;
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const Planned& p = plan[i];
        const std::string label = p.representation + " / " + p.network;
        StudyProgress progress(label, o.config.epochs);
        CvStudyResult result;
        try {
            result = runCvStudy(source, p.config, &progress, &interruptControl());
        } catch (const std::invalid_argument& e) {
            progress.finish();
            throw UsageError(e.what());
        }
        progress.finish();
        if (i == 0)
            first = result.partition;
        else if (!samePartition(first, result.partition))
            throw UsageError(p.config.out + "/partition.json holds other folds than " +
                             plan[0].config.out + "/partition.json: use a fresh --out");
        rows.push_back(comparisonRow(p.representation, p.network,
                                     fs::relative(p.config.out, o.out).string(), o.folds, result));
        const int reused = rows.back().foldsReused;
        std::cerr << label << ": " << rows.back().foldsDone << " fold(s), " << reused
                  << " reused from disk, " << rows.back().foldsDone - reused << " trained now\n";
        if (result.cancelled || interrupted()) {
            cancelled = true;
            break;
        }
    }

    const std::string title = "Representations x networks, " + std::to_string(o.folds) +
                              "-fold cross-validation on " + o.from;
    writeComparison(o.out, title, rows, publishedAnchors());
    std::cout << comparisonMarkdown(title, rows, publishedAnchors()) << "\nwritten to " << o.out
              << "/comparison.csv and comparison.md\n";
    if (cancelled) {
        std::cerr << "interrupted; finished folds are in " << o.out
                  << "; the same command continues\n";
        return kInterrupted;
    }
    return kOk;
}

} // namespace qm7::cli
