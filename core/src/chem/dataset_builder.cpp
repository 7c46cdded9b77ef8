#include "qm7/chem/dataset_builder.h"

#include "qm7/chem/dataset_representation.h"

#include "qm7/chem/mat_reader.h"
#include "qm7/chem/xyz_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace fs = std::filesystem;

namespace qm7 {

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    if (s.size() < suffix.size())
        return false;
    return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
    });
}

/// Seeds of the stored random-sorted draw (distinct from any augmentation draw).
constexpr std::uint64_t kDatasetDrawStream = 0x6461746173657400ULL;

std::string executableDir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : exe.parent_path().string();
}

} // namespace

SplitSpec parseSplit(const std::string& text) {
    SplitSpec spec;
    std::vector<double> values;
    std::stringstream ss(text);
    std::string part;
    while (std::getline(ss, part, ',')) {
        const auto first = part.find_first_not_of(" \t");
        const auto last = part.find_last_not_of(" \t");
        part = first == std::string::npos ? std::string() : part.substr(first, last - first + 1);
        char* end = nullptr;
        const double v = std::strtod(part.c_str(), &end);
        if (part.empty() || *end != '\0' || !std::isfinite(v) || v < 0)
            throw std::invalid_argument("bad split '" + text +
                                        "': expected three sizes like 1500,500,1000 or "
                                        "fractions like 0.8,0.1,0.1");
        values.push_back(v);
    }
    if (values.size() != 3)
        throw std::invalid_argument("bad split '" + text +
                                    "': expected three values (train, "
                                    "validation, test), found " +
                                    std::to_string(values.size()));
    const bool fractions =
        std::all_of(values.begin(), values.end(), [](double v) { return v < 1.0; }) ||
        std::any_of(values.begin(), values.end(), [](double v) { return v != std::floor(v); });
    if (fractions) {
        const double sum = values[0] + values[1] + values[2];
        if (sum > 1.0 + 1e-9)
            throw std::invalid_argument("bad split '" + text +
                                        "': fractions must add up to at most 1");
    }
    if (values[0] <= 0 || values[1] <= 0 || values[2] <= 0)
        throw std::invalid_argument("bad split '" + text + "': every split needs molecules");
    spec.fractions = fractions;
    std::copy(values.begin(), values.end(), spec.values.begin());
    return spec;
}

std::array<int, 3> splitSizes(const SplitSpec& spec, int available) {
    std::array<int, 3> sizes{};
    if (spec.fractions) {
        const double sum = spec.values[0] + spec.values[1] + spec.values[2];
        for (int k = 0; k < 3; ++k)
            sizes[k] = static_cast<int>(std::floor(spec.values[k] * available + 1e-9));
        if (std::fabs(sum - 1.0) < 1e-9) // all molecules: the rounding remainder goes to test
            sizes[2] = available - sizes[0] - sizes[1];
    } else {
        for (int k = 0; k < 3; ++k)
            sizes[k] = static_cast<int>(spec.values[k]);
    }
    if (sizes[0] < 1 || sizes[1] < 1 || sizes[2] < 1)
        throw std::invalid_argument("the split leaves a split without molecules (" +
                                    std::to_string(available) + " molecules available)");
    if (static_cast<long long>(sizes[0]) + sizes[1] + sizes[2] > available)
        throw std::invalid_argument(
            "the split " + std::to_string(sizes[0]) + "," + std::to_string(sizes[1]) + "," +
            std::to_string(sizes[2]) + " needs " +
            std::to_string(static_cast<long long>(sizes[0]) + sizes[1] + sizes[2]) +
            " molecules but only " + std::to_string(available) + " are available");
    return sizes;
}

MoleculeSplits splitMolecules(const std::vector<Molecule>& molecules, const BuildOptions& options,
                              const std::vector<std::vector<int>>& folds) {
    MoleculeSplits out;
    const int n = static_cast<int>(molecules.size());
    if (options.useFolds) {
        if (folds.size() < 3)
            throw std::invalid_argument("official folds need a qm7.mat with at least 3 folds "
                                        "(variable P); this source has " +
                                        std::to_string(folds.size()));
        const int k = static_cast<int>(folds.size());
        if (options.testFold < 0 || options.testFold >= k)
            throw std::invalid_argument("test fold " + std::to_string(options.testFold) +
                                        " does not exist (folds 0.." + std::to_string(k - 1) + ")");
        const int valFold = (options.testFold + 1) % k;
        for (int f = 0; f < k; ++f) {
            auto& target = f == options.testFold ? out.testIndex
                           : f == valFold        ? out.valIndex
                                                 : out.trainIndex;
            for (int i : folds[f]) {
                if (i < 0 || i >= n)
                    throw std::invalid_argument("fold " + std::to_string(f) + " holds molecule " +
                                                std::to_string(i) + ", outside 0.." +
                                                std::to_string(n - 1));
                target.push_back(i);
            }
        }
    } else {
        const std::array<int, 3> sizes = splitSizes(options.split, n);
        const std::vector<int> order = randomAtomOrder(n, options.seed);
        out.trainIndex.assign(order.begin(), order.begin() + sizes[0]);
        out.valIndex.assign(order.begin() + sizes[0], order.begin() + sizes[0] + sizes[1]);
        out.testIndex.assign(order.begin() + sizes[0] + sizes[1],
                             order.begin() + sizes[0] + sizes[1] + sizes[2]);
    }
    if (out.trainIndex.empty() || out.valIndex.empty() || out.testIndex.empty())
        throw std::invalid_argument("a split is empty");
    for (int i : out.trainIndex)
        out.train.push_back(molecules[i]);
    for (int i : out.valIndex)
        out.val.push_back(molecules[i]);
    for (int i : out.testIndex)
        out.test.push_back(molecules[i]);
    return out;
}

namespace {

/// Feature rows in double precision, before scaling.
std::vector<double> featureRows(const std::vector<Molecule>& molecules,
                                const RepresentationOptions& representation, std::uint64_t seed,
                                const std::string& source, const std::vector<int>& sourceIndex,
                                const std::function<void(int)>& onMolecule) {
    const auto d = static_cast<std::size_t>(featureSize(representation));
    std::vector<double> X(molecules.size() * d);
    for (std::size_t i = 0; i < molecules.size(); ++i) {
        const int index = i < sourceIndex.size() ? sourceIndex[i] : static_cast<int>(i);
        std::vector<double> f;
        try {
            f = features(molecules[i], representation,
                         Rng::mix(seed, kDatasetDrawStream, static_cast<std::uint64_t>(index)));
        } catch (const MoleculeError& e) {
            throw MoleculeError(source, index + 1, 0, e.problem());
        }
        std::copy(f.begin(), f.end(), X.begin() + static_cast<std::ptrdiff_t>(i * d));
        if (onMolecule)
            onMolecule(static_cast<int>(i));
    }
    return X;
}

std::vector<float> scaled(const std::vector<double>& X, double scale) {
    std::vector<float> out(X.size());
    for (std::size_t i = 0; i < X.size(); ++i)
        out[i] = static_cast<float>(X[i] / scale);
    return out;
}

} // namespace

std::vector<float> computeFeatures(const std::vector<Molecule>& molecules,
                                   const RepresentationOptions& representation, double scale,
                                   std::uint64_t seed, const std::string& source,
                                   const std::vector<int>& sourceIndex,
                                   const std::function<void(int)>& onMolecule) {
    return scaled(featureRows(molecules, representation, seed, source, sourceIndex, onMolecule),
                  scale);
}

BuildResult buildDatasetDetailed(const std::vector<Molecule>& molecules,
                                 const BuildOptions& options,
                                 const std::vector<std::vector<int>>& folds,
                                 const std::string& source) {
    if (molecules.empty())
        throw std::invalid_argument("no molecules to build a data set from");
    if (options.representation.atoms < 1 || options.representation.atoms > 1000)
        throw std::invalid_argument("the padding size must be between 1 and 1000 atoms");
    BuildResult result;
    result.molecules = splitMolecules(molecules, options, folds);
    const MoleculeSplits& s = result.molecules;
    RepresentationOptions rep = options.representation;
    if (rep.kind == Representation::BagOfBonds && !rep.bags) // label-free: fitted on all molecules
        rep.bags = std::make_shared<const BagLayout>(BagLayout::fit(molecules));
    const int d = featureSize(rep);

    const int total = static_cast<int>(s.train.size() + s.val.size() + s.test.size());
    int done = 0;
    int lastReported = -1;
    const auto tick = [&](int) {
        ++done;
        if (options.progress && (done - lastReported >= 100 || done == total)) {
            lastReported = done;
            options.progress(done, total);
        }
    };
    if (options.progress)
        options.progress(0, total);
    // Unscaled first; the scale comes from the training rows.
    const std::vector<double> train =
        featureRows(s.train, rep, options.seed, source, s.trainIndex, tick);
    const std::vector<double> val = featureRows(s.val, rep, options.seed, source, s.valIndex, tick);
    const std::vector<double> test =
        featureRows(s.test, rep, options.seed, source, s.testIndex, tick);
    double scale = 1.0;
    if (options.scale) {
        double largest = 0.0;
        for (double v : train)
            largest = std::max(largest, std::fabs(v));
        if (largest > 0)
            scale = largest;
    }
    const auto finish = [&](const std::vector<double>& X, const std::vector<Molecule>& ms,
                            Split& split) {
        split.X = scaled(X, scale);
        split.y.reserve(ms.size());
        for (const Molecule& m : ms)
            split.y.push_back(static_cast<float>(m.energy));
    };
    finish(train, s.train, result.data.train);
    finish(val, s.val, result.data.val);
    finish(test, s.test, result.data.test);
    result.data.d = d;
    result.data.atoms = rep.atoms;
    result.data.representation = representationName(rep.kind);
    result.data.sourceDtype = "float32";
    result.data.source = source;
    result.scale = scale;
    result.bags = rep.bags;
    return result;
}

Dataset buildDataset(const std::vector<Molecule>& molecules, const BuildOptions& options,
                     const std::vector<std::vector<int>>& folds, const std::string& source) {
    return buildDatasetDetailed(molecules, options, folds, source).data;
}

SourceKind sourceKind(const std::string& path) {
    if (path == "demo")
        return SourceKind::Demo;
    if (endsWith(path, ".pt") || endsWith(path, ".pth"))
        return SourceKind::TorchDataset;
    if (endsWith(path, ".xyz") || endsWith(path, ".xyz.gz") || endsWith(path, ".extxyz") ||
        endsWith(path, ".extxyz.gz"))
        return SourceKind::Xyz;
    if (endsWith(path, ".mat"))
        return SourceKind::Mat;
    return SourceKind::Unknown;
}

MoleculeSource readMolecules(const std::string& path, const BuildOptions& options) {
    MoleculeSource source;
    XyzOptions xyz;
    xyz.energyKey = options.energyKey;
    switch (sourceKind(path)) {
    case SourceKind::Demo: {
        source.path = demoDataPath();
        if (source.path.empty())
            throw MoleculeError("demo", 0, 0,
                                "the bundled demo data (qm7.xyz.gz) was not found; set "
                                "QM7_DEMO_DATA to its path");
        source.molecules = readXyz(source.path, xyz);
        break;
    }
    case SourceKind::Xyz:
        source.path = path;
        source.molecules = readXyz(path, xyz);
        break;
    case SourceKind::Mat: {
        source.path = path;
        MatData mat = readQm7Mat(path);
        source.molecules = std::move(mat.molecules);
        source.folds = std::move(mat.folds);
        break;
    }
    case SourceKind::TorchDataset:
        throw MoleculeError(path, 0, 0, "a .pt data set holds features, not molecules");
    case SourceKind::Unknown:
        throw MoleculeError(path, 0, 0,
                            "unknown kind of file: expected .pt, .xyz, .xyz.gz, .mat or demo");
    }
    return source;
}

BuildResult loadDataSourceDetailed(const std::string& path, const BuildOptions& options) {
    if (sourceKind(path) == SourceKind::TorchDataset) {
        BuildResult result;
        Dataset loaded = loadDataset(path);
        if (options.representation.kind == Representation::CoulombMatrix) {
            result.data = std::move(loaded); // the default: the file's rows as they are
            return result;
        }
        RepresentedData represented =
            representData(loaded, options.representation.kind, options.representation.sigma);
        result.data = std::move(represented.data);
        result.augmentation = std::move(represented.augmentation);
        return result;
    }
    MoleculeSource source = readMolecules(path, options);
    const std::string name = sourceKind(path) == SourceKind::Demo ? "demo" : path;
    BuildResult result = buildDatasetDetailed(source.molecules, options, source.folds, name);
    if (sourceKind(path) == SourceKind::Demo)
        result.data.source = "demo";
    return result;
}

Dataset loadDataSource(const std::string& path, const BuildOptions& options) {
    return loadDataSourceDetailed(path, options).data;
}

std::string demoDataPath() {
    if (const char* env = std::getenv("QM7_DEMO_DATA"); env && *env)
        return env;
    std::vector<fs::path> candidates;
    const std::string exeDir = executableDir();
    if (!exeDir.empty()) {
        const fs::path dir(exeDir);
        candidates.push_back(dir / ".." / "share" / "qm7-workbench" / "demo" / "qm7.xyz.gz");
        candidates.push_back(dir / "demo" / "qm7.xyz.gz");
    }
#ifdef QM7_SOURCE_DEMO
    candidates.emplace_back(QM7_SOURCE_DEMO);
#endif
    for (const fs::path& p : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(p, ec))
            return fs::weakly_canonical(p, ec).string();
    }
    return {};
}

} // namespace qm7
