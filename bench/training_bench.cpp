// DSM training of the MLP score (depth 3, d = 32, 16 Fourier features, float32, Adam, batch 512:
// the problem of bench/compare_training.sh) split into its phases, so the time outside the
// matrix products can be seen, and set against two ceilings measured in the same run:
//   BM_TrainStep          a whole Trainer step (batch draw, loss and gradient, Adam, EMA);
//   BM_LossAndGradient    the network's forward and backward pass with the DSM loss only;
//   BM_TileGemms          the GEMMs of one gradient step alone, with the shapes the MLP's tiles
//                         use (256 columns) and Eigen's kernels: the ceiling of a tiled pass;
//   BM_AdamStep           the optimizer update of the parameter vector;
//   BM_DrawBatch          the minibatch (data indices, times, noise);
//   BM_GemmPeak<float>    Eigen's float32 1024^3 GEMM rate (bench/gemm_peak.hpp).
// Arguments: (width, threads). The gflops counters count 6 flops per weight per sample
// (forward 2, backward 4), as bench/compare_training.sh does. CPU time is the process's
// (MeasureProcessCPUTime), so a loaded machine shows in the gap between real and CPU time.
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/train/dsm_loss.hpp"
#include "difflab/train/optimizer.hpp"
#include "difflab/train/trainer.hpp"
#include "gemm_peak.hpp"

namespace {

using namespace difflab;

constexpr Index kDim = 32, kBatch = 512, kDepth = 3, kFeatures = 16;

// Weights (not biases) of the network: the flop count's unit.
double weights(Index w) {
  return static_cast<double>(w * (kDim + 2 * kFeatures) + kDepth * 2 * w * w + kDim * w);
}

void set_rate(benchmark::State& state, Index w, double steps_per_iteration) {
  const double flops = 6.0 * weights(w) * kBatch * steps_per_iteration;
  state.counters["gflops"] = benchmark::Counter(
      flops * 1e-9 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["steps/s"] = benchmark::Counter(
      steps_per_iteration * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

Matrix bench_data() {
  Matrix X(kDim, 10000);
  CounterRng(1).fill_normal(X, RngUse::kUser, 0, 0);
  return X;
}

TrainOptions bench_options(Index width) {
  TrainOptions o;
  o.model.width = width;
  o.model.depth = kDepth;
  o.model.fourier_features = kFeatures;
  o.batch = kBatch;
  o.validation_fraction = 0;
  o.error_times.clear();
  o.log_every = 1000000;
  o.seed = 3;
  return o;
}

void BM_TrainStep(benchmark::State& state) {
  const Index w = state.range(0);
  set_threads(static_cast<int>(state.range(1)));
  constexpr int kSteps = 10;  // per iteration: the log entry at the end of a run is amortised
  Trainer trainer(bench_options(w), bench_data(), make_process("ou"));
  trainer.run(2);  // warm-up: workspaces allocated
  for (auto _ : state) trainer.run(trainer.step() + kSteps);
  set_rate(state, w, kSteps);
}

void BM_LossAndGradient(benchmark::State& state) {
  const Index w = state.range(0);
  set_threads(static_cast<int>(state.range(1)));
  const TrainOptions o = bench_options(w);
  const auto process = make_process("ou");
  const Matrix data = bench_data();
  MlpSpec spec = o.model;
  spec.dim = kDim;
  const MlpNetwork net(spec);
  const Standardisation st = Standardisation::of(data);
  const DsmBatch batch = draw_dsm_batch(data, kBatch, o.dsm, *process, 3, 0);
  Vector grad;
  for (auto _ : state) {
    benchmark::DoNotOptimize(dsm_loss(net, st, *process, batch, &grad));
    benchmark::DoNotOptimize(grad.data());
  }
  set_rate(state, w, 1);
}

// The products of one step, tile by tile, as the MLP computes them (mlp.cpp), on thread-private
// matrices: no bias, activation, loss or reduction. Tiles are split over threads as the MLP's
// chunks are (one 256-column tile each at batch 512).
void BM_TileGemms(benchmark::State& state) {
  using M = Eigen::MatrixXf;
  const Index w = state.range(0), cols = 256, din = kDim + 2 * kFeatures;
  const int threads = static_cast<int>(state.range(1));
  set_threads(threads);
  // Uniform weights of variance 1/fan_in, so the activations stay O(1) through the layers.
  const auto scaled = [](Index rows, Index fan_in) -> M {
    return M::Random(rows, fan_in) * std::sqrt(3.0F / static_cast<float>(fan_in));
  };
  const M Win = scaled(w, din), Wout = scaled(kDim, w);
  const std::vector<M> W(2 * kDepth, scaled(w, w));
  struct Work {
    M U, Out, dH, dA, gWin, gWout;
    std::vector<M> H, gW;
  };
  std::vector<Work> work(static_cast<std::size_t>(kBatch / cols));
  for (Work& t : work) {
    t.U = M::Random(din, cols);
    t.H.assign(2 * kDepth + 1, M(w, cols));
    t.Out.resize(kDim, cols), t.dH.resize(w, cols), t.dA.resize(w, cols);
    t.gWin.setZero(w, din), t.gWout.setZero(kDim, w);
    t.gW.assign(2 * kDepth, M::Zero(w, w));
  }
  for (auto _ : state) {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (std::size_t tile = 0; tile < work.size(); ++tile) {
      Eigen::setNbThreads(1);
      Work& t = work[tile];
      t.H[0].noalias() = Win * t.U;
      for (Index l = 0; l < 2 * kDepth; ++l) t.H[l + 1].noalias() = W[l] * t.H[l];
      t.Out.noalias() = Wout * t.H[2 * kDepth];
      t.gWout.noalias() += t.Out * t.H[2 * kDepth].transpose();
      t.dH.noalias() = Wout.transpose() * t.Out;
      for (Index l = 2 * kDepth - 1; l >= 0; --l) {
        t.gW[l].noalias() += t.dH * t.H[l].transpose();
        t.dA.noalias() = W[l].transpose() * t.dH;
        t.dH.swap(t.dA);
      }
      t.gWin.noalias() += t.dH * t.U.transpose();
      benchmark::DoNotOptimize(t.gWin.data());
    }
  }
  set_rate(state, w, 1);
}

void BM_AdamStep(benchmark::State& state) {
  const Index w = state.range(0);
  MlpSpec spec = bench_options(w).model;
  spec.dim = kDim;
  const Index n = static_cast<Index>(spec.parameter_count());
  auto opt = make_optimizer(OptimizerOptions{}, n);
  Vector params = Vector::Random(n), grad = Vector::Random(n);
  for (auto _ : state) {
    opt->step(params, grad);
    benchmark::DoNotOptimize(params.data());
  }
  state.counters["params/s"] =
      benchmark::Counter(static_cast<double>(n) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}

void BM_DrawBatch(benchmark::State& state) {
  const Matrix data = bench_data();
  const auto process = make_process("ou");
  const DsmOptions dsm;
  std::uint64_t step = 0;
  for (auto _ : state) {
    const DsmBatch b = draw_dsm_batch(data, kBatch, dsm, *process, 3, step++);
    benchmark::DoNotOptimize(b.Z.data());
  }
}

void width_thread_args(benchmark::internal::Benchmark* b) {
  for (const int w : {256, 512})
    for (const int threads : {1, 2}) b->Args({w, threads});
  b->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
}

BENCHMARK(BM_GemmPeak<float>)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();
BENCHMARK(BM_TrainStep)->Apply(width_thread_args);
BENCHMARK(BM_LossAndGradient)->Apply(width_thread_args);
BENCHMARK(BM_TileGemms)->Apply(width_thread_args);
BENCHMARK(BM_AdamStep)->Arg(256)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DrawBatch)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
