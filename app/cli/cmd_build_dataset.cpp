// qm7 build-dataset: molecules (.xyz, .xyz.gz, qm7.mat or the bundled demo) to a dataset.pt.
#include "commands.h"

#include "qm7/chem/dataset_builder.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace qm7::cli {

namespace {

struct BuildDatasetCli {
    std::string from;
    std::string out;
    std::string split = "1500,500,1000";
    std::string representation = "cm";
    std::uint64_t seed = 0;
    bool folds = false;
    int testFold = 0;
    int atoms = 23;
    double sigma = 1.0;
    bool noScale = false;
    std::string energyKey = "energy";
};

int runBuildDataset(const BuildDatasetCli& o) {
    BuildOptions options;
    try {
        options.split = parseSplit(o.split);
        options.representation.kind = parseRepresentation(o.representation);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    if (o.atoms < 1 || o.atoms > 1000)
        throw UsageError("--atoms must be between 1 and 1000");
    if (!(o.sigma >= 0))
        throw UsageError("--sigma must be 0 or positive");
    const SourceKind kind = sourceKind(o.from);
    if (kind == SourceKind::TorchDataset)
        throw UsageError(o.from + " is already a data set; build-dataset reads molecules (.xyz, "
                                  ".xyz.gz, .mat or demo)");
    if (kind == SourceKind::Unknown)
        throw UsageError(o.from + ": unknown kind of file; expected .xyz, .xyz.gz, .mat or demo");
    if (o.folds && kind != SourceKind::Mat)
        throw UsageError("--folds needs the official qm7.mat (its variable P holds the folds)");
    if (kind != SourceKind::Demo)
        ensureReadableFile(o.from);
    const std::filesystem::path outPath(o.out);
    ensureWritableDir(outPath.has_parent_path() ? outPath.parent_path().string() : ".");

    options.seed = o.seed;
    options.representation.atoms = o.atoms;
    options.representation.sigma = o.sigma;
    options.scale = !o.noScale;
    options.useFolds = o.folds;
    options.testFold = o.testFold;
    options.energyKey = o.energyKey;
    ProgressBar bar("build");
    options.progress = [&bar](int done, int total) { bar.update(done, total, "molecules"); };

    std::cerr << "reading " << (kind == SourceKind::Demo ? "the bundled demo data" : o.from)
              << "\n";
    BuildResult built;
    try {
        built = loadDataSourceDetailed(o.from, options);
    } catch (const MoleculeError& e) {
        bar.finish();
        throw UsageError(e.what());
    } catch (const std::invalid_argument& e) {
        bar.finish();
        throw UsageError(e.what());
    }
    bar.finish();
    saveDataset(built.data, o.out);

    const Dataset& d = built.data;
    char line[320];
    std::snprintf(line, sizeof line,
                  "wrote %s: %zu / %zu / %zu molecules (train / val / test), d = %d (%s, N = %d), "
                  "X divided by %.6g%s\n",
                  o.out.c_str(), d.train.rows(), d.val.rows(), d.test.rows(), d.d,
                  d.representation.c_str(), d.atoms, built.scale,
                  o.noScale ? " (no scaling)" : " (the largest training entry)");
    std::cout << line;
    if (o.folds)
        std::cout << "official folds: test = fold " << o.testFold << ", validation = fold "
                  << (o.testFold + 1) % 5 << ", training = the others\n";
    return kOk;
}

} // namespace

Command addBuildDatasetCommand(CLI::App& app) {
    auto o = std::make_shared<BuildDatasetCli>();
    CLI::App* sub = app.add_subcommand(
        "build-dataset", "Build a dataset.pt from molecules (.xyz, .xyz.gz, qm7.mat or demo)");
    sub->add_option("--from", o->from, "Molecules: FILE.xyz, FILE.xyz.gz, qm7.mat or demo")
        ->required();
    sub->add_option("--out", o->out, "The dataset.pt to write (atomically)")->required();
    sub->add_option("--split", o->split,
                    "Train,validation,test sizes (1500,500,1000) or fractions (0.8,0.1,0.1)")
        ->capture_default_str();
    sub->add_option("--seed", o->seed, "Seed of the random split")->capture_default_str();
    sub->add_option("--representation", o->representation,
                    "cm, sorted, eigen, random-sorted or bob (Bag of Bonds, Hansen et al. "
                    "2015: bags as large as the largest in the molecules)")
        ->capture_default_str();
    sub->add_flag("--folds", o->folds,
                  "Use the official folds of qm7.mat (test = fold K, validation = fold K+1)");
    sub->add_option("--test-fold", o->testFold, "K, the test fold with --folds (0-4)")
        ->capture_default_str();
    sub->add_option("--atoms", o->atoms, "Padding size N (23 for QM7)")->capture_default_str();
    sub->add_option("--sigma", o->sigma, "Row-norm noise of random-sorted")->capture_default_str();
    sub->add_option("--energy-key", o->energyKey, "Label key on the XYZ comment line")
        ->capture_default_str();
    sub->add_flag("--no-scale", o->noScale,
                  "Keep X unscaled (default: divide by the largest training entry)");
    return {sub, [o] { return runBuildDataset(*o); }};
}

} // namespace qm7::cli
