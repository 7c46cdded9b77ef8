// Predictions for new molecules with a run folder (see predict.h).
#include "qm7/analysis/predict.h"

#include "qm7/analysis/cross_validation.h"
#include "qm7/analysis/deep_recipe.h"
#include "qm7/analysis/invariant_net.h"
#include "qm7/analysis/krr.h"
#include "qm7/chem/augmentation.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/chem/representation.h"
#include "qm7/chem/xyz_reader.h"
#include "qm7/train/run_store.h"
#include "qm7/train/trainer.h"
#include "qm7/util/atomic_file.h"
#include "train/random.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <tuple>

namespace qm7 {

namespace fs = std::filesystem;

namespace {

/// A representation in words, e.g. "sorted Coulomb matrices".
std::string representationWords(Representation r) {
    switch (r) {
    case Representation::CoulombMatrix:
        return "Coulomb matrices";
    case Representation::Sorted:
        return "sorted Coulomb matrices";
    case Representation::Eigenspectrum:
        return "Coulomb matrix eigenspectra";
    case Representation::RandomSorted:
        return "randomly sorted Coulomb matrices";
    case Representation::BagOfBonds:
        return "Bags of Bonds";
    }
    return "Coulomb matrices";
}

/// A molecule whatever its atom order, position and orientation: its elements (sorted) and the
/// sorted Z_i Z_j / |R_i - R_j| of all its pairs of atoms.
struct Fingerprint {
    std::vector<int> elements;
    std::vector<double> pairs;
};

Fingerprint fingerprintOf(const Molecule& m) {
    Fingerprint f;
    f.elements = m.Z;
    std::sort(f.elements.begin(), f.elements.end());
    const int n = m.atoms();
    f.pairs.reserve(static_cast<std::size_t>(n) * static_cast<std::size_t>(n > 0 ? n - 1 : 0) / 2);
    for (int i = 0; i < n; ++i)
        for (int j = i + 1; j < n; ++j) {
            const double r = m.distance(i, j);
            f.pairs.push_back(r > 0 ? m.Z[static_cast<std::size_t>(i)] *
                                          m.Z[static_cast<std::size_t>(j)] / r
                                    : std::numeric_limits<double>::infinity());
        }
    std::sort(f.pairs.begin(), f.pairs.end());
    return f;
}

/// The same pairs within what writing coordinates with six decimals changes.
bool samePairs(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t k = 0; k < a.size(); ++k)
        if (!(std::fabs(a[k] - b[k]) <= 1e-4 * std::max(std::fabs(a[k]), std::fabs(b[k])) + 1e-9))
            return false;
    return true;
}

/// The molecules of a run's splits, to find a molecule among them.
class MoleculeIndex {
  public:
    void add(const Molecule& m, DataRole role, int sourceIndex) {
        Fingerprint f = fingerprintOf(m);
        m_entries[f.elements].push_back({std::move(f.pairs), role, sourceIndex});
    }
    /// The role of a molecule, New when it is none of the run's.
    std::pair<DataRole, int> find(const Molecule& m) const {
        const Fingerprint f = fingerprintOf(m);
        const auto it = m_entries.find(f.elements);
        if (it != m_entries.end())
            for (const Entry& e : it->second)
                if (samePairs(e.pairs, f.pairs))
                    return {e.role, e.sourceIndex};
        return {DataRole::New, -1};
    }

  private:
    struct Entry {
        std::vector<double> pairs;
        DataRole role;
        int sourceIndex;
    };
    std::map<std::vector<int>, std::vector<Entry>> m_entries;
};

/// The largest |a - b| over the allowed difference |b| * 1e-5 + 0.01 kcal/mol (> 1: no match).
double worstMismatch(const std::vector<float>& a, const std::vector<float>& b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        const double allowed = 1e-5 * std::fabs(b[i]) + 0.01;
        const double diff = std::fabs(static_cast<double>(a[i]) - b[i]);
        worst = std::max(worst, std::isfinite(diff) ? diff / allowed : 1e30);
    }
    return worst;
}

} // namespace

std::string dataRoleText(DataRole role) {
    switch (role) {
    case DataRole::Unknown:
        return "";
    case DataRole::New:
        return "new";
    case DataRole::Training:
        return "training set: a fitted value, not a prediction";
    case DataRole::Unused:
        return "training split, not among the rows it fitted";
    case DataRole::Validation:
        return "validation set";
    case DataRole::Test:
        return "test set";
    }
    return "";
}

struct MoleculePredictor::Impl {
    std::string dir;
    bool deep = false;
    DeepRun deepRun; ///< deep runs
    // Folds of qm7 cv (model.json) and runs of the homework's network (config.json): the
    // model, its input and what it was trained on.
    std::string model; ///< "krr", "mlp" (a cv fold) or "network" (a homework-network run)
    Representation representation = Representation::Sorted;
    std::string representationName = "sorted";
    int atoms = 0;
    double sigma = 1.0; ///< noise of randomly sorted inputs
    std::vector<int> elements;
    std::shared_ptr<const BagLayout> bags; ///< Bag of Bonds: the layout the model was fitted on
    double scale = 1;
    KrrModel krr;
    RunResult mlp;
    InvariantModel invariant; ///< "invariant": a fold or run of the invariant network
    std::string source;       ///< a homework-network run's data source, as its config.json says
    bool knowsMolecules = false;
    MoleculeIndex index; ///< the run's molecules when knowsMolecules

    /// A run of the homework's network (config.json, summary.json, model.pt) trained on
    /// molecules: rebuilds its data from them and checks that it gives the run's own test
    /// predictions again.
    void loadNetworkRun() {
        const fs::path configPath = fs::path(dir) / "config.json";
        if (!fs::exists(configPath))
            throw PredictError(dir + " is not a run that can predict molecules (no model.json "
                                     "or config.json): choose a run folder of the homework's "
                                     "network (from qm7 train or the workbench's runs), a fold "
                                     "of qm7 cv such as cv-krr/fold-0, or a deep run");
        nlohmann::json config;
        try {
            config = nlohmann::json::parse(readFile(configPath.string()));
            if (!config.is_object())
                throw std::runtime_error("not a JSON object");
            const auto data = config.find("data");
            if (data != config.end() && data->is_string())
                source = data->get<std::string>();
        } catch (const std::exception& e) {
            throw PredictError(configPath.string() + " is damaged: " + e.what());
        }
        if (source.empty())
            throw PredictError(configPath.string() +
                               " does not say which data the run was trained on (no \"data\"), "
                               "so its molecules are unknown: it cannot predict molecules");
        const SourceKind kind = sourceKind(source);
        if (kind == SourceKind::TorchDataset)
            throw PredictError(
                dir + " was trained on a dataset.pt (" + source +
                "): its molecules' geometry is unknown, so new molecules cannot be turned into "
                "the inputs it learned from. To predict molecules, train on molecules instead "
                "(the demo, an .xyz or a qm7.mat: qm7 train --data demo, or Demo or "
                "Molecules… in the workbench) and predict with that run, or with a fold of "
                "qm7 cv");
        if (kind == SourceKind::Unknown)
            throw PredictError(dir + " was trained on '" + source +
                               "', not on a file of molecules (.xyz, .xyz.gz, .mat or the demo): "
                               "it cannot predict molecules");
        if (!fs::exists(fs::path(dir) / "model.pt")) {
            if (fs::exists(fs::path(dir) / "final" / "model.pt"))
                throw PredictError(dir +
                                   " is a homework folder, not a run: predict with its "
                                   "final run, " +
                                   (fs::path(dir) / "final").string());
            throw PredictError(dir + " has no model.pt: the run did not finish, or its weights "
                                     "were removed; train it again");
        }
        try {
            mlp = loadRun(dir);
        } catch (const std::exception& e) {
            throw PredictError(std::string("cannot read the run: ") + e.what());
        }
        const int d = mlp.weights.d;
        if (d < 1 || mlp.weights.w1.size() != static_cast<std::size_t>(d) * mlp.weights.hidden)
            throw PredictError((fs::path(dir) / "model.pt").string() +
                               " holds no weights of the network");

        // What built the data: core's defaults, unless config.json says otherwise. A record this
        // reader does not understand is left out: the check against the run's test predictions
        // below decides.
        BuildOptions options;
        std::vector<Representation> candidates;
        const auto text = [&](const char* key) -> std::string {
            const auto it = config.find(key);
            if (it == config.end())
                return {};
            if (it->is_string())
                return it->get<std::string>();
            if (it->is_object())
                for (const char* inner : {"kind", "name"})
                    if (it->contains(inner) && it->at(inner).is_string())
                        return it->at(inner).get<std::string>();
            if (it->is_array() && !it->empty()) {
                const std::string all = it->dump();
                return all.substr(1, all.size() - 2);
            }
            return {};
        };
        try {
            candidates.push_back(parseRepresentation(text("representation")));
        } catch (const std::invalid_argument&) {
        }
        try {
            options.split = parseSplit(text("split"));
        } catch (const std::invalid_argument&) {
        }
        const auto number = [&](const char* key, auto fallback) {
            const auto it = config.find(key);
            return it != config.end() && it->is_number() ? it->get<decltype(fallback)>() : fallback;
        };
        options.seed = number("split_seed", options.seed);
        options.representation.sigma = number("sigma", options.representation.sigma);
        if (!text("energy_key").empty())
            options.energyKey = text("energy_key");
        const int triangular = triangularAtoms(d);
        if (candidates.empty()) { // not recorded: the one that gives the run's test predictions
            if (triangular > 0)
                candidates = {Representation::CoulombMatrix, Representation::Sorted,
                              Representation::RandomSorted};
            if (triangular <= 0 || d <= 30)
                candidates.push_back(Representation::Eigenspectrum);
        }

        MoleculeSource molecules;
        const std::string shown = kind == SourceKind::Demo ? "the bundled demo" : source;
        if (kind != SourceKind::Demo && !fs::exists(source))
            throw PredictError(dir + " was trained on the molecules of " + source +
                               ", which is no longer there: put the file back at that path to "
                               "predict with this run");
        try {
            molecules = readMolecules(source, options);
        } catch (const std::exception& e) {
            throw PredictError("cannot read the molecules this run was trained on: " +
                               std::string(e.what()));
        }

        std::string why;
        double best = 2.0; // a match is <= 1
        for (Representation candidate : candidates) {
            options.representation.kind = candidate;
            const bool bob = candidate == Representation::BagOfBonds;
            // Bag of Bonds: the rebuild fits the layout on the same molecules again, so the
            // same columns; its width is checked below.
            options.representation.atoms = candidate == Representation::Eigenspectrum ? d
                                           : bob                                      ? 23
                                                                                      : triangular;
            if (!bob && (options.representation.atoms < 1 ||
                         featureSize(candidate, options.representation.atoms) != d))
                continue;
            BuildResult built;
            try {
                built = buildDatasetDetailed(molecules.molecules, options, molecules.folds, source);
            } catch (const std::exception& e) {
                why = e.what();
                continue;
            }
            if (built.data.d != d) {
                why = "the rebuilt " + qm7::representationName(candidate) + " has " +
                      std::to_string(built.data.d) + " features, the run " + std::to_string(d);
                continue;
            }
            double mismatch = 0;
            if (!mlp.testPred.empty()) {
                if (built.data.test.rows() != mlp.testPred.size()) {
                    why = "its test set has " + std::to_string(mlp.testPred.size()) +
                          " molecules, the rebuilt one " + std::to_string(built.data.test.rows());
                    continue;
                }
                mismatch = worstMismatch(qm7::predict(mlp.weights, mlp.scaler, built.data.test.X),
                                         mlp.testPred);
                if (candidate == Representation::RandomSorted) {
                    // Trained with sortings drawn afresh every epoch (the workbench): its test
                    // predictions are the trainer's mean over its evaluation draws.
                    const RandomSortedAugmentation augmentation(built,
                                                                options.representation.sigma);
                    std::vector<double> mean(mlp.testPred.size(), 0.0);
                    std::vector<float> X;
                    const int draws = augmentation.evalDraws();
                    for (int k = 0; k < draws; ++k) {
                        augmentation.draw(SplitKind::Test,
                                          detail::streamSeed(0xE7A1, static_cast<unsigned>(k)), X);
                        const std::vector<float> p = qm7::predict(mlp.weights, mlp.scaler, X);
                        for (std::size_t i = 0; i < mean.size() && i < p.size(); ++i)
                            mean[i] += p[i] / static_cast<double>(draws);
                    }
                    mismatch = std::min(
                        mismatch,
                        worstMismatch(std::vector<float>(mean.begin(), mean.end()), mlp.testPred));
                }
                mismatch = std::max(mismatch, worstMismatch(built.data.test.y, mlp.testTrue));
            } else if (candidates.size() > 1) {
                throw PredictError(dir + " has no test predictions (predictions.csv) and its "
                                         "config.json does not name its representation: it "
                                         "cannot tell which inputs the network learned from");
            }
            if (mismatch > 1.0 || mismatch >= best) {
                if (mismatch > 1.0 && why.empty())
                    why = "its test predictions in predictions.csv come out different";
                continue;
            }
            best = mismatch;
            representation = candidate;
            atoms = options.representation.atoms;
            sigma = options.representation.sigma;
            scale = built.scale;
            bags = built.bags;
            index = MoleculeIndex();
            const MoleculeSplits& s = built.molecules;
            const std::vector<int> fitted = trainingRows(static_cast<int>(s.train.size()),
                                                         mlp.config.trainSize, mlp.config.seed);
            const std::set<int> fittedSet(fitted.begin(), fitted.end());
            std::set<int> seen;
            for (std::size_t i = 0; i < s.train.size(); ++i) {
                const bool used = fittedSet.count(static_cast<int>(i)) > 0;
                index.add(s.train[i], used ? DataRole::Training : DataRole::Unused,
                          s.trainIndex[i]);
                if (used)
                    seen.insert(s.train[i].Z.begin(), s.train[i].Z.end());
            }
            for (std::size_t i = 0; i < s.val.size(); ++i)
                index.add(s.val[i], DataRole::Validation, s.valIndex[i]);
            for (std::size_t i = 0; i < s.test.size(); ++i)
                index.add(s.test[i], DataRole::Test, s.testIndex[i]);
            elements.assign(seen.begin(), seen.end());
        }
        if (best > 1.0)
            throw PredictError(
                dir + ": the molecules of " + shown + " do not give this run's inputs again (" +
                (why.empty()
                     ? std::string("no representation fits its ") + std::to_string(d) + " inputs"
                     : why) +
                "). The file changed since the run was trained, or the run was built with "
                "settings its config.json does not record; train it again to predict with it");
        model = "network";
        representationName = qm7::representationName(representation);
        knowsMolecules = true;
    }

    void loadFold() {
        const fs::path info = fs::path(dir) / "model.json";
        if (!fs::exists(info))
            throw PredictError(dir + " is not a run that can predict molecules (no model.json): "
                                     "use a fold folder written by qm7 cv, such as "
                                     "cv-krr/fold-0");
        nlohmann::json meta;
        try {
            meta = nlohmann::json::parse(readFile(info.string()));
            model = meta.at("model").get<std::string>();
            atoms = meta.at("atoms").get<int>();
            elements = meta.at("elements").get<std::vector<int>>();
            std::sort(elements.begin(), elements.end());
            representationName = meta.value("representation", std::string("sorted"));
            if (model == "mlp")
                scale = meta.at("scale").get<double>();
        } catch (const nlohmann::json::exception& e) {
            throw PredictError(info.string() + " is damaged: " + e.what());
        }
        if (model == "invariant") { // interatomic distances: no representation to build
            try {
                invariant = loadInvariantModel((fs::path(dir) / "model.pt").string());
            } catch (const std::exception& e) {
                throw PredictError(e.what());
            }
            return;
        }
        try {
            representation = parseRepresentation(representationName);
        } catch (const std::invalid_argument& e) {
            throw PredictError(info.string() + ": " + e.what());
        }
        if (representation == Representation::BagOfBonds) {
            const fs::path layout = fs::path(dir) / kBagLayoutFile;
            try {
                bags = std::make_shared<const BagLayout>(
                    BagLayout::fromText(readFile(layout.string())));
            } catch (const std::exception& e) {
                throw PredictError(layout.string() +
                                   " (the fold's Bag of Bonds layout) cannot be "
                                   "read: " +
                                   e.what());
            }
        }
        if (model == "krr")
            krr = loadKrrModel((fs::path(dir) / "krr.bin").string());
        else if (model == "mlp")
            mlp = loadRun(dir);
        else
            throw PredictError(info.string() + " names an unknown model '" + model + "'");
    }

    /// One draw's predictions (kcal/mol) of molecules the model accepts.
    std::vector<double> predictOnce(const std::vector<Molecule>& good, std::uint64_t draw) const {
        if (model == "network") { // the data set builder's own features and scale
            RepresentationOptions rep;
            rep.kind = representation;
            rep.atoms = atoms;
            rep.sigma = sigma;
            rep.bags = bags;
            const std::vector<float> p =
                qm7::predict(mlp.weights, mlp.scaler, computeFeatures(good, rep, scale, draw));
            return {p.begin(), p.end()};
        }
        const std::vector<double> X = moleculeFeatures(good, representation, atoms, draw, bags);
        if (model == "krr")
            return predictKrr(krr, X);
        std::vector<float> Xf(X.size());
        for (std::size_t i = 0; i < X.size(); ++i)
            Xf[i] = static_cast<float>(X[i] / scale);
        const std::vector<float> p = qm7::predict(mlp.weights, mlp.scaler, Xf);
        return {p.begin(), p.end()};
    }

    std::vector<PredictedMolecule> predictFold(const std::vector<Molecule>& molecules,
                                               int draws) const {
        std::vector<PredictedMolecule> out(molecules.size());
        std::vector<Molecule> good;
        std::vector<std::size_t> where;
        if (model == "invariant") {
            for (std::size_t i = 0; i < molecules.size(); ++i) {
                out[i].reason = whyInvariantCannotTake(invariant, molecules[i]);
                if (out[i].predicted()) {
                    good.push_back(molecules[i]);
                    where.push_back(i);
                }
            }
            const std::vector<double> energy = predictInvariant(invariant, good);
            for (std::size_t k = 0; k < where.size(); ++k)
                out[where[k]].energy = energy[k];
            return out;
        }
        for (std::size_t i = 0; i < molecules.size(); ++i) {
            out[i].reason = whyModelCannotTake(molecules[i], elements, atoms);
            if (out[i].reason.empty() && bags)
                out[i].reason = bags->whyCannotHold(molecules[i]);
            if (out[i].predicted()) {
                good.push_back(molecules[i]);
                where.push_back(i);
            }
        }
        if (good.empty())
            return out;
        // Randomly sorted inputs: the mean over draws, their spread as the uncertainty.
        const int n = representation == Representation::RandomSorted ? draws : 1;
        std::vector<double> sum(good.size(), 0.0), sumSq(good.size(), 0.0);
        for (int draw = 0; draw < n; ++draw) {
            const std::vector<double> pred = predictOnce(good, static_cast<std::uint64_t>(draw));
            for (std::size_t k = 0; k < pred.size(); ++k) {
                sum[k] += pred[k];
                sumSq[k] += pred[k] * pred[k];
            }
        }
        for (std::size_t k = 0; k < where.size(); ++k) {
            const double mean = sum[k] / n;
            out[where[k]].energy = mean;
            if (n > 1)
                out[where[k]].spread = std::sqrt(std::max(0.0, sumSq[k] / n - mean * mean));
        }
        return out;
    }
};

MoleculePredictor::MoleculePredictor(const std::string& dir) : m_impl(std::make_unique<Impl>()) {
    if (!fs::is_directory(dir))
        throw PredictError(dir + " is not a folder");
    m_impl->dir = dir;
    m_impl->deep = isDeepRun(dir);
    if (!m_impl->deep) {
        if (fs::exists(fs::path(dir) / "model.json"))
            m_impl->loadFold();
        else
            m_impl->loadNetworkRun();
        return;
    }
    m_impl->deepRun = loadDeepRun(dir);
    if (m_impl->deepRun.expansion.dim() == 0)
        throw PredictError(dir + " was trained on fixed features, not on molecules: it cannot "
                                 "predict new molecules");
}

MoleculePredictor::~MoleculePredictor() = default;
MoleculePredictor::MoleculePredictor(MoleculePredictor&&) noexcept = default;
MoleculePredictor& MoleculePredictor::operator=(MoleculePredictor&&) noexcept = default;

std::string MoleculePredictor::description(int draws) const {
    if (m_impl->deep)
        return "deep network (mean and spread over " + std::to_string(draws) + " random sortings)";
    if (m_impl->model == "network") {
        std::string text =
            "one-hidden-layer network (p = " + std::to_string(m_impl->mlp.weights.hidden) + ", " +
            representationWords(m_impl->representation) + ", trained on " +
            (m_impl->source == "demo" ? std::string("the demo molecules") : m_impl->source);
        if (randomDraws())
            text += "; mean and spread over " + std::to_string(draws) + " random sortings";
        return text + ")";
    }
    if (m_impl->model == "invariant")
        return "invariant network (" + std::to_string(m_impl->invariant.config.interactions) +
               " interactions on interatomic distances, SchNet-like)";
    return m_impl->model + " model (" + representationWords(m_impl->representation) + ")";
}

bool MoleculePredictor::randomDraws() const {
    return m_impl->deep || m_impl->representation == Representation::RandomSorted;
}

bool MoleculePredictor::knowsItsMolecules() const {
    return m_impl->knowsMolecules;
}

std::vector<PredictedMolecule> MoleculePredictor::predict(const std::vector<Molecule>& molecules,
                                                          int draws) const {
    if (draws < 1)
        throw std::invalid_argument("draws must be at least 1");
    std::vector<PredictedMolecule> out;
    if (m_impl->deep) {
        for (const MoleculePrediction& p : predictMolecules(m_impl->deepRun, molecules, draws)) {
            PredictedMolecule m;
            m.energy = p.energy;
            m.spread = p.spread;
            m.reason = p.error;
            out.push_back(std::move(m));
        }
    } else {
        out = m_impl->predictFold(molecules, draws);
    }
    for (std::size_t i = 0; i < molecules.size(); ++i) {
        const Molecule& m = molecules[i];
        out[i].name = m.name.empty() ? std::to_string(i + 1) : m.name;
        out[i].atoms = m.atoms();
        out[i].reference = m.energy != 0.0 ? m.energy : NAN;
        if (!out[i].predicted())
            out[i].energy = out[i].spread = NAN;
        if (m_impl->knowsMolecules && m.atoms() > 0)
            std::tie(out[i].role, out[i].sourceIndex) = m_impl->index.find(m);
    }
    return out;
}

std::vector<Molecule> readMoleculesToPredict(const std::string& path,
                                             const std::string& energyKey) {
    XyzOptions xyz;
    xyz.requireEnergy = false;
    xyz.minDistance = 0; // coincident atoms are reported per molecule by predict()
    xyz.energyKey = energyKey;
    return readXyz(path, xyz);
}

} // namespace qm7
