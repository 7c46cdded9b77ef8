#include "train/step_threads.h"

namespace qm7::detail {

namespace {
/// Weight of a new step time in the running mean: about the last 16 steps count.
constexpr double kWeight = 1.0 / 16;
} // namespace

int StepThreads::next() {
    if (m_max == 1)
        return 1;
    // Until both choices have a time, the one without is tried; then the faster one runs, and
    // every kProbeEvery steps the other runs kProbeSteps steps so that its time stays current.
    int choice = m_current;
    if (m_steps[1 - m_current] == 0 && m_steps[m_current] >= kProbeSteps)
        m_probeLeft = kProbeSteps;
    if (m_probeLeft == 0 && m_sinceProbe >= kProbeEvery)
        m_probeLeft = kProbeSteps;
    if (m_probeLeft > 0)
        choice = 1 - m_current;
    return choice == 0 ? 1 : m_max;
}

void StepThreads::record(int threads, double seconds) {
    if (m_max == 1)
        return;
    const int which = threads == 1 ? 0 : 1;
    auto& mean = m_mean[static_cast<std::size_t>(which)];
    auto& count = m_steps[static_cast<std::size_t>(which)];
    ++count;
    if (which == m_current) {
        mean = count == 1 ? seconds : mean + kWeight * (seconds - mean);
        ++m_sinceProbe;
        return;
    }
    // A probe step of the other choice: its mean is the probe's own (an old one is stale).
    m_probeSum += seconds;
    if (m_probeLeft > 0 && --m_probeLeft == 0) {
        mean = m_probeSum / kProbeSteps;
        m_probeSum = 0;
        m_sinceProbe = 0;
        if (mean < m_mean[static_cast<std::size_t>(m_current)])
            m_current = which;
    }
}

} // namespace qm7::detail
