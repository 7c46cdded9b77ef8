// The learning-curve figure of several models: each point a one-fold cross-validation study
// with a training size, in its own folder; the curves read back from those folders.
#include "qm7/analysis/model_curves.h"

#include "qm7/util/atomic_file.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>

namespace qm7 {

namespace fs = std::filesystem;

std::string curveModelKey(const CurveModelSpec& spec) {
    switch (spec.model) {
    case CvModel::Paper:
        return "paper";
    case CvModel::Invariant:
        return "invariant";
    case CvModel::Krr:
    case CvModel::Mlp:
        break;
    }
    return cvModelName(spec.model) + "-" + representationName(spec.representation);
}

std::string curveModelLabel(const CurveModelSpec& spec) {
    const std::string rep = spec.representation == Representation::BagOfBonds ? "Bag of Bonds"
                            : spec.representation == Representation::Sorted
                                ? "sorted CM"
                                : representationName(spec.representation);
    switch (spec.model) {
    case CvModel::Krr:
        return "KRR, " + rep;
    case CvModel::Mlp:
        return "one hidden layer, " + rep;
    case CvModel::Paper:
        return "Montavon et al. 2012 network";
    case CvModel::Invariant:
        return "invariant network";
    }
    return cvModelName(spec.model);
}

CurveModelSpec parseCurveModel(const std::string& key) {
    if (key == "paper")
        return {CvModel::Paper, Representation::RandomSorted};
    if (key == "invariant")
        return {CvModel::Invariant, Representation::Sorted};
    if (key == "mlp")
        return {CvModel::Mlp, Representation::Sorted};
    const auto dash = key.find('-');
    const std::string model = key.substr(0, dash);
    if ((model == "krr" || model == "mlp") && dash != std::string::npos) {
        try {
            const Representation rep = parseRepresentation(key.substr(dash + 1));
            if (!(model == "krr" && rep == Representation::RandomSorted))
                return {model == "krr" ? CvModel::Krr : CvModel::Mlp, rep};
        } catch (const std::invalid_argument&) {
        }
    }
    throw std::invalid_argument("unknown model '" + key +
                                "': choose krr-sorted, krr-bob, mlp-sorted, mlp-bob (or another "
                                "representation after krr- or mlp-), paper or invariant");
}

std::vector<CurveModelSpec> defaultCurveModels() {
    return {{CvModel::Krr, Representation::Sorted},
            {CvModel::Krr, Representation::BagOfBonds},
            {CvModel::Mlp, Representation::Sorted},
            {CvModel::Paper, Representation::RandomSorted},
            {CvModel::Invariant, Representation::Sorted}};
}

std::vector<int> parseCurveSizes(const std::string& text) {
    std::vector<int> out;
    std::string piece;
    const auto flush = [&] {
        if (piece.empty())
            return;
        if (piece == "all") {
            out.push_back(0);
        } else {
            if (piece.find_first_not_of("0123456789") != std::string::npos || piece.size() > 9)
                throw std::invalid_argument("training sizes are numbers of molecules or 'all', "
                                            "not '" +
                                            piece + "'");
            out.push_back(std::stoi(piece));
        }
        piece.clear();
    };
    for (const char c : text) {
        if (c == ',' || c == ' ' || c == '\t')
            flush();
        else
            piece += c;
    }
    flush();
    return out;
}

std::string validateModelCurves(const ModelCurvesConfig& config) {
    if (config.sizes.empty())
        return "give at least one training size";
    for (std::size_t i = 0; i < config.sizes.size(); ++i) {
        const int n = config.sizes[i];
        if (n == 0 && i + 1 != config.sizes.size())
            return "'all' (size 0) must be the last training size";
        if (n < 0 || n == 1)
            return "training sizes must be at least 2 molecules (or all), not " + std::to_string(n);
        if (i > 0 && n != 0 && n <= config.sizes[i - 1])
            return "training sizes must increase: " + std::to_string(config.sizes[i - 1]) +
                   " then " + std::to_string(n);
    }
    if (config.models.empty())
        return "give at least one model";
    std::set<std::string> seen;
    for (const CurveModelSpec& m : config.models)
        if (!seen.insert(curveModelKey(m)).second)
            return "model " + curveModelKey(m) + " is listed twice";
    if (config.folds < 2)
        return "the partition needs at least 2 folds";
    if (config.fold < 0 || config.fold >= config.folds)
        return "the test fold must be between 0 and " + std::to_string(config.folds - 1);
    if (!(config.valFraction > 0 && config.valFraction < 1))
        return "the validation fraction must be between 0 and 1";
    if (config.paperSteps < 1)
        return "the paper's network needs at least one step";
    if (config.invariantMinSteps < 0)
        return "the invariant network's minimum steps cannot be negative";
    if (!(config.checkpointSeconds > 0))
        return "the checkpoint interval must be positive";
    for (const CurveModelSpec& m : config.models)
        if (m.model == CvModel::Mlp) {
            const std::string why = config.mlp.validate();
            if (!why.empty())
                return why;
        }
    return "";
}

namespace {

std::string sizeName(int size) {
    return size == 0 ? "all" : std::to_string(size);
}

std::string pointFolder(const std::string& out, const std::string& key, int size) {
    return (fs::path(out) / (key + "-n" + sizeName(size))).string();
}

/// The invariant network's epochs at a training size: its 80 (or the configured number), more
/// when they would make fewer than minSteps minibatch steps; validation about as often.
void invariantBudget(InvariantConfig& c, int trainRows, long long minSteps) {
    const int base = c.epochs;
    const long long perEpoch = std::max(1, (trainRows + c.batchSize - 1) / c.batchSize);
    const long long needed = (minSteps + perEpoch - 1) / perEpoch;
    c.epochs = static_cast<int>(std::max<long long>(base, needed));
    c.evalEvery = std::max(1, c.epochs / base);
}

} // namespace

CvStudyConfig modelCurveStudy(const ModelCurvesConfig& config, const CurveModelSpec& spec,
                              int size) {
    CvStudyConfig study;
    study.out = pointFolder(config.out, curveModelKey(spec), size);
    study.sourceName = config.sourceName;
    study.folds = config.folds;
    study.onlyFold = config.fold;
    study.model = spec.model;
    study.trainSize = size;
    CvSettings& s = study.settings;
    s.representation = spec.representation;
    s.valFraction = config.valFraction;
    s.seed = config.seed;
    // A point's n is what the model learned from: kernel ridge regression chooses sigma and
    // lambda on the validation molecules but is not refitted with them (a refit would add the
    // 568 validation molecules to a 100-molecule training set).
    s.krr.refit = false;
    s.mlp = config.mlp;
    s.trainOptions.threads = config.threads;
    s.paper.steps = config.paperSteps;
    s.paperOptions.checkpointSeconds = config.checkpointSeconds;
    if (spec.model == CvModel::Invariant) {
        // The training rows of a fold are about (folds - 1) / folds x (1 - valFraction) of the
        // molecules; the exact count is known only with the partition, so the budget uses the
        // size asked for, or for "all" the epochs as they are (80 epochs are many steps).
        if (size > 0)
            invariantBudget(s.invariant, size, config.invariantMinSteps);
    }
    return study;
}

FitResult fitModelCurve(const std::vector<ModelCurvePoint>& points) {
    std::vector<CurvePoint> curve;
    for (const ModelCurvePoint& p : points)
        if (!p.result.failed() && p.result.test.mae > 0)
            curve.push_back({static_cast<double>(p.result.trainRows), p.result.test.mae, 0, false});
    FitOptions options;
    options.weightBySpread = false;
    if (curve.size() < 2) {
        FitResult none;
        none.message = "a slope needs two training sizes";
        return none;
    }
    return fitCurve(CurveModel::Power, curve, options);
}

std::vector<ModelCurve> collectModelCurves(const std::string& out) {
    std::map<std::string, ModelCurve> byKey;
    std::error_code ec;
    if (!fs::is_directory(out, ec))
        return {};
    for (const fs::directory_entry& entry : fs::directory_iterator(out, ec)) {
        if (!entry.is_directory())
            continue;
        const std::string name = entry.path().filename().string();
        const auto at = name.rfind("-n");
        if (at == std::string::npos)
            continue;
        CurveModelSpec spec;
        try {
            spec = parseCurveModel(name.substr(0, at));
        } catch (const std::invalid_argument&) {
            continue;
        }
        const std::string sizeText = name.substr(at + 2);
        int size = 0;
        if (sizeText != "all") {
            if (sizeText.empty() || sizeText.find_first_not_of("0123456789") != std::string::npos)
                continue;
            size = std::stoi(sizeText);
        }
        for (const fs::directory_entry& fold : fs::directory_iterator(entry.path(), ec)) {
            const fs::path file = fold.path() / "result.json";
            if (!fold.is_directory() || fold.path().filename().string().rfind("fold-", 0) != 0 ||
                !fs::exists(file))
                continue;
            FoldResult r;
            try {
                r = foldResultFromJson(readFile(file.string()));
            } catch (const std::exception& e) {
                throw std::runtime_error(file.string() + ": " + e.what());
            }
            if (r.cancelled || r.model != spec.model)
                continue;
            ModelCurve& curve = byKey[curveModelKey(spec)];
            curve.spec = spec;
            curve.points.push_back({size, r});
        }
    }
    std::vector<std::string> order;
    for (const CurveModelSpec& spec : defaultCurveModels())
        order.push_back(curveModelKey(spec));
    for (const auto& [key, curve] : byKey)
        if (std::find(order.begin(), order.end(), key) == order.end())
            order.push_back(key);
    std::vector<ModelCurve> curves;
    for (const std::string& key : order) {
        auto it = byKey.find(key);
        if (it == byKey.end())
            continue;
        ModelCurve curve = it->second;
        curve.key = key;
        curve.label = curveModelLabel(curve.spec);
        std::sort(curve.points.begin(), curve.points.end(),
                  [](const ModelCurvePoint& a, const ModelCurvePoint& b) {
                      return a.result.trainRows < b.result.trainRows;
                  });
        curve.fit = fitModelCurve(curve.points);
        curves.push_back(curve);
    }
    return curves;
}

ModelCurvesResult runModelCurves(const MoleculeSource& source, const ModelCurvesConfig& config,
                                 ModelCurvesObserver* observer, TrainControl* control) {
    const std::string why = validateModelCurves(config);
    if (!why.empty())
        throw std::invalid_argument(why);
    ModelCurvesObserver silent;
    ModelCurvesObserver* obs = observer ? observer : &silent;
    fs::create_directories(config.out);
    ModelCurvesResult result;
    const int total = static_cast<int>(config.models.size() * config.sizes.size());
    int index = 0;
    const std::string csv = (fs::path(config.out) / "curves.csv").string();
    for (const CurveModelSpec& spec : config.models) {
        for (const int size : config.sizes) {
            if (control && control->cancel.load()) {
                result.cancelled = true;
                break;
            }
            obs->onPoint(spec, size, index++, total);
            const CvStudyResult study =
                runCvStudy(source, modelCurveStudy(config, spec, size), obs, control);
            if (study.cancelled) {
                result.cancelled = true;
                break;
            }
            writeFileAtomically(csv, modelCurvesCsv(collectModelCurves(config.out)));
        }
        if (result.cancelled)
            break;
    }
    result.curves = collectModelCurves(config.out);
    if (!result.curves.empty())
        writeFileAtomically(csv, modelCurvesCsv(result.curves));
    return result;
}

} // namespace qm7
