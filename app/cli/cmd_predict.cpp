// qm7 predict: atomization energies of new molecules with a trained run (a fold of qm7 cv);
// molecules the model cannot handle get a reason instead of a number.
#include "commands.h"

#include "qm7/analysis/cross_validation.h"
#include "qm7/analysis/deep_recipe.h"
#include "qm7/analysis/krr.h"
#include "qm7/chem/representation.h"
#include "qm7/chem/xyz_reader.h"
#include "qm7/train/run_store.h"
#include "qm7/util/atomic_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

namespace qm7::cli {

namespace {

namespace fs = std::filesystem;

struct PredictCli {
    std::string run;
    std::string from;
    std::string energyKey = "energy";
    int draws = 10;
};

/// One molecule's answer.
struct Answer {
    double energy = NAN;
    double spread = NAN; ///< NaN when the input is deterministic (sorted Coulomb matrix)
    std::string error;
};

/// Why a model trained on `elements` with padding `atoms` cannot take a molecule, or "".
std::string whyNot(const Molecule& m, const std::vector<int>& elements, int atoms) {
    if (m.atoms() == 0)
        return "the molecule has no atoms";
    if (m.atoms() > atoms)
        return "it has " + std::to_string(m.atoms()) + " atoms, more than the " +
               std::to_string(atoms) + " the model was built for (its padding size)";
    for (int z : m.Z)
        if (!std::binary_search(elements.begin(), elements.end(), z)) {
            std::string seen;
            for (int e : elements)
                seen += (seen.empty() ? "" : " ") + elementSymbol(e);
            return "element " + elementSymbol(z) + " (Z = " + std::to_string(z) +
                   ") never occurred in the training molecules (" + seen + ")";
        }
    const auto [i, j] = findCoincidentAtoms(m, 1e-3);
    if (i >= 0)
        return "atoms " + std::to_string(i + 1) + " and " + std::to_string(j + 1) +
               " are at the same place";
    return "";
}

std::vector<Answer> predictFixed(const std::string& dir, const nlohmann::json& info,
                                 const std::vector<Molecule>& molecules, int draws) {
    const std::string model = info.at("model").get<std::string>();
    const int atoms = info.at("atoms").get<int>();
    const auto elements = info.at("elements").get<std::vector<int>>();
    std::vector<Answer> answers(molecules.size());
    std::vector<Molecule> good;
    std::vector<std::size_t> where;
    for (std::size_t i = 0; i < molecules.size(); ++i) {
        answers[i].error = whyNot(molecules[i], elements, atoms);
        if (answers[i].error.empty()) {
            good.push_back(molecules[i]);
            where.push_back(i);
        }
    }
    if (good.empty())
        return answers;
    Representation kind;
    try {
        kind = parseRepresentation(info.value("representation", std::string("sorted")));
    } catch (const std::invalid_argument& e) {
        throw UsageError(dir + "/model.json: " + e.what());
    }
    // Randomly sorted inputs: the mean over draws, their spread as the uncertainty.
    const int n = kind == Representation::RandomSorted ? draws : 1;
    KrrModel krr;
    RunResult mlp;
    if (model == "krr")
        krr = loadKrrModel((fs::path(dir) / "krr.bin").string());
    else if (model == "mlp")
        mlp = loadRun(dir);
    else
        throw UsageError(dir + "/model.json names an unknown model '" + model + "'");
    std::vector<double> sum(good.size(), 0.0), sumSq(good.size(), 0.0);
    for (int draw = 0; draw < n; ++draw) {
        const std::vector<double> X =
            moleculeFeatures(good, kind, atoms, static_cast<std::uint64_t>(draw));
        std::vector<double> pred;
        if (model == "krr") {
            pred = predictKrr(krr, X);
        } else {
            const double scale = info.at("scale").get<double>();
            std::vector<float> Xf(X.size());
            for (std::size_t i = 0; i < X.size(); ++i)
                Xf[i] = static_cast<float>(X[i] / scale);
            const std::vector<float> p = predict(mlp.weights, mlp.scaler, Xf);
            pred.assign(p.begin(), p.end());
        }
        for (std::size_t k = 0; k < pred.size(); ++k) {
            sum[k] += pred[k];
            sumSq[k] += pred[k] * pred[k];
        }
    }
    for (std::size_t k = 0; k < where.size(); ++k) {
        const double mean = sum[k] / n;
        answers[where[k]].energy = mean;
        if (n > 1)
            answers[where[k]].spread = std::sqrt(std::max(0.0, sumSq[k] / n - mean * mean));
    }
    return answers;
}

int runPredict(const PredictCli& o) {
    const fs::path info = fs::path(o.run) / "model.json";
    if (!fs::is_directory(o.run))
        throw UsageError("--run " + o.run + " is not a folder");
    if (o.draws < 1)
        throw UsageError("--draws must be at least 1");
    const bool deep = isDeepRun(o.run);
    if (!deep && !fs::exists(info))
        throw UsageError(o.run + " is not a run that can predict molecules (no model.json): use "
                                 "a fold folder written by qm7 cv, such as cv-krr/fold-0");
    ensureReadableFile(o.from);
    XyzOptions xyz;
    xyz.requireEnergy = false;
    xyz.minDistance = 0; // coincident atoms are reported per molecule below
    xyz.energyKey = o.energyKey;
    std::vector<Molecule> molecules;
    try {
        molecules = readXyz(o.from, xyz);
    } catch (const MoleculeError& e) {
        throw UsageError(e.what());
    }
    std::vector<Answer> answers;
    std::string modelName;
    if (deep) {
        const DeepRun run = loadDeepRun(o.run);
        if (run.expansion.dim() == 0)
            throw UsageError(o.run + " was trained on fixed features, not on molecules: it "
                                     "cannot predict new molecules");
        for (const MoleculePrediction& p : predictMolecules(run, molecules, o.draws))
            answers.push_back({p.energy, p.spread, p.error});
        modelName =
            "deep network (mean and spread over " + std::to_string(o.draws) + " random sortings)";
    } else {
        nlohmann::json meta;
        try {
            meta = nlohmann::json::parse(readFile(info.string()));
        } catch (const nlohmann::json::exception& e) {
            throw UsageError(info.string() + " is damaged: " + e.what());
        }
        answers = predictFixed(o.run, meta, molecules, o.draws);
        modelName = meta.value("model", std::string("?")) + " model (" +
                    meta.value("representation", std::string("sorted")) + " Coulomb matrices)";
    }

    std::cout << "predicted atomization energies (kcal/mol) with the " << modelName << " of "
              << o.run << "\n";
    std::cout << "   # name                 atoms   predicted    spread   reference\n";
    int rejected = 0;
    for (std::size_t i = 0; i < molecules.size(); ++i) {
        const Molecule& m = molecules[i];
        const Answer& a = answers[i];
        const std::string name = m.name.empty() ? std::to_string(i + 1) : m.name;
        char line[256];
        if (!a.error.empty()) {
            ++rejected;
            std::snprintf(line, sizeof line, "%4zu %-20s %5d   cannot predict: %s\n", i + 1,
                          name.c_str(), m.atoms(), a.error.c_str());
            std::cout << line;
            continue;
        }
        char spread[32] = "-";
        if (!std::isnan(a.spread))
            std::snprintf(spread, sizeof spread, "%.2f", a.spread);
        char ref[64] = "-";
        if (m.energy != 0.0)
            std::snprintf(ref, sizeof ref, "%.2f", m.energy);
        std::snprintf(line, sizeof line, "%4zu %-20s %5d %11.2f %9s %11s\n", i + 1, name.c_str(),
                      m.atoms(), a.energy, spread, ref);
        std::cout << line;
    }
    if (rejected > 0) {
        std::cerr << "qm7 predict: " << rejected << " of " << molecules.size()
                  << " molecule(s) could not be predicted (reasons above)\n";
        return kBadInput;
    }
    return kOk;
}

} // namespace

Command addPredictCommand(CLI::App& app) {
    auto o = std::make_shared<PredictCli>();
    CLI::App* sub = app.add_subcommand(
        "predict", "Predict atomization energies of molecules in an .xyz file with a trained run");
    sub->add_option("--run", o->run, "A run folder (a fold of qm7 cv, e.g. cv-krr/fold-0)")
        ->required();
    sub->add_option("--from", o->from, "Molecules: .xyz or .xyz.gz (Angstrom)")->required();
    sub->add_option("--energy-key", o->energyKey,
                    "Key of a reference energy on the comment line, shown beside the prediction")
        ->capture_default_str();
    sub->add_option("--draws", o->draws,
                    "Random sortings averaged per molecule (networks on randomly sorted inputs)")
        ->capture_default_str();
    return {sub, [o] { return runPredict(*o); }};
}

} // namespace qm7::cli
