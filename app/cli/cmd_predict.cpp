// qm7 predict: atomization energies of new molecules with a trained run (the homework's network
// trained on molecules, a fold of qm7 cv or a deep run); molecules the model cannot handle get a
// reason instead of a number, molecules the run was fitted on are marked. The prediction is
// core's (qm7/analysis/predict.h); this file parses the options and prints the table.
#include "commands.h"

#include "qm7/analysis/predict.h"

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

int runPredict(const PredictCli& o) {
    if (!fs::is_directory(o.run))
        throw UsageError("--run " + o.run + " is not a folder");
    if (o.draws < 1)
        throw UsageError("--draws must be at least 1");
    std::vector<PredictedMolecule> answers;
    std::string modelName;
    bool roles = false;
    setUpNumerics(); // single-threaded BLAS: rebuilding a run's data calls it many times
    try {
        const MoleculePredictor predictor(o.run);
        ensureReadableFile(o.from);
        answers = predictor.predict(readMoleculesToPredict(o.from, o.energyKey), o.draws);
        modelName = predictor.description(o.draws);
        roles = predictor.knowsItsMolecules();
    } catch (const PredictError& e) {
        throw UsageError(e.what());
    } catch (const MoleculeError& e) {
        throw UsageError(e.what());
    }

    std::cout << "predicted atomization energies (kcal/mol) with the " << modelName << " of "
              << o.run << "\n";
    std::cout << "   # name                 atoms   predicted    spread   reference"
              << (roles ? "   in the run's data" : "") << "\n";
    int rejected = 0;
    int fitted = 0;
    for (std::size_t i = 0; i < answers.size(); ++i) {
        const PredictedMolecule& a = answers[i];
        char line[256];
        if (!a.predicted()) {
            ++rejected;
            std::snprintf(line, sizeof line, "%4zu %-20s %5d   cannot predict: %s\n", i + 1,
                          a.name.c_str(), a.atoms, a.reason.c_str());
            std::cout << line;
            continue;
        }
        char spread[32] = "-";
        if (!std::isnan(a.spread))
            std::snprintf(spread, sizeof spread, "%.2f", a.spread);
        char ref[64] = "-";
        if (!std::isnan(a.reference))
            std::snprintf(ref, sizeof ref, "%.2f", a.reference);
        std::snprintf(line, sizeof line, "%4zu %-20s %5d %11.2f %9s %11s", i + 1, a.name.c_str(),
                      a.atoms, a.energy, spread, ref);
        std::cout << line;
        if (roles)
            std::cout << "   " << dataRoleText(a.role);
        std::cout << "\n";
        fitted += a.fitted() ? 1 : 0;
    }
    if (fitted > 0)
        std::cout << fitted << " of " << answers.size()
                  << " molecule(s) are in the run's training set: their values are fitted, not "
                     "predictions\n";
    if (rejected > 0) {
        std::cerr << "qm7 predict: " << rejected << " of " << answers.size()
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
    sub->add_option("--run", o->run,
                    "A run folder: the homework's network trained on molecules (qm7 train --data "
                    "demo, .xyz or .mat), a fold of qm7 cv (e.g. cv-krr/fold-0) or a deep run")
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
