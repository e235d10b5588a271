// Sampling throughput: the exponential integrator with the exact score of a 16-component
// isotropic Gaussian mixture in d = 32 (bench/README.md "Sampling throughput"). Reports
// particle-steps per second as the counter "particle_steps/s"; bench/compare_sampling.sh runs the
// PyTorch peer (bench/peer_torch_ei.py) on the same problem and prints the ratio.
#include <benchmark/benchmark.h>

#include "difflab/core/parallel.hpp"
#include "difflab/sampler/exponential_integrator.hpp"
#include "difflab/sampler/initialization.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"

namespace {

using namespace difflab;

// The same mixture as the peer script: means drawn from N(0, 4 I) by a fixed rule (mean k of
// component i is 2 * sin(1 + 7 i + 3 k)), variances 0.5 + 0.05 i, equal weights.
std::shared_ptr<GaussianMixtureTarget> bench_mixture(Index d, Index K) {
  std::vector<GaussianMixtureTarget::Component> comps(static_cast<std::size_t>(K));
  for (Index i = 0; i < K; ++i) {
    auto& c = comps[static_cast<std::size_t>(i)];
    c.mean.resize(d);
    for (Index k = 0; k < d; ++k) c.mean(k) = 2.0 * std::sin(1.0 + 7.0 * i + 3.0 * k);
    c.variances = Vector::Constant(d, 0.5 + 0.05 * i);
  }
  return std::make_shared<GaussianMixtureTarget>(
      std::vector<double>(static_cast<std::size_t>(K), 1.0 / K), comps);
}

void BM_ExponentialIntegratorGmm(benchmark::State& state) {
  const Index n = state.range(0);
  const int steps = 100;
  set_threads(static_cast<int>(state.range(1)));
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  auto target = bench_mixture(32, 16);
  ExactScore score(target, process);
  const TimeGrid grid = uniform_grid(5.0, 1e-3, steps);
  const ExponentialIntegrator sampler;
  const CounterNoise noise(1);
  SamplerOptions options;
  const Matrix X0 = standard_normal_points(32, n, CounterRng(1));
  for (auto _ : state) {
    Matrix X = X0;
    sampler.sample(score, grid, X, options, noise);
    benchmark::DoNotOptimize(X.data());
  }
  state.counters["particle_steps/s"] =
      benchmark::Counter(static_cast<double>(n) * steps * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExponentialIntegratorGmm)
    ->Args({16384, 1})
    ->Args({16384, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_GmmScore(benchmark::State& state) {
  const Index n = state.range(0);
  auto target = bench_mixture(32, 16);
  const Matrix X = standard_normal_points(32, n, CounterRng(2));
  Matrix out(32, n);
  for (auto _ : state) {
    target->noised_score(0.5, 0.75, X, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["particles/s"] =
      benchmark::Counter(static_cast<double>(n) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_GmmScore)->Arg(256)->Arg(4096);

}  // namespace

BENCHMARK_MAIN();
