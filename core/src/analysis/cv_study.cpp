// A whole cross-validation into a results folder: partition, folds read or trained, mean ± std,
// cv.csv. Shared by `qm7 cv` and the workbench's Cross-validation tab.
#include "qm7/analysis/cv_study.h"

#include "qm7/chem/mat_reader.h"
#include "qm7/util/atomic_file.h"

#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace qm7 {

namespace {

namespace fs = std::filesystem;

/// Forwards the one-hidden-layer network's epochs to the study's observer.
class EpochForward : public TrainObserver {
  public:
    explicit EpochForward(CvStudyObserver* observer) : m_observer(observer) {}
    void onEpoch(const EpochStats& s) override { m_observer->onEpoch(s); }

  private:
    CvStudyObserver* m_observer;
};

/// Forwards the paper network's progress to the study's observer.
class DeepForward : public DeepObserver {
  public:
    explicit DeepForward(CvStudyObserver* observer) : m_observer(observer) {}
    void onEval(const DeepStats& s) override { m_observer->onDeepEval(s); }
    void onProgress(long long step, long long total, double seconds) override {
        m_observer->onDeepProgress(step, total, seconds);
    }

  private:
    CvStudyObserver* m_observer;
};

std::string csvSeconds(double seconds) {
    if (!std::isfinite(seconds))
        return "";
    std::ostringstream out;
    out << seconds;
    return out.str();
}

/// cv.csv: one row per finished fold, then the mean and the standard deviation.
void writeCvCsv(const CvStudyResult& study, CvModel model, const std::string& path) {
    const std::string name = cvModelName(model);
    std::ostringstream csv;
    csv << "fold,model,train,val,test,test_mae,test_rmse,seconds,chosen\n";
    for (const FoldResult& r : study.folds)
        csv << r.fold << ',' << name << ',' << r.trainRows << ',' << r.valRows << ',' << r.testRows
            << ',' << r.test.mae << ',' << r.test.rmse << ',' << csvSeconds(r.seconds) << ",\""
            << r.detail << "\"\n";
    csv << "mean,,,,," << study.mae.mean << ',' << study.rmse.mean << ','
        << csvSeconds(study.seconds.n > 0 ? study.seconds.mean : NAN) << ",\n";
    csv << "std,,,,," << study.mae.std << ',' << study.rmse.std << ','
        << csvSeconds(study.seconds.n > 0 ? study.seconds.std : NAN) << ",\n";
    writeFileAtomically(path, csv.str());
}

} // namespace

CvPartition studyPartition(const CvStudyConfig& config, const MoleculeSource& source, int* unused) {
    const int n = static_cast<int>(source.molecules.size());
    const fs::path saved = fs::path(config.out) / "partition.json";
    if (unused)
        *unused = 0;
    const auto readSaved = [&]() {
        CvPartition p = partitionFromJson(readFile(saved.string()));
        if (p.molecules != n)
            throw std::invalid_argument(
                saved.string() + " partitions " + std::to_string(p.molecules) + " molecules but " +
                config.sourceName + " has " + std::to_string(n) + ": use another results folder");
        if (static_cast<int>(p.folds.size()) != config.folds)
            throw std::invalid_argument(saved.string() + " has " + std::to_string(p.folds.size()) +
                                        " folds, not " + std::to_string(config.folds));
        if (unused)
            *unused = validatePartition(p);
        return p;
    };
    if (fs::exists(saved))
        return readSaved();
    CvPartition p;
    std::string matPath = config.foldsFrom;
    std::vector<std::vector<int>> folds = source.folds;
    if (!matPath.empty())
        folds = readQm7Mat(matPath).folds;
    else if (!folds.empty())
        matPath = config.sourceName;
    if (!folds.empty()) {
        p.folds = folds;
        p.origin = "P of " + fs::path(matPath).filename().string();
        p.molecules = n;
        int none = 0;
        try {
            none = validatePartition(p);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument("the folds P of " + matPath + " do not fit " +
                                        config.sourceName + ": " + e.what());
        }
        if (static_cast<int>(p.folds.size()) != config.folds)
            throw std::invalid_argument(matPath + " has " + std::to_string(p.folds.size()) +
                                        " folds (P), not " + std::to_string(config.folds));
        if (unused)
            *unused = none;
    } else {
        p = seededPartition(n, config.folds, config.settings.seed);
    }
    // Created once: tasks of a job array starting together all use the first one written.
    if (!createFileIfAbsent(saved.string(), partitionToJson(p)))
        return readSaved();
    return p;
}

CvStudyResult runCvStudy(const MoleculeSource& source, const CvStudyConfig& config,
                         CvStudyObserver* observer, TrainControl* control) {
    if (config.folds < 2)
        throw std::invalid_argument("cross-validation needs at least 2 folds");
    if (config.onlyFold < -1 || config.onlyFold >= config.folds)
        throw std::invalid_argument("the fold must be between 0 and " +
                                    std::to_string(config.folds - 1));
    if (config.trainSize < 0)
        throw std::invalid_argument("the training size must be 0 (all) or positive");
    CvStudyObserver silent;
    CvStudyObserver* obs = observer ? observer : &silent;
    fs::create_directories(config.out);

    CvStudyResult study;
    study.partition = studyPartition(config, source, &study.unused);
    obs->onPartition(study.partition, study.unused);

    EpochForward epochs(obs);
    DeepForward deep(obs);
    CvSettings settings = config.settings;
    settings.trainOptions.observer = &epochs;
    settings.paperOptions.observer = &deep;
    settings.krrProgress = [obs](int done, int total) { obs->onKrrProgress(done, total); };
    settings.control = control;
    const std::string modelName = cvModelName(config.model);
    std::vector<double> maes, rmses, seconds;
    for (int k = 0; k < config.folds; ++k) {
        if (config.onlyFold >= 0 && k != config.onlyFold)
            continue;
        if (control && control->cancel.load()) {
            study.cancelled = true;
            break;
        }
        const std::string dir = (fs::path(config.out) / ("fold-" + std::to_string(k))).string();
        const fs::path resultFile = fs::path(dir) / "result.json";
        FoldResult r;
        bool fromDisk = false;
        if (fs::exists(resultFile)) {
            r = foldResultFromJson(readFile(resultFile.string()));
            if (r.model != config.model)
                throw std::invalid_argument(dir + " holds a " + cvModelName(r.model) +
                                            " result, not " + modelName +
                                            ": use another results folder");
            fromDisk = !r.cancelled;
        }
        if (!fromDisk) {
            FoldSplit split = foldSplit(study.partition, k, settings.valFraction, settings.seed);
            if (config.trainSize > 0 && config.trainSize < static_cast<int>(split.train.size()))
                split.train.resize(static_cast<std::size_t>(config.trainSize));
            obs->onFoldStart(k, split);
            r = runFold(source.molecules, split, k, config.model, settings, dir);
        }
        if (r.cancelled) {
            study.cancelled = true;
            break;
        }
        obs->onFoldDone(r, fromDisk);
        study.folds.push_back(r);
        study.fromDisk.push_back(fromDisk);
        maes.push_back(r.test.mae);
        rmses.push_back(r.test.rmse);
        seconds.push_back(r.seconds);
    }
    study.mae = meanStd(maes);
    study.rmse = meanStd(rmses);
    study.seconds = meanStd(seconds);
    if (!study.folds.empty())
        writeCvCsv(study, config.model, (fs::path(config.out) / "cv.csv").string());
    return study;
}

} // namespace qm7
