#include "curve_answer.h"

#include "cli_common.h"
#include "job_progress.h"

#include "qm7/analysis/curve_verify.h"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace qm7::cli {

namespace {

/// text padded with spaces to `width` characters on screen (UTF-8: "≥" is one character).
std::string padded(const std::string& text, std::size_t width) {
    std::size_t chars = 0;
    for (unsigned char c : text)
        chars += (c & 0xC0) != 0x80;
    return chars >= width ? text : text + std::string(width - chars, ' ');
}

} // namespace

std::vector<int> verifySizesOf(const std::string& text) {
    if (text.empty())
        return {};
    std::vector<int> sizes;
    try {
        for (double v : parseNumberList(text)) {
            if (v != std::floor(v) || v < 2)
                throw UsageError("--verify: " + std::to_string(v) +
                                 " is not a training size (an integer >= 2)");
            sizes.push_back(static_cast<int>(v));
        }
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--verify: ") + e.what());
    }
    return sizes;
}

std::vector<CurveRow> measureAtLargerN(const std::string& source, const TrainConfig& base,
                                       const std::vector<int>& sizes, int seeds,
                                       const std::string& out, bool* wasInterrupted) {
    if (sizes.empty())
        return {};
    std::cerr << "verification: " << sizes.size() * static_cast<std::size_t>(seeds)
              << " trainings at larger n into " << out << "/verify\n";
    JobProgress progress("verify");
    TrainOptions options;
    options.observer = &progress;
    options.control = &interruptControl();
    int reused = 0;
    std::vector<CurveRow> rows;
    try {
        rows = runVerification(source, base, sizes, seeds, out, options, {}, &reused);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    progress.finish();
    if (reused > 0)
        std::cerr << reused << " finished verification runs reused\n";
    if (wasInterrupted)
        *wasInterrupted = interrupted();
    return rows;
}

void printLawRanking(const LawRanking& r, const std::vector<CurveRow>& measured) {
    const std::string target = std::to_string(static_cast<long long>(r.targetN));
    std::printf(
        "\nlaws ranked by forward validation (fit on smaller n, predict the held-out "
        "largest; RMS ln error pooled over the curves of %d seeds; 'mean': the mean curve alone); "
        "AIC and R² as columns\n",
        r.seedCurves);
    std::printf("%-4s %s %-40s %8s %8s %8s %8s %7s  %-30s %s\n", "rank", padded("law", 26).c_str(),
                "parameters (± std error)", "forward", "LOO", "mean", "AIC", "R²",
                ("MSE at n=" + target + " kcal²/mol² [95%]").c_str(), "verdict");
    for (std::size_t i = 0; i < r.laws.size(); ++i) {
        const LawScore& s = r.laws[i];
        std::string params;
        if (s.fit.ok) {
            char buf[64];
            for (std::size_t k = 0; k < s.fit.params.size(); ++k) {
                std::snprintf(buf, sizeof buf, "%s%s=%.4g±%.2g", k ? " " : "",
                              s.fit.names[k].c_str(), s.fit.params[k], s.fit.stderrs[k]);
                params += buf;
            }
        } else {
            params = "fit failed";
        }
        char pred[96] = "";
        if (s.usable)
            std::snprintf(pred, sizeof pred, "%.4g [%.3g, %.3g]", s.band.value, s.band.lower,
                          s.band.upper);
        else if (std::isfinite(s.band.value))
            std::snprintf(pred, sizeof pred, "%.4g (not trustworthy)", s.band.value);
        std::printf("%-4zu %s %-40s %8.3f %8.3f %8.3f %8.2f %7.4f  %-30s %s\n", i + 1,
                    padded(lawLabel(s), 26).c_str(), params.c_str(), s.forwardError, s.looError,
                    s.meanForwardError, s.allSizes.ok ? s.allSizes.aic : NAN,
                    s.allSizes.ok ? s.allSizes.r2 : NAN, pred,
                    static_cast<int>(i) == r.chosen ? "CHOSEN" : s.verdict.c_str());
    }
    std::printf("lowest AIC: %s\nbands: %s\n", r.aicPick.c_str(), r.bandNote.c_str());
    if (const LawScore* a = r.answer())
        std::printf("answer: %s, test MSE at n = %s: %.4g kcal²/mol² [%.3g, %.3g], RMSE %.2f "
                    "kcal/mol. %s\n",
                    lawLabel(*a).c_str(), target.c_str(), a->band.value, a->band.lower,
                    a->band.upper, std::sqrt(a->band.value), lawInWords(a->fit).c_str());
    else
        std::printf("answer: none (no law predicts held-out sizes with a finite, positive "
                    "error)\n");
    if (measured.empty())
        return;
    std::printf("\nmeasured at larger n against every law (prediction [95%% band]):\n");
    for (const CurveRow& m : measured) {
        std::printf("n = %d: measured %.1f ± %.1f kcal²/mol² (%d runs)\n", m.n, m.mseMean, m.mseStd,
                    m.runs);
        for (std::size_t i = 0; i < r.laws.size(); ++i) {
            const LawScore& s = r.laws[i];
            const Extrapolation e = predictWithHeldOutBand(s, m.n);
            std::printf("    %s %10.4g [%.3g, %.3g] %s%s\n", padded(lawLabel(s), 26).c_str(),
                        e.value, e.lower, e.upper, bandVerdict(e, m.mseMean).c_str(),
                        static_cast<int>(i) == r.chosen ? "  (chosen)"
                                                        : (s.usable ? "" : "  (rejected)"));
        }
    }
}

} // namespace qm7::cli
