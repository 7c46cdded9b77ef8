#pragma once
/// @file curve_fit.h
/// Learning-curve models (test error against training size n), their least-squares fits with
/// standard errors and goodness of fit, and extrapolation with an uncertainty band.
///
/// Fits use GSL's trust-region Levenberg-Marquardt (gsl_multifit_nlinear) and its covariance.
/// No function here throws: bad input gives a FitResult with ok = false and a message.

#include <optional>
#include <string>
#include <vector>

namespace qm7 {

/// The learning-curve models; n is the training size, A, b (and C) the parameters.
enum class CurveModel {
    Exponential, ///< A exp(-b n)
    LogPower,    ///< A (log10 n)^-b, needs n > 1
    Power,       ///< A n^-b
    Linear,      ///< A - b n
    PowerOffset  ///< A n^-b + C
};

/// Every model, in declaration order.
std::vector<CurveModel> allCurveModels();

/// Stable id for CSV files and the CLI: "exponential", "log-power", "power", "linear",
/// "power+offset".
std::string curveModelName(CurveModel model);

/// Human-readable formula, e.g. "A exp(-b n)".
std::string curveModelFormula(CurveModel model);

/// The model with this id (as from curveModelName), if any.
std::optional<CurveModel> curveModelFromName(const std::string& name);

/// Number of parameters of a model (2, or 3 for PowerOffset).
int curveModelParamCount(CurveModel model);

/// Parameter names in the order of FitResult::params: {"A", "b"} or {"A", "b", "C"}.
std::vector<std::string> curveModelParamNames(CurveModel model);

/// The error (e.g. test MSE in kcal^2/mol^2) at training size n: mean and std over seeds.
struct CurvePoint {
    double n = 0;          ///< training size, > 0 (> 1 for LogPower)
    double mean = 0;       ///< mean error over seeds
    double std = 0;        ///< spread of the error over seeds (0 = unknown, e.g. one seed)
    bool excluded = false; ///< skipped by the fit (e.g. an outlier the user switched off)
};

/// How to fit.
struct FitOptions {
    /// Fit ln(error) against ln(model) (the log-log plot the user reads); else error vs model.
    bool logSpace = true;
    /// Weight points by 1/sigma^2 from the seed std (relative std in log space). Points with
    /// std = 0 get the median sigma of the others; with no std > 0 at all the fit is unweighted.
    bool weightBySpread = true;
};

/// Outcome of one fit. Parameters and covariance are for (A, b[, C]) as in the formulas.
struct FitResult {
    CurveModel model = CurveModel::Power;
    bool ok = false;                ///< converged with finite parameters
    std::string message;            ///< why it failed, or notes (e.g. "unweighted: no spread")
    std::vector<std::string> names; ///< parameter names
    std::vector<double> params;     ///< best-fit values
    std::vector<double> stderrs;    ///< standard errors, scaled by sqrt(rss/dof) as SciPy does
    std::vector<double> covariance; ///< row-major k*k, scaled like stderrs (inf when dof = 0)
    int points = 0;                 ///< N, points used (not excluded)
    int dof = 0;                    ///< N - k
    double rss = 0; ///< weighted residual sum of squares in fit space (chi^2 if weighted)
    double rmsLogResidual = 0; ///< unweighted RMS of ln(error) - ln(model); inf if model <= 0
    double rmsResidual = 0;    ///< weighted RMS fit-space residual, as manualResidual() gives
    double aic = 0;            ///< N ln(rss/N) + 2k, fit space
    double r2 = 0;             ///< weighted coefficient of determination in fit space
    bool logSpace = true;      ///< the fit space used
    bool weighted = false;     ///< whether seed-spread weights were used
    int iterations = 0;        ///< solver iterations of the kept start
};

/// The model's value at n (NaN if params has the wrong size).
double evaluateCurve(CurveModel model, const std::vector<double>& params, double n);

/// Least-squares fit of one model to the non-excluded points.
FitResult fitCurve(CurveModel model, const std::vector<CurvePoint>& points,
                   const FitOptions& options = {});

/// Every model, ranked best first by AIC (failed fits last, in declaration order).
std::vector<FitResult> fitAllCurves(const std::vector<CurvePoint>& points,
                                    const FitOptions& options = {});

/// A fit's prediction at n with its band.
struct Extrapolation {
    double n = 0, value = 0, lower = 0, upper = 0;
    bool ok = false;     ///< false when the fit failed, dof = 0, or the model is <= 0 at n
    std::string message; ///< why not ok
};

/// Value of a fit at n and a band of +-z standard deviations from the parameter covariance
/// (delta method in the fit space: in log space the band is exp(ln f +- z sd), asymmetric).
Extrapolation extrapolate(const FitResult& fit, double n, double z = 1.96);

/// Two-sided Student-t quantile for a confidence level (0.95 -> 4.30 at dof 2), a wider z
/// for extrapolate() with few points; NaN when dof < 1 or level is outside (0, 1).
double studentTQuantile(double level, int dof);

/// For the GUI's manual mode: the weighted RMS fit-space residual of given parameters,
/// sqrt(sum w r^2 / sum w). With logSpace and no weights it is the RMS of ln residuals, and
/// for a fit's own parameters it equals FitResult::rmsResidual. NaN for wrong parameter count
/// or no usable points; inf in log space when the model is <= 0 at a used point.
double manualResidual(CurveModel model, const std::vector<double>& params,
                      const std::vector<CurvePoint>& points, const FitOptions& options = {});

} // namespace qm7
