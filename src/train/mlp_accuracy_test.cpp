// Accuracy of a learned score: an MLP trained by DSM on samples of a 2-D Gaussian mixture reaches a
// small true L2(q_t) score error (Monte Carlo against the mixture's exact noised score) and its
// samples (exponential integrator from N(0, I)) are close to the target in exact W2
// (network-simplex OT between 1000 model samples and 1000 fresh target samples).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "difflab/metrics/empirical_w2.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/train/trainer.hpp"

namespace difflab {
namespace {

// Thresholds, from a measured Release run (seeds as below; the result is bit-identical for any
// thread count, so it is one number per machine), with margin for other CPUs' float rounding:
//   measured E||s - grad log q_t||^2 = 0.0973 +- 0.0079 (t = 0.05), 0.0083 +- 0.0002 (t = 0.3),
//            0.0005 (t = 1), against E||grad log q_t||^2 of roughly d / (alpha^2 var + sigma^2)
//            ~ 7, 4 and 2 (within-component approximation): relative errors of 1-2% or less;
//   W2(samples, 1000 fresh target samples) is printed but not tested: it is dominated by how
//            many of the 1000 + 1000 points fall in each mode (binomial, sd ~15 points, each
//            moved ~3.6): with the exact score it ranged 0.13-0.47 over 10 runs (5 seeds, the
//            generator before and after the 2026-12-06 change of the normals' bits), so a
//            threshold under 0.5 was a draw of the noise (0.165 passed 0.25 before, 0.309 after).
//   Tested instead: W2 between the model's samples and the exact score's samples from the same
//            initial points and the same noise (coupled: the difference is the learned score's
//            doing only): 0.095-0.25 over the same 10 runs (from the 1-2% of particles that end
//            in the other mode); an untrained network gives W2 > 1.
// Thresholds: score errors below 0.2, 0.02 and 0.002; coupled W2 below 0.35. 1500 Adam steps take
// ~6 s on 2 cores.
constexpr double kMaxSquaredError[] = {0.2, 0.02, 0.002};
constexpr double kMaxCoupledW2 = 0.35;

TEST(MlpAccuracy, LearnsATwoDimensionalMixture) {
#if defined(__SANITIZE_ADDRESS__)
  // Under ASan+UBSan at -O1 the 1500 steps take minutes; the code paths are covered there by the
  // gradient, resume and determinism tests. The accuracy claim is a Release measurement.
  GTEST_SKIP() << "accuracy test runs in optimised builds only";
#endif
  const auto process = make_process("ou");
  const auto target = make_target({{"type", "gmm"},
                                   {"weights", {0.4, 0.6}},
                                   {"means", {{-2.0, 0.0}, {1.5, 1.0}}},
                                   {"vars", {0.25, 0.16}}},
                                  "test");
  const Matrix data = target->sample(4000, CounterRng(21));
  TrainOptions o;
  o.model.width = 64;
  o.model.depth = 2;
  o.model.fourier_features = 8;
  o.batch = 256;
  o.iterations = 1500;
  o.optimizer.kind = "adam";
  o.optimizer.lr = 3e-3;
  o.optimizer.decay = "cosine";
  o.optimizer.decay_steps = o.iterations;
  o.optimizer.final_lr_fraction = 0.05;
  o.ema_decay = 0.99;
  o.dsm.delta = 1e-2;
  o.dsm.T = 5.0;
  o.log_every = o.iterations;
  o.error_times = {0.05, 0.3, 1.0};
  o.error_samples = 4000;
  o.seed = 4;
  const auto start = std::chrono::steady_clock::now();
  Trainer trainer(o, data, process, target);
  const TrainSummary summary = trainer.run(o.iterations);
  const auto score = trainer.score();
  // Samples: EI on the Benton et al. grid from T = 5 to delta = 1e-2, 100 steps.
  const TimeGrid grid = benton_grid(5.0, 1e-2, 100);
  const auto sampler = make_sampler("ei");
  const Index n = 1000;
  Matrix X(2, n), Y(2, n);
  CounterRng(8).fill_normal(X, RngUse::kInitial, 0, 0);
  Y = X;
  sampler->sample(*score, grid, X, SamplerOptions{}, CounterNoise(9));
  const ExactScore exact(target, process);
  sampler->sample(exact, grid, Y, SamplerOptions{}, CounterNoise(9));
  const Matrix reference = target->sample(n, CounterRng(77));
  const double w2_model = empirical_w2(X, reference).value;
  const double w2_exact = empirical_w2(Y, reference).value;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double w2_coupled = empirical_w2(X, Y).value;
  std::printf(
      "trained %lld steps, %.1f s; W2 to fresh target samples: model %.4f, exact score %.4f; "
      "W2(model, exact score, same noise) %.4f\n",
      static_cast<long long>(summary.final_step), seconds, w2_model, w2_exact, w2_coupled);
  const auto& errors = summary.log.back().score_errors;
  ASSERT_EQ(errors.size(), 3u);
  for (std::size_t k = 0; k < errors.size(); ++k) {
    std::printf("  t = %.2f: E||s - grad log q_t||^2 = %.4f +- %.4f\n", errors[k].t,
                errors[k].mean_squared, errors[k].standard_error);
    EXPECT_LT(errors[k].mean_squared, kMaxSquaredError[k]) << "t = " << errors[k].t;
  }
  EXPECT_LT(w2_coupled, kMaxCoupledW2);
}

}  // namespace
}  // namespace difflab
