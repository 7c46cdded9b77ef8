// qm7 invariance: question 8. The same model on every representation (same split, same
// seeds): test errors and how much predictions change when atoms are relabelled. With
// --folds K: cross-validation studies of every representation and the paper's network
// (invariance_cv.cpp).
#include "commands.h"
#include "invariance_cv.h"
#include "invariance_curve.h"
#include "job_progress.h"

#include "qm7/util/atomic_file.h"
#include "qm7/chem/augmentation.h"
#include "qm7/chem/dataset_builder.h"
#include "qm7/analysis/invariance.h"
#include "qm7/util/series.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

namespace qm7::cli {

namespace {

struct InvarianceCli {
    std::string from = "demo";
    std::string out;
    std::string split = "1500,500,1000";
    std::uint64_t splitSeed = 0;
    std::vector<std::uint64_t> seeds = {0};
    std::vector<std::string> representations = {"cm", "sorted", "eigen", "random-sorted"};
    int permutations = 5;
    double sigma = 1.0;
    int draws = 10;
    TrainConfig config;
    int threads = 0; ///< training threads, 0 = all cores
    int folds = 0;   ///< 0 = one split (the table of question 8), else cross-validation
    int trainSize = 0;
    bool noPaper = false;
    long long paperSteps = 0;
    bool curve = false;               ///< the learning-curve figure of several models
    std::vector<std::string> sizes;   ///< --curve: training sizes ("all" = every molecule)
    std::vector<std::string> models;  ///< --curve: model keys
    int fold = 0;                     ///< --curve: the test fold
    long long invariantMinSteps = -1; ///< --curve: -1 = the core's default
    bool noFigures = false;
    CLI::App* sub = nullptr;
};

/// --curve: the learning curves of several models on one fold.
int runInvarianceCurves(const InvarianceCli& o) {
    if (o.folds != 0 || o.trainSize != 0 || o.noPaper)
        throw UsageError("--curve takes --sizes and --models; --folds, --train-size and "
                         "--no-paper belong to the cross-validation comparison");
    InvarianceCurveOptions c;
    c.from = o.from;
    c.noFigures = o.noFigures;
    ModelCurvesConfig& config = c.config;
    config.out = o.out.empty() ? "learning-curves" : o.out;
    config.sourceName = o.from;
    config.seed = o.splitSeed;
    config.fold = o.fold;
    if (!o.sizes.empty()) {
        std::string joined;
        for (const std::string& size : o.sizes)
            joined += size + ",";
        try {
            config.sizes = parseCurveSizes(joined);
        } catch (const std::invalid_argument& e) {
            throw UsageError(e.what());
        }
    }
    if (!o.models.empty()) {
        config.models.clear();
        for (const std::string& key : o.models) {
            try {
                config.models.push_back(parseCurveModel(key));
            } catch (const std::invalid_argument& e) {
                throw UsageError(e.what());
            }
        }
    }
    if (o.paperSteps != 0)
        config.paperSteps = o.paperSteps;
    if (o.invariantMinSteps >= 0)
        config.invariantMinSteps = o.invariantMinSteps;
    config.mlp = o.config;
    config.threads = o.threads;
    return runInvarianceCurve(c);
}

/// --folds K: the comparison over cross-validation studies.
int runInvarianceFolds(const InvarianceCli& o) {
    InvarianceCvOptions cv;
    cv.from = o.from;
    cv.out = o.out.empty() ? "invariance" : o.out;
    cv.folds = o.folds;
    cv.seed = o.splitSeed;
    cv.representations = o.representations;
    cv.config = o.config;
    cv.threads = o.threads;
    cv.trainSize = o.trainSize;
    cv.paper = !o.noPaper;
    cv.paperSteps = o.paperSteps;
    return runInvarianceCv(cv);
}

/// One row of the result: a representation trained with one seed.
struct RunRow {
    std::string representation;
    std::uint64_t seed = 0;
    int d = 0;
    double rmse = 0, mae = 0;
    InvarianceResult invariance;
    double seconds = 0;
};

std::string formatRow(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string formatRow(const char* format, ...) {
    char buffer[512];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    return buffer;
}

int runInvariance(const InvarianceCli& o) {
    if (o.curve)
        return runInvarianceCurves(o);
    if (o.sub->count("--sizes") + o.sub->count("--models") + o.sub->count("--fold") +
            o.sub->count("--min-steps") + o.sub->count("--no-figures") >
        0)
        throw UsageError("--sizes, --models, --fold, --min-steps and --no-figures need --curve");
    if (o.folds != 0)
        return runInvarianceFolds(o);
    if (o.trainSize != 0 || o.noPaper || o.paperSteps != 0)
        throw UsageError("--train-size, --no-paper and --paper-steps need --folds K");
    const std::string why = o.config.validate();
    if (!why.empty())
        throw UsageError(why);
    if (o.seeds.empty())
        throw UsageError("--seeds needs at least one seed");
    if (o.permutations < 1)
        throw UsageError("--permutations must be at least 1");
    if (o.draws < 1)
        throw UsageError("--draws must be at least 1");
    BuildOptions build;
    std::vector<Representation> kinds;
    try {
        build.split = parseSplit(o.split);
        for (const auto& name : o.representations)
            kinds.push_back(parseRepresentation(name));
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    const SourceKind kind = sourceKind(o.from);
    if (kind == SourceKind::TorchDataset)
        throw UsageError(o.from + " holds features, not molecules; invariance needs molecules "
                                  "(.xyz, .xyz.gz, .mat or demo)");
    if (kind != SourceKind::Demo)
        ensureReadableFile(o.from);
    const std::string out = o.out.empty() ? "invariance" : o.out;
    ensureWritableDir(out);
    build.seed = o.splitSeed;
    build.representation.sigma = o.sigma;

    MoleculeSource source;
    try {
        source = readMolecules(o.from, build);
    } catch (const MoleculeError& e) {
        throw UsageError(e.what());
    }
    setUpNumerics();
    std::cerr << "invariance on " << (kind == SourceKind::Demo ? "the demo data" : o.from) << ": "
              << source.molecules.size() << " molecules, split " << o.split << ", "
              << o.seeds.size() << " seed(s), p=" << o.config.hidden << ", lr=" << o.config.lr
              << ", epochs=" << o.config.epochs << "\n";

    std::vector<RunRow> rows;
    bool cancelled = false;
    for (const Representation rep : kinds) {
        build.representation.kind = rep;
        BuildResult built;
        try {
            built = buildDatasetDetailed(source.molecules, build, source.folds, o.from);
        } catch (const MoleculeError& e) {
            throw UsageError(e.what());
        } catch (const std::invalid_argument& e) {
            throw UsageError(e.what());
        }
        std::vector<TrainConfig> configs;
        for (const std::uint64_t seed : o.seeds) {
            TrainConfig c = o.config;
            c.seed = seed;
            configs.push_back(c);
        }
        std::unique_ptr<RandomSortedAugmentation> augmentation;
        if (rep == Representation::RandomSorted)
            augmentation = std::make_unique<RandomSortedAugmentation>(built, o.sigma, o.draws);
        JobProgress progress(representationName(rep));
        TrainOptions options;
        options.observer = &progress;
        options.control = &interruptControl();
        options.augmentation = augmentation.get();
        options.threads = o.threads;
        const std::vector<RunResult> results = trainMany(built.data, configs, options);
        progress.finish();
        for (std::size_t k = 0; k < results.size(); ++k) {
            const RunResult& r = results[k];
            if (r.cancelled) {
                cancelled = true;
                continue;
            }
            RunRow row;
            row.representation = representationName(rep);
            row.seed = o.seeds[k];
            row.d = built.data.d;
            row.rmse = r.test.rmse;
            row.mae = r.test.mae;
            row.seconds = r.seconds;
            RepresentationOptions fitted = build.representation;
            fitted.bags = built.bags; // Bag of Bonds: the bags of this data
            row.invariance = invarianceError(r.weights, r.scaler, built.molecules.test, fitted,
                                             built.scale, o.permutations, o.seeds[k], o.draws);
            rows.push_back(row);
        }
        if (cancelled || interrupted())
            break;
    }

    // invariance.csv: one line per representation and seed.
    std::ostringstream csv;
    csv << "representation,seed,d,test_rmse,test_mae,invariance_mean_abs,invariance_max_abs,"
           "permutations,seconds\n";
    for (const RunRow& r : rows)
        csv << formatRow("%s,%llu,%d,%.6f,%.6f,%.6g,%.6g,%d,%.2f\n", r.representation.c_str(),
                         static_cast<unsigned long long>(r.seed), r.d, r.rmse, r.mae,
                         r.invariance.meanAbsChange, r.invariance.maxAbsChange,
                         r.invariance.permutations, r.seconds);
    writeFileAtomically((std::filesystem::path(out) / "invariance.csv").string(), csv.str());

    // The table: mean (and spread) over seeds per representation.
    std::ostringstream table;
    table << formatRow("%-14s %4s %18s %18s %22s\n", "representation", "d", "test RMSE", "test MAE",
                       "invariance error");
    table << formatRow("%-14s %4s %18s %18s %22s\n", "", "", "(kcal/mol)", "(kcal/mol)",
                       "(kcal/mol, mean |dE|)");
    for (const Representation rep : kinds) {
        std::vector<double> rmse, mae, inv;
        int d = 0;
        for (const RunRow& r : rows) {
            if (r.representation != representationName(rep))
                continue;
            rmse.push_back(r.rmse);
            mae.push_back(r.mae);
            inv.push_back(r.invariance.meanAbsChange);
            d = r.d;
        }
        if (rmse.empty())
            continue;
        const auto cell = [&](const std::vector<double>& v) {
            return v.size() > 1 ? formatRow("%.2f +- %.2f", meanStd(v).mean, meanStd(v).std)
                                : formatRow("%.2f", meanStd(v).mean);
        };
        table << formatRow("%-14s %4d %18s %18s %22.3g\n", representationName(rep).c_str(), d,
                           cell(rmse).c_str(), cell(mae).c_str(), meanStd(inv).mean);
    }
    table << "\n"
          << o.seeds.size() << " seed(s); invariance error: mean |prediction change| over the "
          << "test molecules, " << o.permutations << " random relabellings of their atoms each"
          << "; random-sorted predictions average " << o.draws << " draws\n";
    writeFileAtomically((std::filesystem::path(out) / "invariance.txt").string(), table.str());
    std::cout << table.str() << "written to " << out << "/invariance.csv\n";
    if (cancelled || interrupted()) {
        std::cerr << "interrupted; the finished runs are in " << out << "\n";
        return kInterrupted;
    }
    return kOk;
}

} // namespace

Command addInvarianceCommand(CLI::App& app) {
    auto o = std::make_shared<InvarianceCli>();
    CLI::App* sub = app.add_subcommand(
        "invariance", "Question 8: train on each representation and measure permutation "
                      "invariance (table and invariance.csv)");
    sub->add_option("--from", o->from, "Molecules: FILE.xyz, FILE.xyz.gz, qm7.mat or demo")
        ->capture_default_str();
    sub->add_option("--out", o->out, "Output folder (default ./invariance)");
    sub->add_option("--split", o->split, "Train,validation,test sizes or fractions")
        ->capture_default_str();
    sub->add_option("--split-seed", o->splitSeed, "Seed of the random split")
        ->capture_default_str();
    sub->add_option("--seeds", o->seeds, "Training seeds, e.g. 0,1,2")
        ->delimiter(',')
        ->capture_default_str();
    sub->add_option("--representations", o->representations,
                    "Which of cm,sorted,eigen,random-sorted,bob (Bag of Bonds)")
        ->delimiter(',')
        ->capture_default_str();
    sub->add_option("--permutations", o->permutations, "Random relabellings of each test molecule")
        ->capture_default_str();
    sub->add_option("--sigma", o->sigma, "Row-norm noise of random-sorted")->capture_default_str();
    sub->add_option("--draws", o->draws, "Random-sorted draws averaged at evaluation")
        ->capture_default_str();
    sub->add_option("--folds", o->folds,
                    "K >= 2: cross-validate every representation and the paper's network on the "
                    "same K folds (results in <out>/cv-*, table comparison.md); reruns continue");
    sub->add_option("--train-size", o->trainSize,
                    "With --folds: only n training molecules per fold (0 = all)");
    sub->add_flag("--no-paper", o->noPaper, "With --folds: leave out the paper's network");
    sub->add_option("--paper-steps", o->paperSteps,
                    "Steps of the paper's network (default 1,000,000 with --folds, 200,000 with "
                    "--curve)");
    sub->add_flag("--curve", o->curve,
                  "The learning-curve figure: test MAE against training molecules on one fold "
                  "for each of --models, with its slope (curves.csv, curves.md, "
                  "figures/learning_curves.png and .svg); reruns continue");
    sub->add_option("--sizes", o->sizes,
                    "With --curve: training sizes, increasing (default 100,300,1000,3000,all)")
        ->delimiter(',');
    sub->add_option("--models", o->models,
                    "With --curve: krr-sorted,krr-bob,mlp-sorted,paper,invariant (the default; "
                    "also mlp-bob, krr-eigen, ...)")
        ->delimiter(',');
    sub->add_option("--fold", o->fold, "With --curve: the test fold of 5 (default 0)");
    sub->add_option("--min-steps", o->invariantMinSteps,
                    "With --curve: the invariant network's least minibatch steps at small sizes "
                    "(default 4000)");
    sub->add_flag("--no-figures", o->noFigures,
                  "With --curve: tables only, no figure drawn by qm7-workbench");
    addTrainingOptions(sub, o->config, o->threads);
    o->sub = sub;
    return {sub, [o] { return runInvariance(*o); }};
}

} // namespace qm7::cli
