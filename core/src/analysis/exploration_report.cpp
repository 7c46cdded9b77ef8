// The report's Exploration section and the homework folder's exploration (exploration.h).
#include "qm7/analysis/exploration.h"

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace qm7 {

namespace {

std::string fixed2(double x) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", x);
    return buf;
}

} // namespace

std::vector<ExplorationTrial> readHomeworkExploration(const std::string& dir) {
    const std::filesystem::path file = std::filesystem::path(dir) / "exploration" / "trials.csv";
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        return {};
    try {
        return readTrialsCsv(file.string());
    } catch (const std::exception& e) {
        throw std::invalid_argument(file.string() + ": " + e.what());
    }
}

std::string explorationMarkdown(const std::vector<ExplorationTrial>& trials) {
    if (trials.empty())
        return {};
    const std::vector<SettingSummary> sums = summarizeSettings(trials);
    const int best = bestSetting(sums);
    std::ostringstream md;
    md << "## Exploration\n\n"
       << trials.size() << " runs of `qm7 sweep --grid/--sample` (exploration/trials.csv), "
       << sums.size()
       << " settings; each setting's validation RMSE over its seeds. The best setting is "
          "chosen on validation alone.\n\n"
       << "| setting | runs | validation RMSE kcal/mol (mean ± std) | status |\n"
       << "|---|---:|---:|---|\n";
    for (std::size_t i = 0; i < sums.size(); ++i) {
        const SettingSummary& s = sums[i];
        md << "| " << settingText(s.setting) << " | " << s.runs << " | " << fixed2(s.valMean)
           << " ± " << fixed2(s.valStd) << " | "
           << (static_cast<int>(i) == best ? "chosen"
               : s.stopped                 ? "stopped early (successive halving)"
                                           : "")
           << " |\n";
    }
    if (best >= 0) {
        const SettingSummary& b = sums[static_cast<std::size_t>(best)];
        md << "\nChosen on validation: " << settingText(b.setting) << ", validation RMSE "
           << fixed2(b.valMean) << " ± " << fixed2(b.valStd) << " kcal/mol over " << b.runs
           << " seed(s). Its test RMSE, shown once and never used to choose: " << fixed2(b.testMean)
           << " ± " << fixed2(b.testStd) << " kcal/mol.\n";
    }
    md << "\n";
    for (const auto& name : explorationSettingNames(trials))
        md << "- " << name << ": " << settingEffect(trials, name) << "\n";
    md << "\n";
    return md.str();
}

} // namespace qm7
