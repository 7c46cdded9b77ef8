#include "train/blas.h"

#include <dlfcn.h>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace qm7::detail {

namespace {

struct BlasLibrary {
    SgemmFunction sgemm = nullptr;
    std::string file = "not loaded";
    BlasLibrary() {
        void* handle = ::dlopen("libblas.so.3", RTLD_NOW | RTLD_GLOBAL);
        if (!handle)
            return;
        sgemm = reinterpret_cast<SgemmFunction>(::dlsym(handle, "cblas_sgemm"));
        Dl_info info{};
        if (sgemm && ::dladdr(reinterpret_cast<void*>(sgemm), &info) && info.dli_fname) {
            // Debian selects the BLAS through symlinks (alternatives): report the real file.
            std::error_code ec;
            const auto real = std::filesystem::canonical(info.dli_fname, ec);
            file = ec ? std::string(info.dli_fname) : real.string();
        }
    }
};

const BlasLibrary& library() {
    static const BlasLibrary lib;
    return lib;
}

} // namespace

SgemmFunction sgemm() {
    const SgemmFunction f = library().sgemm;
    if (!f)
        throw std::runtime_error("no BLAS found: install libopenblas0-pthread (libblas.so.3 with "
                                 "cblas_sgemm)");
    return f;
}

const char* blasLibraryFile() {
    return library().file.c_str();
}

} // namespace qm7::detail
