#pragma once
/// @file download.h
/// Resumable HTTP(S) downloads with progress, verification and an atomic rename (libcurl).

#include <atomic>
#include <functional>
#include <stdexcept>
#include <string>

namespace qm7 {

/// Where the official QM7 file lives.
constexpr const char* kQm7Url = "http://quantum-machine.org/data/qm7.mat";

/// A failed download; what() says what happened and what to do.
class DownloadError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// How to download.
struct DownloadOptions {
    /// Called with bytes done and total (0 when unknown), from the downloading thread.
    std::function<void(long long done, long long total)> progress;
    const std::atomic<bool>* cancel = nullptr; ///< set to stop; the .part file is kept
    int retries = 3;                           ///< resumed attempts after a dropped connection
    int retryDelayMs = 1000; ///< pause before each retry (times the attempt number)
    long connectTimeoutSeconds = 30;
    long stallSeconds = 60; ///< give up an attempt when no byte arrives for this long
    /// Checks the complete file (the .part) before it is renamed; throws to reject it.
    std::function<void(const std::string& partPath)> verify;
};

/// What a download did.
struct DownloadResult {
    long long bytes = 0;  ///< size of the file written
    int attempts = 0;     ///< HTTP requests made
    bool resumed = false; ///< some bytes came from an earlier, broken attempt
    bool cancelled = false;
};

/// Downloads url to path through path + ".part": resumes a .part left by a broken download
/// (HTTP Range), retries dropped connections, verifies, then renames atomically. Throws
/// DownloadError; a rejected file is deleted, a broken one is kept for the next resume.
DownloadResult downloadFile(const std::string& url, const std::string& path,
                            const DownloadOptions& options = {});

} // namespace qm7
