// K-fold cross-validation: folds, validation carve, one fold of KRR or of the network.
#include "qm7/analysis/cross_validation.h"

#include "qm7/analysis/deep_recipe.h"
#include "qm7/chem/augmentation.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/chem/representation.h"
#include "qm7/train/run_store.h"
#include "qm7/util/atomic_file.h"
#include "qm7/util/rng.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

namespace qm7 {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

void shuffle(std::vector<int>& v, Rng& rng) {
    for (std::size_t i = v.size(); i > 1; --i)
        std::swap(v[i - 1], v[rng.below(i)]);
}

template <typename T> std::vector<T> pick(const std::vector<T>& all, const std::vector<int>& idx) {
    std::vector<T> out;
    out.reserve(idx.size());
    for (int i : idx)
        out.push_back(all[static_cast<std::size_t>(i)]);
    return out;
}

std::vector<double> labels(const std::vector<Molecule>& molecules) {
    std::vector<double> y;
    y.reserve(molecules.size());
    for (const Molecule& m : molecules)
        y.push_back(m.energy);
    return y;
}

std::string shortNumber(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

/// The elements present in molecules, ascending.
std::vector<int> elementsOf(const std::vector<Molecule>& molecules) {
    std::set<int> z;
    for (const Molecule& m : molecules)
        z.insert(m.Z.begin(), m.Z.end());
    return {z.begin(), z.end()};
}

/// Thrown from the KRR grid's progress to stop a cancelled fold.
struct KrrCancelled {};

void writePredictions(const FoldResult& r, const std::string& path) {
    std::ostringstream out;
    out << "molecule,true_kcal_mol,predicted_kcal_mol\n";
    out.precision(9);
    for (std::size_t i = 0; i < r.testTrue.size(); ++i)
        out << r.testIndex[i] << ',' << r.testTrue[i] << ',' << r.testPred[i] << '\n';
    writeFileAtomically(path, out.str());
}

} // namespace

CvPartition seededPartition(int molecules, int folds, std::uint64_t seed) {
    if (folds < 2)
        throw std::invalid_argument("cross-validation needs at least 2 folds");
    if (molecules < folds)
        throw std::invalid_argument("cannot split " + std::to_string(molecules) +
                                    " molecules into " + std::to_string(folds) + " folds");
    std::vector<int> order(static_cast<std::size_t>(molecules));
    for (int i = 0; i < molecules; ++i)
        order[static_cast<std::size_t>(i)] = i;
    Rng rng(Rng::mix(seed, 0xC5F01D5ULL));
    shuffle(order, rng);
    CvPartition p;
    p.origin = "seeded";
    p.seed = seed;
    p.molecules = molecules;
    p.folds.resize(static_cast<std::size_t>(folds));
    for (int i = 0; i < molecules; ++i)
        p.folds[static_cast<std::size_t>(i % folds)].push_back(order[static_cast<std::size_t>(i)]);
    for (auto& f : p.folds)
        std::sort(f.begin(), f.end());
    return p;
}

int validatePartition(const CvPartition& partition) {
    if (partition.folds.size() < 2)
        throw std::invalid_argument("cross-validation needs at least 2 folds");
    std::vector<char> seen(static_cast<std::size_t>(std::max(partition.molecules, 0)), 0);
    std::size_t count = 0;
    for (std::size_t k = 0; k < partition.folds.size(); ++k) {
        if (partition.folds[k].empty())
            throw std::invalid_argument("fold " + std::to_string(k) + " is empty");
        for (int i : partition.folds[k]) {
            if (i < 0 || i >= partition.molecules)
                throw std::invalid_argument("fold " + std::to_string(k) + " names molecule " +
                                            std::to_string(i) + ", outside 0.." +
                                            std::to_string(partition.molecules - 1));
            if (seen[static_cast<std::size_t>(i)]++)
                throw std::invalid_argument("molecule " + std::to_string(i) + " is in two folds");
            ++count;
        }
    }
    return partition.molecules - static_cast<int>(count);
}

std::string partitionToJson(const CvPartition& p) {
    json j;
    j["origin"] = p.origin;
    j["seed"] = p.seed;
    j["molecules"] = p.molecules;
    j["folds"] = p.folds;
    return j.dump() + "\n";
}

CvPartition partitionFromJson(const std::string& text) {
    try {
        const json j = json::parse(text);
        CvPartition p;
        p.origin = j.at("origin").get<std::string>();
        p.seed = j.at("seed").get<std::uint64_t>();
        p.molecules = j.at("molecules").get<int>();
        p.folds = j.at("folds").get<std::vector<std::vector<int>>>();
        validatePartition(p);
        return p;
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("damaged partition: ") + e.what());
    }
}

FoldSplit foldSplit(const CvPartition& partition, int k, double valFraction, std::uint64_t seed) {
    const int folds = static_cast<int>(partition.folds.size());
    if (k < 0 || k >= folds)
        throw std::invalid_argument("fold " + std::to_string(k) + " does not exist (0.." +
                                    std::to_string(folds - 1) + ")");
    if (!(valFraction > 0) || !(valFraction < 1))
        throw std::invalid_argument("the validation fraction must be between 0 and 1");
    FoldSplit s;
    s.test = partition.folds[static_cast<std::size_t>(k)];
    std::vector<int> rest;
    for (int f = 0; f < folds; ++f)
        if (f != k)
            rest.insert(rest.end(), partition.folds[static_cast<std::size_t>(f)].begin(),
                        partition.folds[static_cast<std::size_t>(f)].end());
    std::sort(rest.begin(), rest.end());
    Rng rng(Rng::mix(seed, 0x7A11DULL, static_cast<std::uint64_t>(k)));
    shuffle(rest, rng);
    const auto nVal = static_cast<std::size_t>(std::lround(valFraction * double(rest.size())));
    if (nVal < 1 || nVal >= rest.size())
        throw std::invalid_argument("the validation fraction leaves no training or validation "
                                    "molecules");
    s.val.assign(rest.begin(), rest.begin() + static_cast<long>(nVal));
    s.train.assign(rest.begin() + static_cast<long>(nVal), rest.end());
    return s;
}

std::string cvModelName(CvModel model) {
    switch (model) {
    case CvModel::Krr:
        return "krr";
    case CvModel::Mlp:
        return "mlp";
    case CvModel::Paper:
        return "paper";
    case CvModel::Invariant:
        return "invariant";
    }
    return "krr";
}

CvModel parseCvModel(const std::string& name) {
    for (CvModel m : {CvModel::Krr, CvModel::Mlp, CvModel::Paper, CvModel::Invariant})
        if (cvModelName(m) == name)
            return m;
    throw std::invalid_argument("unknown model '" + name +
                                "': choose krr, mlp, paper or invariant");
}

std::string foldResultToJson(const FoldResult& r) {
    json j;
    j["fold"] = r.fold;
    j["model"] = cvModelName(r.model);
    // A failed (NaN) fold keeps its NaN as null: JSON has no NaN.
    const auto number = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
    j["test_mae"] = number(r.test.mae);
    j["test_rmse"] = number(r.test.rmse);
    j["test_mse"] = number(r.test.mse);
    j["test_r2"] = number(r.test.r2);
    j["test_max_error"] = number(r.test.maxError);
    j["val_mae"] = number(r.valMae);
    j["fingerprint"] = r.fingerprint;
    j["train_rows"] = r.trainRows;
    j["val_rows"] = r.valRows;
    j["test_rows"] = r.testRows;
    // Both: readers of older versions require "seconds"; train_seconds marks a training time.
    j["seconds"] = std::isfinite(r.seconds) ? json(r.seconds) : json(nullptr);
    j["train_seconds"] = j["seconds"];
    j["detail"] = r.detail;
    j["cancelled"] = r.cancelled;
    return j.dump(2) + "\n";
}

FoldResult foldResultFromJson(const std::string& text) {
    try {
        const json j = json::parse(text);
        FoldResult r;
        r.fold = j.at("fold").get<int>();
        r.model = parseCvModel(j.at("model").get<std::string>());
        const auto number = [&j](const char* key) {
            const json& v = j.at(key);
            return v.is_null() ? static_cast<double>(NAN) : v.get<double>();
        };
        r.test.mae = number("test_mae");
        r.test.rmse = number("test_rmse");
        r.test.mse = number("test_mse");
        r.test.r2 = number("test_r2");
        r.test.maxError = number("test_max_error");
        r.valMae = number("val_mae");
        r.fingerprint = j.value("fingerprint", std::string());
        r.trainRows = j.at("train_rows").get<int>();
        r.valRows = j.at("val_rows").get<int>();
        r.testRows = j.at("test_rows").get<int>();
        r.test.n = static_cast<std::size_t>(r.testRows);
        if (j.contains("train_seconds"))
            r.seconds = j["train_seconds"].is_number() ? j["train_seconds"].get<double>() : NAN;
        else // before train_seconds: a paper fold's "seconds" may be only its last resume
            r.seconds = r.model == CvModel::Paper ? NAN : j.at("seconds").get<double>();
        r.detail = j.at("detail").get<std::string>();
        r.cancelled = j.value("cancelled", false);
        return r;
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("damaged fold result: ") + e.what());
    }
}

std::vector<double> moleculeFeatures(const std::vector<Molecule>& molecules,
                                     Representation representation, int atoms, std::uint64_t seed,
                                     std::shared_ptr<const BagLayout> bags) {
    RepresentationOptions rep;
    rep.kind = representation;
    rep.atoms = atoms;
    rep.bags = std::move(bags);
    const std::vector<float> f = computeFeatures(molecules, rep, 1.0, seed);
    return {f.begin(), f.end()};
}

std::vector<double> sortedCoulombFeatures(const std::vector<Molecule>& molecules, int atoms) {
    return moleculeFeatures(molecules, Representation::Sorted, atoms);
}

FoldResult runFold(const std::vector<Molecule>& molecules, const FoldSplit& split, int fold,
                   CvModel model, const CvSettings& settings, const std::string& dir) {
    const auto start = std::chrono::steady_clock::now();
    const auto train = pick(molecules, split.train);
    const auto val = pick(molecules, split.val);
    const auto test = pick(molecules, split.test);
    FoldResult r;
    r.fold = fold;
    r.model = model;
    r.fingerprint = settings.fingerprint;
    r.trainRows = static_cast<int>(train.size());
    r.valRows = static_cast<int>(val.size());
    r.testRows = static_cast<int>(test.size());
    r.testIndex = split.test;
    const int atoms = settings.atoms;
    const std::vector<double> yTest = labels(test);
    r.testTrue.assign(yTest.begin(), yTest.end());

    json info;
    info["model"] = cvModelName(model);
    const Representation kind = settings.representation;
    info["representation"] = representationName(kind);
    info["atoms"] = atoms;
    info["elements"] = elementsOf(train);
    fs::create_directories(dir);
    // Bag of Bonds: bags as large as the largest of all the molecules (labels play no part),
    // kept beside the model so that new molecules get the same columns.
    std::shared_ptr<const BagLayout> bags;
    if (kind == Representation::BagOfBonds && model != CvModel::Paper &&
        model != CvModel::Invariant) {
        bags = std::make_shared<const BagLayout>(BagLayout::fit(molecules));
        writeFileAtomically((fs::path(dir) / kBagLayoutFile).string(), bags->toText());
        info["bag_width"] = bags->width();
    }
    const auto featuresOf = [&](const std::vector<Molecule>& ms) {
        return moleculeFeatures(ms, kind, atoms, 0, bags);
    };
    double earlierSessions = 0; ///< paper: training time of earlier sessions (resumed)

    if (model == CvModel::Krr) {
        if (kind == Representation::RandomSorted)
            throw std::invalid_argument(
                "KRR takes a fixed representation (cm, sorted, eigen or bob)");
        const KrrProgress progress = [&settings](int done, int total) {
            if (settings.krrProgress)
                settings.krrProgress(done, total);
            if (settings.control && settings.control->cancel.load())
                throw KrrCancelled{};
        };
        KrrSelection sel;
        try {
            RepresentationOptions rep;
            rep.kind = kind;
            rep.atoms = atoms;
            rep.bags = bags;
            sel = selectKrr(featuresOf(train), labels(train), featuresOf(val), labels(val),
                            featureSize(rep), settings.krr, progress);
        } catch (const KrrCancelled&) { // nothing written: the fold starts again next time
            r.cancelled = true;
            r.testPred.assign(r.testTrue.size(), NAN);
            r.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            return r;
        }
        const std::vector<double> pred = predictKrr(sel.model, featuresOf(test));
        r.testPred.assign(pred.begin(), pred.end());
        r.valMae = sel.best.valMae;
        r.detail = representationName(kind) + ", " + krrKernelName(settings.krr.kernel) +
                   ", sigma " + shortNumber(sel.best.sigma) + ", lambda " +
                   shortNumber(sel.best.lambda);
        info["kernel"] = krrKernelName(settings.krr.kernel);
        info["sigma"] = sel.best.sigma;
        info["lambda"] = sel.best.lambda;
        info["refit"] = settings.krr.refit;
        saveKrrModel(sel.model, (fs::path(dir) / "krr.bin").string());
        std::ostringstream grid;
        grid << "sigma,lambda,val_mae,val_rmse\n";
        for (const KrrGridPoint& g : sel.grid)
            grid << g.sigma << ',' << g.lambda << ',' << g.valMae << ',' << g.valRmse << '\n';
        writeFileAtomically((fs::path(dir) / "krr_grid.csv").string(), grid.str());
    } else if (model == CvModel::Invariant) {
        const MoleculeSplits splits{train, val, test, split.train, split.val, split.test};
        InvariantConfig config = settings.invariant;
        config.seed = settings.seed;
        DeepOptions options = settings.paperOptions;
        options.select = DeepSelect::BestValMse;
        options.threads = settings.trainOptions.threads;
        if (settings.control)
            options.control = settings.control;
        options.checkpoint = (fs::path(dir) / "checkpoint.bin").string();
        const auto callStart = std::chrono::steady_clock::now();
        const InvariantResult run = trainInvariant(splits, config, options);
        const double call =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - callStart).count();
        earlierSessions = std::max(0.0, run.seconds - call);
        r.cancelled = run.cancelled;
        r.testPred = run.testPred;
        r.valMae = NAN;
        for (const DeepStats& h : run.history)
            if (h.step == run.selectedStep)
                r.valMae = h.valMae;
        const long long perEpoch = std::max(1LL, run.stepsPerEpoch);
        r.detail = "epochs " + std::to_string(run.stepsDone / perEpoch) + " of " +
                   std::to_string(config.epochs) + " (" + std::to_string(run.stepsDone) +
                   " steps), weights of epoch " + std::to_string(run.selectedStep / perEpoch) +
                   " (lowest val MSE), " + std::to_string(config.features) + " features, " +
                   std::to_string(config.interactions) + " interactions";
        info.erase("representation"); // interatomic distances, not a representation of its own
        info["features"] = config.features;
        info["interactions"] = config.interactions;
        info["steps_done"] = run.stepsDone;
        info["selected_step"] = run.selectedStep;
        if (!r.cancelled)
            saveInvariantRun(run, dir);
    } else if (model == CvModel::Paper) {
        MoleculeSplits splits;
        splits.train = train;
        splits.val = val;
        splits.test = test;
        splits.trainIndex = split.train;
        splits.valIndex = split.val;
        splits.testIndex = split.test;
        DeepConfig config = settings.paper;
        config.seed = settings.seed;
        DeepOptions options = settings.paperOptions;
        if (settings.control)
            options.control = settings.control;
        options.checkpoint = (fs::path(dir) / "checkpoint.bin").string();
        const auto callStart = std::chrono::steady_clock::now();
        const DeepRun run = trainPaperRecipe(splits, config, options);
        // The network's time counts its earlier sessions too (kept in the checkpoint): add
        // what they took beyond this call, so a resumed fold reports its whole training.
        const double call =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - callStart).count();
        earlierSessions = std::max(0.0, run.result.seconds - call);
        r.cancelled = run.result.cancelled;
        r.testPred = run.result.testPred;
        r.valMae = 0;
        for (const DeepStats& h : run.result.history)
            r.valMae = r.valMae == 0 ? h.valMae : std::min(r.valMae, h.valMae);
        r.detail =
            "steps " + std::to_string(run.result.stepsDone) + ", " + selectName(run.result.select) +
            " weights of step " + std::to_string(run.result.selectedStep) + " (lowest val MSE at " +
            std::to_string(run.result.bestStep) + "), d " + std::to_string(run.expansion.dim());
        info["representation"] = "random-sorted, expanded";
        info["steps_done"] = run.result.stepsDone;
        info["select"] = selectName(run.result.select);
        info["selected_step"] = run.result.selectedStep;
        if (!r.cancelled)
            saveDeepRun(run, dir, "cv fold " + std::to_string(fold));
    } else {
        RepresentationOptions rep;
        rep.kind = kind;
        rep.atoms = atoms;
        rep.bags = bags;
        Dataset data;
        data.d = featureSize(rep);
        data.atoms = atoms;
        data.representation = representationName(kind);
        data.train.X = computeFeatures(train, rep, 1.0, 0);
        double scale = 0;
        for (float v : data.train.X)
            scale = std::max(scale, static_cast<double>(std::fabs(v)));
        scale = scale > 0 ? scale : 1.0;
        for (float& v : data.train.X)
            v = static_cast<float>(v / scale);
        data.val.X = computeFeatures(val, rep, scale, 0);
        data.test.X = computeFeatures(test, rep, scale, 0);
        const auto toFloat = [](const std::vector<double>& y) {
            return std::vector<float>(y.begin(), y.end());
        };
        data.train.y = toFloat(labels(train));
        data.val.y = toFloat(labels(val));
        data.test.y = r.testTrue;
        TrainConfig config = settings.mlp;
        config.seed = settings.seed;
        TrainOptions options = settings.trainOptions;
        if (settings.control)
            options.control = settings.control;
        std::unique_ptr<RandomSortedAugmentation> augmentation;
        if (kind == Representation::RandomSorted) {
            MoleculeSplits splits;
            splits.train = train;
            splits.val = val;
            splits.test = test;
            augmentation = std::make_unique<RandomSortedAugmentation>(splits, atoms, scale);
            options.augmentation = augmentation.get();
        }
        const RunResult run = qm7::train(data, config, options);
        r.cancelled = run.cancelled;
        r.testPred = run.testPred;
        const std::vector<float> valPred = predict(run.weights, run.scaler, data.val.X);
        r.valMae = computeMetrics(data.val.y, valPred).mae;
        r.detail = representationName(kind) + ", p " + std::to_string(config.hidden) + ", lr " +
                   shortNumber(config.lr) + ", best epoch " + std::to_string(run.bestEpoch);
        info["scale"] = scale;
        saveRun(run, dir, "cv fold " + std::to_string(fold));
    }
    if (r.testPred.size() != r.testTrue.size()) // cancelled before any evaluation
        r.testPred.assign(r.testTrue.size(), NAN);
    else
        r.test = computeMetrics(r.testTrue, r.testPred);
    r.seconds = earlierSessions +
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    writeFileAtomically((fs::path(dir) / "model.json").string(), info.dump(2) + "\n");
    writePredictions(r, (fs::path(dir) / "cv_predictions.csv").string());
    if (!r.cancelled)
        writeFileAtomically((fs::path(dir) / "result.json").string(), foldResultToJson(r));
    return r;
}

std::vector<CvAnchor> publishedAnchors() {
    const std::string montavon = "Montavon et al., NeurIPS 2012: ";
    return {
        {"mean predictor", 179, 223, montavon + "the training mean for every molecule"},
        {"KRR (Gaussian), eigenspectrum, Rupp et al. 2012", 10, 0,
         "Rupp et al., PRL 108, 058301 (2012): Gaussian kernel on sorted eigenvalues, 7165 "
         "molecules (QM7), 1000 training molecules"},
        {"KRR (Laplacian), Coulomb matrices, Hansen et al. 2013", 3.0, 0,
         "Hansen et al., J. Chem. Theory Comput. 9, 3404 (2013): Laplacian kernel, QM7, 5-fold "
         "cross-validation; about 3 kcal/mol (the anchor for qm7 cv --model krr)"},
        {"KRR (Laplacian), Bag of Bonds, Hansen et al. 2015", 1.5, 0,
         "Hansen et al., J. Phys. Chem. Lett. 6, 2326 (2015): Laplacian kernel on Bag of Bonds, "
         "QM7, 5-fold cross-validation (the anchor for --representation bob)"},
        {"MLP, sorted CM", 0, 16.06, montavon + "multilayer network on sorted Coulomb matrices"},
        {"KRR (Gaussian), random-sorted CM", 0, 11.40,
         montavon + "Gaussian kernel on randomly sorted Coulomb matrices"},
        {"MLP, random-sorted + expanded", 3.51, 5.96,
         montavon + "randomly sorted, expanded inputs, 400-100 network"},
    };
}

} // namespace qm7
