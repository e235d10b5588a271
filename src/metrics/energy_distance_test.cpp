#include "difflab/metrics/energy_distance.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "difflab/core/error.hpp"
#include "difflab/core/rng.hpp"

namespace difflab {
namespace {

Matrix gaussian_1d(double mean, double sd, Index n, std::uint64_t seed) {
  Matrix Z(1, n);
  CounterRng(seed).fill_normal(Z, RngUse::kUser, 0, 0);
  return (sd * Z).array() + mean;
}

double standard_error(const Estimate& e) { return (e.ci_hi - e.ci_lo) / (2 * kNormalQuantile975); }

// E|Z| for Z ~ N(mu, s^2): s sqrt(2/pi) exp(-mu^2 / (2 s^2)) + mu (1 - 2 Phi(-mu/s)).
double mean_abs_normal(double mu, double s) {
  const double phi_neg = 0.5 * std::erfc(mu / (s * std::numbers::sqrt2));
  return s * std::sqrt(2 / std::numbers::pi) * std::exp(-mu * mu / (2 * s * s)) +
         mu * (1 - 2 * phi_neg);
}

// Energy distance of N(m1, s1^2) and N(m2, s2^2): 2 E|X - Y| - E|X - X'| - E|Y - Y'| with
// X - Y ~ N(m1 - m2, s1^2 + s2^2) and X - X' ~ N(0, 2 s1^2).
double energy_closed_form(double m1, double s1, double m2, double s2) {
  return 2 * mean_abs_normal(m1 - m2, std::hypot(s1, s2)) -
         mean_abs_normal(0, std::numbers::sqrt2 * s1) -
         mean_abs_normal(0, std::numbers::sqrt2 * s2);
}

TEST(EnergyDistance, MatchesGaussianClosedFormWithinCi) {
  const double truth = energy_closed_form(0.0, 1.0, 0.5, 1.5);
  const Estimate e = energy_distance(gaussian_1d(0.0, 1.0, 500, 1), gaussian_1d(0.5, 1.5, 400, 2));
  EXPECT_NEAR(e.value, truth, 4.5 * standard_error(e));
  EXPECT_GT(e.ci_lo, 0.0);
  EXPECT_EQ(e.n_p, 500);
  EXPECT_EQ(e.n_q, 400);
  // Sanity of the closed form itself: E|X - X'| = 2 s / sqrt(pi).
  EXPECT_NEAR(mean_abs_normal(0, std::numbers::sqrt2 * 1.7), 2 * 1.7 / std::sqrt(std::numbers::pi),
              1e-14);
}

TEST(EnergyDistance, ZeroInExpectationForIdenticalLaws) {
  const int R = 20;
  double sum = 0, se_sq = 0;
  for (int r = 0; r < R; ++r) {
    Matrix X(3, 120), Y(3, 120);
    CounterRng(300 + r).fill_normal(X, RngUse::kUser, 0, 0);
    CounterRng(400 + r).fill_normal(Y, RngUse::kUser, 0, 0);
    const Estimate e = energy_distance(X, Y);
    sum += e.value;
    se_sq += standard_error(e) * standard_error(e);
  }
  EXPECT_LE(std::abs(sum / R), 4.0 * std::sqrt(se_sq / R) / std::sqrt(static_cast<double>(R)));
}

TEST(EnergyDistance, BadInputIsAClearError) {
  const Matrix X = gaussian_1d(0, 1, 10, 1);
  EXPECT_THROW(energy_distance(X, Matrix(2, 10)), Error);
  EXPECT_THROW(energy_distance(X, Matrix(1, 0)), Error);
  EXPECT_THROW(energy_distance(X.leftCols(2), X), Error);
  Matrix bad = X;
  bad(0, 4) = NAN;
  EXPECT_THROW(energy_distance(X, bad), Error);
}

}  // namespace
}  // namespace difflab
