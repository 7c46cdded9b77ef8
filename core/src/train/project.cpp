#include "qm7/train/project.h"

#include "qm7/train/resumable.h"
#include "qm7/train/run_store.h"
#include "qm7/util/atomic_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>
#include <stdexcept>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace qm7 {

namespace {

constexpr const char* kClaimFile = "claim.json";

std::string hostName() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0)
        return "unknown";
    return buf;
}

long long nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// One id per process: a claim's identity (a takeover marker is named after it).
const std::string& processId() {
    static const std::string id = [] {
        std::random_device rd;
        const unsigned long long v =
            (static_cast<unsigned long long>(rd()) << 32) ^ rd() ^
            static_cast<unsigned long long>(::getpid()) ^
            static_cast<unsigned long long>(
                std::chrono::steady_clock::now().time_since_epoch().count());
        char buf[32];
        std::snprintf(buf, sizeof buf, "%016llx", v);
        return std::string(buf);
    }();
    return id;
}

std::string holderJson(const ClaimHolder& h) {
    return json{{"id", h.id},     {"host", h.host},  {"pid", h.pid}, {"slurm_job", h.slurmJob},
                {"task", h.task}, {"since", h.since}}
               .dump(2) +
           "\n";
}

int envInt(const char* name, int fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v)
        return fallback;
    char* end = nullptr;
    const long x = std::strtol(v, &end, 10);
    return (end && *end == '\0') ? static_cast<int>(x) : fallback;
}

/// Seconds since the claim file was last written or touched.
double claimAge(const fs::path& path) {
    std::error_code ec;
    const auto t = fs::last_write_time(path, ec);
    if (ec)
        return 0;
    return std::chrono::duration<double>(fs::file_time_type::clock::now() - t).count();
}

} // namespace

std::string TaskSlice::validate() const {
    if (tasks < 1)
        return "--tasks must be at least 1";
    if (task < 0 || task >= tasks)
        return "--task must be between 0 and --tasks - 1 (" + std::to_string(tasks - 1) + ")";
    return "";
}

TaskSlice sliceFromEnvironment() {
    TaskSlice s;
    const int id = envInt("SLURM_ARRAY_TASK_ID", -1);
    if (id < 0)
        return s;
    const int min = envInt("SLURM_ARRAY_TASK_MIN", 0);
    const int max = envInt("SLURM_ARRAY_TASK_MAX", id);
    s.tasks = envInt("SLURM_ARRAY_TASK_COUNT", max - min + 1);
    s.task = id - min;
    return s;
}

ClaimHolder currentHolder(int task) {
    ClaimHolder h;
    h.id = processId();
    h.host = hostName();
    h.pid = static_cast<long>(::getpid());
    if (const char* job = std::getenv("SLURM_ARRAY_JOB_ID")) {
        h.slurmJob = job;
        if (const char* t = std::getenv("SLURM_ARRAY_TASK_ID"))
            h.slurmJob += std::string("_") + t;
    } else if (const char* j = std::getenv("SLURM_JOB_ID")) {
        h.slurmJob = j;
    }
    h.task = task;
    h.since = nowSeconds();
    return h;
}

bool readClaim(const std::string& dir, ClaimHolder& h) {
    try {
        const json j = json::parse(readFile((fs::path(dir) / kClaimFile).string()));
        h.id = j.value("id", std::string());
        h.host = j.value("host", std::string());
        h.pid = j.value("pid", 0L);
        h.slurmJob = j.value("slurm_job", std::string());
        h.task = j.value("task", 0);
        h.since = j.value("since", 0LL);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

bool slurmJobEnded(const std::string& job) {
    if (job.empty() || job.find_first_not_of("0123456789_") != std::string::npos)
        return false;
    // squeue lists a job while Slurm remembers it; an unknown job id has long ended.
    const std::string command = "squeue -h -o %T -j " + job + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe)
        return false;
    std::string out;
    char buf[256];
    while (std::fgets(buf, sizeof buf, pipe))
        out += buf;
    const int status = ::pclose(pipe);
    if (status != 0)
        return out.find("Invalid job id") != std::string::npos;
    for (const char* alive : {"RUNNING", "PENDING", "COMPLETING", "CONFIGURING", "SUSPENDED",
                              "REQUEUED", "RESIZING", "SIGNALING", "STAGE_OUT"})
        if (out.find(alive) != std::string::npos)
            return false;
    return true; // not listed any more, or CANCELLED, FAILED, TIMEOUT, NODE_FAIL, ...
}

bool holderIsDead(const ClaimHolder& h) {
    if (h.host != hostName())
        return !h.slurmJob.empty() && std::getenv("SLURM_JOB_ID") != nullptr &&
               slurmJobEnded(h.slurmJob);
    if (h.pid <= 0)
        return false;
    if (h.pid == static_cast<long>(::getpid()))
        return h.id != processId();
    return ::kill(static_cast<pid_t>(h.pid), 0) != 0 && errno == ESRCH;
}

ClaimOutcome claimRun(const std::string& dir, const ClaimHolder& me, const ClaimPolicy& policy,
                      ClaimHolder* holderOut) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw std::runtime_error("cannot create the folder " + dir + ": " + ec.message());
    const fs::path path = fs::path(dir) / kClaimFile;
    const std::string text = holderJson(me);
    // The claim itself: exclusive create, which exactly one process wins.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0) {
        const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
        ::close(fd);
        if (!ok)
            throw std::runtime_error("cannot write " + path.string());
        return ClaimOutcome::Claimed;
    }
    if (errno != EEXIST)
        throw std::runtime_error("cannot create " + path.string() + ": " + std::strerror(errno));

    ClaimHolder other;
    const bool readable = readClaim(dir, other);
    if (holderOut)
        *holderOut = other;
    if (readable && other.id == me.id)
        return ClaimOutcome::Claimed; // ours already
    const double age = claimAge(path);
    const bool stale = policy.takeOver || (readable && holderIsDead(other)) ||
                       (policy.staleSeconds > 0 && age > policy.staleSeconds);
    if (!stale)
        return ClaimOutcome::HeldByOther;
    // Takeover: the marker named after the stale claim's id is created exclusively, so of the
    // processes that judged this very claim stale only one goes on; it then replaces claim.json
    // atomically. A claim being written right now (unreadable, young) is not taken over.
    if (!readable && age < 5)
        return ClaimOutcome::HeldByOther;
    const std::string staleId = readable && !other.id.empty() ? other.id : "unreadable";
    const fs::path marker = fs::path(dir) / (".takeover-" + staleId);
    const int m = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (m < 0) {
        if (errno == EEXIST)
            return ClaimOutcome::HeldByOther;
        throw std::runtime_error("cannot create " + marker.string() + ": " + std::strerror(errno));
    }
    const bool ok = ::write(m, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(m);
    if (!ok)
        throw std::runtime_error("cannot write " + marker.string());
    writeFileAtomically(path.string(), text);
    return ClaimOutcome::TakenOver;
}

void touchClaim(const std::string& dir) {
    std::error_code ec;
    fs::last_write_time(fs::path(dir) / kClaimFile, fs::file_time_type::clock::now(), ec);
}

void releaseClaim(const std::string& dir, const ClaimHolder& me) {
    ClaimHolder h;
    if (readClaim(dir, h) && h.id == me.id) {
        std::error_code ec;
        fs::remove(fs::path(dir) / kClaimFile, ec);
    }
}

namespace {

/// Forwards to the caller's observer with run indices of the whole list, releases each claim as
/// its run is saved, and keeps the claims still held fresh (a heartbeat every 30 s).
class ClaimObserver : public TrainObserver {
  public:
    ClaimObserver(TrainObserver* outer, const std::vector<int>& indices,
                  const std::vector<std::string>& dirs, const ClaimHolder& me)
        : m_outer(outer), m_indices(indices), m_dirs(dirs), m_me(me), m_held(indices.size(), true),
          m_lastTouch(std::chrono::steady_clock::now()) {}

    void onEpoch(const EpochStats& s) override {
        heartbeat();
        if (!m_outer)
            return;
        EpochStats mapped = s;
        mapped.run = m_indices[static_cast<std::size_t>(s.run)];
        m_outer->onEpoch(mapped);
    }
    void onProgress(const Progress& p) override {
        if (m_outer)
            m_outer->onProgress(p);
    }
    void onRunFinished(int run, const RunResult& result) override {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_held[static_cast<std::size_t>(run)] = false;
        }
        // trainResumable saved the run before calling us: the claim can go.
        releaseClaim(m_dirs[static_cast<std::size_t>(m_indices[static_cast<std::size_t>(run)])],
                     m_me);
        if (m_outer)
            m_outer->onRunFinished(m_indices[static_cast<std::size_t>(run)], result);
    }

  private:
    void heartbeat() {
        std::lock_guard<std::mutex> lock(m_mutex);
        const auto now = std::chrono::steady_clock::now();
        if (now - m_lastTouch < std::chrono::seconds(30))
            return;
        m_lastTouch = now;
        for (std::size_t k = 0; k < m_indices.size(); ++k)
            if (m_held[k])
                touchClaim(m_dirs[static_cast<std::size_t>(m_indices[k])]);
    }

    TrainObserver* m_outer;
    const std::vector<int>& m_indices;
    const std::vector<std::string>& m_dirs;
    ClaimHolder m_me;
    std::vector<bool> m_held;
    std::chrono::steady_clock::time_point m_lastTouch;
    std::mutex m_mutex;
};

} // namespace

std::vector<RunResult> trainSlice(const Dataset& data, const std::vector<TrainConfig>& configs,
                                  const std::vector<std::string>& dirs,
                                  const std::string& dataSource, const TrainOptions& options,
                                  const TaskSlice& slice, const ClaimPolicy& policy,
                                  SliceReport* reportOut) {
    if (configs.size() != dirs.size())
        throw std::invalid_argument("trainSlice: one folder per run is needed");
    if (const std::string why = slice.validate(); !why.empty())
        throw std::invalid_argument(why);
    SliceReport report;
    std::vector<RunResult> results(configs.size());
    const ClaimHolder me = currentHolder(slice.task);
    std::vector<int> claimed;
    for (std::size_t i = 0; i < configs.size(); ++i) {
        if (!slice.contains(i))
            continue;
        ++report.inSlice;
        if (loadFinishedRun(dirs[i], configs[i], &results[i])) {
            ++report.reused;
            continue;
        }
        const ClaimOutcome outcome = claimRun(dirs[i], me, policy);
        if (outcome == ClaimOutcome::HeldByOther) {
            ++report.heldByOther;
            continue;
        }
        // Another task may have finished it between our check and our claim.
        if (loadFinishedRun(dirs[i], configs[i], &results[i])) {
            releaseClaim(dirs[i], me);
            ++report.reused;
            continue;
        }
        if (outcome == ClaimOutcome::TakenOver)
            ++report.takenOver;
        claimed.push_back(static_cast<int>(i));
    }
    if (!claimed.empty()) {
        std::vector<TrainConfig> subConfigs;
        std::vector<std::string> subDirs;
        for (int i : claimed) {
            subConfigs.push_back(configs[static_cast<std::size_t>(i)]);
            subDirs.push_back(dirs[static_cast<std::size_t>(i)]);
        }
        ClaimObserver observer(options.observer, claimed, dirs, me);
        TrainOptions sub = options;
        sub.observer = &observer;
        std::vector<RunResult> trained;
        try {
            trained = trainResumable(data, subConfigs, subDirs, dataSource, sub);
        } catch (...) {
            for (int i : claimed)
                releaseClaim(dirs[static_cast<std::size_t>(i)], me);
            throw;
        }
        for (std::size_t k = 0; k < claimed.size(); ++k) {
            const std::size_t i = static_cast<std::size_t>(claimed[k]);
            releaseClaim(dirs[i], me); // runs left unfinished are free for the next task
            if (trained[k].cancelled || trained[k].epochsDone == 0) {
                ++report.cancelled;
                results[i] = RunResult{};
            } else {
                ++report.trained;
                results[i] = std::move(trained[k]);
            }
        }
    }
    if (reportOut)
        *reportOut = report;
    return results;
}

std::vector<RunStatus> scanRuns(const std::string& folder) {
    std::vector<RunStatus> runs;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(folder, ec)) {
        if (!e.is_directory(ec))
            continue;
        const fs::path p = e.path();
        const bool hasClaim = fs::exists(p / kClaimFile, ec);
        if (!hasClaim && !fs::exists(p / "config.json", ec) && !fs::exists(p / "summary.json", ec))
            continue;
        RunStatus s;
        s.dir = p.string();
        if (hasFinishedRun(s.dir)) {
            s.state = RunStatus::State::Finished;
        } else if (hasClaim) {
            readClaim(s.dir, s.holder);
            s.state =
                holderIsDead(s.holder) ? RunStatus::State::Abandoned : RunStatus::State::Running;
        } else {
            s.state = RunStatus::State::Abandoned; // written partly, nobody on it
        }
        runs.push_back(std::move(s));
    }
    std::sort(runs.begin(), runs.end(),
              [](const RunStatus& a, const RunStatus& b) { return a.dir < b.dir; });
    return runs;
}

void writeProjectFile(const std::string& dir, const std::string& text, bool replaceOther) {
    const json wanted = json::parse(text);
    const fs::path path = fs::path(dir) / "project.json";
    std::error_code ec;
    if (!replaceOther && fs::exists(path, ec)) {
        json stored;
        try {
            stored = json::parse(readFile(path.string()));
        } catch (const json::exception&) {
            stored = json::object();
        }
        if (stored == wanted)
            return;
        throw std::invalid_argument(dir +
                                    " holds a project with other settings (see its "
                                    "project.json); choose another folder, or delete that one");
    }
    fs::create_directories(dir, ec);
    writeFileAtomically(path.string(), wanted.dump(2) + "\n");
}

std::string readProjectFile(const std::string& dir) {
    const fs::path path = fs::path(dir) / "project.json";
    if (!fs::exists(path))
        throw std::runtime_error(dir +
                                 " is not a project folder (no project.json): start it with "
                                 "qm7 sweep/curve/homework --out " +
                                 dir);
    return readFile(path.string());
}

} // namespace qm7
