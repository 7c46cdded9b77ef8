#pragma once
// Learning-curve points for the widget tests.
#include "qm7/analysis/curve_fit.h"

#include <vector>

namespace qm7::test {

/// A learning curve like the demo's: four sizes, large seed spread at every n.
inline std::vector<qm7::CurvePoint> demoLikePoints() {
    const double n[] = {100, 200, 500, 1000}, mean[] = {7181, 5714, 2844, 1193},
                 sd[] = {963, 1037, 746, 359};
    std::vector<qm7::CurvePoint> points;
    for (int i = 0; i < 4; ++i)
        points.push_back(qm7::CurvePoint{n[i], mean[i], sd[i], false});
    return points;
}

} // namespace qm7::test
