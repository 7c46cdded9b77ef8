// qm7 invariance --folds K: the one-hidden-layer network on every representation and the
// paper's network, each a resumable cross-validation study in <out>/cv-*, on one partition;
// then the comparison table written by core (comparison.csv, comparison.md).
#include "invariance_cv.h"
#include "fold_progress.h"

#include "commands.h"

#include "qm7/analysis/cv_comparison.h"
#include "qm7/analysis/cv_study.h"
#include "qm7/chem/dataset_builder.h"

#include <cstdio>
#include <iostream>
#include <memory>

namespace qm7::cli {

namespace {

/// A progress bar per trained fold and a line per finished fold, on stderr.
class StudyProgress : public FoldProgress {
  public:
    StudyProgress(std::string study, int epochs)
        : FoldProgress(epochs), m_study(std::move(study)) {}
    void onFoldStart(int fold, const FoldSplit& split) override {
        setLabel(m_study + " fold " + std::to_string(fold));
        FoldProgress::onFoldStart(fold, split);
        std::cerr << label() << ": training on " << split.train.size() << " molecules\n";
    }
    void onFoldDone(const FoldResult& r, bool fromDisk) override {
        finish();
        char line[200];
        std::snprintf(line, sizeof line, "%s fold %d: MAE %.2f, RMSE %.2f kcal/mol%s\n",
                      m_study.c_str(), r.fold, r.test.mae, r.test.rmse,
                      fromDisk ? " (reused from disk)" : "");
        std::cerr << line;
    }

  private:
    std::string m_study;
};

} // namespace

int runInvarianceCv(const InvarianceCvOptions& o) {
    CvComparisonSettings settings;
    settings.sourceName = o.from;
    settings.out = o.out;
    settings.folds = o.folds;
    settings.trainSize = o.trainSize;
    settings.seed = o.seed;
    settings.mlp = o.config;
    settings.threads = o.threads;
    settings.paper = o.paper;
    settings.paperSteps = o.paperSteps;
    std::vector<CvComparisonStudy> plan;
    try {
        for (const std::string& name : o.representations)
            settings.representations.push_back(parseRepresentation(name));
        if (settings.representations.empty() && !o.paper)
            throw UsageError("nothing to compare: give --representations or drop --no-paper");
        plan = planComparison(settings);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
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

    std::unique_ptr<StudyProgress> progress;
    CvComparisonCallbacks callbacks;
    callbacks.studyStarts = [&](std::size_t, const CvComparisonStudy& p) -> CvStudyObserver* {
        progress =
            std::make_unique<StudyProgress>(p.representation + " / " + p.network, o.config.epochs);
        return progress.get();
    };
    callbacks.studyDone = [&](std::size_t, const CvComparisonRow& row) {
        progress->finish();
        std::cerr << row.representation << " / " << row.network << ": " << row.foldsDone
                  << " fold(s), " << row.foldsReused << " reused from disk, "
                  << row.foldsDone - row.foldsReused << " trained now\n";
    };
    CvComparisonResult result;
    try {
        result = runComparison(source, settings, plan, callbacks, &interruptControl());
    } catch (const std::invalid_argument& e) {
        if (progress)
            progress->finish();
        throw UsageError(e.what());
    }

    std::cout << comparisonMarkdown(comparisonTitle(settings), result.rows, publishedAnchors())
              << "\nwritten to " << o.out << "/comparison.csv and comparison.md\n";
    if (result.cancelled || interrupted()) {
        std::cerr << "interrupted; finished folds are in " << o.out
                  << "; the same command continues\n";
        return kInterrupted;
    }
    return kOk;
}

} // namespace qm7::cli
