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
  in.centred = true;
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

// The regression: data N((3, 3), I) at T = 1.5 satisfy Cov = I but not E||X||^2 = d.
// Exactly, q_T = N(mu e^{-T}, I), so KL(q_T || N(0, I)) = ||mu||^2 e^{-2T} / 2 = 9 e^{-3} =
// 0.448, while the paper's d e^{-2T} = 2 e^{-3} = 0.0996. The bound must flag the mean and use
// e^{-2T} KL(q || N(0, I)) = e^{-3} ||mu||^2 / 2, which equals the exact KL here.
TEST(Benton24, UncentredDataUseTheKlInitialisation) {
  BoundInputs in = inputs(2, 1.5, 1e-2, 40, 0);
  in.centred = false;
  in.kl_to_normal = 9;  // KL(N((3,3), I) || N(0, I)) = ||mu||^2 / 2
  const BoundResult r = bound_benton24(in);
  const double exact = 9 * std::exp(-3.0);
  EXPECT_NEAR(exact, 0.448, 5e-4);
  EXPECT_NEAR(r.terms.at("initialisation"), exact, 1e-15);
  EXPECT_GE(r.terms.at("initialisation"), exact);
  EXPECT_TRUE(r.assumptions.at("initialisation_term_valid"));
  EXPECT_FALSE(r.certified());  // C is a placeholder
  // Without KL the paper's term is kept, but flagged as invalid: the bound is uncertified.
  in.kl_to_normal.reset();
  const BoundResult paper = bound_benton24(in);
  EXPECT_NEAR(paper.terms.at("initialisation"), 2 * std::exp(-3.0), 1e-15);
  EXPECT_LT(paper.terms.at("initialisation"), exact);  // the 0.0996 < 0.448
  EXPECT_FALSE(paper.assumptions.at("initialisation_term_valid"));
  EXPECT_FALSE(paper.assumptions_hold());
  // Mean not checked at all: not valid either.
  in.centred.reset();
  EXPECT_FALSE(bound_benton24(in).assumptions.at("initialisation_term_valid"));
  in.centred = true;
  EXPECT_TRUE(bound_benton24(in).assumptions.at("initialisation_term_valid"));
}

// Step condition, computed: Benton's grid (T = 6, delta = 1e-3, N = 200) has kappa = 0.0715 < 1
// and every step within kappa min(1, t_{k+1}); a uniform grid with T = 1.5, delta = 1e-3,
// N = 10 has h = 0.1499 and last end time 1e-3, so kappa = 149.9 >= 1 and the condition fails;
// a kappa smaller than the grid's fails at the binding step.
TEST(Benton24, StepConditionIsComputed) {
  const BoundResult good = bound_benton24(inputs(3, 6, 1e-3, 200, 0));
  EXPECT_TRUE(good.assumptions.at("step_condition"));
  EXPECT_NEAR(good.details.at("step_condition_worst_ratio"), 1, 1e-12);
  BoundInputs coarse = inputs(3, 1.5, 1e-3, 10, 0);
  coarse.grid_kind = "uniform";
  const BoundResult bad = bound_benton24(coarse);
  EXPECT_NEAR(*bad.kappa, 0.1499 / 1e-3, 1e-9);
  EXPECT_FALSE(bad.assumptions.at("step_condition"));
  EXPECT_FALSE(bad.assumptions_hold());
  const TimeGrid grid = benton_grid(6, 1e-3, 200);
  const Benton24StepCheck tight = benton24_step_check(grid, 0.9 * grid.kappa());
  EXPECT_FALSE(tight.holds);
  EXPECT_NEAR(tight.worst_ratio, 1 / 0.9, 1e-12);
  EXPECT_NE(tight.reason.find("gamma"), std::string::npos) << tight.reason;
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
