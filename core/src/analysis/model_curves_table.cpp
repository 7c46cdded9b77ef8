// curves.csv and curves.md of the learning-curve figure: the one writer of each.
#include "qm7/analysis/model_curves.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace qm7 {

namespace {

/// A number for a table: %.*f, or empty (CSV) / "-" (Markdown) when not finite.
std::string number(double v, int digits, const char* missing) {
    if (!std::isfinite(v))
        return missing;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

/// A CSV cell in quotes, quotes doubled.
std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (const char c : text)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string slopeText(const ModelCurve& curve, const char* missing) {
    return curve.fit.ok ? number(curve.slope(), 3, missing) : missing;
}

std::string slopeErrorText(const ModelCurve& curve, const char* missing) {
    return curve.fit.ok && curve.fit.stderrs.size() > 1 ? number(curve.fit.stderrs[1], 3, missing)
                                                        : missing;
}

} // namespace

std::string modelCurvesCsv(const std::vector<ModelCurve>& curves) {
    std::ostringstream csv;
    csv << "model,label,size,train_rows,test_mae,test_rmse,val_mae,seconds,status,slope,"
           "slope_stderr,detail\n";
    for (const ModelCurve& c : curves)
        for (const ModelCurvePoint& p : c.points) {
            const FoldResult& r = p.result;
            csv << c.key << ',' << quoted(c.label) << ','
                << (p.size == 0 ? std::string("all") : std::to_string(p.size)) << ',' << r.trainRows
                << ',' << number(r.test.mae, 6, "") << ',' << number(r.test.rmse, 6, "") << ','
                << number(r.valMae, 6, "") << ',' << number(r.seconds, 1, "") << ','
                << (r.failed() ? "failed" : "ok") << ',' << slopeText(c, "") << ','
                << slopeErrorText(c, "") << ',' << quoted(r.detail) << '\n';
        }
    return csv.str();
}

std::string modelCurvesMarkdown(const std::vector<ModelCurve>& curves) {
    std::ostringstream md;
    md << "| model | n | test MAE | test RMSE | val MAE | min |\n"
       << "| --- | ---: | ---: | ---: | ---: | ---: |\n";
    for (const ModelCurve& c : curves)
        for (const ModelCurvePoint& p : c.points) {
            const FoldResult& r = p.result;
            md << "| " << c.label << " | " << r.trainRows << " | "
               << (r.failed() ? std::string("failed") : number(r.test.mae, 2, "-")) << " | "
               << number(r.test.rmse, 2, "-") << " | " << number(r.valMae, 2, "-") << " | "
               << number(r.seconds / 60, 1, "-") << " |\n";
        }
    md << "\n| model | slope of log MAE against log n | points |\n| --- | ---: | ---: |\n";
    for (const ModelCurve& c : curves)
        md << "| " << c.label << " | "
           << (c.fit.ok ? slopeText(c, "-") + " ± " + slopeErrorText(c, "-") : std::string("-"))
           << " | " << c.points.size() << " |\n";
    return md.str();
}

} // namespace qm7
