// A whole cross-validation into a results folder: partition, folds read or trained, mean ± std,
// cv.csv. Shared by `qm7 cv` and the workbench's Cross-validation tab.
#include "qm7/analysis/cv_study.h"

#include "qm7/chem/mat_reader.h"
#include "qm7/util/atomic_file.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
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

/// cv.csv: one row per finished fold (a failed one says so), then the mean and the standard
/// deviation over the folds that did not fail.
void writeCvCsv(const CvStudyResult& study, CvModel model, const std::string& path) {
    const std::string name = cvModelName(model);
    std::ostringstream csv;
    csv << "fold,model,status,train,val,test,test_mae,test_rmse,val_mae,seconds,chosen\n";
    for (const FoldResult& r : study.folds)
        csv << r.fold << ',' << name << ',' << (r.failed() ? "failed" : "ok") << ',' << r.trainRows
            << ',' << r.valRows << ',' << r.testRows << ',' << csvSeconds(r.test.mae) << ','
            << csvSeconds(r.test.rmse) << ',' << csvSeconds(r.valMae) << ','
            << csvSeconds(r.seconds) << ",\"" << r.detail << "\"\n";
    const std::string over =
        std::to_string(study.mae.n) + " of " + std::to_string(study.folds.size()) + " folds";
    csv << "mean,,,,,," << csvSeconds(study.mae.mean) << ',' << csvSeconds(study.rmse.mean) << ','
        << csvSeconds(study.valMae.mean) << ','
        << csvSeconds(study.seconds.n > 0 ? study.seconds.mean : NAN) << ",\"" << over << "\"\n";
    csv << "std,,,,,," << csvSeconds(study.mae.std) << ',' << csvSeconds(study.rmse.std) << ','
        << csvSeconds(study.valMae.std) << ','
        << csvSeconds(study.seconds.n > 0 ? study.seconds.std : NAN) << ",\"" << over << "\"\n";
    writeFileAtomically(path, csv.str());
}

std::string joined(const std::vector<double>& values) {
    std::ostringstream out;
    for (std::size_t i = 0; i < values.size(); ++i)
        out << (i ? "," : "") << values[i];
    return out.str();
}

/// FNV-1a of text, in hex: a short name for a partition.
std::string shortHash(const std::string& text) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    std::ostringstream out;
    out << std::hex << h;
    return out.str();
}

/// "key value" fields of a fingerprint.
std::vector<std::pair<std::string, std::string>> fields(const std::string& fingerprint) {
    std::vector<std::pair<std::string, std::string>> out;
    std::istringstream in(fingerprint);
    std::string item;
    while (std::getline(in, item, ';')) {
        const auto start = item.find_first_not_of(' ');
        if (start == std::string::npos)
            continue;
        item = item.substr(start);
        const auto space = item.find(' ');
        out.emplace_back(item.substr(0, space),
                         space == std::string::npos ? "" : item.substr(space + 1));
    }
    return out;
}

} // namespace

std::string cvFingerprint(const CvStudyConfig& config, const CvPartition& partition) {
    const CvSettings& s = config.settings;
    std::ostringstream out;
    out << "model " << cvModelName(config.model);
    if (config.model != CvModel::Paper && config.model != CvModel::Invariant)
        out << "; representation " << representationName(s.representation) << "; atoms " << s.atoms;
    out << "; validation fraction " << s.valFraction << "; seed " << s.seed << "; training size "
        << config.trainSize << "; partition " << shortHash(partitionToJson(partition));
    switch (config.model) {
    case CvModel::Krr:
        out << "; kernel " << krrKernelName(s.krr.kernel) << "; sigmas " << joined(s.krr.sigmas)
            << "; lambdas " << joined(s.krr.lambdas) << "; refit " << (s.krr.refit ? "yes" : "no");
        break;
    case CvModel::Mlp:
        out << "; hidden " << s.mlp.hidden << "; epochs " << s.mlp.epochs << "; lr " << s.mlp.lr
            << "; batch " << s.mlp.batchSize << "; selection best validation epoch";
        break;
    case CvModel::Paper:
        out << "; steps " << s.paper.steps << "; validation every " << s.paper.evalEvery
            << "; weights tested " << selectName(s.paperOptions.select);
        break;
    case CvModel::Invariant: {
        const InvariantConfig& c = s.invariant;
        out << "; features " << c.features << "; interactions " << c.interactions << "; basis "
            << c.basis << "; cutoff " << c.cutoff << "; epochs " << c.epochs << "; steps "
            << c.steps << "; batch " << c.batchSize << "; lr " << c.lr << " to " << c.lrFinal
            << "; validation every " << c.evalEvery << " epochs; weights tested best-val-mse";
        break;
    }
    }
    return out.str();
}

std::string fingerprintDifference(const std::string& stored, const std::string& now) {
    const auto a = fields(stored), b = fields(now);
    std::string out;
    const auto add = [&out](const std::string& text) { out += (out.empty() ? "" : ", ") + text; };
    for (const auto& [key, value] : b) {
        const auto it = std::find_if(a.begin(), a.end(),
                                     [&key = key](const auto& f) { return f.first == key; });
        if (it == a.end())
            add(key + " not recorded, now " + value);
        else if (it->second != value)
            add(key + " " + it->second + ", now " + value);
    }
    for (const auto& [key, value] : a) {
        const bool kept =
            std::any_of(b.begin(), b.end(), [&key = key](const auto& f) { return f.first == key; });
        if (!kept)
            add(key + " " + value + ", now none");
    }
    return out;
}

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
    settings.fingerprint = cvFingerprint(config, study.partition);
    const std::string modelName = cvModelName(config.model);
    std::vector<double> maes, rmses, valMaes, seconds;
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
            if (fromDisk && r.fingerprint.empty()) {
                obs->onFoldNote(k, dir + " was written before settings were recorded: reused as "
                                         "it is (remove it to train the fold again)");
            } else if (fromDisk && r.fingerprint != settings.fingerprint) {
                const std::string diff = fingerprintDifference(r.fingerprint, settings.fingerprint);
                if (config.model == CvModel::Paper)
                    throw std::invalid_argument(
                        dir + " was trained with other settings (" + diff +
                        "): its checkpoint cannot continue with these; use another results "
                        "folder or remove " +
                        dir);
                obs->onFoldNote(k, dir + " was trained with other settings (" + diff +
                                       "): training it again");
                fromDisk = false;
            }
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
        study.failed += r.failed() ? 1 : 0;
        maes.push_back(r.failed() ? NAN : r.test.mae);
        rmses.push_back(r.failed() ? NAN : r.test.rmse);
        valMaes.push_back(r.failed() ? NAN : r.valMae);
        seconds.push_back(r.seconds);
    }
    study.mae = meanStd(maes);
    study.rmse = meanStd(rmses);
    study.valMae = meanStd(valMaes);
    study.seconds = meanStd(seconds);
    if (!study.folds.empty())
        writeCvCsv(study, config.model, (fs::path(config.out) / "cv.csv").string());
    return study;
}

} // namespace qm7
