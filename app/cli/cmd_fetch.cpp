// qm7 fetch-qm7: download the official qm7.mat with progress, resume, check and atomic rename.
#include "commands.h"

#include "qm7/io/download.h"
#include "qm7/chem/mat_reader.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace qm7::cli {

namespace {

struct FetchCli {
    std::string url = kQm7Url;
    std::string out = "qm7.mat";
    int retries = 3;
    int retryDelayMs = 1000;
    bool force = false;
};

/// Reads the file as a qm7.mat; throws when it is not one.
std::size_t checkQm7(const std::string& path) {
    return readQm7Mat(path).molecules.size();
}

int runFetch(const FetchCli& o) {
    if (o.retries < 0)
        throw UsageError("--retries must be 0 or more");
    const std::filesystem::path outPath(o.out);
    ensureWritableDir(outPath.has_parent_path() ? outPath.parent_path().string() : ".");
    std::error_code ec;
    if (std::filesystem::exists(outPath, ec) && !o.force) {
        try {
            const std::size_t n = checkQm7(o.out);
            std::cout << o.out << " is already there (" << n
                      << " molecules); use --force to download it again\n";
            return kOk;
        } catch (const MoleculeError& e) {
            throw UsageError(o.out + " exists but is not a valid qm7.mat (" + e.what() +
                             "); remove it or use --force");
        }
    }

    ProgressBar bar("fetch");
    DownloadOptions options;
    options.retries = o.retries;
    options.retryDelayMs = o.retryDelayMs;
    options.cancel = &interruptControl().cancel;
    options.progress = [&bar](long long done, long long total) {
        const double mb = static_cast<double>(done) / 1e6;
        char text[64];
        std::snprintf(text, sizeof text, "%.1f MB", mb);
        bar.update(done, total > 0 ? total : done + 1, text);
    };
    std::size_t molecules = 0;
    options.verify = [&molecules](const std::string& part) { molecules = checkQm7(part); };
    std::cerr << "downloading " << o.url << "\n";
    DownloadResult result;
    try {
        result = downloadFile(o.url, o.out, options);
    } catch (const DownloadError&) {
        bar.finish();
        throw;
    }
    bar.finish();
    if (result.cancelled) {
        std::cerr << "interrupted; " << result.bytes << " bytes kept in " << o.out
                  << ".part, run the same command again to resume\n";
        return kInterrupted;
    }
    std::cout << "wrote " << o.out << ": " << result.bytes << " bytes, " << molecules
              << " molecules" << (result.resumed ? " (resumed)" : "") << "\n";
    return kOk;
}

} // namespace

Command addFetchCommand(CLI::App& app) {
    auto o = std::make_shared<FetchCli>();
    CLI::App* sub = app.add_subcommand(
        "fetch-qm7", "Download the official qm7.mat (resumable; checked by reading it)");
    sub->add_option("--url", o->url, "Where to download from")->capture_default_str();
    sub->add_option("--out", o->out, "The file to write")->capture_default_str();
    sub->add_option("--retries", o->retries, "Resumed attempts after a dropped connection")
        ->capture_default_str();
    sub->add_option("--retry-delay-ms", o->retryDelayMs, "Pause before a retry")
        ->capture_default_str();
    sub->add_flag("--force", o->force, "Download even when the file is already there");
    return {sub, [o] { return runFetch(*o); }};
}

} // namespace qm7::cli
