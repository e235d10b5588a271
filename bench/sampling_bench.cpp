// Sampling throughput: the exponential integrator with the exact score of a 16-component
// isotropic Gaussian mixture in d = 32. Reports particle-steps per second as the counter
// "particle_steps/s" and the arithmetic rate "gflops" (4 K d flops per particle-step: the K inner
// products x.mu_k and the responsibility-weighted means, the two matrix products of the score);
// BM_GemmPeak measures Eigen's GEMM rate on the same machine in the same run, the ceiling that
// rate is compared with. bench/compare_sampling.sh runs the PyTorch peers
// (bench/peer_torch_ei.py) on the same problem and prints the ratios.
#include <benchmark/benchmark.h>

#include <vector>

#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/sampler/exponential_integrator.hpp"
#include "difflab/sampler/initialization.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"
#include "gemm_peak.hpp"

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
  const double particle_steps =
      static_cast<double>(n) * steps * static_cast<double>(state.iterations());
  state.counters["particle_steps/s"] =
      benchmark::Counter(particle_steps, benchmark::Counter::kIsRate);
  state.counters["gflops"] =
      benchmark::Counter(particle_steps * 4.0 * 16 * 32 * 1e-9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExponentialIntegratorGmm)
    ->Args({10000, 1})
    ->Args({10000, 2})
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

// Standard normals per second from the counter-based generator, one thread: the sampler's path
// (CounterRng::fill_normal into a d x n block, column j = particle j) for d = 32 (the GMM
// benchmark's dimension) and d = 3 (a partial block per particle), and one long RngStream.
void BM_FillNormal(benchmark::State& state) {
  const Index d = state.range(0), n = 4096;
  const CounterRng rng(1);
  Matrix Z(d, n);
  std::uint64_t step = 0;
  for (auto _ : state) {
    rng.fill_normal(Z, RngUse::kStepNoise, 0, step++);
    benchmark::DoNotOptimize(Z.data());
  }
  state.counters["normals/s"] =
      benchmark::Counter(static_cast<double>(d * n) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.counters["ns/normal"] =
      benchmark::Counter(static_cast<double>(d * n) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_FillNormal)->Arg(32)->Arg(3);

void BM_StreamFillNormal(benchmark::State& state) {
  const Index n = 1 << 16;
  std::vector<double> z(static_cast<std::size_t>(n));
  std::uint64_t particle = 0;
  for (auto _ : state) {
    RngStream s(1, RngUse::kUser, particle++, 0);
    s.fill_normal(z.data(), n);
    benchmark::DoNotOptimize(z.data());
  }
  state.counters["normals/s"] =
      benchmark::Counter(static_cast<double>(n) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.counters["ns/normal"] =
      benchmark::Counter(static_cast<double>(n) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_StreamFillNormal);

// Philox4x64-10 alone, one block per (particle, step, block) counter as the samplers use it:
// the generator's share of a normal (one 64-bit word each). Its ten rounds make twenty
// 64x64->128-bit multiplies per block of four words, the floor under this figure.
void BM_Philox4x64(benchmark::State& state) {
  using Philox = r123::Philox4x64;
  const Philox::key_type key = {{1, 2}};
  const std::uint64_t blocks = 1 << 14;
  std::uint64_t step = 0, sink = 0;
  for (auto _ : state) {
    for (std::uint64_t j = 0; j < blocks; ++j) {
      const Philox::ctr_type out = Philox()({{j / 8, step, j % 8, 0}}, key);
      sink ^= out[0] ^ out[1] ^ out[2] ^ out[3];
    }
    ++step;
    benchmark::DoNotOptimize(sink);
  }
  state.counters["ns/word"] = benchmark::Counter(
      4.0 * static_cast<double>(blocks) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Philox4x64);

// The throughput of the 64x64->128-bit multiply Philox4x64 is built on: eight independent
// chains, so the rate is the multiplier's, not its latency. Philox4x64-10 needs 20 per block of
// four words, so 5 x this figure per word is a floor under BM_Philox4x64 on this CPU.
void BM_Multiply64x128(benchmark::State& state) {
  __extension__ typedef unsigned __int128 u128;  // GCC and Clang; -Wpedantic otherwise
  constexpr int kChains = 8, kRounds = 1024;
  std::uint64_t a[kChains];
  for (int k = 0; k < kChains; ++k)
    a[k] = 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(k + 1);
  for (auto _ : state) {
    for (int r = 0; r < kRounds; ++r)
      for (int k = 0; k < kChains; ++k) {
        const u128 p = static_cast<u128>(a[k]) * 0xD2E7470EE14C6C93ULL;
        a[k] = static_cast<std::uint64_t>(p >> 64) ^ static_cast<std::uint64_t>(p);
      }
    benchmark::DoNotOptimize(a);
  }
  state.counters["ns/multiply"] = benchmark::Counter(
      static_cast<double>(kChains) * kRounds * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Multiply64x128);

// The core's clock while busy (turbo included): a chain of dependent one-cycle integer adds,
// kept in a register by an empty asm barrier, runs one add per cycle. Converts the per-multiply
// time above into cycles.
void BM_ClockRate(benchmark::State& state) {
  constexpr long kAdds = 1 << 20;
  std::uint64_t x = 0;
  for (auto _ : state) {
    for (long i = 0; i < kAdds; i += 4) {
      x += 1;
      asm volatile("" : "+r"(x));
      x += 1;
      asm volatile("" : "+r"(x));
      x += 1;
      asm volatile("" : "+r"(x));
      x += 1;
      asm volatile("" : "+r"(x));
    }
    benchmark::DoNotOptimize(x);
  }
  state.counters["GHz"] = benchmark::Counter(
      1e-9 * static_cast<double>(kAdds) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ClockRate);

BENCHMARK(BM_GemmPeak<double>)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_GemmPeak<float>)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
