#pragma once
// The one BLAS routine the trainer calls, found at run time in libblas.so.3, the library
// LibTorch uses (OpenBLAS when libopenblas0-pthread is installed). Resolving it by name at link
// time is fragile: GSL's libgslcblas exports a slow cblas_sgemm too.

namespace qm7::detail {

enum BlasOrder { kRowMajor = 101 };
enum BlasTranspose { kNoTrans = 111, kTrans = 112 };

using SgemmFunction = void (*)(int order, int transA, int transB, int m, int n, int k, float alpha,
                               const float* a, int lda, const float* b, int ldb, float beta,
                               float* c, int ldc);

/// cblas_sgemm of libblas.so.3; throws std::runtime_error when no BLAS can be loaded.
SgemmFunction sgemm();

/// The real path of the library that provides sgemm().
const char* blasLibraryFile();

} // namespace qm7::detail
