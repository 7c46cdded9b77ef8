#pragma once
// Reading and setting the BLAS pool size (no-ops when the BLAS is not OpenBLAS).

namespace qm7::detail {
int blasThreads();
void setBlasThreads(int threads);
} // namespace qm7::detail
