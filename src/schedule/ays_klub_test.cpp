// The closed-form KLUB against a Monte Carlo estimate of its definition (time uniform in each
// step, the forward process pair (X_t, X_{t_k}), the target's own noised score), and the KLUB
// grid against its start.
#include "difflab/schedule/ays_klub.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "difflab/schedule/grids.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

TEST(AysKlub, ClosedFormMatchesMonteCarloOfTheGirsanovIntegral) {
  Matrix cov(2, 2);
  cov << 1.5, 0.4, 0.4, 0.3;
  Vector mean(2);
  mean << 0.5, -1.0;
  const GaussianTarget target(mean, cov);
  const auto process = make_process("vp-linear");
  const std::vector<double> times{0.8, 0.3, 0.05};
  const double klub = gaussian_klub(*process, target.eigenvalues(), times);
  const Eigen::LLT<Matrix> llt(cov);
  std::mt19937_64 gen(7);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  const int n = 100000;
  double sum = 0, sum2 = 0;
  Vector z(2), x0(2), xt(2), xs(2), st(2), ss(2);
  for (int i = 0; i < n; ++i) {
    const std::size_t k = i % 2;  // both steps, alternately
    const double s = times[k], width = times[k] - times[k + 1];
    const double t = times[k + 1] + width * uniform(gen);
    for (Index c = 0; c < 2; ++c) z(c) = normal(gen);
    x0 = mean + llt.matrixL() * z;
    const double at = process->alpha(t), as = process->alpha(s), r = as / at;
    for (Index c = 0; c < 2; ++c) z(c) = normal(gen);
    xt = at * x0 + process->sigma(t) * z;
    for (Index c = 0; c < 2; ++c) z(c) = normal(gen);
    xs = r * xt + std::sqrt(process->sigma2(s) - r * r * process->sigma2(t)) * z;
    target.noised_score(at, process->sigma2(t), xt, st);
    target.noised_score(as, process->sigma2(s), xs, ss);
    const double v = 2 * width * 0.5 * process->beta(t) * (st - ss).squaredNorm();
    sum += v;
    sum2 += v * v;
  }
  const double mc = sum / n, se = std::sqrt((sum2 / n - mc * mc) / n);
  EXPECT_NEAR(klub, mc, 4 * se) << "se " << se;
  EXPECT_LT(se, 0.05 * mc);
}

TEST(AysKlub, OptimisedGridIsALocalMinimumReachedFromDifferentStarts) {
  Vector lambda(3);
  lambda << 4.0, 1.0, 0.01;
  const auto process = make_process("vp-linear");
  const TimeGrid uniform = uniform_grid(1.0, 1e-3, 8), quadratic = quadratic_grid(1.0, 1e-3, 8);
  int evaluations = 0;
  const TimeGrid a = ays_klub_grid(*process, lambda, uniform, &evaluations);
  const TimeGrid b = ays_klub_grid(*process, lambda, quadratic);
  EXPECT_EQ(a.T(), 1.0);
  EXPECT_EQ(a.delta(), 1e-3);
  EXPECT_EQ(a.steps(), 8u);
  EXPECT_GT(evaluations, 1);
  const double ka = gaussian_klub(*process, lambda, a.times());
  EXPECT_NEAR(ka, gaussian_klub(*process, lambda, b.times()), 1e-7 * ka);
  for (std::size_t k = 1; k < 8; ++k) EXPECT_NEAR(a.t(k), b.t(k), 1e-3 * a.t(k)) << k;
  EXPECT_LT(ka, gaussian_klub(*process, lambda, uniform.times()));
  EXPECT_LT(ka, gaussian_klub(*process, lambda, quadratic.times()));
  // No single interior time moved by 1% of its gaps lowers the bound.
  for (std::size_t k = 1; k < 8; ++k)
    for (const double sign : {-1.0, 1.0}) {
      std::vector<double> t = a.times();
      t[k] += sign * 0.01 * std::min(t[k - 1] - t[k], t[k] - t[k + 1]);
      EXPECT_GE(gaussian_klub(*process, lambda, t), ka) << k << " " << sign;
    }
}

}  // namespace
}  // namespace difflab
