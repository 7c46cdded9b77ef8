// Tests of the display statistics the GUI draws with (qm7/series.h).

#include "qm7/util/series.h"

#include <gtest/gtest.h>

#include <cmath>

TEST(Series, MeanStdIsSampleStd) {
    const qm7::MeanStd m = qm7::meanStd({1.0, 2.0, 3.0, 4.0});
    EXPECT_DOUBLE_EQ(m.mean, 2.5);
    EXPECT_NEAR(m.std, std::sqrt(5.0 / 3.0), 1e-12);
    EXPECT_EQ(m.n, 4u);
    EXPECT_DOUBLE_EQ(qm7::meanStd({7.0}).std, 0.0);
    EXPECT_EQ(qm7::meanStd({NAN, 1.0}).n, 1u);
}

TEST(Series, DebiasedEmaStartsAtTheFirstValueAndFollowsAConstant) {
    const auto s = qm7::debiasedEma({4.0, 4.0, 4.0}, 0.9);
    for (double v : s)
        EXPECT_NEAR(v, 4.0, 1e-12);
    const auto t = qm7::debiasedEma({0.0, 10.0}, 0.5);
    EXPECT_DOUBLE_EQ(t[0], 0.0);
    // (0.5 * 0.5 * 0 + 0.5 * 10) / (1 - 0.25) = 6.666...
    EXPECT_NEAR(t[1], 5.0 / 0.75, 1e-12);
    EXPECT_EQ(qm7::debiasedEma({1.0, 2.0}, 0.0), (std::vector<double>{1.0, 2.0}));
}

TEST(Series, HistogramCountsEveryValueInRange) {
    const std::vector<float> v = {0.f, 0.1f, 0.5f, 0.99f, 1.f, 2.f};
    const qm7::Histogram h = qm7::histogram(v, 2, 0.0, 1.0);
    ASSERT_EQ(h.counts.size(), 2u);
    EXPECT_EQ(h.counts[0], 2);
    EXPECT_EQ(h.counts[1], 3); // 0.5, 0.99 and the right edge 1.0
    EXPECT_DOUBLE_EQ(h.binCenter(0), 0.25);
    const auto [lo, hi] = qm7::range<float>({&v});
    EXPECT_FLOAT_EQ(static_cast<float>(lo), 0.f);
    EXPECT_FLOAT_EQ(static_cast<float>(hi), 2.f);
}
