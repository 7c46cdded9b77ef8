// qm7 curve: the learning curve over training sizes and seeds with fits (question 7),
// resumable; writes curve.csv and fits.csv.
#include "commands.h"
#include "experiment_cli.h"
#include "project_cli.h"

#include "qm7/analysis/homework.h"
#include "qm7/io/dataset.h"
#include "qm7/util/atomic_file.h"

#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace qm7::cli {

namespace {

int runCurve(const ExperimentOptions& o) {
    const Dataset data = loadData(o.data);
    ensureWritableDir(o.out);
    CurveConfig curve{o.base, sizesOf(o.sizes), o.seeds};
    if (const std::string why = curve.validate(static_cast<int>(data.train.rows())); !why.empty())
        throw UsageError(why);
    const std::vector<int> verifySizes = checkedVerifySizes(o);
    setUpNumerics();
    const std::vector<TrainConfig> configs = curveConfigs(curve);
    std::vector<std::string> dirs;
    for (const auto& c : configs)
        dirs.push_back((fs::path(o.out) / curveRunName(c.trainSize, c.seed)).string());
    std::vector<RunResult> runs;
    ProjectRun project("curve", o.out, o.slice, false);
    if (!trainIntoFolders(data, configs, dirs, o, "curve", runs))
        return kInterrupted;
    if (!project.complete()) // the other runs belong to other tasks of the project
        return kOk;
    const auto rows = summarizeCurve(curve, runs);
    printCurve(rows);
    // Question 7: the laws ranked by forward validation, measured at larger n when asked.
    const FitOptions fit = fitOptionsOf(o);
    bool stopped = false;
    const auto measured = measureAtLargerN(o.data, o.base, verifySizes, o.seeds, o.out, &stopped);
    const LawRanking ranking = rankLaws(curvePoints(rows), perSeedCurves(runs), o.targetN, fit);
    printLawRanking(ranking, measured);
    writeFileAtomically((fs::path(o.out) / "curve.csv").string(), curveCsv(rows));
    writeFileAtomically((fs::path(o.out) / "fits.csv").string(), lawRankingCsv(ranking));
    if (!measured.empty())
        writeFileAtomically((fs::path(o.out) / "verify.csv").string(),
                            verifyCsv(ranking, measured, fit));
    if (stopped)
        return kInterrupted;
    std::cout << "tables and runs written to " << o.out << "\n";
    return kOk;
}

} // namespace

Command addCurveCommand(CLI::App& app) {
    auto o = std::make_shared<ExperimentOptions>();
    CLI::App* sub = app.add_subcommand("curve", "Learning curve with fits (question 7)");
    addExperimentOptions(sub, *o);
    addCurveOptions(sub, *o);
    return {sub, [o] { return runCurve(*o); }};
}

} // namespace qm7::cli
