// Fitting the learning-curve models (GSL Levenberg-Marquardt), extrapolation and residuals;
// the models' names and formulas are in curve_models.cpp, the points' checks and weights in
// curve_data.cpp.
#include "qm7/analysis/curve_fit.h"

#include "analysis/curve_data.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <set>
#include <sstream>

namespace qm7 {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
/// Residual returned where the model is undefined (<= 0 in log space, overflow): the trust
/// region rejects any step whose residual norm grows, so such steps are simply refused.
constexpr double kPenalty = 1e100;
constexpr int kMaxParams = 3;

/// GSL's default error handler aborts the process; fits must fail softly instead.
void ignoreGslError(const char*, const char*, int, int) {}

void installGslErrorHandler() {
    static std::once_flag once;
    std::call_once(once, [] {
        gsl_error_handler_t* previous = gsl_set_error_handler(&ignoreGslError);
        if (previous != nullptr) // the application installed its own: keep it
            gsl_set_error_handler(previous);
    });
}

using detail::Data;
using detail::formatNumber;
using detail::prepare;

bool isExpType(CurveModel m) {
    return m == CurveModel::Exponential || m == CurveModel::LogPower || m == CurveModel::Power;
}

/// The abscissa g(n) in ln f = ln A - b g(n) for the exponential-type models.
double expAbscissa(CurveModel m, double n) {
    switch (m) {
    case CurveModel::Exponential:
        return n;
    case CurveModel::LogPower:
        return std::log(std::log10(n));
    default:
        return std::log(n);
    }
}

/// Model value in fit space and its gradient, for the internal parameters theta.
/// Internally ln A replaces A for the models with a positive amplitude, so those stay positive
/// and are linear in theta in log space; params and covariance are mapped back to A afterwards.
struct FitSpaceValue {
    bool valid = false;
    double h = 0; ///< ln f or f
    std::array<double, kMaxParams> dh{};
};

FitSpaceValue fitSpaceValue(CurveModel m, const double* theta, double n, bool logSpace) {
    FitSpaceValue v;
    std::array<double, kMaxParams> df{};
    double f = 0;
    if (isExpType(m)) {
        const double g = expAbscissa(m, n);
        const double lnf = theta[0] - theta[1] * g;
        if (logSpace) {
            v.valid = std::isfinite(lnf);
            v.h = lnf;
            v.dh = {1.0, -g, 0.0};
            return v;
        }
        f = std::exp(lnf);
        df = {f, -g * f, 0.0};
    } else if (m == CurveModel::Linear) {
        f = theta[0] - theta[1] * n;
        df = {1.0, -n, 0.0};
    } else { // PowerOffset
        const double ln = std::log(n);
        const double p = std::exp(theta[0] - theta[1] * ln);
        f = p + theta[2];
        df = {p, -ln * p, 1.0};
    }
    if (!std::isfinite(f))
        return v;
    if (logSpace) {
        if (f <= 0)
            return v;
        v.h = std::log(f);
        for (int j = 0; j < kMaxParams; ++j)
            v.dh[j] = df[j] / f;
    } else {
        v.h = f;
        v.dh = df;
    }
    v.valid = std::isfinite(v.h);
    return v;
}

struct Problem {
    CurveModel model;
    const Data* data;
};

int residualF(const gsl_vector* x, void* params, gsl_vector* f) {
    const auto* pr = static_cast<const Problem*>(params);
    const Data& d = *pr->data;
    for (std::size_t i = 0; i < d.n.size(); ++i) {
        const FitSpaceValue v = fitSpaceValue(pr->model, x->data, d.n[i], d.logSpace);
        if (!v.valid) {
            gsl_vector_set_all(f, kPenalty);
            return GSL_SUCCESS;
        }
        gsl_vector_set(f, i, std::sqrt(d.w[i]) * (d.z[i] - v.h));
    }
    return GSL_SUCCESS;
}

int residualJ(const gsl_vector* x, void* params, gsl_matrix* jac) {
    const auto* pr = static_cast<const Problem*>(params);
    const Data& d = *pr->data;
    for (std::size_t i = 0; i < d.n.size(); ++i) {
        const FitSpaceValue v = fitSpaceValue(pr->model, x->data, d.n[i], d.logSpace);
        for (std::size_t j = 0; j < jac->size2; ++j)
            gsl_matrix_set(jac, i, j, v.valid ? -std::sqrt(d.w[i]) * v.dh[j] : 0.0);
    }
    return GSL_SUCCESS;
}

/// Weighted cost sum w (z - h)^2 at theta, inf where the model is undefined.
double cost(CurveModel m, const Data& d, const std::vector<double>& theta) {
    double s = 0;
    for (std::size_t i = 0; i < d.n.size(); ++i) {
        const FitSpaceValue v = fitSpaceValue(m, theta.data(), d.n[i], d.logSpace);
        if (!v.valid)
            return kInf;
        s += d.w[i] * (d.z[i] - v.h) * (d.z[i] - v.h);
    }
    return s;
}

/// Weighted least-squares line y = c0 + c1 x; false when x has no spread.
bool lineFit(const std::vector<double>& x, const std::vector<double>& y,
             const std::vector<double>& w, double& c0, double& c1) {
    double sw = 0, sx = 0, sy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sw += w[i];
        sx += w[i] * x[i];
        sy += w[i] * y[i];
    }
    if (x.size() < 2 || sw <= 0)
        return false;
    const double mx = sx / sw, my = sy / sw;
    double sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxx += w[i] * (x[i] - mx) * (x[i] - mx);
        sxy += w[i] * (x[i] - mx) * (y[i] - my);
    }
    if (!(sxx > 0))
        return false;
    c1 = sxy / sxx;
    c0 = my - c1 * mx;
    return std::isfinite(c0) && std::isfinite(c1);
}

/// ln A and b of ln y = ln A - b g(n) by weighted regression over the points with y - offset > 0.
bool logRegression(CurveModel expModel, const Data& d, double offset, double& a, double& b) {
    std::vector<double> x, ly, w;
    for (std::size_t i = 0; i < d.n.size(); ++i) {
        if (d.y[i] - offset > 0) {
            x.push_back(expAbscissa(expModel, d.n[i]));
            ly.push_back(std::log(d.y[i] - offset));
            w.push_back(d.logSpace ? d.w[i] : 1.0);
        }
    }
    double c0 = 0, c1 = 0;
    if (!lineFit(x, ly, w, c0, c1))
        return false;
    a = c0;
    b = -c1;
    return true;
}

/// Starting points (internal parameters) computed from the data; only valid ones are returned.
std::vector<std::vector<double>> startingPoints(CurveModel m, const Data& d) {
    std::vector<std::vector<double>> starts;
    double yMin = kInf, yMax = 0;
    std::size_t iFirst = 0, iLast = 0;
    for (std::size_t i = 0; i < d.n.size(); ++i) {
        if (d.y[i] > 0)
            yMin = std::min(yMin, d.y[i]);
        yMax = std::max(yMax, std::abs(d.y[i]));
        if (d.n[i] < d.n[iFirst])
            iFirst = i;
        if (d.n[i] > d.n[iLast])
            iLast = i;
    }
    if (isExpType(m)) {
        // Log-linear regression: exact in log space, a good start otherwise.
        double a = 0, b = 0;
        if (logRegression(m, d, 0.0, a, b))
            starts.push_back({a, b});
        starts.push_back({std::log(std::max(yMax, 1e-300)), 0.0});
    } else if (m == CurveModel::Linear) {
        double c0 = 0, c1 = 0;
        if (lineFit(d.n, d.y, std::vector<double>(d.n.size(), 1.0), c0, c1))
            starts.push_back({c0, -c1});
        // The chord from the smallest to the largest n stays positive in between.
        const double slope = (d.y[iLast] - d.y[iFirst]) / (d.n[iLast] - d.n[iFirst]);
        starts.push_back({d.y[iFirst] - slope * d.n[iFirst], -slope});
        starts.push_back({yMax, 0.0});
    } else { // PowerOffset: a power law on y - C for a few floors C
        if (std::isfinite(yMin)) {
            for (double frac : {0.0, 0.25, 0.5, 0.75, 0.9, 0.97, -0.5, -2.0}) {
                double a = 0, b = 0;
                const double c = frac * yMin;
                if (logRegression(CurveModel::Power, d, c, a, b))
                    starts.push_back({a, b, c});
            }
        }
        starts.push_back({std::log(std::max(yMax, 1e-300)), 0.0, 0.0});
    }
    std::vector<std::vector<double>> valid;
    for (auto& s : starts) {
        const bool finite =
            std::all_of(s.begin(), s.end(), [](double v) { return std::isfinite(v); });
        if (finite && std::isfinite(cost(m, d, s)))
            valid.push_back(std::move(s));
    }
    return valid;
}

struct GslWorkspaceDeleter {
    void operator()(gsl_multifit_nlinear_workspace* w) const { gsl_multifit_nlinear_free(w); }
};
struct GslMatrixDeleter {
    void operator()(gsl_matrix* m) const { gsl_matrix_free(m); }
};

/// One trust-region LM solve from a start; the raw outcome in internal parameters.
struct Solve {
    bool ok = false;
    std::string message;
    std::vector<double> theta;
    std::vector<double> cov; ///< unscaled (J^T J)^-1, row-major
    double rss = kInf;
    int iterations = 0;
};

Solve solveFrom(CurveModel m, const Data& d, const std::vector<double>& start) {
    Solve s;
    const std::size_t n = d.n.size(), k = start.size();
    Problem problem{m, &d};
    gsl_multifit_nlinear_fdf fdf{};
    fdf.f = &residualF;
    fdf.df = &residualJ;
    fdf.fvv = nullptr;
    fdf.n = n;
    fdf.p = k;
    fdf.params = &problem;

    gsl_multifit_nlinear_parameters params = gsl_multifit_nlinear_default_parameters();
    params.trs = gsl_multifit_nlinear_trs_lm;
    params.scale = gsl_multifit_nlinear_scale_more; // parameters differ by orders of magnitude
    params.solver = gsl_multifit_nlinear_solver_qr;
    std::unique_ptr<gsl_multifit_nlinear_workspace, GslWorkspaceDeleter> work(
        gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &params, n, k));
    if (!work) {
        s.message = "GSL could not allocate the solver";
        return s;
    }
    gsl_vector_const_view x0 = gsl_vector_const_view_array(start.data(), k);
    if (gsl_multifit_nlinear_init(&x0.vector, &fdf, work.get()) != GSL_SUCCESS) {
        s.message = "GSL could not start the solver";
        return s;
    }
    int info = 0;
    const int status =
        gsl_multifit_nlinear_driver(500, 1e-12, 1e-12, 0.0, nullptr, nullptr, &info, work.get());
    s.iterations = static_cast<int>(gsl_multifit_nlinear_niter(work.get()));
    const gsl_vector* x = gsl_multifit_nlinear_position(work.get());
    const gsl_vector* f = gsl_multifit_nlinear_residual(work.get());
    s.theta.assign(x->data, x->data + k);
    s.rss = 0;
    for (std::size_t i = 0; i < n; ++i)
        s.rss += gsl_vector_get(f, i) * gsl_vector_get(f, i);
    // GSL_ENOPROG: no step lowers the cost any more, which at a minimum is convergence (e.g.
    // a start that already is the exact least-squares solution); the gradient decides.
    bool converged = status == GSL_SUCCESS;
    if (status == GSL_ENOPROG) {
        const gsl_vector* g = work->g;
        double gmax = 0;
        for (std::size_t j = 0; j < k; ++j)
            gmax = std::max(gmax,
                            std::abs(gsl_vector_get(g, j)) * std::max(std::abs(s.theta[j]), 1.0));
        converged = gmax <= 1e-8 * std::max(s.rss, 1e-12);
    }
    if (!converged) {
        s.message = status == GSL_EMAXITER ? "did not converge in 500 iterations"
                                           : std::string("solver stopped: ") + gsl_strerror(status);
        return s;
    }
    if (!std::isfinite(s.rss) || s.rss >= kPenalty ||
        !std::all_of(s.theta.begin(), s.theta.end(), [](double v) { return std::isfinite(v); })) {
        s.message = "the fit diverged";
        return s;
    }
    double rcond = 0;
    gsl_multifit_nlinear_rcond(&rcond, work.get());
    if (!(rcond > 1e-14)) {
        s.message = "the parameters are not determined by these points (singular Jacobian)";
        return s;
    }
    std::unique_ptr<gsl_matrix, GslMatrixDeleter> covar(gsl_matrix_alloc(k, k));
    if (!covar || gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(work.get()), 0.0,
                                             covar.get()) != GSL_SUCCESS) {
        s.message = "GSL could not compute the covariance";
        return s;
    }
    s.cov.resize(k * k);
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < k; ++j)
            s.cov[i * k + j] = gsl_matrix_get(covar.get(), i, j);
    s.ok = true;
    return s;
}

/// Model value and gradient with respect to the public parameters (A, b[, C]).
double valueAndGradient(CurveModel m, const std::vector<double>& p, double n,
                        std::array<double, kMaxParams>& grad) {
    grad = {0.0, 0.0, 0.0};
    switch (m) {
    case CurveModel::Exponential: {
        const double e = std::exp(-p[1] * n);
        grad = {e, -n * p[0] * e, 0.0};
        return p[0] * e;
    }
    case CurveModel::LogPower: {
        const double l = std::log10(n);
        const double e = std::pow(l, -p[1]);
        grad = {e, -std::log(l) * p[0] * e, 0.0};
        return p[0] * e;
    }
    case CurveModel::Power: {
        const double e = std::pow(n, -p[1]);
        grad = {e, -std::log(n) * p[0] * e, 0.0};
        return p[0] * e;
    }
    case CurveModel::Linear:
        grad = {1.0, -n, 0.0};
        return p[0] - p[1] * n;
    case CurveModel::PowerOffset: {
        const double e = std::pow(n, -p[1]);
        grad = {e, -std::log(n) * p[0] * e, 1.0};
        return p[0] * e + p[2];
    }
    }
    return kNaN;
}

bool paramsUsable(CurveModel m, const std::vector<double>& p) {
    return static_cast<int>(p.size()) == curveModelParamCount(m) &&
           std::all_of(p.begin(), p.end(), [](double v) { return std::isfinite(v); });
}

/// sqrt(sum w r^2 / sum w) of the fit-space residuals of public parameters.
double weightedRms(CurveModel m, const std::vector<double>& p, const Data& d) {
    double s = 0, sw = 0;
    std::array<double, kMaxParams> grad{};
    for (std::size_t i = 0; i < d.n.size(); ++i) {
        const double f = valueAndGradient(m, p, d.n[i], grad);
        if (!std::isfinite(f) || (d.logSpace && f <= 0))
            return kInf;
        const double r = d.z[i] - (d.logSpace ? std::log(f) : f);
        s += d.w[i] * r * r;
        sw += d.w[i];
    }
    return std::sqrt(s / sw);
}

} // namespace

double evaluateCurve(CurveModel model, const std::vector<double>& params, double n) {
    if (static_cast<int>(params.size()) != curveModelParamCount(model))
        return kNaN;
    std::array<double, kMaxParams> grad{};
    return valueAndGradient(model, params, n, grad);
}

FitResult fitCurve(CurveModel model, const std::vector<CurvePoint>& points,
                   const FitOptions& options) {
    installGslErrorHandler();
    FitResult r;
    r.model = model;
    r.names = curveModelParamNames(model);
    r.logSpace = options.logSpace;
    const int k = curveModelParamCount(model);
    const std::string label = curveModelName(model) + " fit: ";
    Data d;
    if (std::string problem = prepare(model, points, options, k, d); !problem.empty()) {
        r.message = label + problem;
        r.points = static_cast<int>(d.n.size());
        return r;
    }
    r.points = static_cast<int>(d.n.size());
    r.dof = r.points - k;
    r.weighted = d.weighted;

    // Every start is solved; the lowest converged cost wins (guards against local minima).
    const std::vector<std::vector<double>> starts = startingPoints(model, d);
    Solve best;
    std::string lastError = "no valid starting point (the model is undefined at the data)";
    for (const auto& start : starts) {
        Solve s = solveFrom(model, d, start);
        if (!s.ok)
            lastError = s.message;
        else if (!best.ok || s.rss < best.rss)
            best = std::move(s);
    }
    if (!best.ok) {
        r.message = label + lastError;
        return r;
    }

    // Back to public parameters: A = exp(ln A) with cov = D cov D, D = diag(dA/d ln A, 1, 1).
    std::vector<double> p = best.theta;
    std::vector<double> jacobianDiag(k, 1.0);
    if (model != CurveModel::Linear) {
        p[0] = std::exp(best.theta[0]);
        jacobianDiag[0] = p[0];
    }
    if (!paramsUsable(model, p)) {
        r.message = label + "the amplitude A overflows";
        return r;
    }
    r.params = p;
    r.rss = best.rss;
    r.iterations = best.iterations;
    const double scale = r.dof > 0 ? r.rss / r.dof : kInf;
    r.covariance.resize(k * k);
    r.stderrs.resize(k);
    for (int i = 0; i < k; ++i)
        for (int j = 0; j < k; ++j)
            r.covariance[i * k + j] =
                r.dof > 0 ? best.cov[i * k + j] * jacobianDiag[i] * jacobianDiag[j] * scale : kInf;
    for (int i = 0; i < k; ++i)
        r.stderrs[i] = std::sqrt(r.covariance[i * k + i]);

    const double nPoints = r.points;
    r.aic = nPoints * std::log(std::max(r.rss / nPoints, 1e-300)) + 2.0 * k;
    double sw = 0, swz = 0;
    for (std::size_t i = 0; i < d.z.size(); ++i) {
        sw += d.w[i];
        swz += d.w[i] * d.z[i];
    }
    double tss = 0;
    for (std::size_t i = 0; i < d.z.size(); ++i)
        tss += d.w[i] * (d.z[i] - swz / sw) * (d.z[i] - swz / sw);
    r.r2 = tss > 0 ? 1.0 - r.rss / tss : 0.0;
    r.rmsResidual = weightedRms(model, p, d);
    double sumLog = 0;
    for (std::size_t i = 0; i < d.n.size(); ++i) {
        const double f = evaluateCurve(model, p, d.n[i]);
        const double e = f > 0 ? std::log(d.y[i]) - std::log(f) : kInf;
        sumLog += e * e;
    }
    r.rmsLogResidual = std::sqrt(sumLog / nPoints);
    r.ok = true;
    r.message = d.note;
    if (r.dof == 0)
        r.message += std::string(r.message.empty() ? "" : "; ") +
                     "as many points as parameters: standard errors are undefined";
    return r;
}

std::vector<FitResult> fitAllCurves(const std::vector<CurvePoint>& points,
                                    const FitOptions& options) {
    std::vector<FitResult> fits;
    for (CurveModel m : allCurveModels())
        fits.push_back(fitCurve(m, points, options));
    // A fit with dof = 0 interpolates (rss ~ 0) and its AIC means nothing: rank it after the
    // others.
    auto tier = [](const FitResult& f) { return !f.ok ? 2 : (f.dof > 0 ? 0 : 1); };
    std::stable_sort(fits.begin(), fits.end(), [&](const FitResult& a, const FitResult& b) {
        if (tier(a) != tier(b))
            return tier(a) < tier(b);
        return tier(a) == 0 && a.aic < b.aic;
    });
    return fits;
}

Extrapolation extrapolate(const FitResult& fit, double n, double z) {
    Extrapolation e;
    e.n = n;
    e.value = e.lower = e.upper = kNaN;
    if (!fit.ok || !paramsUsable(fit.model, fit.params)) {
        e.message = "the fit failed";
        return e;
    }
    const int k = curveModelParamCount(fit.model);
    if (!std::isfinite(n) || n <= 0 || (fit.model == CurveModel::LogPower && n <= 1)) {
        e.message = "n = " + formatNumber(n) + " is outside the model's domain";
        return e;
    }
    std::array<double, kMaxParams> grad{};
    const double f = valueAndGradient(fit.model, fit.params, n, grad);
    e.value = f;
    if (fit.dof <= 0 || static_cast<int>(fit.covariance.size()) != k * k) {
        e.lower = fit.logSpace ? 0.0 : -kInf;
        e.upper = kInf;
        e.message = "no degrees of freedom: no uncertainty band";
        return e;
    }
    double var = 0; // of f, by the delta method
    for (int i = 0; i < k; ++i)
        for (int j = 0; j < k; ++j)
            var += grad[i] * fit.covariance[i * k + j] * grad[j];
    const double sd = std::sqrt(std::max(var, 0.0));
    if (fit.logSpace && f > 0) {
        // sd of ln f is sd(f) / f; the band is symmetric in log space.
        e.lower = f * std::exp(-z * sd / f);
        e.upper = f * std::exp(z * sd / f);
        e.ok = std::isfinite(e.lower) && std::isfinite(e.upper);
    } else {
        e.lower = f - z * sd;
        e.upper = f + z * sd;
        e.ok = std::isfinite(e.lower) && std::isfinite(e.upper) && f > 0;
        if (f <= 0)
            e.message = "the model predicts a non-positive error at n = " + formatNumber(n) +
                        "; the band shown is the linear delta-method one";
    }
    if (!e.ok && e.message.empty())
        e.message = "the band is not finite";
    return e;
}

double manualResidual(CurveModel model, const std::vector<double>& params,
                      const std::vector<CurvePoint>& points, const FitOptions& options) {
    if (!paramsUsable(model, params))
        return kNaN;
    Data d;
    if (!prepare(model, points, options, 1, d).empty())
        return kNaN;
    return weightedRms(model, params, d);
}

} // namespace qm7
