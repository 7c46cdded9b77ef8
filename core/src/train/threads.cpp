// The numeric libraries' threads and the BLAS in use; includes ATen (a torch source).
#include "qm7/train/threads.h"

#include <ATen/Parallel.h>
#include <torch/csrc/api/include/torch/version.h>

#include <dlfcn.h>
#include <algorithm>
#include <thread>

#include "train/blas.h"
#include "train/blas_threads.h"

namespace {

template <typename F> F openblasSymbol(const char* name) {
    return reinterpret_cast<F>(::dlsym(RTLD_DEFAULT, name));
}

std::string blasLibraryPath() {
    return qm7::detail::blasLibraryFile();
}

} // namespace

namespace qm7 {

void setUpNumerics() {
    at::set_num_threads(1);
    detail::setBlasThreads(1);
}

int resolveThreads(int requested) {
    if (requested > 0)
        return requested;
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

bool usingReferenceBlas() {
    // Debian's libtorch calls libblas.so.3: OpenBLAS when libopenblas0-pthread provides it.
    // OpenBLAS is known by its own symbol too (a portable bundle copies it as lib/libblas.so.3).
    if (openblasSymbol<char* (*)()>("openblas_get_config"))
        return false;
    const std::string path = blasLibraryPath();
    for (const char* fast : {"openblas", "blis", "mkl", "atlas"})
        if (path.find(fast) != std::string::npos)
            return false;
    return true;
}

std::string blasDescription() {
    std::string text;
    if (auto config = openblasSymbol<char* (*)()>("openblas_get_config"))
        text = config();
    else
        text = "reference BLAS";
    if (auto threads = openblasSymbol<int (*)()>("openblas_get_num_threads"))
        text += ", " + std::to_string(threads()) + " threads";
    return text + " (" + blasLibraryPath() + ")";
}

std::string blasWarning() {
    if (!usingReferenceBlas())
        return {};
    return "warning: LibTorch is running on the reference BLAS (" + blasLibraryPath() +
           "), which trains about 13x slower. Install OpenBLAS: sudo apt-get install "
           "libopenblas0-pthread";
}

std::string torchVersion() {
    return TORCH_VERSION;
}

} // namespace qm7

namespace qm7::detail {

int blasThreads() {
    if (auto threads = openblasSymbol<int (*)()>("openblas_get_num_threads"))
        return threads();
    return 1;
}

void setBlasThreads(int threads) {
    if (auto set = openblasSymbol<void (*)(int)>("openblas_set_num_threads"))
        set(threads);
}

} // namespace qm7::detail
