#include "util/thread_team.h"

#include <memory>

namespace qm7::detail {

namespace {
/// Iterations a waiting thread polls before it sleeps: about 50 microseconds, so that a team
/// on an idle machine wakes at once and a loaded machine does not lose a core to spinning.
constexpr int kSpins = 20000;
} // namespace

void runOnThreads(int threads, const std::function<void(int)>& work) {
    std::vector<std::thread> helpers;
    for (int t = 1; t < threads; ++t)
        helpers.emplace_back(work, t);
    work(0);
    for (auto& h : helpers)
        h.join();
}

ThreadTeam::ThreadTeam(int size) {
    for (int t = 1; t < size; ++t)
        m_workers.emplace_back([this, t] { loop(t); });
}

ThreadTeam::~ThreadTeam() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
        ++m_generation;
    }
    m_wake.notify_all();
    for (auto& w : m_workers)
        w.join();
}

void ThreadTeam::loop(int index) {
    long seen = 0;
    for (;;) {
        for (int i = 0; i < kSpins && m_generation.load() == seen; ++i)
            std::this_thread::yield();
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [&] { return m_generation.load() != seen; });
            if (m_stop)
                return;
            seen = m_generation.load();
        }
        (*m_job)(index);
        if (m_pending.fetch_sub(1) == 1) {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_done.notify_one();
        }
    }
}

void ThreadTeam::run(const std::function<void(int)>& job) {
    if (m_workers.empty()) {
        job(0);
        return;
    }
    m_job = &job;
    m_pending.store(static_cast<int>(m_workers.size()));
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        ++m_generation;
    }
    m_wake.notify_all();
    job(0);
    for (int i = 0; i < kSpins && m_pending.load() != 0; ++i)
        std::this_thread::yield();
    std::unique_lock<std::mutex> lock(m_mutex);
    m_done.wait(lock, [&] { return m_pending.load() == 0; });
}

namespace {
std::mutex g_teamMutex;
std::unique_ptr<ThreadTeam> g_team;
bool g_teamBusy = false;
} // namespace

ThreadTeam* ThreadTeam::acquire(int size) {
    std::lock_guard<std::mutex> lock(g_teamMutex);
    if (g_teamBusy)
        return nullptr;
    if (!g_team || g_team->size() != size)
        g_team = std::make_unique<ThreadTeam>(size);
    g_teamBusy = true;
    return g_team.get();
}

void ThreadTeam::release(ThreadTeam* team) {
    if (!team)
        return;
    std::lock_guard<std::mutex> lock(g_teamMutex);
    g_teamBusy = false;
}

} // namespace qm7::detail
