#include "experiment_cli.h"
#include "job_progress.h"

#include "qm7/analysis/curve_verify.h"
#include "qm7/train/resumable.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace qm7::cli {

void addExperimentOptions(CLI::App* sub, ExperimentOptions& o) {
    sub->add_option("--data", o.data, "dataset.pt, molecules (.xyz, .xyz.gz, .mat) or demo")
        ->capture_default_str();
    sub->add_option("--out", o.out, "Output folder (reused runs are kept there)")->required();
    sub->add_option("--seeds", o.seeds, "Seeds per setting (0 .. seeds-1)")->capture_default_str();
    addTrainingOptions(sub, o.base, o.threads);
    addSliceOptions(sub, o.slice);
}

void addSweepOptions(CLI::App* sub, ExperimentOptions& o) {
    sub->add_option("--lrs", o.lrs, "Comma-separated learning rates")->capture_default_str();
    sub->add_option("--rule", o.rule,
                    "Pick the lr by the mean 'best' validation loss (the weights that are tested) "
                    "or the mean 'final' one (the last epoch's)")
        ->capture_default_str();
}

void addCurveOptions(CLI::App* sub, ExperimentOptions& o) {
    sub->add_option("--sizes", o.sizes, "Comma-separated training sizes")->capture_default_str();
    sub->add_option("--target-n", o.targetN, "Extrapolate the fits to this n")
        ->capture_default_str();
    sub->add_flag("--linear-space", o.linearSpace, "Fit the error itself, not its logarithm");
    sub->add_flag("--unweighted", o.unweighted, "Do not weight points by their seed spread");
    sub->add_option("--verify", o.verify,
                    "Also train at these larger n (e.g. 2000,3000,4000; molecules from outside "
                    "validation and test) and compare with every law's prediction");
}

std::vector<double> numbers(const std::string& text, const char* option) {
    try {
        return parseNumberList(text);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string(option) + ": " + e.what());
    }
}

std::vector<int> sizesOf(const std::string& text) {
    // Only the conversion here: the limits are CurveConfig::validate()'s.
    std::vector<int> sizes;
    for (double v : numbers(text, "--sizes")) {
        if (v != std::floor(v) || std::fabs(v) > 1e9)
            throw UsageError("--sizes: " + CLI::detail::to_string(v) +
                             " is not a training size (a whole number of molecules)");
        sizes.push_back(static_cast<int>(v));
    }
    return sizes;
}

SweepRule ruleOf(const std::string& rule) {
    if (rule == "final")
        return SweepRule::FinalLoss;
    if (rule == "best")
        return SweepRule::BestLoss;
    throw UsageError("--rule must be 'final' or 'best'");
}

FitOptions fitOptionsOf(const ExperimentOptions& o) {
    FitOptions fit;
    fit.logSpace = !o.linearSpace;
    fit.weightBySpread = !o.unweighted;
    return fit;
}

void printSweep(const SweepSummary& s) {
    std::printf("\n%10s  %24s  %24s  %18s\n", "lr", "final val loss (mean±std)",
                "best val loss (mean±std)", "test RMSE kcal/mol");
    for (const auto& r : s.rows)
        std::printf("%10.0e  %12.5f ± %-9.5f  %12.5f ± %-9.5f  %8.2f ± %-6.2f%s\n", r.lr,
                    r.finalMean, r.finalStd, r.bestMean, r.bestStd, r.testRmseMean, r.testRmseStd,
                    r.lr == s.chosenLr ? "  <- chosen" : "");
    std::printf("chosen learning rate: %g, by %s\n", s.chosenLr,
                sweepRuleStatement(s.rule).c_str());
}

void printCurve(const std::vector<CurveRow>& rows) {
    std::printf("\n%6s  %26s  %20s  %20s\n", "n", "test MSE kcal²/mol²", "test RMSE kcal/mol",
                "test MAE kcal/mol");
    for (const auto& r : rows)
        std::printf("%6d  %12.1f ± %-11.1f  %9.2f ± %-8.2f  %9.2f ± %-8.2f\n", r.n, r.mseMean,
                    r.mseStd, r.rmseMean, r.rmseStd, r.maeMean, r.maeStd);
}

std::vector<int> checkedVerifySizes(const ExperimentOptions& o) {
    const std::vector<int> sizes = verifySizesOf(o.verify);
    if (!sizes.empty())
        if (const std::string why =
                verificationProblem(o.data, *std::max_element(sizes.begin(), sizes.end()));
            !why.empty())
            throw UsageError(why);
    return sizes;
}

bool trainIntoFolders(const Dataset& data, const std::vector<TrainConfig>& configs,
                      const std::vector<std::string>& dirs, const ExperimentOptions& o,
                      const std::string& label, std::vector<RunResult>& runs) {
    JobProgress progress(label);
    TrainOptions options;
    options.observer = &progress;
    options.control = &interruptControl();
    options.threads = o.threads;
    int reused = 0;
    runs = trainResumable(data, configs, dirs, o.data, options, 0, &reused);
    progress.finish();
    printThreads(progress.threads());
    if (reused > 0)
        std::cerr << reused << " finished runs reused from " << o.out << "\n";
    if (!interrupted())
        return true;
    std::cerr << "interrupted; finished runs are saved in " << o.out
              << " and are reused when you run the same command again\n";
    return false;
}

void printThreads(int threads) {
    if (threads > 0)
        std::cerr << "trained on " << threads << (threads == 1 ? " thread" : " threads") << "\n";
}

} // namespace qm7::cli
