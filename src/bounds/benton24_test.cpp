#include "difflab/bounds/benton24.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/core/error.hpp"
#include "difflab/schedule/grids.hpp"

namespace difflab {
namespace {

BoundInputs inputs(Index d, double T, double delta, int N, double eps) {
  BoundInputs in;
  in.d = d;
  in.T = T;
  in.delta = delta;
  in.steps = N;
  in.eps_score = eps;
  in.identity_covariance = true;
  return in;
}

TEST(Benton24, KappaOfTheBentonGridEntersTheBound) {
  // docs/theory.md 3.5 / 5.6: T = 6, delta = 1e-3, N = 200 -> kappa = 0.0715193052 (the geometric
  // half binds: delta^{-1/M} - 1 with M = 100 exceeds (T - 1)/M = 0.05).
  const BoundResult r = bound_benton24(inputs(3, 6, 1e-3, 200, 0.2));
  ASSERT_TRUE(r.kappa.has_value());
  EXPECT_NEAR(*r.kappa, 0.0715193052, 1e-10);
  EXPECT_NEAR(*r.kappa, std::pow(1e-3, -1.0 / 100) - 1, 1e-14);
  const double k = std::pow(1e-3, -1.0 / 100) - 1, d = 3, N = 200, T = 6;
  EXPECT_NEAR(r.terms.at("score_error"), 0.04, 1e-15);
  EXPECT_NEAR(r.terms.at("discretisation"), k * k * d * N + k * d * T, 1e-12);
  EXPECT_NEAR(r.terms.at("initialisation"), d * std::exp(-12.0), 1e-18);
  EXPECT_NEAR(r.value, 0.04 + k * k * d * N + k * d * T + d * std::exp(-12.0), 1e-12);
  EXPECT_EQ(r.direction, "KL(q_delta || p_{t_N})");
  EXPECT_TRUE(r.assumptions_hold());
}

TEST(Benton24, UniformGridAndConstant) {
  // Uniform grid, T = 2, delta = 0.5, N = 6: h = 0.25, the last step binds kappa =
  // h / min(1, 0.5) = 0.5.
  BoundInputs in = inputs(5, 2, 0.5, 6, 0.1);
  in.grid_kind = "uniform";
  in.constants["C"] = 2;
  const BoundResult r = bound_benton24(in);
  EXPECT_NEAR(*r.kappa, 0.5, 1e-14);
  const double k = 0.5, d = 5, N = 6, T = 2;
  EXPECT_NEAR(r.value, 2 * (0.01 + k * k * d * N + k * d * T + d * std::exp(-4.0)), 1e-12);
  EXPECT_EQ(r.constant, 2);
  EXPECT_FALSE(r.constant_is_explicit);
}

TEST(Benton24, AssumptionFlagsTrip) {
  BoundInputs in = inputs(2, 3, 0.01, 20, 0);
  EXPECT_TRUE(bound_benton24(in).assumptions.at("identity_covariance"));
  in.identity_covariance = false;
  EXPECT_FALSE(bound_benton24(in).assumptions.at("identity_covariance"));
  in.identity_covariance.reset();  // unknown: not verified
  EXPECT_FALSE(bound_benton24(in).assumptions.at("identity_covariance"));
  BoundInputs short_T = inputs(2, 0.8, 0.01, 20, 0);
  short_T.grid_kind = "uniform";
  const BoundResult r = bound_benton24(short_T);
  EXPECT_FALSE(r.assumptions.at("T_at_least_1"));
  EXPECT_FALSE(r.assumptions_hold());
}

TEST(Benton24, NeedsEarlyStopping) {
  BoundInputs in = inputs(2, 3, 0, 20, 0);
  expect_error([&] { bound_benton24(in); }, "needs early stopping delta > 0");
}

TEST(Benton24, Corollary1StepCountAndHorizon) {
  // T = (1/2) log(d / eps^2) = (1/2) log(1000) for d = 10, eps = 0.1.
  const double T = benton24_corollary1_horizon(10, 0.1);
  EXPECT_NEAR(T, 0.5 * std::log(1000.0), 1e-14);
  EXPECT_EQ(benton24_corollary1_horizon(1, 0.9), 1.0);  // (1/2) log(1/0.81) < 1: raised to 1
  // N = ceil(d (T + log(1/delta))^2 / eps^2), rounded up to even.
  const double n = 10 * std::pow(T + std::log(1000.0), 2) / 0.01;
  long long expected = static_cast<long long>(std::ceil(n));
  expected += expected % 2;
  EXPECT_EQ(benton24_corollary1_steps(10, 0.1, 1e-3, T), expected);
  // C_N scales it.
  long long expected3 = static_cast<long long>(std::ceil(3 * n));
  expected3 += expected3 % 2;
  EXPECT_EQ(benton24_corollary1_steps(10, 0.1, 1e-3, T, 3.0), expected3);
  // The floor N >= log(1/delta): d = 1, eps = 100, delta = e^{-7}, T = 1 gives
  // (1 + 7)^2 / 1e4 < 1, so N = ceil(7) = 7 -> 8.
  EXPECT_EQ(benton24_corollary1_steps(1, 100, std::exp(-7.0), 1), 8);
  expect_error([] { benton24_corollary1_steps(1, 0.1, 1.5, 2); }, "delta must lie in (0, 1)");
  expect_error([] { benton24_corollary1_steps(1, 0.1, 0.1, 0.5); }, "T must be >= 1");
}

}  // namespace
}  // namespace difflab
