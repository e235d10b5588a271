#include "difflab/bounds/strasman24.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <tuple>

#include "core/expect_error.hpp"
#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/metrics/gaussian_distances.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

Vector strasman_vec(std::initializer_list<double> v) {
  Vector out(static_cast<Index>(v.size()));
  Index i = 0;
  for (double x : v) out(i++) = x;
  return out;
}

// Composite Simpson rule with n (even) panels: an independent evaluation of the integrals the
// bound takes in closed form.
double simpson(const std::function<double(double)>& f, double a, double b, int n) {
  const double w = (b - a) / n;
  double s = f(a) + f(b);
  for (int i = 1; i < n; ++i) s += (i % 2 ? 4 : 2) * f(a + i * w);
  return s * w / 3;
}

// The authors' formula (upperbounds.py compute_w2_bound, Gaussian case) for OU (beta = 2,
// sigma_inf = 1), 1-D data N(m, l), step h = T/N, integrals by quadrature; L(t) clipped at 0 as
// the implementation does.
double strasman_by_hand(double m, double l, double T, int N, double eps) {
  const double h = T / N;
  const double B = std::sqrt(m * m + l + 1);
  const double M2 = std::sqrt(4 * h) + h;
  const double w2 = std::sqrt(m * m + (std::sqrt(l) - 1) * (std::sqrt(l) - 1));
  const double integral = simpson(
      [&](double t) { return 2 / (std::exp(-2 * t) * l + 1 - std::exp(-2 * t)); }, 0, T, 2000);
  const double mixing = w2 * std::exp(-integral);
  const auto L = [&](double t) {
    const double f1 = t > 0 ? 1 / (1 - std::exp(-2 * t)) : INFINITY;
    return std::max(0.0, std::min(f1, std::exp(2 * t) / l) - 1);
  };
  double sum = 0, ell = 0;
  for (int k = 0; k < N; ++k) {
    const double lo = T - (k + 1) * h, hi = T - k * h;
    // L has a kink where its two branches meet: split the panel there.
    const double ts = 0.5 * std::log1p(l), t0 = std::max(0.0, 0.5 * std::log(l));
    double Ik = 0, a = lo;
    for (double cut : {t0, ts, hi}) {
      if (cut <= a) continue;
      const double b = std::min(cut, hi);
      Ik += simpson([&](double t) { return 2 * L(t); }, a, b, 400);
      a = b;
      if (a >= hi) break;
    }
    sum += Ik * (M2 + 2 * Ik) * B;
    const double tk = k * h, tk1 = (k + 1) * h;
    const double under =
        std::abs((1 + std::exp(-2 * tk) * (l - 1)) * (1 + std::exp(-2 * tk1) * (l - 1)));
    ell = std::max(
        {ell, 2 * std::exp(-2 * tk) * std::abs(l - 1) / under,
         std::abs(m) * std::exp(-tk) * std::abs(std::exp(-tk - tk1) * (l - 1) - 1) / under});
  }
  return mixing + sum + 2 * eps * T + 2 * ell * h * T * (1 + 2 * B);
}

BoundInputs strasman_gaussian_1d(double m, double l, double T, int N, double eps) {
  BoundInputs in;
  in.T = T;
  in.steps = N;
  in.eps_score = eps;
  in.data_mean = strasman_vec({m});
  in.cov_eigenvalues = strasman_vec({l});
  return in;
}

TEST(Strasman24, FormulaAgainstQuadrature) {
  for (const auto& [m, l, T, N, eps] :
       {std::tuple{0.7, 0.6, 1.0, 10, 0.0}, std::tuple{-0.3, 2.5, 3.0, 40, 0.05},
        std::tuple{1.2, 1.0, 2.0, 25, 0.1}}) {
    const BoundResult r = bound_strasman24(strasman_gaussian_1d(m, l, T, N, eps));
    const double expected = strasman_by_hand(m, l, T, N, eps);
    EXPECT_NEAR(r.value, expected, 1e-7 * expected) << "m = " << m << ", l = " << l;
    EXPECT_NEAR(r.terms.at("score_error"), 2 * T * eps, 1e-15);
    EXPECT_NEAR(
        r.terms.at("initialisation") + r.terms.at("discretisation") + r.terms.at("score_error"),
        r.value, 1e-12 * r.value);
  }
}

TEST(Strasman24, ConstantsAreExplicitButTheStatementWasNotRead) {
  const BoundResult r = bound_strasman24(strasman_gaussian_1d(0.5, 0.8, 2, 20, 0));
  EXPECT_TRUE(r.constant_is_explicit);
  EXPECT_TRUE(r.assumptions_hold());
  EXPECT_FALSE(r.statement_verified);
  EXPECT_FALSE(r.certified());
  EXPECT_FALSE(r.vacuous());
  EXPECT_NEAR(r.details.at("strong_log_concavity"), 1 / 0.8, 1e-15);
  EXPECT_NEAR(r.details.at("score_lipschitz"), 1 / 0.8, 1e-15);
  EXPECT_EQ(r.metric, "W2");
}

TEST(Strasman24, RefusesNonGaussianDataAndEarlyStopping) {
  GaussianMixtureTarget::Component a{strasman_vec({-1.0}), Matrix(), strasman_vec({0.3}), true};
  GaussianMixtureTarget::Component b{strasman_vec({1.0}), Matrix(), strasman_vec({0.3}), true};
  BoundInputs mix = from_target(GaussianMixtureTarget({0.5, 0.5}, {a, b}));
  mix.T = 2;
  mix.steps = 20;
  expect_error([&] { bound_strasman24(mix); }, "Gaussian data");
  BoundInputs early = strasman_gaussian_1d(0, 1, 2, 20, 0);
  early.delta = 0.01;
  expect_error([&] { bound_strasman24(early); }, "delta must be 0");
  BoundInputs bad = strasman_gaussian_1d(0, 1, 2, 20, 0);
  bad.cov_eigenvalues = strasman_vec({-1});
  expect_error([&] { bound_strasman24(bad); }, "cov_eigenvalues");
}

// Measured W2 <= bound: the exact output law of EI with the exact score from N(0, I)
// (affine_gaussian_law) on Gaussian targets, full covariances included; the ratio is recorded.
TEST(Strasman24, BoundIsAboveTheExactW2OnGaussianTargets) {
  const auto process = make_process("ou");
  const auto sampler = make_sampler("ei");
  Matrix S(2, 2);
  S << 1.6, 0.3, 0.3, 0.5;
  struct Case {
    Vector mean;
    Matrix cov;
    double T;
    int N;
  };
  const Case cases[] = {{strasman_vec({0.8, -0.5}), S, 1, 10},
                        {strasman_vec({0.8, -0.5}), S, 1, 100},
                        {strasman_vec({0.8, -0.5}), S, 3, 30},
                        {strasman_vec({1, 1, 1}), 0.5 * Matrix::Identity(3, 3), 5, 200},
                        {strasman_vec({0.3}), 2 * Matrix::Identity(1, 1), 1, 100},
                        {strasman_vec({0.3}), 2 * Matrix::Identity(1, 1), 8, 800}};
  for (const Case& c : cases) {
    const auto target = std::make_shared<GaussianTarget>(c.mean, c.cov);
    const ExactScore score(target, process);
    const Index d = target->dim();
    const TimeGrid grid = uniform_grid(c.T, 0, c.N);
    const GaussianLaw p = affine_gaussian_law(*sampler, score, grid, SamplerOptions{},
                                              GaussianLaw{Vector::Zero(d), Matrix::Identity(d, d)});
    const double w2 = gaussian_w2(p.mean, p.cov, target->mean(), target->covariance());
    BoundInputs in = from_target(*target);
    in.grid = grid;
    const BoundResult r = bound_strasman24(in);
    EXPECT_TRUE(r.assumptions_hold());
    EXPECT_LE(w2, r.value) << "d = " << d << ", T = " << c.T << ", N = " << c.N;
    RecordProperty("ratio_d" + std::to_string(d) + "_T" + std::to_string(static_cast<int>(c.T)) +
                       "_N" + std::to_string(c.N),
                   std::to_string(w2 / r.value));
  }
}

}  // namespace
}  // namespace difflab
