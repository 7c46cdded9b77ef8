// The choice of a single run's step threads from measured step times.
#include "train/step_threads.h"

#include <gtest/gtest.h>

using qm7::detail::StepThreads;

namespace {

/// Runs `steps` steps whose time is cost(threads); returns how many ran on all threads.
template <typename Cost> int runSteps(StepThreads& chooser, int steps, Cost cost) {
    int split = 0;
    for (int i = 0; i < steps; ++i) {
        const int t = chooser.next();
        EXPECT_TRUE(t == 1 || t == chooser.maxThreads());
        split += t > 1;
        chooser.record(t, cost(t));
    }
    return split;
}

} // namespace

TEST(StepThreads, OneThreadWhenThereIsOnlyOne) {
    StepThreads chooser(1);
    EXPECT_EQ(runSteps(chooser, 100, [](int) { return 1e-3; }), 0);
}

TEST(StepThreads, SplitsWhenThatIsFasterAndStopsWhenTheLoadMakesItSlower) {
    StepThreads chooser(2);
    // Idle: two threads take half the time; almost every step is split.
    const int idle = runSteps(chooser, 1000, [](int t) { return t == 2 ? 0.5e-3 : 1e-3; });
    EXPECT_GT(idle, 900);
    EXPECT_LT(idle, 1000); // one thread is still probed now and then
    // Loaded: the second thread comes late, the split step takes longer than one thread.
    const int loaded = runSteps(chooser, 1000, [](int t) { return t == 2 ? 3e-3 : 1.1e-3; });
    EXPECT_LT(loaded, 150);
    EXPECT_LT(chooser.mean(0), chooser.mean(1));
    // Idle again: back to the split within a probe period or two.
    const int again = runSteps(chooser, 1000, [](int t) { return t == 2 ? 0.5e-3 : 1e-3; });
    EXPECT_GT(again, 850);
    EXPECT_GT(chooser.steps(0), 0);
    EXPECT_GT(chooser.steps(1), 0);
}
