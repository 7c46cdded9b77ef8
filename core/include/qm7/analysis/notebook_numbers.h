#pragma once
/// @file notebook_numbers.h
/// A notebook's own numbers, read from CSV as pandas' DataFrame.to_csv (with or without its
/// unnamed index column) or numpy.savetxt(..., delimiter=',', header=..., comments='') writes
/// them: losses per epoch, and a learning curve (n, test error[, seed]) whose seeds are averaged
/// as the workbench's own curve is (summarizeFinishedCurve, perSeedCurves) so that it is ranked
/// by the same laws (rankLaws). Columns are found by name, case-insensitive; each reader says
/// which columns it used.

#include "qm7/analysis/experiments.h"
#include "qm7/analysis/law_ranking.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace qm7 {

/// A notebook CSV that cannot be used: the message names the file and the problem.
class NotebookCsvError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Losses per epoch as the notebook wrote them (its units; empty cells are NaN).
struct NotebookLosses {
    std::string file;
    std::vector<double> epoch;            ///< from the epoch column, else the row number 1, 2, ...
    std::vector<double> train, val, test; ///< empty when the file has no such column
    /// e.g. "epoch from 'epoch', train loss from 'train_loss', validation loss from 'val_loss'"
    std::string columnsUsed;
};

/// Reads losses per epoch: the epoch column (epoch, epochs; else the row number), train (train,
/// train_loss, loss, ...), validation (val, val_loss, validation_loss, ...) and test columns.
/// Throws NotebookCsvError when the file is empty, has no loss column (naming the columns it
/// has), a row is cut short, or a used cell is text.
NotebookLosses readNotebookLosses(const std::string& path);

/// Which test error a notebook's learning curve gives.
enum class CurveMetric { Mse, Rmse, Mae };

/// A notebook's learning curve, summarized like the workbench's own.
struct NotebookCurve {
    std::string file;
    CurveMetric metric = CurveMetric::Mse;
    std::vector<double> n, value, seed; ///< the rows as read (seed: the column, else order)
    std::vector<CurveRow> rows;         ///< per n: mean and std over seeds (MSE columns)
    /// The points ranked: test MSE per n (an RMSE is squared per row first); for MAE, the MAE.
    std::vector<CurvePoint> points;
    std::vector<std::vector<CurvePoint>> perSeed; ///< one curve per seed, for the validation
    std::string columnsUsed; ///< e.g. "n from 'n', test MSE from 'test_mse', seed from 'seed'"
};

/// Reads (n, test MSE[, seed]); a test RMSE or MAE column is accepted when named so. Several
/// rows of one n are that n's seeds (by the seed column, else in order). Throws
/// NotebookCsvError for an empty file, no n or error column, text or a non-positive value in
/// a used cell, a row cut short, or fewer than two sizes.
NotebookCurve readNotebookCurve(const std::string& path);

/// The curve's laws ranked exactly as the workbench ranks its own (rankLaws).
LawRanking rankNotebookCurve(const NotebookCurve& curve, double targetN = 4000,
                             const FitOptions& options = {});

/// "test MSE", "test RMSE (squared to MSE per row)" or "test MAE" (what the points are).
std::string curveMetricText(CurveMetric metric);

} // namespace qm7
