// Noise "brownian" (docs/theory.md "Coupled Brownian noise"): what it costs and what it buys.
//
// BM_StepNoise: one step's noise for a block of particles, counter vs brownian, on the steps of
// a 100-step uniform OU grid (d = 32): the cost of the tree walk against one Philox draw.
// BM_EiSampling: the exponential integrator of bench/sampling_bench.cpp's problem (16-component
// mixture in d = 32, exact score, 100 steps), counter vs brownian: the overhead in a real run.
// BM_StrongErrorCurve: Euler-Maruyama on OU with the exact score of a Gaussian target in d = 2
// (uniform grids on [1e-2, 2], N and 2N steps, 20,000 particles), reported as counters:
//   strong_gap      E|X_N - X_2N| with brownian noise (halves as N doubles: strong order 1)
//   strong_gap_iid  the same with counter noise (order one for every N)
//   diff_se / diff_se_iid  the standard error of the estimated difference of E|X|^2 between the
//                   N- and 2N-step runs, coupled (one path) vs independent (counter noise):
//                   the variance reduction of an error-versus-steps estimate.
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <vector>

#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/brownian_noise.hpp"
#include "difflab/sampler/euler_maruyama.hpp"
#include "difflab/sampler/exponential_integrator.hpp"
#include "difflab/sampler/initialization.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace {

using namespace difflab;

std::unique_ptr<NoiseSource> bench_noise(bool brownian) {
  SamplerOptions o;
  o.noise = brownian ? "brownian" : "counter";
  return make_noise(o, 1);
}

void BM_StepNoise(benchmark::State& state) {
  const Index n = state.range(0), d = 32;
  const bool brownian = state.range(1) != 0;
  const auto noise = bench_noise(brownian);
  const TimeGrid grid = uniform_grid(5.0, 1e-3, 100);
  Matrix Z(d, n);
  std::size_t k = 0;
  for (auto _ : state) {
    noise->increment(Z, 0, k, RngUse::kStepNoise, grid_step_interval(grid, k));
    benchmark::DoNotOptimize(Z.data());
    k = (k + 1) % grid.steps();
  }
  state.counters["normals/s"] =
      benchmark::Counter(static_cast<double>(n * d) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StepNoise)->Args({256, 0})->Args({256, 1})->Unit(benchmark::kMicrosecond);

// bench/sampling_bench.cpp's mixture (means 2 sin(1 + 7 i + 3 k), variances 0.5 + 0.05 i).
std::shared_ptr<GaussianMixtureTarget> brownian_bench_mixture(Index d, Index K) {
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

void BM_EiSampling(benchmark::State& state) {
  const Index n = 10000;
  const bool brownian = state.range(0) != 0;
  set_threads(1);
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  ExactScore score(brownian_bench_mixture(32, 16), process);
  const TimeGrid grid = uniform_grid(5.0, 1e-3, 100);
  SamplerOptions options;
  options.noise = brownian ? "brownian" : "counter";
  const auto noise = make_noise(options, 1);
  const Matrix X0 = standard_normal_points(32, n, CounterRng(1));
  for (auto _ : state) {
    Matrix X = X0;
    ExponentialIntegrator().sample(score, grid, X, options, *noise);
    benchmark::DoNotOptimize(X.data());
  }
  state.counters["particle_steps/s"] =
      benchmark::Counter(static_cast<double>(n) * 100 * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EiSampling)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// E|X_N - X_2N| and the standard error of mean(|X_N|^2) - mean(|X_2N|^2).
struct CouplingGap {
  double gap, diff_se;
};
CouplingGap coupling_gap(const ScoreModel& score, const Matrix& X0, int N, bool brownian) {
  SamplerOptions options;
  options.noise = brownian ? "brownian" : "counter";
  const auto noise = make_noise(options, 3);
  Matrix a = X0, b = X0;
  EulerMaruyama().sample(score, uniform_grid(2.0, 1e-2, N), a, options, *noise);
  // Counter noise: the 2N run gets its own seed, as two independent estimates would.
  const auto other = brownian ? make_noise(options, 3) : make_noise(options, 4);
  EulerMaruyama().sample(score, uniform_grid(2.0, 1e-2, 2 * N), b, options, *other);
  const double n = static_cast<double>(X0.cols());
  const Eigen::ArrayXd diff =
      (a.colwise().squaredNorm() - b.colwise().squaredNorm()).transpose().array();
  const double mean = diff.mean();
  const double var = (diff - mean).square().sum() / (n - 1);
  return {(a - b).colwise().norm().mean(), std::sqrt(var / n)};
}

void BM_StrongErrorCurve(benchmark::State& state) {
  const int N = static_cast<int>(state.range(0));
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  ExactScore score(std::make_shared<GaussianTarget>(GaussianTarget::diagonal(
                       Eigen::Vector2d(1.0, -0.5), Eigen::Vector2d(0.2, 1.5))),
                   process);
  const Matrix X0 = standard_normal_points(2, 20000, CounterRng(5));
  CouplingGap coupled{}, iid{};
  for (auto _ : state) {
    coupled = coupling_gap(score, X0, N, true);
    iid = coupling_gap(score, X0, N, false);
  }
  state.counters["strong_gap"] = coupled.gap;
  state.counters["strong_gap_iid"] = iid.gap;
  state.counters["diff_se"] = coupled.diff_se;
  state.counters["diff_se_iid"] = iid.diff_se;
}
BENCHMARK(BM_StrongErrorCurve)
    ->RangeMultiplier(2)
    ->Range(8, 256)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
