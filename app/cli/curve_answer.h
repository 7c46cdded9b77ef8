#pragma once
// Question 7's answer on the command line: the law ranking by forward validation and the
// verification runs at larger n (qm7 curve --verify, qm7 homework --verify).

#include "qm7/analysis/law_ranking.h"
#include "qm7/train/trainer.h"

#include <string>
#include <vector>

namespace qm7::cli {

/// Parses the --verify list ("" = none); throws UsageError for a bad entry.
std::vector<int> verifySizesOf(const std::string& text);

/// Trains the verification runs into out/verify/ with a progress line; throws UsageError when
/// the source cannot supply the molecules (saying how many there are and how many are needed).
/// Returns the measured rows (empty when sizes is empty); sets *interrupted on Ctrl-C.
std::vector<CurveRow> measureAtLargerN(const std::string& source, const TrainConfig& base,
                                       const std::vector<int>& sizes, int seeds,
                                       const std::string& out, bool* wasInterrupted);

/// Prints the ranking table, the answer and the measured points against every law.
void printLawRanking(const LawRanking& ranking, const std::vector<CurveRow>& measured);

} // namespace qm7::cli
