#include "qm7/analysis/curve_fit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace qm7;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

const std::vector<double> kSizes6 = {100, 200, 300, 500, 700, 1000};

/// True parameters shaped like real learning curves: errors ~1e2..1e4 for n in 100..1000.
std::vector<double> trueParams(CurveModel m) {
    switch (m) {
    case CurveModel::Exponential:
        return {1.2e4, 3e-3};
    case CurveModel::LogPower:
        return {2e5, 6.0};
    case CurveModel::Power:
        return {5e5, 1.1};
    case CurveModel::Linear:
        return {1.2e4, 2.5};
    case CurveModel::PowerOffset:
        return {2e6, 1.5, 80.0};
    }
    return {};
}

/// A fixed pattern of relative deviations, scaled by `noise` (deterministic "small noise").
const std::vector<double> kPattern = {1.0, -0.6, 0.3, -1.0, 0.8, -0.2, 0.5, -0.4};

/// Points of a model at the given sizes; mean *= (1 + noise * pattern), std = spread * mean.
std::vector<CurvePoint> makePoints(CurveModel m, const std::vector<double>& p,
                                   const std::vector<double>& sizes, double noise = 0,
                                   double spread = 0) {
    std::vector<CurvePoint> pts;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        const double f = evaluateCurve(m, p, sizes[i]);
        CurvePoint c;
        c.n = sizes[i];
        c.mean = f * (1.0 + noise * kPattern[i % kPattern.size()]);
        c.std = spread * c.mean;
        pts.push_back(c);
    }
    return pts;
}

std::vector<CurvePoint> fromArrays(const std::vector<double>& n, const std::vector<double>& y,
                                   const std::vector<double>& s) {
    std::vector<CurvePoint> pts;
    for (std::size_t i = 0; i < n.size(); ++i)
        pts.push_back({n[i], y[i], s[i], false});
    return pts;
}

double relErr(double a, double b) {
    return std::abs(a - b) / std::max(std::abs(b), 1e-300);
}

std::string describe(CurveModel m, const FitOptions& o) {
    return curveModelName(m) + (o.logSpace ? " log" : " linear") +
           (o.weightBySpread ? " weighted" : " unweighted");
}

} // namespace

// --- names and evaluation -------------------------------------------------------------------

TEST(CurveModel, NamesRoundTripAndAreStable) {
    const std::vector<std::string> ids = {"exponential", "log-power", "power", "linear",
                                          "power+offset"};
    const auto models = allCurveModels();
    ASSERT_EQ(models.size(), ids.size());
    for (std::size_t i = 0; i < models.size(); ++i) {
        EXPECT_EQ(curveModelName(models[i]), ids[i]);
        ASSERT_TRUE(curveModelFromName(ids[i]).has_value());
        EXPECT_EQ(*curveModelFromName(ids[i]), models[i]);
        EXPECT_EQ(curveModelParamNames(models[i]).size(),
                  static_cast<std::size_t>(curveModelParamCount(models[i])));
    }
    EXPECT_FALSE(curveModelFromName("Power").has_value());
    EXPECT_FALSE(curveModelFromName("").has_value());
    EXPECT_EQ(curveModelFormula(CurveModel::Exponential), "A exp(-b n)");
    EXPECT_EQ(curveModelFormula(CurveModel::LogPower), "A (log10 n)^-b");
    EXPECT_EQ(curveModelFormula(CurveModel::Power), "A n^-b");
    EXPECT_EQ(curveModelFormula(CurveModel::Linear), "A - b n");
    EXPECT_EQ(curveModelFormula(CurveModel::PowerOffset), "A n^-b + C");
}

TEST(CurveModel, EvaluatesFormulas) {
    EXPECT_NEAR(evaluateCurve(CurveModel::Exponential, {100, 0.01}, 200), 100 * std::exp(-2.0),
                1e-12);
    EXPECT_NEAR(evaluateCurve(CurveModel::LogPower, {800, 3}, 100), 100.0, 1e-10);
    EXPECT_NEAR(evaluateCurve(CurveModel::Power, {1000, 0.5}, 100), 100.0, 1e-10);
    EXPECT_NEAR(evaluateCurve(CurveModel::Linear, {1000, 2}, 100), 800.0, 1e-12);
    EXPECT_NEAR(evaluateCurve(CurveModel::PowerOffset, {1000, 1, 5}, 100), 15.0, 1e-12);
    EXPECT_TRUE(std::isnan(evaluateCurve(CurveModel::Power, {1000}, 100)));
    EXPECT_TRUE(std::isnan(evaluateCurve(CurveModel::PowerOffset, {1000, 1}, 100)));
}

// --- recovery of known parameters -----------------------------------------------------------

class CurveFitRecovery : public ::testing::TestWithParam<std::tuple<CurveModel, bool, bool>> {};

TEST_P(CurveFitRecovery, CleanDataGivesTheTrueParameters) {
    const auto [model, logSpace, weighted] = GetParam();
    const FitOptions opt{logSpace, weighted};
    const auto truth = trueParams(model);
    const FitResult fit = fitCurve(model, makePoints(model, truth, kSizes6, 0.0, 0.05), opt);
    ASSERT_TRUE(fit.ok) << describe(model, opt) << ": " << fit.message;
    EXPECT_EQ(fit.model, model);
    EXPECT_EQ(fit.points, 6);
    EXPECT_EQ(fit.dof, 6 - curveModelParamCount(model));
    EXPECT_EQ(fit.weighted, weighted);
    EXPECT_EQ(fit.names, curveModelParamNames(model));
    ASSERT_EQ(fit.params.size(), truth.size());
    for (std::size_t j = 0; j < truth.size(); ++j)
        EXPECT_LT(relErr(fit.params[j], truth[j]), 1e-7)
            << describe(model, opt) << " param " << fit.names[j] << " = " << fit.params[j];
    EXPECT_LT(fit.rmsLogResidual, 1e-8);
    EXPECT_GT(fit.r2, 1.0 - 1e-12);
    for (double s : fit.stderrs)
        EXPECT_LT(s, 1e-5 * std::abs(truth[0]));
}

TEST_P(CurveFitRecovery, NoisyDataGivesParametersWithinTheirErrors) {
    const auto [model, logSpace, weighted] = GetParam();
    const FitOptions opt{logSpace, weighted};
    const auto truth = trueParams(model);
    // 1% deterministic multiplicative noise on 8 sizes from 100 to 1000.
    const std::vector<double> sizes = {100, 150, 200, 300, 400, 500, 700, 1000};
    const FitResult fit = fitCurve(model, makePoints(model, truth, sizes, 0.01, 0.03), opt);
    ASSERT_TRUE(fit.ok) << describe(model, opt) << ": " << fit.message;
    EXPECT_EQ(fit.dof, 8 - curveModelParamCount(model));
    for (std::size_t j = 0; j < truth.size(); ++j) {
        SCOPED_TRACE(describe(model, opt) + " param " + fit.names[j]);
        ASSERT_TRUE(std::isfinite(fit.stderrs[j]));
        EXPECT_GT(fit.stderrs[j], 0.0);
        // Within 4 standard errors of the truth, and the errors themselves are small.
        EXPECT_LT(std::abs(fit.params[j] - truth[j]), 4.0 * fit.stderrs[j]);
    }
    // A and b are pinned down to several percent by 1% noise (C, a small floor, is looser).
    EXPECT_LT(relErr(fit.params[0], truth[0]), model == CurveModel::PowerOffset ? 0.3 : 0.1);
    EXPECT_LT(relErr(fit.params[1], truth[1]), 0.05);
    EXPECT_GT(fit.r2, 0.98);
    EXPECT_LT(fit.rmsLogResidual, 0.02);
}

INSTANTIATE_TEST_SUITE_P(AllModels, CurveFitRecovery,
                         ::testing::Combine(::testing::ValuesIn(allCurveModels()),
                                            ::testing::Bool(), ::testing::Bool()),
                         [](const auto& testInfo) {
                             std::string name = curveModelName(std::get<0>(testInfo.param));
                             for (char& c : name)
                                 if (c == '-' || c == '+')
                                     c = '_';
                             return name + (std::get<1>(testInfo.param) ? "_log" : "_linear") +
                                    (std::get<2>(testInfo.param) ? "_weighted" : "_unweighted");
                         });

TEST(CurveFit, ConvergesFromFarOnARealisticCurve) {
    // A plateauing curve (errors 1e4 -> 1e2) where plain power-law starts are poor for the
    // offset model; every model must still converge.
    const std::vector<CurvePoint> pts =
        fromArrays({100, 200, 500, 1000}, {12500, 3900, 640, 180}, {2100, 380, 55, 20});
    for (CurveModel m : allCurveModels()) {
        const FitResult fit = fitCurve(m, pts);
        EXPECT_TRUE(fit.ok) << curveModelName(m) << ": " << fit.message;
    }
}

// --- against SciPy --------------------------------------------------------------------------

namespace {

/// One row printed by tests/fixtures/curve_fit_reference.py.
struct ScipyRow {
    const char* model;
    std::vector<double> params, stderrs;
    double rss, aic, r2, value, lower, upper;
};

// Source: tests/fixtures/curve_fit_reference.py, run with /usr/bin/python3 (Debian 12
// python3-scipy 1.10.1, numpy 1.24.2): scipy.optimize.curve_fit, method "lm",
// absolute_sigma=False, tolerances 1e-15; band = delta method at n = 4000, z = 1.96.
const std::vector<double> kN4 = {100.0, 200.0, 500.0, 1000.0};
const std::vector<double> kY4 = {3120.0, 1710.0, 905.0, 560.0};
const std::vector<double> kS4 = {410.0, 150.0, 70.0, 38.0};
const std::vector<double> kN6 = {100.0, 200.0, 300.0, 500.0, 700.0, 1000.0};
const std::vector<double> kY6 = {2650.0, 1390.0, 1010.0, 640.0, 520.0, 395.0};
const std::vector<double> kS6 = {300.0, 110.0, 95.0, 41.0, 30.0, 26.0};

// clang-format off
const std::vector<ScipyRow> kN4LogWeighted = {
{"exponential", {2409.23938198, 0.00153407373527}, {593.197622097, 0.000361976987056}, 18.7334720859, 10.1760700552, 0.899804630573, 5.21099817895, 0.454870575577, 59.6972050492},
{"log-power", {57810.9880022, 4.21070735023}, {4566.52204245, 0.0809393596432}, 0.13806679248, -9.46524827423, 0.999261554227, 262.142387825, 248.257451847, 276.803902494},
{"power", {81701.6980611, 0.723025800391}, {12647.237015, 0.0251395500866}, 0.450982027297, -4.73048860871, 0.997587937216, 203.164944829, 181.169179523, 227.831217848},
{"linear", {1895.33450564, 1.35911697733}, {484.37709271, 0.528781079805}, 34.3280255728, 12.5986709261, 0.816397665729, -3541.13340368, -8853.49310391, -1416.34783418},
{"power+offset", {144947.231727, 0.850625400997, 155.913787854}, {71594.7754345, 0.106091804106, 106.852842287}, 0.18280207431, -6.34258253488, 0.999022289019, 280.999066649, 185.722492204, 425.153003929},
};
const std::vector<ScipyRow> kN4LogUnweighted = {
{"exponential", {2815.18931672, 0.00174746139269}, {697.336699257, 0.000434503463311}, 0.185017390674, -8.2943992632, 0.889955219786, 2.59332080977, 0.124307877036, 54.1020648309},
{"log-power", {57308.9956787, 4.2009948686}, {3431.50055682, 0.0652568429931}, 0.000810982316008, -30.0142346815, 0.999517643339, 263.120779984, 249.762535699, 277.193473656},
{"power", {90220.4162865, 0.738923199596}, {14444.1797056, 0.0274953385474}, 0.00464292494725, -23.0348203836, 0.997238477672, 196.634234911, 170.148290844, 227.243083943},
{"linear", {2205.75688435, 1.68483410016}, {600.86726887, 0.668877812777}, 0.362682859849, -5.60208340813, 0.784283220869, -4533.57951627, -11318.8077104, -1815.85762001},
{"power+offset", {170380.720273, 0.884767168652, 187.02802829}, {76232.1403103, 0.0991045789891, 102.599023896}, 0.00143506309601, -25.73136329, 0.999146452112, 297.801567091, 197.705161079, 448.575914144},
};
const std::vector<ScipyRow> kN4LinearWeighted = {
{"exponential", {2171.26946116, 0.00142987642075}, {540.271637416, 0.000371637879107}, 15.5653539875, 9.43501274019, 0.847858122078, 7.12465709249, -10.6535796497, 24.9028938347},
{"log-power", {57818.3014352, 4.21120906961}, {4509.95045249, 0.0799170892584}, 0.136303188518, -9.51667163317, 0.998667719148, 262.007037138, 247.913890919, 276.100183358},
{"power", {80601.6590186, 0.720996069052}, {12567.8041886, 0.0253272077863}, 0.439791566122, -4.83099495514, 0.995701304653, 203.832244488, 180.361608398, 227.302880578},
{"linear", {1640.81196856, 1.10289296296}, {404.23422076, 0.455636664338}, 26.0356571136, 11.4926906592, 0.745517270639, -2770.75988328, -5594.07802279, 52.5582562413},
{"power+offset", {144730.950335, 0.85059591477, 156.425168419}, {73054.2634684, 0.108254109732, 108.173557341}, 0.183043568936, -6.33730173592, 0.998210860329, 281.354351587, 164.019062776, 398.689640399},
};
const std::vector<ScipyRow> kN4LinearUnweighted = {
{"exponential", {3905.81639294, 0.00308073091967}, {838.757979371, 0.00115035337929}, 371257.470221, 49.7534269183, 0.90442270183, 0.0173753703135, -0.133263373601, 0.168014114228},
{"log-power", {57445.0211197, 4.20478273446}, {2404.84488811, 0.0553393944996}, 839.816161746, 25.3875546068, 0.999783795974, 262.468145896, 247.06966861, 277.866623183},
{"power", {114258.955074, 0.784061282085}, {22324.1484375, 0.0396574629086}, 11640.1650064, 35.9036901435, 0.997003331621, 171.259421653, 125.547247784, 216.971595522},
{"linear", {2644.79591915, 2.38010204136}, {606.332900946, 1.06357826498}, 1108574.7449, 54.129165494, 0.714606203415, -6875.6122463, -14311.8697493, 560.645256666},
{"power+offset", {242587.224458, 0.965413288141, 270.9552273}, {84720.6406126, 0.081281810454, 94.7228875623}, 1756.17459737, 30.3383953486, 0.999547886745, 351.751503523, 214.048199348, 489.454807699},
};
const std::vector<ScipyRow> kN6LogWeighted = {
{"exponential", {1890.57517288, 0.0017385531816}, {395.668076008, 0.000328717729263}, 41.6061650594, 15.6189333136, 0.874892096021, 1.8047528544, 0.195858619737, 16.6300205211},
{"log-power", {69845.7197961, 4.70262417187}, {5220.76869842, 0.0760075497227}, 0.347146029473, -13.0986153354, 0.998956147195, 168.612546129, 160.61824446, 177.004740698},
{"power", {102613.371504, 0.808830420697}, {15904.2747803, 0.0250385283986}, 1.26991352429, -5.3168639731, 0.996181426021, 125.241499587, 112.187154957, 139.814876531},
{"linear", {1320.93537826, 0.977866288465}, {272.07286334, 0.319129195982}, 87.4190694184, 20.0737238512, 0.737134712437, -2590.52977559, -5604.47699328, -1197.4078092},
{"power+offset", {223632.654109, 0.976137325231, 135.384875998}, {66073.9905836, 0.0611553611591, 39.7505412142}, 0.348357094304, -11.077719969, 0.998952505576, 203.529251026, 159.034432988, 260.472875245},
};
const std::vector<ScipyRow> kN6LogUnweighted = {
{"exponential", {2190.22898451, 0.00193546641111}, {454.306322434, 0.000370557800758}, 0.314904660429, -13.683468923, 0.872126615846, 0.951130246907, 0.072357021379, 12.5025703013},
{"log-power", {69312.5724956, 4.69368582679}, {4259.39046437, 0.065484550874}, 0.00191589006282, -44.2959946928, 0.999222014226, 169.253146529, 161.227178352, 177.678651346},
{"power", {113058.394765, 0.824322781543}, {15210.7094417, 0.0226835538016}, 0.00743657836108, -36.1586234171, 0.996980227475, 121.350816723, 108.413600584, 135.831857258},
{"linear", {1549.8468823, 1.21467304585}, {336.963733147, 0.391297029922}, 0.676202257665, -9.09813511513, 0.72541444467, -3308.8453011, -6945.25845969, -1576.39305868},
{"power+offset", {223353.545106, 0.974746669056, 132.081171773}, {49122.9301647, 0.0468948183942, 33.642865401}, 0.00158344965031, -43.4394537491, 0.999357008356, 200.930050507, 161.554639709, 249.902356685},
};
const std::vector<ScipyRow> kN6LinearWeighted = {
{"exponential", {1686.60391251, 0.00161884980405}, {361.430618709, 0.000343530761437}, 32.2478809286, 14.0901571853, 0.81125954942, 2.5988604246, -3.4164192816, 8.6141401308},
{"log-power", {69814.9167947, 4.70264518198}, {5191.90346769, 0.0756166099}, 0.346157439313, -13.1157262984, 0.997974009169, 168.533647729, 160.385566086, 176.681729371},
{"power", {101656.651056, 0.807583369936}, {16242.7727012, 0.025819440446}, 1.26996417922, -5.31662464697, 0.992567151561, 125.363772271, 111.173401296, 139.554143246},
{"linear", {1134.73711484, 0.785880977646}, {225.034185865, 0.280239096206}, 57.6045378479, 17.5710512647, 0.662852066066, -2008.78679574, -3788.29204355, -229.28154794},
{"power+offset", {225028.897987, 0.977508471633, 136.127983551}, {66352.3369195, 0.0609708230117, 39.3910003972}, 0.347107954496, -11.0992734515, 0.997968445993, 203.922432731, 154.144902365, 253.699963096},
};
const std::vector<ScipyRow> kN6LinearUnweighted = {
{"exponential", {3529.12989723, 0.00370761158696}, {591.743441525, 0.000846573351504}, 321895.00665, 69.3413274149, 0.909062035735, 0.0012790473751, -0.00685469520856, 0.00941278995876},
{"log-power", {65815.1957478, 4.63208113906}, {2523.25134624, 0.0496576236365}, 1254.85065317, 36.0580742428, 0.999645494458, 173.915006691, 164.971337014, 182.858676368},
{"power", {143502.045938, 0.868433371286}, {14780.9468667, 0.0205725394951}, 5784.01107228, 45.2265592534, 0.998365969706, 106.833877461, 92.3327324055, 121.335022517},
{"linear", {2042.84883961, 2.01860466609}, {405.505539686, 0.724425104753}, 1203522.38372, 77.254021994, 0.659995112499, -6031.56982474, -11067.6180959, -995.521553539},
{"power+offset", {239016.553834, 0.989960654079, 144.672644909}, {36109.6602648, 0.0349617369672, 34.7977630921}, 1029.10301135, 36.8681002189, 0.999709270007, 209.615341148, 158.098206484, 261.132475813},
};
// clang-format on

void expectMatchesScipy(const std::vector<ScipyRow>& rows, const std::vector<CurvePoint>& pts,
                        const FitOptions& opt) {
    // Most parameters agree to ~1e-9. In flat valleys (power+offset: A known to +-50%) the two
    // solvers stop ~1e-7 apart at the same rss; there GSL's point has the smaller gradient
    // (checked with scipy.optimize.least_squares), so the tolerance is the solvers', not ours.
    constexpr double kTol = 2e-6;
    for (const ScipyRow& row : rows) {
        const CurveModel m = *curveModelFromName(row.model);
        SCOPED_TRACE(describe(m, opt));
        const FitResult fit = fitCurve(m, pts, opt);
        ASSERT_TRUE(fit.ok) << fit.message;
        ASSERT_EQ(fit.params.size(), row.params.size());
        for (std::size_t j = 0; j < row.params.size(); ++j) {
            EXPECT_LT(relErr(fit.params[j], row.params[j]), kTol) << fit.names[j];
            EXPECT_LT(relErr(fit.stderrs[j], row.stderrs[j]), 10 * kTol) << fit.names[j];
        }
        EXPECT_LT(relErr(fit.rss, row.rss), 10 * kTol);
        EXPECT_NEAR(fit.aic, row.aic, 1e-5);
        EXPECT_NEAR(fit.r2, row.r2, 1e-8);
        const Extrapolation e = extrapolate(fit, 4000);
        EXPECT_LT(relErr(e.value, row.value), 10 * kTol);
        if (row.value <= 0) {
            // A negative predicted error is flagged. In log space SciPy's line maps it through
            // exp() (meaningless); qm7 gives the linear band, which is not compared then.
            EXPECT_FALSE(e.ok);
            EXPECT_NE(e.message.find("non-positive"), std::string::npos) << e.message;
            if (opt.logSpace)
                continue;
        } else {
            EXPECT_TRUE(e.ok) << e.message;
        }
        // Bands of nearly-zero values (linear-space exponential) are compared absolutely.
        const double scale = std::max(std::abs(row.upper - row.lower), std::abs(row.value));
        EXPECT_NEAR(e.lower, row.lower, 1e-4 * scale);
        EXPECT_NEAR(e.upper, row.upper, 1e-4 * scale);
    }
    // fitAllCurves ranks by AIC: the same order as SciPy's AIC.
    std::vector<const ScipyRow*> sorted;
    for (const auto& row : rows)
        sorted.push_back(&row);
    std::sort(sorted.begin(), sorted.end(),
              [](const ScipyRow* a, const ScipyRow* b) { return a->aic < b->aic; });
    const auto all = fitAllCurves(pts, opt);
    ASSERT_EQ(all.size(), rows.size());
    for (std::size_t i = 0; i < all.size(); ++i)
        EXPECT_EQ(curveModelName(all[i].model), sorted[i]->model) << "rank " << i;
}

} // namespace

TEST(CurveFitScipy, FourSizesLogWeighted) {
    expectMatchesScipy(kN4LogWeighted, fromArrays(kN4, kY4, kS4), {true, true});
}
TEST(CurveFitScipy, FourSizesLogUnweighted) {
    expectMatchesScipy(kN4LogUnweighted, fromArrays(kN4, kY4, kS4), {true, false});
}
TEST(CurveFitScipy, FourSizesLinearWeighted) {
    expectMatchesScipy(kN4LinearWeighted, fromArrays(kN4, kY4, kS4), {false, true});
}
TEST(CurveFitScipy, FourSizesLinearUnweighted) {
    expectMatchesScipy(kN4LinearUnweighted, fromArrays(kN4, kY4, kS4), {false, false});
}
TEST(CurveFitScipy, SixSizesLogWeighted) {
    expectMatchesScipy(kN6LogWeighted, fromArrays(kN6, kY6, kS6), {true, true});
}
TEST(CurveFitScipy, SixSizesLogUnweighted) {
    expectMatchesScipy(kN6LogUnweighted, fromArrays(kN6, kY6, kS6), {true, false});
}
TEST(CurveFitScipy, SixSizesLinearWeighted) {
    expectMatchesScipy(kN6LinearWeighted, fromArrays(kN6, kY6, kS6), {false, true});
}
TEST(CurveFitScipy, SixSizesLinearUnweighted) {
    expectMatchesScipy(kN6LinearUnweighted, fromArrays(kN6, kY6, kS6), {false, false});
}

TEST(CurveFitScipy, StudentQuantiles) {
    // Source: the last line of tests/fixtures/curve_fit_reference.py (scipy.stats.t.ppf(0.975)).
    EXPECT_NEAR(studentTQuantile(0.95, 1), 12.7062047364, 1e-8);
    EXPECT_NEAR(studentTQuantile(0.95, 2), 4.30265272991, 1e-9);
    EXPECT_NEAR(studentTQuantile(0.95, 5), 2.57058183661, 1e-9);
    EXPECT_NEAR(studentTQuantile(0.95, 30), 2.0422724563, 1e-9);
    EXPECT_TRUE(std::isnan(studentTQuantile(0.95, 0)));
    EXPECT_TRUE(std::isnan(studentTQuantile(1.5, 3)));
}

// --- excluded points ------------------------------------------------------------------------

TEST(CurveFit, ExcludedPointsAreSkipped) {
    auto pts = fromArrays(kN4, kY4, kS4);
    const FitResult base = fitCurve(CurveModel::Power, pts);
    ASSERT_TRUE(base.ok);

    // A wild outlier and a broken (NaN) point, both excluded, change nothing.
    auto withExcluded = pts;
    withExcluded.insert(withExcluded.begin() + 1, CurvePoint{150, 50.0, 5.0, true});
    withExcluded.push_back(CurvePoint{kNaN, kNaN, kNaN, true});
    withExcluded.push_back(CurvePoint{2000, -1.0, 0.0, true});
    const FitResult same = fitCurve(CurveModel::Power, withExcluded);
    ASSERT_TRUE(same.ok) << same.message;
    EXPECT_EQ(same.points, 4);
    EXPECT_EQ(same.dof, 2);
    for (std::size_t j = 0; j < 2; ++j) {
        EXPECT_DOUBLE_EQ(same.params[j], base.params[j]);
        EXPECT_DOUBLE_EQ(same.stderrs[j], base.stderrs[j]);
    }
    EXPECT_DOUBLE_EQ(same.aic, base.aic);
    EXPECT_DOUBLE_EQ(manualResidual(CurveModel::Power, base.params, withExcluded),
                     manualResidual(CurveModel::Power, base.params, pts));

    // Including the outlier does change the fit.
    withExcluded[1].excluded = false;
    const FitResult moved = fitCurve(CurveModel::Power, withExcluded);
    ASSERT_TRUE(moved.ok) << moved.message;
    EXPECT_EQ(moved.points, 5);
    EXPECT_GT(relErr(moved.params[1], base.params[1]), 0.05);

    // Excluding the first point of the SciPy data equals fitting the three others.
    auto firstOut = pts;
    firstOut[0].excluded = true;
    const FitResult three = fitCurve(CurveModel::Power, firstOut);
    const FitResult direct = fitCurve(CurveModel::Power, {pts[1], pts[2], pts[3]});
    ASSERT_TRUE(three.ok && direct.ok);
    EXPECT_DOUBLE_EQ(three.params[1], direct.params[1]);
    EXPECT_EQ(three.points, 3);

    // Excluding too many is a clear failure.
    auto tooFew = pts;
    tooFew[0].excluded = tooFew[1].excluded = tooFew[2].excluded = true;
    const FitResult none = fitCurve(CurveModel::Power, tooFew);
    EXPECT_FALSE(none.ok);
    EXPECT_NE(none.message.find("at least 2 points"), std::string::npos) << none.message;
}

// --- extrapolation --------------------------------------------------------------------------

TEST(Extrapolation, CleanDataGivesTheTrueValueWithANarrowBand) {
    for (CurveModel m : allCurveModels()) {
        SCOPED_TRACE(curveModelName(m));
        const auto truth = trueParams(m);
        const double target = evaluateCurve(m, truth, 4000);
        const FitResult fit = fitCurve(m, makePoints(m, truth, kSizes6, 0.0, 0.05));
        ASSERT_TRUE(fit.ok) << fit.message;
        const Extrapolation e = extrapolate(fit, 4000);
        ASSERT_TRUE(e.ok) << e.message;
        EXPECT_EQ(e.n, 4000);
        EXPECT_LT(relErr(e.value, target), 1e-6);
        EXPECT_LT((e.upper - e.lower) / target, 1e-5);

        // Nearly clean data (0.1% noise): the band is real and contains the true value.
        const FitResult nearly = fitCurve(m, makePoints(m, truth, kSizes6, 0.001, 0.05));
        ASSERT_TRUE(nearly.ok) << nearly.message;
        const Extrapolation en = extrapolate(nearly, 4000);
        ASSERT_TRUE(en.ok) << en.message;
        EXPECT_LT(en.lower, target);
        EXPECT_GT(en.upper, target);
        EXPECT_LT(en.lower, en.value);
        EXPECT_GT(en.upper, en.value);
    }
}

TEST(Extrapolation, BandWidensWithNoise) {
    for (CurveModel m : allCurveModels()) {
        SCOPED_TRACE(curveModelName(m));
        const auto truth = trueParams(m);
        double previous = 0;
        for (double noise : {0.001, 0.01, 0.05}) {
            const FitResult fit = fitCurve(m, makePoints(m, truth, kSizes6, noise, 0.05));
            ASSERT_TRUE(fit.ok) << fit.message;
            const Extrapolation e = extrapolate(fit, 4000);
            ASSERT_TRUE(e.ok) << e.message;
            const double width = std::log(e.upper / e.lower);
            EXPECT_GT(width, 2.0 * previous) << "noise " << noise;
            previous = width;
        }
        // A larger z gives a wider band around the same value.
        const FitResult fit = fitCurve(m, makePoints(m, truth, kSizes6, 0.01, 0.05));
        const Extrapolation a = extrapolate(fit, 4000, 1.96);
        const Extrapolation b = extrapolate(fit, 4000, 4.3);
        EXPECT_DOUBLE_EQ(a.value, b.value);
        EXPECT_LT(b.lower, a.lower);
        EXPECT_GT(b.upper, a.upper);
    }
}

TEST(Extrapolation, StudentBandCoversTheTruthAboutNinetyFivePercent) {
    // Monte Carlo: 400 learning curves with 5% log-normal noise around a power law, fitted in
    // log space; the t-quantile band at n = 4000 should cover the truth ~95% of the time.
    const auto truth = trueParams(CurveModel::Power);
    const double target = evaluateCurve(CurveModel::Power, truth, 4000);
    const std::vector<double> sizes = {100, 150, 200, 300, 400, 500, 700, 1000};
    std::mt19937_64 rng(12345);
    auto gaussian = [&rng] { // Box-Muller, so the numbers do not depend on the standard library
        const double u1 = (static_cast<double>(rng() >> 11) + 0.5) / 9007199254740992.0;
        const double u2 = (static_cast<double>(rng() >> 11) + 0.5) / 9007199254740992.0;
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    };
    const int trials = 400;
    int covered = 0, coveredZ = 0;
    for (int t = 0; t < trials; ++t) {
        std::vector<CurvePoint> pts;
        for (double n : sizes)
            pts.push_back({n,
                           evaluateCurve(CurveModel::Power, truth, n) * std::exp(0.05 * gaussian()),
                           0, false});
        const FitResult fit = fitCurve(CurveModel::Power, pts);
        ASSERT_TRUE(fit.ok) << fit.message;
        const Extrapolation e = extrapolate(fit, 4000, studentTQuantile(0.95, fit.dof));
        ASSERT_TRUE(e.ok);
        covered += e.lower < target && target < e.upper;
        const Extrapolation ez = extrapolate(fit, 4000);
        coveredZ += ez.lower < target && target < ez.upper;
    }
    const double coverage = static_cast<double>(covered) / trials;
    EXPECT_GT(coverage, 0.92);
    EXPECT_LT(coverage, 0.98);
    // z = 1.96 with 6 degrees of freedom undercovers (t(6) = 2.45): about 90%.
    EXPECT_LT(coveredZ, covered);
    EXPECT_GT(static_cast<double>(coveredZ) / trials, 0.85);
}

TEST(Extrapolation, RefusesFailedFitsAndBadSizes) {
    FitResult failed;
    const Extrapolation e = extrapolate(failed, 4000);
    EXPECT_FALSE(e.ok);
    EXPECT_FALSE(e.message.empty());

    const FitResult fit = fitCurve(CurveModel::LogPower, fromArrays(kN4, kY4, kS4));
    ASSERT_TRUE(fit.ok);
    for (double n : {1.0, 0.0, -5.0, kNaN}) {
        const Extrapolation bad = extrapolate(fit, n);
        EXPECT_FALSE(bad.ok) << n;
        EXPECT_NE(bad.message.find("domain"), std::string::npos) << bad.message;
    }
}

TEST(Extrapolation, NoDegreesOfFreedomMeansNoBand) {
    // Two points, two parameters: the power law interpolates them exactly.
    const auto pts = fromArrays({100, 1000}, {3000, 300}, {0, 0});
    const FitResult fit = fitCurve(CurveModel::Power, pts);
    ASSERT_TRUE(fit.ok) << fit.message;
    EXPECT_EQ(fit.dof, 0);
    EXPECT_NEAR(fit.params[1], 1.0, 1e-9);
    EXPECT_NEAR(fit.params[0], 3e5, 1e-4);
    EXPECT_TRUE(std::isinf(fit.stderrs[0]));
    EXPECT_NE(fit.message.find("standard errors are undefined"), std::string::npos);
    const Extrapolation e = extrapolate(fit, 4000);
    EXPECT_FALSE(e.ok);
    EXPECT_NEAR(e.value, 75.0, 1e-6);
    EXPECT_TRUE(std::isinf(e.upper));
}

// --- bad inputs -----------------------------------------------------------------------------

TEST(CurveFit, BadInputsFailWithAMessage) {
    struct Case {
        const char* what;
        CurveModel model;
        std::vector<CurvePoint> points;
        FitOptions options;
        const char* expected; ///< a phrase the message must contain
    };
    const auto good = fromArrays(kN4, kY4, kS4);
    auto with = [&](std::size_t i, CurvePoint p) {
        auto v = good;
        v[i] = p;
        return v;
    };
    const std::vector<Case> cases = {
        {"empty", CurveModel::Power, {}, {}, "at least 2 points"},
        {"one point", CurveModel::Power, {good[0]}, {}, "at least 2 points, got 1"},
        {"two points, three parameters",
         CurveModel::PowerOffset,
         {good[0], good[1]},
         {},
         "at least 3 points"},
        {"same size twice",
         CurveModel::Power,
         {good[0], good[0], good[0]},
         {},
         "distinct training sizes"},
        {"zero error in log space",
         CurveModel::Power,
         with(2, {500, 0.0, 1.0, false}),
         {},
         "non-positive error"},
        {"negative error in log space",
         CurveModel::Exponential,
         with(1, {200, -3.0, 1.0, false}),
         {},
         "non-positive error"},
        {"NaN error", CurveModel::Power, with(1, {200, kNaN, 1.0, false}), {}, "non-finite"},
        {"NaN size", CurveModel::Linear, with(3, {kNaN, 500, 1.0, false}), {}, "non-finite"},
        {"infinite spread", CurveModel::Power, with(0, {100, 3000, kInf, false}), {}, "non-finite"},
        {"negative spread",
         CurveModel::Power,
         with(0, {100, 3000, -1, false}),
         {},
         "negative spread"},
        {"zero size", CurveModel::Exponential, with(0, {0, 3000, 1, false}), {}, "positive"},
        {"log-power at n = 1", CurveModel::LogPower, with(0, {1, 3000, 1, false}), {}, "n > 1"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.what);
        FitResult fit;
        EXPECT_NO_THROW(fit = fitCurve(c.model, c.points, c.options));
        EXPECT_FALSE(fit.ok);
        EXPECT_NE(fit.message.find(c.expected), std::string::npos) << fit.message;
        EXPECT_NE(fit.message.find(curveModelName(c.model)), std::string::npos) << fit.message;
        EXPECT_TRUE(fit.params.empty());
        EXPECT_FALSE(extrapolate(fit, 4000).ok);
    }
    // In linear space a non-positive error is data like any other for the linear model.
    const FitResult lin =
        fitCurve(CurveModel::Linear, with(3, {1000, -50, 0, false}), {false, false});
    EXPECT_TRUE(lin.ok) << lin.message;
}

TEST(CurveFit, FitAllRanksByAicWithFailuresLast) {
    // n = 1 is outside the log-power model's domain, so that fit fails; the rest are ranked.
    auto pts = fromArrays(kN4, kY4, kS4);
    pts.insert(pts.begin(), CurvePoint{1, 2e5, 2e4, false});
    const auto all = fitAllCurves(pts);
    ASSERT_EQ(all.size(), 5u);
    EXPECT_FALSE(all.back().ok);
    EXPECT_EQ(all.back().model, CurveModel::LogPower);
    for (std::size_t i = 0; i + 2 < all.size(); ++i) {
        ASSERT_TRUE(all[i].ok) << curveModelName(all[i].model) << ": " << all[i].message;
        EXPECT_LE(all[i].aic, all[i + 1].aic);
    }
}

TEST(CurveFit, InterpolatingFitsRankAfterRealOnes) {
    // Three points: power+offset interpolates (dof 0, rss ~ 0) and would win on AIC alone.
    const auto all = fitAllCurves(fromArrays({100, 300, 1000}, {3000, 1100, 400}, {0, 0, 0}));
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(all.back().model, CurveModel::PowerOffset);
    EXPECT_TRUE(all.back().ok) << all.back().message;
    EXPECT_EQ(all.back().dof, 0);
    for (std::size_t i = 0; i + 1 < all.size(); ++i)
        EXPECT_EQ(all[i].dof, 1);
}

// --- weights and the manual mode ------------------------------------------------------------

TEST(CurveFit, WeightsFollowTheSeedSpread) {
    const auto pts = fromArrays(kN6, kY6, kS6);
    const FitResult w = fitCurve(CurveModel::Power, pts);
    EXPECT_TRUE(w.weighted);

    // Only relative weights matter for parameters and errors (absolute_sigma = false).
    auto scaled = pts;
    for (auto& p : scaled)
        p.std *= 10;
    const FitResult ws = fitCurve(CurveModel::Power, scaled);
    ASSERT_TRUE(w.ok && ws.ok);
    EXPECT_LT(relErr(ws.params[1], w.params[1]), 1e-9);
    EXPECT_LT(relErr(ws.stderrs[1], w.stderrs[1]), 1e-7);
    EXPECT_LT(relErr(ws.rss * 100, w.rss), 1e-7);

    // No spread anywhere: unweighted, the same as asking for no weights.
    auto flat = pts;
    for (auto& p : flat)
        p.std = 0;
    const FitResult u = fitCurve(CurveModel::Power, flat);
    const FitResult u2 = fitCurve(CurveModel::Power, pts, {true, false});
    ASSERT_TRUE(u.ok && u2.ok);
    EXPECT_FALSE(u.weighted);
    EXPECT_NE(u.message.find("unweighted"), std::string::npos) << u.message;
    EXPECT_DOUBLE_EQ(u.params[1], u2.params[1]);

    // A point without spread (e.g. one seed) gets the median sigma of the others.
    auto mixed = pts;
    mixed[2].std = 0;
    const FitResult m = fitCurve(CurveModel::Power, mixed);
    ASSERT_TRUE(m.ok);
    EXPECT_TRUE(m.weighted);
    EXPECT_NE(m.message.find("median"), std::string::npos) << m.message;
    auto medianed = pts;
    // Relative sigmas of the others: sorted, the median of 5 is the third.
    std::vector<double> rel;
    for (std::size_t i = 0; i < pts.size(); ++i)
        if (i != 2)
            rel.push_back(pts[i].std / pts[i].mean);
    std::sort(rel.begin(), rel.end());
    medianed[2].std = rel[2] * pts[2].mean;
    const FitResult explicitMedian = fitCurve(CurveModel::Power, medianed);
    EXPECT_LT(relErr(m.params[1], explicitMedian.params[1]), 1e-9);
}

TEST(ManualResidual, MatchesTheFitAndGrowsAwayFromIt) {
    const auto pts = fromArrays(kN6, kY6, kS6);
    for (CurveModel model : allCurveModels()) {
        for (bool logSpace : {true, false}) {
            for (bool weighted : {true, false}) {
                const FitOptions opt{logSpace, weighted};
                SCOPED_TRACE(describe(model, opt));
                const FitResult fit = fitCurve(model, pts, opt);
                ASSERT_TRUE(fit.ok) << fit.message;
                const double at = manualResidual(model, fit.params, pts, opt);
                EXPECT_DOUBLE_EQ(at, fit.rmsResidual);
                if (logSpace && !weighted) {
                    EXPECT_NEAR(at, fit.rmsLogResidual, 1e-12);
                }
                // The fit minimizes it: moving any parameter makes it worse.
                for (std::size_t j = 0; j < fit.params.size(); ++j) {
                    for (double f : {0.97, 1.03}) {
                        auto p = fit.params;
                        p[j] *= f;
                        EXPECT_GT(manualResidual(model, p, pts, opt), at) << fit.names[j] << f;
                    }
                }
            }
        }
    }
    // The homework's reading: A and b by hand for the power law.
    const double r = manualResidual(CurveModel::Power, {1e5, 0.8}, pts, {true, false});
    double s = 0;
    for (const auto& p : pts) {
        const double e = std::log(p.mean) - std::log(1e5 * std::pow(p.n, -0.8));
        s += e * e;
    }
    EXPECT_NEAR(r, std::sqrt(s / pts.size()), 1e-12);

    EXPECT_TRUE(std::isnan(manualResidual(CurveModel::Power, {1e5}, pts)));
    EXPECT_TRUE(std::isnan(manualResidual(CurveModel::Power, {1e5, kNaN}, pts)));
    EXPECT_TRUE(std::isnan(manualResidual(CurveModel::Power, {1e5, 0.8}, {})));
    // A line that goes negative inside the data has no log residual.
    EXPECT_TRUE(std::isinf(manualResidual(CurveModel::Linear, {1000, 2}, pts)));
}
