#pragma once
// Copies of the trainer's step (core/src/mlp_kernels.cpp) for the benchmark: one with timers
// around each phase (the profile), and prototypes of changes, measured against the original.
// Nothing here is used by the workbench itself.

#include "mlp_kernels.h"

namespace qm7bench {

using qm7::detail::AdamStep;
using qm7::detail::MlpScratch;
using qm7::detail::MlpShape;

/// Seconds spent in each phase of a step, accumulated over calls.
struct PhaseTimes {
    double fwdGemm = 0, reluOut = 0, backTail = 0, dw1Gemm = 0, adamW1 = 0, adamTail = 0;
    double total() const { return fwdGemm + reluOut + backTail + dw1Gemm + adamW1 + adamTail; }
};

/// core's mlpTrainStep, phase by phase with timers (same arithmetic, same results).
double profiledTrainStep(const MlpShape& s, float* params, float* m, float* v,
                         const AdamStep& adam, const float* X, const float* y, int rows,
                         MlpScratch& scratch, PhaseTimes& t);

/// Prototype: the same step with a given W1 tile height (core uses 64 rows).
double tiledTrainStep(const MlpShape& s, float* params, float* m, float* v,
                      const AdamStep& adam, const float* X, const float* y, int rows,
                      MlpScratch& scratch, int tileRows);

/// Prototype of the recommended step: vectorized bias/ReLU/layer-2 and backward loops (AVX2
/// clone by runtime dispatch, no aliasing, independent partial sums), and Adam with one division
/// per parameter instead of two. Same math as core's step, within float rounding.
double optimizedTrainStep(const MlpShape& s, float* params, float* m, float* v,
                          const AdamStep& adam, const float* X, const float* y, int rows,
                          MlpScratch& scratch, int tileRows = 64);

/// The prototype's Adam (one division), for the microbenchmark.
void adamUpdateFast(float* params, float* m, float* v, const float* g, std::size_t n,
                    const AdamStep& adam);

/// Prototype for a single model on several cores: the hidden units are split between threads,
/// each running its share of every phase (GEMMs with single-threaded BLAS, ReLU, backward, W1
/// tiles and Adam) on its own rows of W1, with one barrier per step (to sum the output) and a
/// join at the end. Replaces "one thread + the multi-threaded BLAS pool", whose GEMMs are too small
/// to split well and whose Adam runs on one core.
class SplitStep {
  public:
    SplitStep(const MlpShape& shape, int threads);
    ~SplitStep();
    SplitStep(const SplitStep&) = delete;
    SplitStep& operator=(const SplitStep&) = delete;
    double step(float* params, float* m, float* v, const AdamStep& adam, const float* X,
                const float* y, int rows);

  private:
    struct Impl;
    Impl* m_impl;
};

} // namespace qm7bench
