#pragma once
/// @file threads.h
/// The numeric libraries' thread set-up, in one place, and the BLAS in use.
///
/// The trainer does its own threading (TrainOptions::threads): runs side by side on worker
/// threads, or one run's steps split by blocks of hidden units, each thread calling
/// single-threaded sgemm. LibTorch's intra-op pool and OpenBLAS's pool are therefore kept at one
/// thread, so that the only thread count a user sets is the trainer's.

#include <string>

namespace qm7 {

/// Sets LibTorch's intra-op threads and the OpenBLAS pool to 1. Call once at start-up (the CLI
/// and the workbench do); calling it again does no harm.
void setUpNumerics();

/// The thread count a request means: requested when positive, else the machine's cores.
int resolveThreads(int requested);

/// A short description of the BLAS LibTorch calls, e.g. "OpenBLAS 0.3.21 ... (path)".
std::string blasDescription();

/// True when no fast BLAS is loaded, i.e. the trainer runs on the slow reference BLAS.
bool usingReferenceBlas();

/// The warning to show when usingReferenceBlas(), empty otherwise.
std::string blasWarning();

/// The LibTorch version, for --version and the About box.
std::string torchVersion();

} // namespace qm7
