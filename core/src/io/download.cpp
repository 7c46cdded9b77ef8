#include "qm7/io/download.h"

#include <curl/curl.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace qm7 {

namespace {

void globalInit() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

/// The state of one HTTP request.
struct Transfer {
    CURL* curl = nullptr;
    std::string partPath;
    std::FILE* file = nullptr;
    long long offset = 0; ///< bytes kept from earlier attempts (0 when the server restarts)
    long long written = 0;
    bool decided = false;
    std::string writeError;
    const DownloadOptions* options = nullptr;
};

std::size_t onData(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t bytes = size * count;
    if (!t->decided) {
        t->decided = true;
        long code = 0;
        curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
        // 206: the rest of the file follows; anything else: the whole file from the start.
        const bool append = code == 206 && t->offset > 0;
        if (!append)
            t->offset = 0;
        t->file = std::fopen(t->partPath.c_str(), append ? "ab" : "wb");
        if (!t->file) {
            t->writeError = std::strerror(errno);
            return 0;
        }
    }
    if (std::fwrite(data, 1, bytes, t->file) != bytes) {
        t->writeError = std::strerror(errno);
        return 0;
    }
    t->written += static_cast<long long>(bytes);
    return bytes;
}

int onProgress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
    auto* t = static_cast<Transfer*>(user);
    if (t->options->cancel && t->options->cancel->load())
        return 1;
    if (t->options->progress)
        t->options->progress(t->offset + now, total > 0 ? t->offset + total : 0);
    return 0;
}

long long fileSize(const std::string& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    return ec ? 0 : static_cast<long long>(size);
}

void syncFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

/// Errors worth another (resumed) attempt: the connection broke or stalled.
bool transient(CURLcode code) {
    switch (code) {
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_COULDNT_CONNECT:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        return true;
    default:
        return false;
    }
}

bool sleepUnlessCancelled(int ms, const std::atomic<bool>* cancel) {
    for (int waited = 0; waited < ms; waited += 50) {
        if (cancel && cancel->load())
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return !(cancel && cancel->load());
}

} // namespace

DownloadResult downloadFile(const std::string& url, const std::string& path,
                            const DownloadOptions& options) {
    globalInit();
    DownloadResult result;
    const std::string part = path + ".part";
    bool restartedFromScratch = false;
    int failures = 0;

    while (true) {
        // One HTTP request, resuming whatever an earlier attempt left in the .part file.
        Transfer t;
        t.partPath = part;
        t.options = &options;
        t.offset = fileSize(part);
        if (t.offset > 0)
            result.resumed = true;
        std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                                 curl_easy_cleanup);
        if (!curl)
            throw DownloadError("cannot start a download (libcurl failed to initialize)");
        t.curl = curl.get();
        char errorBuffer[CURL_ERROR_SIZE] = {};
        curl_easy_setopt(t.curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(t.curl, CURLOPT_ERRORBUFFER, errorBuffer);
        curl_easy_setopt(t.curl, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(t.curl, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(t.curl, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(t.curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(t.curl, CURLOPT_USERAGENT, "qm7-workbench");
        curl_easy_setopt(t.curl, CURLOPT_CONNECTTIMEOUT, options.connectTimeoutSeconds);
        curl_easy_setopt(t.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(t.curl, CURLOPT_LOW_SPEED_TIME, options.stallSeconds);
        curl_easy_setopt(t.curl, CURLOPT_WRITEFUNCTION, onData);
        curl_easy_setopt(t.curl, CURLOPT_WRITEDATA, &t);
        curl_easy_setopt(t.curl, CURLOPT_XFERINFOFUNCTION, onProgress);
        curl_easy_setopt(t.curl, CURLOPT_XFERINFODATA, &t);
        curl_easy_setopt(t.curl, CURLOPT_NOPROGRESS, 0L);
        if (t.offset > 0)
            curl_easy_setopt(t.curl, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(t.offset));
        ++result.attempts;
        const CURLcode code = curl_easy_perform(t.curl);
        long http = 0;
        curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &http);
        if (t.file && std::fclose(t.file) != 0 && t.writeError.empty())
            t.writeError = std::strerror(errno);
        const std::string detail = errorBuffer[0] ? errorBuffer : curl_easy_strerror(code);

        if (code == CURLE_ABORTED_BY_CALLBACK) {
            result.cancelled = true;
            result.bytes = fileSize(part);
            return result;
        }
        if (!t.writeError.empty())
            throw DownloadError("cannot write " + part + ": " + t.writeError);
        if (code == CURLE_RANGE_ERROR && failures < options.retries) {
            // The server does not resume: start again from the first byte.
            ++failures;
            std::error_code ec;
            fs::remove(part, ec);
            result.resumed = false;
            continue;
        }
        bool complete = code == CURLE_OK;
        if (code == CURLE_HTTP_RETURNED_ERROR && http == 416 && t.offset > 0)
            complete = true; // the range starts at the end: the .part is already whole
        if (!complete) {
            if (code == CURLE_HTTP_RETURNED_ERROR && http < 500)
                throw DownloadError("the server answered HTTP " + std::to_string(http) + " for " +
                                    url + " (check the address)");
            if ((transient(code) || code == CURLE_HTTP_RETURNED_ERROR) &&
                failures < options.retries) {
                ++failures;
                if (!sleepUnlessCancelled(options.retryDelayMs * failures, options.cancel)) {
                    result.cancelled = true;
                    result.bytes = fileSize(part);
                    return result;
                }
                continue;
            }
            const long long kept = fileSize(part);
            throw DownloadError("download of " + url + " failed: " + detail +
                                (kept > 0 ? " (" + std::to_string(kept) + " bytes kept in " + part +
                                                "; run again to resume)"
                                          : std::string()));
        }

        // Complete: check it, then put it in place in one step.
        syncFile(part);
        if (options.verify) {
            try {
                options.verify(part);
            } catch (const std::exception& e) {
                std::error_code ec;
                fs::remove(part, ec);
                if (result.resumed && !restartedFromScratch) {
                    // The bytes kept from before may belong to another file: start over once.
                    restartedFromScratch = true;
                    result.resumed = false;
                    continue;
                }
                throw DownloadError("the downloaded file is not what was expected, so it was "
                                    "deleted: " +
                                    std::string(e.what()));
            }
        }
        if (std::rename(part.c_str(), path.c_str()) != 0)
            throw DownloadError("cannot move " + part + " to " + path + ": " +
                                std::strerror(errno));
        result.bytes = fileSize(path);
        return result;
    }
}

} // namespace qm7
