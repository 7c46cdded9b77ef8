// Predictions for new molecules with a run folder (see predict.h).
#include "qm7/analysis/predict.h"

#include "qm7/analysis/cross_validation.h"
#include "qm7/analysis/deep_recipe.h"
#include "qm7/analysis/krr.h"
#include "qm7/chem/representation.h"
#include "qm7/chem/xyz_reader.h"
#include "qm7/train/run_store.h"
#include "qm7/util/atomic_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

namespace qm7 {

namespace fs = std::filesystem;

struct MoleculePredictor::Impl {
    std::string dir;
    bool deep = false;
    DeepRun deepRun; ///< deep runs
    // Folds of qm7 cv (model.json): the model, its input and what it was trained on.
    std::string model; ///< "krr" or "mlp"
    Representation representation = Representation::Sorted;
    std::string representationName = "sorted";
    int atoms = 0;
    std::vector<int> elements;
    double scale = 1;
    KrrModel krr;
    RunResult mlp;

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
        try {
            representation = parseRepresentation(representationName);
        } catch (const std::invalid_argument& e) {
            throw PredictError(info.string() + ": " + e.what());
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
        const std::vector<double> X = moleculeFeatures(good, representation, atoms, draw);
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
        for (std::size_t i = 0; i < molecules.size(); ++i) {
            out[i].reason = whyModelCannotTake(molecules[i], elements, atoms);
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
        m_impl->loadFold();
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
    return m_impl->model + " model (" + m_impl->representationName + " Coulomb matrices)";
}

bool MoleculePredictor::randomDraws() const {
    return m_impl->deep || m_impl->representation == Representation::RandomSorted;
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
