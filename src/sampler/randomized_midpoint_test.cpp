// "rmp" (randomized_midpoint.hpp) on a Gaussian target with its exact score. Given the uniform
// time a of a step, the step is affine in the state and its two Gaussian draws, so its matrices
// (A_a, b_a, C1_a, C2_a) are read off the sampler by linear response on the one-step grid; the
// first two moments of the output then follow exactly from the recursion
//   m' = E_a[A m + b],  M2' = E_a[A M2 A^T + A m b^T + b m^T A^T + b b^T + C1 C1^T + C2 C2^T],
// the expectation over a ~ U[0, 1] by Gauss-Legendre quadrature (the integrands are smooth in
// a). Their distance to q_delta (W2 of the Gaussians with these moments) converges at order 2
// (the traits' order); a Monte Carlo run checks the recursion against the sampler's own draws.
#include "difflab/sampler/randomized_midpoint.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/law/grid_law.hpp"
#include "difflab/metrics/gaussian_distances.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/brownian_noise.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_target.hpp"
#include "difflab/target/target.hpp"
#include "target/law1d_numerics.hpp"

namespace difflab {
namespace {

// Particle 0: zero noise; particle 1 + s * d + i: unit vector e_i in draw s only (s = 0: the
// first Brownian piece, s = 1: the piece after the midpoint). The uniform time is fixed.
class MidpointProbeNoise final : public NoiseSource {
 public:
  MidpointProbeNoise(double a, Index d) : a_(a), d_(d) {}
  void normal(MatrixRef Z, std::uint64_t first, std::uint64_t, RngUse use) const override {
    Z.setZero();
    const Index s = use == RngUse::kStepNoise ? 0 : 1;
    for (Index j = 0; j < Z.cols(); ++j) {
      const Index p = static_cast<Index>(first) + j - 1 - d_;  // index among the noise probes
      if (p >= 0 && p / d_ == s) Z(p % d_, j) = 1.0;
    }
  }
  double uniform(std::uint64_t, std::uint64_t, RngUse use) const override {
    EXPECT_EQ(use, RngUse::kMidpointTime);
    return a_;
  }

 private:
  double a_;
  Index d_;
};

struct RmpMoments {
  Vector mean;
  Matrix second;  // E[X X^T]
  Matrix cov() const { return second - mean * mean.transpose(); }
};

// One step's exact moment map, averaged over the uniform time by 8-point Gauss-Legendre.
RmpMoments rmp_step_moments(const Sampler& sampler, const ScoreModel& score, double t_from,
                            double t_to, const RmpMoments& in) {
  const Index d = score.dim();
  const TimeGrid step({t_from, t_to}, "one step");
  const auto& rule = law1d_detail::gauss_legendre8();
  RmpMoments out{Vector::Zero(d), Matrix::Zero(d, d)};
  for (std::size_t q = 0; q < rule.x.size(); ++q) {
    const double a = 0.5 * (rule.x[q] + 1.0), w = 0.5 * rule.w[q];
    // Columns: [0 | e_1 .. e_d | 0 (noise probes, 2 d)].
    Matrix X = Matrix::Zero(d, 1 + 3 * d);
    X.middleCols(1, d).setIdentity();
    sampler.sample(score, step, X, SamplerOptions{}, MidpointProbeNoise(a, d));
    const Vector b = X.col(0);
    const Matrix A = X.middleCols(1, d).colwise() - b;
    const Matrix C = X.middleCols(1 + d, 2 * d).colwise() - b;
    const Vector Am = A * in.mean;
    out.mean += w * (Am + b);
    out.second += w * (A * in.second * A.transpose() + Am * b.transpose() + b * Am.transpose() +
                       b * b.transpose() + C * C.transpose());
  }
  return out;
}

struct RmpProblem {
  std::shared_ptr<const ForwardProcess> process = make_process("ou");
  Vector mu{{0.7, -0.4}};
  Matrix cov{{0.5, 0.2}, {0.2, 1.6}};
  std::shared_ptr<const GaussianTarget> target = std::make_shared<GaussianTarget>(mu, cov);
  ExactScore score{target, process};
  GaussianLaw q(double t) const {
    const double a = process->alpha(t);
    return {a * mu, a * a * cov + process->sigma2(t) * Matrix::Identity(2, 2)};
  }
  RmpMoments run_moments(const TimeGrid& grid) const {
    const GaussianLaw start = q(grid.t(0));
    RmpMoments m{start.mean, start.cov + start.mean * start.mean.transpose()};
    const RandomizedMidpoint rmp;
    for (std::size_t k = 0; k < grid.steps(); ++k)
      m = rmp_step_moments(rmp, score, grid.t(k), grid.t(k + 1), m);
    return m;
  }
};

TEST(RandomizedMidpoint, ExactMomentsConvergeAtOrderTwo) {
  const RmpProblem p;
  const double T = 6.0, delta = 1e-2;
  const GaussianLaw exact = p.q(delta);
  std::vector<double> err;
  // The error changes sign near N = 100 on this problem (the midpoint's bias and the first
  // step's cancel), so the slopes are taken beyond it.
  for (int N : {400, 800, 1600}) {
    const RmpMoments m = p.run_moments(make_grid("logsnr", *p.process, T, delta, N));
    err.push_back(gaussian_w2(m.mean, m.cov(), exact.mean, exact.cov));
  }
  for (std::size_t i = 0; i + 1 < err.size(); ++i) {
    const double observed = std::log2(err[i] / err[i + 1]);
    std::printf("[ order    ] rmp: W2 of the moments %.3e -> %.3e, observed order %.2f\n", err[i],
                err[i + 1], observed);
    EXPECT_NEAR(observed, RandomizedMidpoint().traits().order, 0.3);
  }
}

// With either noise kind: noise "brownian" splits each step's path at the midpoint, which must
// leave the law unchanged (docs/theory.md "Coupled Brownian noise").
TEST(RandomizedMidpoint, MonteCarloMomentsMatchTheExactRecursion) {
  const RmpProblem p;
  const TimeGrid grid = make_grid("logsnr", *p.process, 3.0, 5e-2, 6);
  const RmpMoments exact = p.run_moments(grid);
  const GaussianLaw start = p.q(grid.t(0));
  for (const std::string& kind : noise_kinds()) {
    // Brownian paths are walked particle by particle here (each has its own midpoint): fewer.
    const Index n = kind == "brownian" ? 10000 : 40000;
    Matrix X(2, n);
    CounterRng(7).fill_normal(X, RngUse::kInitial, 0, 0);
    const Eigen::LLT<Matrix> chol(start.cov);
    X = (chol.matrixL() * X).colwise() + start.mean;
    SamplerOptions options;
    options.noise = kind;
    const SamplerSummary summary =
        RandomizedMidpoint().sample(p.score, grid, X, options, *make_noise(options, 21));
    EXPECT_DOUBLE_EQ(summary.nfe, 2.0 * static_cast<double>(grid.steps()));
    const Vector mean = X.rowwise().mean();
    const Matrix centred = X.colwise() - mean;
    const Matrix cov = centred * centred.transpose() / static_cast<double>(n - 1);
    const Matrix exact_cov = exact.cov();
    for (Index i = 0; i < 2; ++i) {
      // Four standard errors of the mean and of the variance (Gaussian-like fourth moment).
      const double se_mean = std::sqrt(exact_cov(i, i) / n);
      EXPECT_NEAR(mean(i), exact.mean(i), 4 * se_mean) << kind << " " << i;
      const double se_var = exact_cov(i, i) * std::sqrt(2.0 / n);
      EXPECT_NEAR(cov(i, i), exact_cov(i, i), 4 * se_var) << kind << " " << i;
    }
    const double se_cross = std::sqrt((exact_cov(0, 0) * exact_cov(1, 1)) / n);
    EXPECT_NEAR(cov(0, 1), exact_cov(0, 1), 4 * se_cross) << kind;
  }
}

TEST(RandomizedMidpoint, ExactLawsRefuseItsUniformTimes) {
  const RmpProblem p;
  const TimeGrid grid = make_grid("logsnr", *p.process, 3.0, 5e-2, 4);
  expect_error(
      [&] { affine_gaussian_law(RandomizedMidpoint(), p.score, grid, {}, p.q(grid.t(0))); },
      "draws uniforms");
  const auto line =
      make_target(nlohmann::json{{"type", "gaussian"}, {"mean", {0.3}}, {"var", 0.8}}, "test");
  const ExactScore score_1d(line, p.process);
  expect_error([&] { grid_output_law(RandomizedMidpoint(), score_1d, grid, {}, *line); },
               "draws uniforms");
}

}  // namespace
}  // namespace difflab
