#pragma once
// Eigen's GEMM rate (n^3 product, Eigen's own OpenMP threading over `threads`): the peak the
// sampling and training rates are compared with (bench/README.md). Shared by the benchmarks
// that print a fraction of it; each registers the scalar types it needs.
#include <benchmark/benchmark.h>

#include <Eigen/Dense>

#include "difflab/core/parallel.hpp"

namespace difflab {

template <class S>
void BM_GemmPeak(benchmark::State& state) {
  using M = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
  const Eigen::Index n = 1024;
  set_threads(static_cast<int>(state.range(0)));
  const M A = M::Random(n, n), B = M::Random(n, n);
  M C(n, n);
  for (auto _ : state) {
    C.noalias() = A * B;
    benchmark::DoNotOptimize(C.data());
  }
  state.counters["gflops"] =
      benchmark::Counter(2.0 * n * n * n * 1e-9 * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}

}  // namespace difflab
