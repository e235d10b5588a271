// The accelerated samplers of Li, Huang, Efimov, Wei, Chi & Chen (2024, arXiv 2403.03852):
// each step against a literal transcription of the authors' equations (Phi_t and Psi_t for
// accel-ddpm, eq. (5) of their code's README for accel-ode, with arcsin as written there), on a
// non-linear (mixture) score, and accel-ddpm's one-step output law on a Gaussian target against
// its closed form. Their convergence orders are measured by exact_law_order_test.cpp (the
// registry-wide test), batch invariance and Brownian coupling by the registry-wide tests too.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/brownian_noise.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

std::shared_ptr<GaussianMixtureTarget> two_mode_target() {
  GaussianMixtureTarget::Component a, b;
  a.mean = Vector(2);
  a.mean << -1.5, 0.5;
  a.variances = Vector::Constant(2, 0.3);
  b.mean = Vector(2);
  b.mean << 1.0, -0.8;
  b.variances = Vector(2);
  b.variances << 0.6, 0.2;
  return std::make_shared<GaussianMixtureTarget>(
      std::vector<double>{0.35, 0.65}, std::vector<GaussianMixtureTarget::Component>{a, b});
}

Matrix initial_points(Index n) {
  Matrix X(2, n);
  CounterRng(11).fill_normal(X, RngUse::kInitial, 0, 0);
  return X;
}

// One run of accel-ddpm against Phi_t and Psi_t written out per step with the noise source's
// own normals: Z_t of use kStepNoise over the upper half of the step, Z_t^+ of use
// kMidpointNoise over the lower half.
void expect_accel_ddpm_matches_phi_psi(const NoiseSource& noise, const std::string& process_name) {
  const auto process = make_process(process_name);
  const ExactScore score(two_mode_target(), process);
  const TimeGrid grid = make_grid("karras", *process, process_name == "ou" ? 2.0 : 0.8, 1e-2, 6);
  Matrix X = initial_points(5), Y = X;
  make_sampler("accel-ddpm")->sample(score, grid, X, {}, noise);
  Matrix Z1(2, 5), Z2(2, 5), S(2, 5);
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double hi = grid.t(k), lo = grid.t(k + 1), mid = 0.5 * (hi + lo);
    const double alpha_t = std::pow(process->alpha(hi) / process->alpha(lo), 2);  // Ho et al.
    noise.increment(Z1, 0, k, RngUse::kStepNoise, {.path = 0, .lo = mid, .hi = hi});
    noise.increment(Z2, 0, k, RngUse::kMidpointNoise, {.path = 0, .lo = lo, .hi = mid});
    const Matrix Y_plus = Y + std::sqrt((1 - alpha_t) / 2) * Z1;  // Phi_t
    score.score(hi, Y_plus, S);
    Y = (Y_plus + (1 - alpha_t) * S) / std::sqrt(alpha_t) + std::sqrt((1 - alpha_t) / 2) * Z2;
  }
  EXPECT_LT((X - Y).cwiseAbs().maxCoeff(), 1e-11 * (1 + Y.cwiseAbs().maxCoeff())) << process_name;
}

TEST(AcceleratedDdpm, EachStepIsPhiThenPsi) {
  for (const std::string name : {"ou", "vp-linear"}) {
    expect_accel_ddpm_matches_phi_psi(CounterNoise(3), name);
    expect_accel_ddpm_matches_phi_psi(BrownianNoise(3), name);
  }
}

// On a 1-D Gaussian target N(m, v0) started from the exact q_{t_k}, one step has the Gaussian
// law given by pushing N(mu, V) through Phi_t and Psi_t with the affine exact score
// s(y) = -(y - alpha_k m)/v, v = alpha_k^2 v0 + sigma_k^2:
//   mean' = ((1 - b/v) mu + b alpha_k m / v) / sqrt(alpha_t),
//   var'  = (1 - b/v)^2 (V + b/2) / alpha_t + b/2,    b = 1 - alpha_t.
// Its variance error against q_{t_{k+1}} is -b^2/2 + O(b^3), against +b^2/v for the plain step
// of the paper's eq. (1) (accelerated_ddpm.hpp): checked at a small step.
TEST(AcceleratedDdpm, OneStepLawOnAGaussianTargetIsTheClosedForm) {
  const auto process = make_process("ou");
  const double m = 0.8, v0 = 0.4;
  auto target =
      std::make_shared<GaussianTarget>(Vector::Constant(1, m), Matrix::Constant(1, 1, v0));
  const ExactScore score(target, process);
  for (const double h : {0.3, 1e-3}) {
    const double t_from = 0.9, t_to = t_from - h;
    const double a = process->alpha(t_from), v = a * a * v0 + process->sigma2(t_from);
    const double alpha_t = std::pow(a / process->alpha(t_to), 2), b = 1 - alpha_t;
    const GaussianLaw start{Vector::Constant(1, a * m), Matrix::Constant(1, 1, v)};
    const TimeGrid grid({t_from, t_to}, "one step");
    const GaussianLaw law =
        affine_gaussian_law(*make_sampler("accel-ddpm"), score, grid, {}, start);
    const double mean = ((1 - b / v) * a * m + b * a * m / v) / std::sqrt(alpha_t);
    const double var = std::pow(1 - b / v, 2) * (v + b / 2) / alpha_t + b / 2;
    EXPECT_NEAR(law.mean(0), mean, 1e-13);
    EXPECT_NEAR(law.cov(0, 0), var, 1e-13);
    // The mean is exact (alpha_{k+1} m) for any step.
    EXPECT_NEAR(law.mean(0), process->alpha(t_to) * m, 1e-13);
    if (h < 1e-2) {
      const double exact_var = std::pow(process->alpha(t_to), 2) * v0 + process->sigma2(t_to);
      EXPECT_NEAR((law.cov(0, 0) - exact_var) / (b * b), -0.5, 1e-2);
    }
  }
}

// accel-ode against eq. (5) of the authors' code, written in their variables: abar_t = alpha^2,
// eps_t = -sigma_t s, the index t+1 the previous (noisier) evaluation; the first step is their
// eq. (4) (DDIM).
TEST(AcceleratedOde, MatchesTheAuthorsUpdateOnAMixture) {
  for (const std::string name : {"ou", "vp-cosine"}) {
    const auto process = make_process(name);
    const ExactScore score(two_mode_target(), process);
    const TimeGrid grid = make_grid("logsnr", *process, name == "ou" ? 3.0 : 0.9, 2e-2, 7);
    Matrix X = initial_points(6), Y = X;
    make_sampler("accel-ode")->sample(score, grid, X, {}, CounterNoise(1));
    Matrix eps(2, 6), eps_next(2, 6);  // eps_t and eps_{t+1}
    double abar_next = 0;
    for (std::size_t k = 0; k < grid.steps(); ++k) {
      const double abar = std::pow(process->alpha(grid.t(k)), 2);
      const double abar_prev = std::pow(process->alpha(grid.t(k + 1)), 2);  // abar_{t-1}
      score.score(grid.t(k), Y, eps);
      eps *= -std::sqrt(1 - abar);
      const double sqrt_alpha_t = std::sqrt(abar / abar_prev);
      Matrix next =
          Y / sqrt_alpha_t + (std::sqrt(1 - abar_prev) - std::sqrt(1 - abar) / sqrt_alpha_t) * eps;
      if (k > 0) {
        const double bracket = abar * std::sqrt(1 - abar_prev) / std::sqrt(abar_prev) +
                               std::asin(std::sqrt(abar_prev)) -
                               abar * std::sqrt(1 - abar) / std::sqrt(abar) -
                               std::asin(std::sqrt(abar));
        next += std::sqrt(abar_prev) / (abar - abar_next) * bracket * (eps_next - eps);
      }
      Y = next;
      eps_next = eps;
      abar_next = abar;
    }
    // arcsin near 1 costs digits in the transcription (not in the sampler): 1e-9 relative.
    EXPECT_LT((X - Y).cwiseAbs().maxCoeff(), 1e-9 * (1 + Y.cwiseAbs().maxCoeff())) << name;
  }
}

TEST(AcceleratedOde, OneStepIsDdim) {
  const auto process = make_process("ou");
  const ExactScore score(two_mode_target(), process);
  for (const double t_to : {0.4, 0.0}) {
    const TimeGrid grid({1.3, t_to}, "one step");
    Matrix X = initial_points(4), Y = X;
    make_sampler("accel-ode")->sample(score, grid, X, {}, CounterNoise(1));
    make_sampler("ddim")->sample(score, grid, Y, {}, CounterNoise(1));
    EXPECT_LT((X - Y).cwiseAbs().maxCoeff(), 1e-13 * (1 + Y.cwiseAbs().maxCoeff())) << t_to;
  }
}

}  // namespace
}  // namespace difflab
