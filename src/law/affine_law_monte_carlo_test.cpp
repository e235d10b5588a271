// The exact linear-response law (docs/theory.md 14.1) against Monte Carlo of the actual samplers,
// within 4 standard errors, for every sampler that has an exact law: a 2-D Gaussian target with a
// full covariance, a linear-map perturbed score, and every affine sampler run on 40,000 particles
// from N(0, I) through Sampler::sample, the code path of `difflab sample`.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

#include "difflab/core/rng.hpp"
#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/initialization.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/perturbed_score.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

TEST(AffineLawMonteCarlo, EveryAffineSamplerMatchesItsExactLawWithinFourStandardErrors) {
  const auto process = make_process("ou");
  Matrix cov(2, 2);
  cov << 1.5, 0.6, 0.6, 0.7;
  Vector mean(2);
  mean << 1.0, -0.5;
  const auto target = std::make_shared<GaussianTarget>(mean, cov);
  const auto score = PerturbedScore::random_linear_map(target, process, 0.2, 3);
  const TimeGrid grid = uniform_grid(4.0, 1e-2, 10);  // coarse: the law is far from the target
  const Index n = 40000;
  const Matrix X0 = standard_normal_points(2, n, CounterRng(5));
  for (const SamplerInfo& info : list_samplers()) {
    if (!info.traits.affine) continue;  // no Gaussian output law to compare with
    const std::string& name = info.name;
    const auto sampler = make_sampler(name);
    SamplerOptions options;
    options.langevin_steps = 30;
    options.langevin_step = 0.05;
    const GaussianLaw law = affine_gaussian_law(
        *sampler, *score, grid, options, GaussianLaw{Vector::Zero(2), Matrix::Identity(2, 2)});
    Matrix X = X0;
    sampler->sample(*score, grid, X, options, CounterNoise(17));
    const Vector m = X.rowwise().mean();
    const Matrix C = (X.colwise() - m) * (X.colwise() - m).transpose() / static_cast<double>(n - 1);
    const double N = static_cast<double>(n);
    for (Index i = 0; i < 2; ++i) {
      // Standard errors of a Gaussian sample mean and covariance entry.
      EXPECT_NEAR(m(i), law.mean(i), 4 * std::sqrt(law.cov(i, i) / N)) << name << " mean " << i;
      for (Index j = 0; j < 2; ++j) {
        const double se =
            std::sqrt((law.cov(i, i) * law.cov(j, j) + law.cov(i, j) * law.cov(i, j)) / N);
        EXPECT_NEAR(C(i, j), law.cov(i, j), 4 * se) << name << " cov " << i << j;
      }
    }
  }
}

}  // namespace
}  // namespace difflab
