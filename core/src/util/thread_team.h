#pragma once
/// @file thread_team.h
/// Worker threads, in one place for the trainer, the kernels and the benchmark:
/// runOnThreads() starts and joins threads for one long job (whole runs); ThreadTeam keeps a
/// team alive for work that is split many times a second (each step of a single run), where
/// starting threads per step would cost more than the step's share of work.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace qm7::detail {

/// Calls work(t) for t = 0 .. threads-1, t = 0 on the calling thread and the others on new
/// threads, and returns when all have returned.
void runOnThreads(int threads, const std::function<void(int)>& work);

class ThreadTeam {
  public:
    /// A team of `size` threads: the caller of run() and size - 1 workers.
    explicit ThreadTeam(int size);
    ~ThreadTeam();
    ThreadTeam(const ThreadTeam&) = delete;
    ThreadTeam& operator=(const ThreadTeam&) = delete;

    int size() const { return static_cast<int>(m_workers.size()) + 1; }

    /// Runs job(t) for t = 0 .. size-1 (t = 0 on the calling thread); returns when all are done.
    void run(const std::function<void(int)>& job);

    /// A process-wide team of `size` threads, or nullptr when it is in use by another caller.
    /// Release it with release().
    static ThreadTeam* acquire(int size);
    static void release(ThreadTeam* team);

  private:
    void loop(int index);

    std::vector<std::thread> m_workers;
    std::mutex m_mutex;
    std::condition_variable m_wake, m_done;
    const std::function<void(int)>* m_job = nullptr;
    std::atomic<long> m_generation{0};
    std::atomic<int> m_pending{0};
    bool m_stop = false;
};

} // namespace qm7::detail
