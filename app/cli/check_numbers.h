#pragma once
// qm7 check --losses / --curve: a notebook's own numbers (CSV) read and, for a learning curve,
// ranked by the workbench's law ranking; what was read and which columns are printed.

#include <string>

namespace qm7::cli {

/// Prints the losses file's columns and values (may be ""), then the curve file's (may be "")
/// with its law ranking at targetN; a bad file is a UsageError (exit code 2).
int runCheckNumbers(const std::string& losses, const std::string& curve, double targetN);

} // namespace qm7::cli
