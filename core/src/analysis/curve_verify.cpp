#include "qm7/analysis/curve_verify.h"

#include "qm7/io/dataset.h"
#include "qm7/train/resumable.h"
#include "qm7/train/run_store.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <stdexcept>

namespace fs = std::filesystem;

namespace qm7 {

namespace {

std::string tooFew(const std::string& source, long long have, int need, const char* what) {
    return "cannot measure at n = " + std::to_string(need) + ": " + source + " has " +
           std::to_string(have) + " " + what + ", and training at n = " + std::to_string(need) +
           " needs " + std::to_string(need) +
           (sourceKind(source) == SourceKind::TorchDataset
                ? " (a dataset.pt holds only its own training split: use the molecules it was "
                  "built from, e.g. demo, an .xyz or qm7.mat, to train at larger n)"
                : " (molecules outside the validation and test sets)");
}

/// Indices of the molecules outside validation and test: the training split first.
std::vector<int> poolIndices(const MoleculeSplits& s, int total) {
    std::set<int> used(s.valIndex.begin(), s.valIndex.end());
    used.insert(s.testIndex.begin(), s.testIndex.end());
    used.insert(s.trainIndex.begin(), s.trainIndex.end());
    std::vector<int> pool = s.trainIndex;
    for (int i = 0; i < total; ++i)
        if (!used.count(i))
            pool.push_back(i);
    return pool;
}

} // namespace

std::string verificationProblem(const std::string& source, int largestN,
                                const BuildOptions& options) {
    try {
        if (sourceKind(source) == SourceKind::TorchDataset) {
            const Dataset d = loadDataset(source);
            const auto rows = static_cast<long long>(d.train.rows());
            return rows >= largestN ? "" : tooFew(source, rows, largestN, "training rows");
        }
        const MoleculeSource ms = readMolecules(source, options);
        const MoleculeSplits s = splitMolecules(ms.molecules, options, ms.folds);
        const auto pool =
            static_cast<long long>(poolIndices(s, static_cast<int>(ms.molecules.size())).size());
        return pool >= largestN
                   ? ""
                   : tooFew(source, pool, largestN, "molecules outside validation and test");
    } catch (const std::exception& e) {
        return e.what();
    }
}

Dataset verificationData(const std::string& source, int largestN, const BuildOptions& options) {
    if (sourceKind(source) == SourceKind::TorchDataset) {
        Dataset d = loadDataset(source);
        if (static_cast<long long>(d.train.rows()) < largestN)
            throw std::invalid_argument(
                tooFew(source, static_cast<long long>(d.train.rows()), largestN, "training rows"));
        return d;
    }
    const MoleculeSource ms = readMolecules(source, options);
    const std::string name = sourceKind(source) == SourceKind::Demo ? "demo" : source;
    // The data set the curve was trained on: its validation and test sets and its scale stay.
    BuildResult base = buildDatasetDetailed(ms.molecules, options, ms.folds, name);
    const std::vector<int> pool =
        poolIndices(base.molecules, static_cast<int>(ms.molecules.size()));
    if (static_cast<long long>(pool.size()) < largestN)
        throw std::invalid_argument(tooFew(source, static_cast<long long>(pool.size()), largestN,
                                           "molecules outside validation and test"));
    const std::vector<int> extra(
        pool.begin() + static_cast<std::ptrdiff_t>(base.molecules.trainIndex.size()), pool.end());
    std::vector<Molecule> molecules;
    for (int i : extra)
        molecules.push_back(ms.molecules[i]);
    const std::vector<float> X =
        computeFeatures(molecules, options.representation, base.scale, options.seed, name, extra);
    Dataset d = std::move(base.data);
    d.train.X.insert(d.train.X.end(), X.begin(), X.end());
    for (const Molecule& m : molecules)
        d.train.y.push_back(static_cast<float>(m.energy));
    return d;
}

std::vector<TrainConfig> verifyConfigs(const TrainConfig& base, const std::vector<int>& sizes,
                                       int seeds) {
    return curveConfigs(CurveConfig{base, sizes, seeds});
}

std::string verifyRunDir(const std::string& dir, int n, std::uint64_t seed) {
    char name[64];
    std::snprintf(name, sizeof name, "n%05d-seed%llu", n, static_cast<unsigned long long>(seed));
    return (fs::path(dir) / "verify" / name).string();
}

std::vector<CurveRow> runVerification(const std::string& source, const TrainConfig& base,
                                      const std::vector<int>& sizes, int seeds,
                                      const std::string& dir, const TrainOptions& options,
                                      const BuildOptions& build, int* reused) {
    if (sizes.empty())
        return {};
    const int largest = *std::max_element(sizes.begin(), sizes.end());
    const Dataset data = verificationData(source, largest, build);
    const CurveConfig curve{base, sizes, seeds};
    if (const std::string why = curve.validate(static_cast<int>(data.train.rows())); !why.empty())
        throw std::invalid_argument(why);
    const auto configs = curveConfigs(curve);
    std::vector<std::string> dirs;
    for (const auto& c : configs)
        dirs.push_back(verifyRunDir(dir, c.trainSize, c.seed));
    TrainOptions o = options;
    o.schedule = TrainOptions::Schedule::Queue;
    const auto runs = trainResumable(data, configs, dirs, source, o, 0, reused);
    std::vector<const RunResult*> ptrs;
    for (const auto& r : runs)
        ptrs.push_back(&r);
    return summarizeFinishedCurve(curve, ptrs);
}

std::vector<CurveRow> loadVerification(const std::string& dir) {
    const fs::path folder = fs::path(dir) / "verify";
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        return {};
    std::vector<fs::path> runDirs;
    for (const auto& entry : fs::directory_iterator(folder, ec))
        if (entry.is_directory() && hasFinishedRun(entry.path().string()))
            runDirs.push_back(entry.path());
    std::sort(runDirs.begin(), runDirs.end());
    std::vector<RunResult> runs;
    std::set<int> sizes;
    int seeds = 0;
    for (const auto& d : runDirs) {
        try {
            runs.push_back(loadRun(d.string()));
        } catch (const std::exception&) {
            continue; // a damaged run is left out; training again replaces it
        }
        sizes.insert(runs.back().config.trainSize);
        seeds = std::max(seeds, static_cast<int>(runs.back().config.seed) + 1);
    }
    if (runs.empty())
        return {};
    CurveConfig curve{runs.front().config, {sizes.begin(), sizes.end()}, seeds};
    std::vector<const RunResult*> ptrs;
    for (const auto& r : runs)
        ptrs.push_back(&r);
    return summarizeFinishedCurve(curve, ptrs);
}

} // namespace qm7
