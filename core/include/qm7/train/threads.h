#pragma once
/// @file threads.h
/// Numeric thread settings, set in one place: torch intra-op threads and the BLAS pool.

#include <string>

namespace qm7 {

/// On a small machine one torch intra-op thread plus a BLAS pool of all cores is fastest:
/// two wide pools oversubscribe (DESIGN.md, "Threads").
struct ThreadSettings {
    int torchThreads = 1; ///< at::set_num_threads
    int blasThreads = 0;  ///< OpenBLAS pool size; 0 = all cores
};

/// Applies the settings to LibTorch and to OpenBLAS (when OpenBLAS is the BLAS in use).
void applyThreadSettings(const ThreadSettings& settings);

/// A short description of the BLAS LibTorch calls, e.g. "OpenBLAS 0.3.21 (pthread, 2 threads)".
std::string blasDescription();

/// True when no OpenBLAS is loaded, i.e. LibTorch runs on the slow reference BLAS.
bool usingReferenceBlas();

/// The warning to show when usingReferenceBlas(), empty otherwise.
std::string blasWarning();

/// Versions of the numeric libraries, for --version and the About box.
std::string torchVersion();

} // namespace qm7
