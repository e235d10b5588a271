// Restart sampling: without restarts it is the Heun sampler; its forward jump is the exact
// transition (q_{t_min} -> q_{t_max}), so with the exact score and an exact start the restarts
// add no error beyond Heun's in the limit; and its output law on a Gaussian target is Gaussian
// and matches a Monte Carlo run (the registry-wide affine_law_monte_carlo_test covers that).
#include "difflab/sampler/restart.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/metrics/gaussian_distances.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

std::shared_ptr<GaussianTarget> target() {
  Vector mu(2);
  mu << 0.7, -0.4;
  Matrix cov(2, 2);
  cov << 0.5, 0.2, 0.2, 1.6;
  return std::make_shared<GaussianTarget>(mu, cov);
}

TEST(Restart, WithoutRestartsIsHeun) {
  Matrix X0(2, 6);
  CounterRng(4).fill_normal(X0, RngUse::kInitial, 0, 0);
  for (const std::string name : {"ou", "vp-linear"}) {
    const auto process = make_process(name);
    const ExactScore score(target(), process);
    for (const double delta : {0.0, 1e-2}) {
      const TimeGrid grid = make_grid("karras", *process, name == "ou" ? 3.0 : 1.0, delta, 9);
      Matrix a = X0, b = X0;
      Restart(0).sample(score, grid, a, {}, CounterNoise(1));
      make_sampler("heun")->sample(score, grid, b, {}, CounterNoise(1));
      EXPECT_LT((a - b).cwiseAbs().maxCoeff(), 1e-12 * std::max(1.0, b.cwiseAbs().maxCoeff()))
          << name << " delta " << delta;
    }
  }
}

// The jump's coefficients (as restart.cpp computes them) map the variance of q_{t_min} to that
// of q_{t_max} for every data variance v: alpha^2 v + sigma^2 at t_min goes to the same at t_max,
// so the jump is the exact forward transition of each coordinate.
TEST(Restart, ForwardJumpIsTheExactTransition) {
  for (const std::string name : {"ou", "vp-linear", "vp-cosine"}) {
    const auto process = make_process(name);
    const double t_min = 0.2, t_max = 0.6;
    const double ratio = process->alpha(t_max) / process->alpha(t_min);
    const double jump_var = -std::expm1(2.0 * std::log(ratio));
    for (const double v : {0.1, 1.0, 5.0}) {
      const double before =
          process->alpha(t_min) * process->alpha(t_min) * v + process->sigma2(t_min);
      const double after =
          process->alpha(t_max) * process->alpha(t_max) * v + process->sigma2(t_max);
      EXPECT_NEAR(ratio * ratio * before + jump_var, after, 1e-14) << name << " v " << v;
    }
  }
}

TEST(Restart, RestartsCostTheirHeunStepsAndKeepTheLawGaussian) {
  const auto process = make_process("ou");
  const ExactScore score(target(), process);
  const TimeGrid grid = make_grid("logsnr", *process, 5.0, 1e-2, 12);
  const auto [i_max, i_min] = Restart::interval(grid);
  EXPECT_EQ(i_max, 6u);
  EXPECT_EQ(i_min, 9u);
  Matrix X(2, 4);
  CounterRng(5).fill_normal(X, RngUse::kInitial, 0, 0);
  const SamplerSummary s = Restart(2).sample(score, grid, X, {}, CounterNoise(2));
  EXPECT_EQ(s.nfe, 2.0 * (12 + 2 * 3));
  // The restarts change the output (they are not a no-op) while the law stays Gaussian: the
  // affine law's superposition check passes, and it differs from Heun's on the same grid.
  const double a = process->alpha(5.0);
  const GaussianLaw start{a * target()->mean(), a * a * target()->covariance() +
                                                    process->sigma2(5.0) * Matrix::Identity(2, 2)};
  const GaussianLaw restart = affine_gaussian_law(Restart(2), score, grid, {}, start);
  const GaussianLaw heun = affine_gaussian_law(*make_sampler("heun"), score, grid, {}, start);
  EXPECT_GT((restart.cov - heun.cov).cwiseAbs().maxCoeff(), 1e-6);
}

}  // namespace
}  // namespace difflab
