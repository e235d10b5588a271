// The empirical target's score at scale: N = 100,000 data points in d = 100 (and d = 8, where a
// kd-tree prunes; a 10-component Gaussian mixture drawn by the counter-based generator, so the
// same data on every machine),
// exact (two chunked matrix products per tile of 128 particles) against the k-NN truncation
// (a nanoflann kd-tree over the data, docs/theory.md 10.4). Queries are exact samples of q_t,
// alpha y + sigma z with y a data point. Counters: "scores/s" (particle scores per second, real
// time, on the given thread count), "peak_rss_MB" (the process's high-water mark after the case:
// run one case per process for a per-case figure), and for k-NN the largest truncation bounds
// over the queries ("max_mass_bound", "max_score_bound") and the construction time (copies,
// transpose, tree). bench/README.md has the command and the figures.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>

#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/target/empirical_target.hpp"

namespace {

using namespace difflab;

constexpr Index kPoints = 100000, kComponents = 10, kQueries = 256;

// Component c has mean 3 z_c (z_c standard normal) and identity covariance; point i belongs to
// component i mod 10.
const Matrix& bench_data(Index d) {
  static std::map<Index, Matrix> cache;  // benchmarks run one at a time
  auto it = cache.find(d);
  if (it != cache.end()) return it->second;
  Matrix means(d, kComponents), Z(d, kPoints);
  CounterRng(2026).fill_normal(means, RngUse::kUser, 0, 0);
  CounterRng(2027).fill_normal(Z, RngUse::kUser, 0, 0);
  for (Index i = 0; i < kPoints; ++i) Z.col(i) += 3.0 * means.col(i % kComponents);
  return cache.emplace(d, std::move(Z)).first->second;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// Arguments: d, k (0 = exact), t (in hundredths), threads.
void BM_EmpiricalScore(benchmark::State& state) {
  const Index kDim = state.range(0), k = state.range(1);
  const double t = static_cast<double>(state.range(2)) / 100.0;
  set_threads(static_cast<int>(state.range(3)));
  const Matrix& Y = bench_data(kDim);
  const auto start = std::chrono::steady_clock::now();
  const EmpiricalTarget target(Y, "bench", "bench", k);
  const double setup_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double alpha = std::exp(-t), sigma2 = -std::expm1(-2 * t);
  Matrix X(kDim, kQueries);
  CounterRng(2028).fill_normal(X, RngUse::kUser, 0, 0);
  for (Index j = 0; j < kQueries; ++j)
    X.col(j) = alpha * Y.col((j * 7919) % kPoints) + std::sqrt(sigma2) * X.col(j);
  Matrix S(kDim, kQueries);
  for (auto _ : state) {
    parallel_blocks(kQueries, 128, [&](Index begin, Index count) {
      Matrix part(kDim, count);
      target.noised_score(alpha, sigma2, X.middleCols(begin, count), part);
      S.middleCols(begin, count) = part;
    });
    benchmark::DoNotOptimize(S.data());
  }
  state.counters["scores/s"] =
      benchmark::Counter(static_cast<double>(kQueries) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  if (k >= 1) {
    const KnnTruncationBound b = target.knn_truncation_bound(alpha, sigma2, X);
    state.counters["max_mass_bound"] = b.max_neglected_mass();
    state.counters["max_score_bound"] = b.max_score_error();
    state.counters["setup_s"] = setup_s;
  }
  state.counters["peak_rss_MB"] = peak_rss_mb();
}

void knn_args(benchmark::internal::Benchmark* b) {
  for (int d : {100, 8})
    for (int threads : {1, 2}) {
      if (d == 8 && threads == 2) continue;
      for (int k : {0, 64})
        for (int t : {5, 50, 100}) b->Args({d, k, t, threads});
    }
}

BENCHMARK(BM_EmpiricalScore)
    ->Apply(knn_args)
    ->ArgNames({"d", "k", "t100", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
