// qm7 invariance --curve: the terminal side of core's model_curves.h.
#include "invariance_curve.h"

#include "cli_common.h"
#include "fold_progress.h"
#include "render_figures.h"

#include "qm7/chem/dataset_builder.h"
#include "qm7/util/atomic_file.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

namespace qm7::cli {

namespace {

/// A progress bar per trained point and a line per finished point.
class CurveProgress : public FoldProgress {
  public:
    using FoldProgress::FoldProgress;
    void onPoint(const CurveModelSpec& spec, int size, int index, int total) override {
        finish();
        setLabel("[" + std::to_string(index + 1) + "/" + std::to_string(total) + "] " +
                 curveModelKey(spec) +
                 " n=" + (size == 0 ? std::string("all") : std::to_string(size)));
    }
    void onFoldNote(int, const std::string& note) override { std::cerr << note << "\n"; }
    void onFoldDone(const FoldResult& r, bool fromDisk) override {
        finish();
        char line[256];
        std::snprintf(line, sizeof line,
                      "%-44s n=%5d  test MAE %6.2f  RMSE %6.2f  val MAE %6.2f  %5.1f min%s\n",
                      label().c_str(), r.trainRows, r.test.mae, r.test.rmse, r.valMae,
                      r.seconds / 60, fromDisk ? " (from disk)" : "");
        std::cout << line << std::flush;
    }
};

} // namespace

int runInvarianceCurve(const InvarianceCurveOptions& o) {
    const ModelCurvesConfig& config = o.config;
    if (const std::string why = validateModelCurves(config); !why.empty())
        throw UsageError(why);
    const SourceKind kind = sourceKind(o.from);
    if (kind == SourceKind::TorchDataset)
        throw UsageError(o.from + " holds features, not molecules; the learning curves need "
                                  "molecules (.xyz, .xyz.gz, .mat or demo)");
    if (kind != SourceKind::Demo)
        ensureReadableFile(o.from);
    ensureWritableDir(config.out);
    MoleculeSource source;
    try {
        source = readMolecules(o.from);
    } catch (const MoleculeError& e) {
        throw UsageError(e.what());
    }
    setUpNumerics();
    std::cout << "learning curves on " << (kind == SourceKind::Demo ? "the demo molecules" : o.from)
              << ": fold " << config.fold << " of " << config.folds << " as the test set, "
              << config.models.size() << " model(s), " << config.sizes.size()
              << " training size(s); results in " << config.out << "\n";
    CurveProgress progress(config.mlp.epochs);
    ModelCurvesResult result;
    try {
        result = runModelCurves(source, config, &progress, &interruptControl());
    } catch (const std::invalid_argument& e) {
        progress.finish();
        throw UsageError(e.what());
    }
    progress.finish();
    const std::string md = modelCurvesMarkdown(result.curves);
    writeFileAtomically((std::filesystem::path(config.out) / "curves.md").string(), md);
    std::cout << "\n";
    for (const ModelCurve& c : result.curves) {
        char line[200];
        if (c.fit.ok)
            std::snprintf(line, sizeof line, "%-32s slope %6.3f ± %.3f over %zu sizes\n",
                          c.label.c_str(), c.slope(), c.fit.stderrs[1], c.points.size());
        else
            std::snprintf(line, sizeof line, "%-32s no slope (%s)\n", c.label.c_str(),
                          c.fit.message.c_str());
        std::cout << line;
    }
    std::cout << "written: " << config.out << "/curves.csv, curves.md\n";
    if (result.cancelled || interrupted()) {
        std::cerr << "interrupted; finished points are in " << config.out
                  << "; the same command continues\n";
        return kInterrupted;
    }
    const bool figures = o.noFigures || renderFigures(config.out, "--render-curves");
    return figures ? kOk : kFailed;
}

} // namespace qm7::cli
