#include "qm7/io/dataset.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace qm7 {

int triangularAtoms(int d) {
    if (d <= 0)
        return -1;
    const int n = static_cast<int>(std::lround((std::sqrt(8.0 * d + 1.0) - 1.0) / 2.0));
    return n * (n + 1) / 2 == d ? n : -1;
}

LabelStats labelStats(const std::vector<float>& y) {
    LabelStats s;
    s.n = y.size();
    if (y.empty())
        return s;
    double sum = 0;
    s.min = s.max = y[0];
    for (float v : y) {
        sum += v;
        s.min = std::min<double>(s.min, v);
        s.max = std::max<double>(s.max, v);
    }
    s.mean = sum / static_cast<double>(s.n);
    double ss = 0;
    for (float v : y)
        ss += (v - s.mean) * (v - s.mean);
    s.std = std::sqrt(ss / static_cast<double>(s.n));
    return s;
}

LabelScaler LabelScaler::fit(const std::vector<float>& y) {
    const LabelStats s = labelStats(y);
    LabelScaler scaler;
    scaler.mean = s.mean;
    // A constant label set would divide by zero: keep the scale at 1 then.
    scaler.std = s.std > 0 ? s.std : 1.0;
    return scaler;
}

std::vector<float> LabelScaler::normalize(const std::vector<float>& v) const {
    std::vector<float> out(v.size());
    std::transform(v.begin(), v.end(), out.begin(), [this](float x) { return normalize(x); });
    return out;
}

std::vector<float> LabelScaler::unnormalize(const std::vector<float>& v) const {
    std::vector<float> out(v.size());
    std::transform(v.begin(), v.end(), out.begin(), [this](float x) { return unnormalize(x); });
    return out;
}

namespace {

void checkSplit(const Split& s, const char* name, int d, const std::string& what) {
    const std::string prefix = what + ": ";
    if (s.rows() == 0)
        throw DatasetError(prefix + "the " + name + " split is empty");
    if (s.X.size() != s.rows() * static_cast<std::size_t>(d)) {
        std::ostringstream msg;
        msg << prefix << "X_" << name << " has " << s.X.size() / std::max(d, 1) << " rows but y_"
            << name << " has " << s.rows() << " (every split needs one label per row)";
        throw DatasetError(msg.str());
    }
    for (std::size_t i = 0; i < s.X.size(); ++i) {
        if (!std::isfinite(s.X[i])) {
            std::ostringstream msg;
            msg << prefix << "X_" << name << " has a non-finite value (" << s.X[i] << ") at row "
                << i / d << ", column " << i % d;
            throw DatasetError(msg.str());
        }
    }
    for (std::size_t i = 0; i < s.y.size(); ++i) {
        if (!std::isfinite(s.y[i])) {
            std::ostringstream msg;
            msg << prefix << "y_" << name << " has a non-finite value (" << s.y[i] << ") at row "
                << i;
            throw DatasetError(msg.str());
        }
    }
}

} // namespace

void validateDataset(const Dataset& data, const std::string& what) {
    if (data.d <= 0)
        throw DatasetError(what + ": the feature width d is " + std::to_string(data.d));
    checkSplit(data.train, "train", data.d, what);
    checkSplit(data.val, "val", data.d, what);
    checkSplit(data.test, "test", data.d, what);
}

} // namespace qm7
