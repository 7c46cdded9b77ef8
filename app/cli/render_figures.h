#pragma once
/// @file render_figures.h
/// The command line tool's figures: qm7-workbench (beside this program or $QM7_WORKBENCH) run
/// headless with a render option on a results folder.

#include <string>

namespace qm7::cli {

/// Runs `qm7-workbench <option> <dir>` offscreen (e.g. --render-report rewrites report.md with
/// its figures; --render-curves draws the learning-curve figure). Returns false, after saying
/// why on stderr, when the workbench is missing or fails.
bool renderFigures(const std::string& dir, const std::string& option);

} // namespace qm7::cli
