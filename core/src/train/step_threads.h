#pragma once
/// @file step_threads.h
/// How many threads a single run's step is split over, chosen from measured step times.
///
/// On an idle machine splitting a step over the cores pays; on a loaded one the other thread is
/// often not scheduled in time and the split step is slower than one thread alone. A step's
/// result does not depend on its thread count (mlp_kernels.h), so the count can follow the
/// machine's load without changing any number: the chooser keeps a running mean of the step
/// time for one thread and for all of them, uses the faster, and now and then probes the other.

#include <array>

namespace qm7::detail {

class StepThreads {
  public:
    /// Steps between two probes of the count not in use, and the steps of one probe.
    static constexpr int kProbeEvery = 64;
    static constexpr int kProbeSteps = 4;

    /// Chooses between 1 and maxThreads threads (always 1 when maxThreads is 1).
    explicit StepThreads(int maxThreads = 1) : m_max(maxThreads < 1 ? 1 : maxThreads) {}

    int maxThreads() const { return m_max; }
    /// The thread count for the next step.
    int next();
    /// Records the wall time of a step run on `threads` threads.
    void record(int threads, double seconds);
    /// The running mean step time of one thread (0) and of all (1); 0 before any step.
    double mean(int which) const { return m_mean[static_cast<std::size_t>(which)]; }
    /// Steps run with one thread (0) and with all (1).
    long long steps(int which) const { return m_steps[static_cast<std::size_t>(which)]; }

  private:
    int m_max;
    int m_current = 1;     ///< 0 = one thread, 1 = all; starts with all
    int m_sinceProbe = 0;  ///< steps on the current choice since the last probe
    int m_probeLeft = 0;   ///< steps left of a running probe of the other choice
    double m_probeSum = 0; ///< the running probe's step times
    std::array<double, 2> m_mean{};
    std::array<long long, 2> m_steps{};
};

} // namespace qm7::detail
