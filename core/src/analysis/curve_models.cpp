// The learning-curve models' catalog (names, formulas, parameters) and Student's t quantile.
#include "qm7/analysis/curve_fit.h"

#include <gsl/gsl_cdf.h>

#include <limits>

namespace qm7 {

std::vector<CurveModel> allCurveModels() {
    return {CurveModel::Exponential, CurveModel::LogPower, CurveModel::Power, CurveModel::Linear,
            CurveModel::PowerOffset};
}

std::string curveModelName(CurveModel model) {
    switch (model) {
    case CurveModel::Exponential:
        return "exponential";
    case CurveModel::LogPower:
        return "log-power";
    case CurveModel::Power:
        return "power";
    case CurveModel::Linear:
        return "linear";
    case CurveModel::PowerOffset:
        return "power+offset";
    }
    return "unknown";
}

std::string curveModelFormula(CurveModel model) {
    switch (model) {
    case CurveModel::Exponential:
        return "A exp(-b n)";
    case CurveModel::LogPower:
        return "A (log10 n)^-b";
    case CurveModel::Power:
        return "A n^-b";
    case CurveModel::Linear:
        return "A - b n";
    case CurveModel::PowerOffset:
        return "A n^-b + C";
    }
    return "";
}

std::optional<CurveModel> curveModelFromName(const std::string& name) {
    for (CurveModel m : allCurveModels())
        if (curveModelName(m) == name)
            return m;
    return std::nullopt;
}

int curveModelParamCount(CurveModel model) {
    return model == CurveModel::PowerOffset ? 3 : 2;
}

std::vector<std::string> curveModelParamNames(CurveModel model) {
    if (model == CurveModel::PowerOffset)
        return {"A", "b", "C"};
    return {"A", "b"};
}

double studentTQuantile(double level, int dof) {
    if (dof < 1 || !(level > 0 && level < 1))
        return std::numeric_limits<double>::quiet_NaN();
    return gsl_cdf_tdist_Pinv(0.5 + 0.5 * level, dof);
}

} // namespace qm7
