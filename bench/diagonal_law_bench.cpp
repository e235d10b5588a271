// Cost of the exact O(d N) diagonal Gaussian law (law/diagonal_gaussian_law.hpp;
// docs/theory.md 14.2): the EI sampler with the exact score of a diagonal Gaussian target, N steps,
// for d from 10^3 to 10^6. The counter "ns/coordinate-step" should stay flat as d grows (linear
// cost); bench/README.md reports the measured slope.
//   build/bench/diagonal_law_bench --benchmark_filter=BM_DiagonalLaw
#include <benchmark/benchmark.h>

#include "difflab/core/allocator_tuning.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/law/diagonal_gaussian_law.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace {

using namespace difflab;

void BM_DiagonalLaw(benchmark::State& state) {
  const Index d = state.range(0);
  const int steps = static_cast<int>(state.range(1));
  set_threads(0);
  tune_allocator_for_large_temporaries();
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  Vector mean(d), var(d);
  for (Index i = 0; i < d; ++i) {
    mean(i) = 0.5 * std::sin(static_cast<double>(i));
    var(i) = 0.3 + 0.1 * static_cast<double>(i % 7);
  }
  auto target = std::make_shared<GaussianTarget>(GaussianTarget::diagonal(mean, var));
  const ExactScore score(target, process);
  const TimeGrid grid = benton_grid(6.0, 1e-3, steps);
  const auto sampler = make_sampler("ei");
  const DiagonalGaussianLaw start{Vector::Zero(d), Vector::Ones(d)};
  for (auto _ : state) {
    const DiagonalGaussianLaw law =
        diagonal_gaussian_law(*sampler, score, grid, SamplerOptions{}, start);
    benchmark::DoNotOptimize(law.var.data());
  }
  state.counters["ns/coordinate-step"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(d) * steps / 1e9,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_DiagonalLaw)
    ->ArgsProduct({{1000, 10000, 100000, 1000000}, {1000}})
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
