#include "difflab/bounds/planner.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/bounds/benton24.hpp"
#include "difflab/bounds/ccl23.hpp"
#include "difflab/core/error.hpp"

namespace difflab {
namespace {

BoundInputs ccl23_template() {
  BoundInputs in;
  in.d = 2;
  in.L = 1;
  in.m2 = 1.5;
  in.kl_to_normal = 0.7;
  in.eps_score = 0.01;
  return in;
}

BoundInputs at(BoundInputs in, double T, double delta, long long N, const std::string& kind) {
  in.T = T;
  in.delta = delta;
  in.steps = static_cast<int>(N);
  in.grid_kind = kind;
  return in;
}

TEST(Planner, Ccl23PlanSatisfiesTheBoundAndIsMinimal) {
  const double eps = 0.1;
  const PlanResult plan = plan_for_accuracy("ccl23", eps, ccl23_template(), "uniform");
  // T from the initialisation term: sqrt(0.7) e^{-T} = eps / 2.
  EXPECT_NEAR(plan.T, std::log(std::sqrt(0.7) / (0.5 * eps)), 1e-12);
  EXPECT_EQ(plan.delta, 0);
  // The bound at the plan, recomputed by hand (docs/theory.md 2.3 with C = 1).
  const double T = plan.T, h = T / static_cast<double>(plan.steps);
  const double by_hand = std::sqrt(0.7) * std::exp(-T) +
                         (std::sqrt(2 * h) + 1.5 * h) * std::sqrt(T) + 0.01 * std::sqrt(T);
  EXPECT_NEAR(plan.bound.value, by_hand, 1e-12);
  EXPECT_LE(by_hand, eps);
  EXPECT_TRUE(certifies(bound_ccl23(at(ccl23_template(), T, 0, plan.steps, "uniform")), eps));
  // Minimal: N - 1 does not certify.
  const BoundResult below = bound_ccl23(at(ccl23_template(), T, 0, plan.steps - 1, "uniform"));
  EXPECT_FALSE(certifies(below, eps));
  ASSERT_TRUE(plan.value_below.has_value());
  EXPECT_NEAR(*plan.value_below, below.value, 1e-15);
  EXPECT_GT(below.value, eps);
}

TEST(Planner, Ccl23StepConditionCanBind) {
  // A tiny C makes the bound easy; h <= c_step / L = 0.01 / 5 then sets N.
  BoundInputs in = ccl23_template();
  in.L = 5;
  in.constants = {{"C", 1e-3}, {"c_step", 0.01}};
  const PlanResult plan = plan_for_accuracy("ccl23", 0.5, in, "uniform");
  EXPECT_EQ(plan.T, 1.0);  // log(1e-3 sqrt(0.7) / 0.25) < 0: raised to min_T
  const double N = static_cast<double>(plan.steps);
  EXPECT_LE(plan.T / N, 0.01 / 5);
  EXPECT_GT(plan.T / (N - 1), 0.01 / 5);
  EXPECT_TRUE(plan.bound.assumptions.at("step_h_le_c_over_L"));
  // The plan says so: the value is reached below N, the step condition is what fails there.
  EXPECT_EQ(plan.driving_term, "step assumption step_h_le_c_over_L");
  EXPECT_EQ(plan.cheapest_grid, "uniform");
  EXPECT_EQ(plan.steps_by_grid.size(), 1u);
}

// The plan explains its N: on the ccl23 template the bound one step below still exceeds the
// accuracy, so the discretisation term drives N; the term shares are each term / accuracy.
TEST(Planner, ExplainsItsN) {
  const double eps = 0.1;
  const PlanResult plan = plan_for_accuracy("ccl23", eps, ccl23_template(), "uniform");
  EXPECT_EQ(plan.driving_term, "discretisation");
  double sum = 0;
  for (const auto& [name, share] : plan.term_shares) {
    EXPECT_NEAR(share, plan.bound.terms.at(name) / eps, 1e-15) << name;
    sum += share;
  }
  EXPECT_NEAR(sum, plan.bound.value / eps, 1e-12);
  EXPECT_LE(sum, 1);
  const nlohmann::json j = plan.to_json();
  for (const char* key : {"driving_term", "term_shares", "steps_by_grid", "cheapest_grid"})
    EXPECT_TRUE(j.contains(key)) << key;
}

TEST(Planner, Ccl23PathPlan) {
  const double eps = 0.05;  // a KL value
  const PlanResult plan = plan_for_accuracy("ccl23-path", eps, ccl23_template(), "uniform");
  EXPECT_NEAR(plan.T, 0.5 * std::log(0.7 / (0.5 * eps)), 1e-12);
  EXPECT_LE(plan.bound.value, eps);
  EXPECT_GT(bound_ccl23_path(at(ccl23_template(), plan.T, 0, plan.steps - 1, "uniform")).value,
            eps);
}

BoundInputs benton_template() {
  BoundInputs in;
  in.d = 3;
  in.delta = 1e-3;
  in.eps_score = 0.05;
  in.identity_covariance = true;
  in.centred = true;
  return in;
}

TEST(Planner, Benton24OnItsGridIsMinimalAmongEvenN) {
  const double eps = 0.5;
  const PlanResult plan = plan_for_accuracy("benton24", eps, benton_template(), "benton");
  EXPECT_NEAR(plan.T, 0.5 * std::log(3 / (0.5 * eps)), 1e-12);  // 3 e^{-2T} = eps / 2
  EXPECT_EQ(plan.steps % 2, 0);
  const BoundResult r = bound_benton24(at(benton_template(), plan.T, 1e-3, plan.steps, "benton"));
  EXPECT_TRUE(certifies(r, eps));
  // By hand from the grid's kappa: eps^2 + kappa^2 d N + kappa d T + d e^{-2T}.
  const double k = *r.kappa, N = static_cast<double>(plan.steps);
  EXPECT_NEAR(r.value, 0.0025 + k * k * 3 * N + k * 3 * plan.T + 3 * std::exp(-2 * plan.T), 1e-12);
  EXPECT_GT(bound_benton24(at(benton_template(), plan.T, 1e-3, plan.steps - 2, "benton")).value,
            eps);
  EXPECT_EQ(plan.bound.grid->name(), "benton");
  EXPECT_EQ(plan.steps_by_grid.at("benton"), plan.steps);
  EXPECT_EQ(plan.cheapest_grid, "benton");
  EXPECT_EQ(plan.driving_term.rfind("discretisation", 0), 0u) << plan.driving_term;
  // At delta = 1e-3 the uniform grid needs kappa = h / delta < 1 and kappa^2 d N = T^2 d /
  // (N delta^2) <= eps: about 1e7 steps, beyond 16x the planned N, so it records no plan (-1).
  EXPECT_EQ(plan.steps_by_grid.at("uniform"), -1);
}

// Which grid family is cheapest: with delta = 0.2 both grids have a plan; the uniform one,
// made independently, needs more steps, and both plans name the Benton grid.
TEST(Planner, ComparesGridFamilies) {
  BoundInputs in = benton_template();
  in.delta = 0.2;
  const PlanResult benton = plan_for_accuracy("benton24", 0.5, in, "benton");
  const PlanResult uniform = plan_for_accuracy("benton24", 0.5, in, "uniform");
  EXPECT_EQ(benton.steps_by_grid.at("uniform"), uniform.steps);
  EXPECT_EQ(uniform.steps_by_grid.at("benton"), benton.steps);
  EXPECT_GT(uniform.steps, benton.steps);
  EXPECT_EQ(benton.cheapest_grid, "benton");
  EXPECT_EQ(uniform.cheapest_grid, "benton");
}

TEST(Planner, Benton24OnAUniformGrid) {
  const double eps = 2.0;
  BoundInputs in = benton_template();
  in.delta = 0.1;
  const PlanResult plan = plan_for_accuracy("benton24", eps, in, "uniform");
  EXPECT_LE(plan.bound.value, eps);
  EXPECT_GT(bound_benton24(at(in, plan.T, 0.1, plan.steps - 1, "uniform")).value, eps);
}

TEST(Planner, ClearErrors) {
  expect_error([] { plan_for_accuracy("li-yan24", 0.1, BoundInputs{}, "uniform"); },
               "plannable bounds: ccl23, ccl23-path, benton24");
  expect_error([] { plan_for_accuracy("ccl23", 0.1, ccl23_template(), "benton"); },
               "needs a uniform grid");
  expect_error([] { plan_for_accuracy("ccl23", -1, ccl23_template(), "uniform"); },
               "accuracy must be finite and > 0");
  BoundInputs noisy = ccl23_template();
  noisy.eps_score = 1;  // eps_score sqrt(T) >= 1 > accuracy
  expect_error([&] { plan_for_accuracy("ccl23", 0.1, noisy, "uniform"); },
               "terms that do not shrink with N");
  BoundInputs skew = benton_template();
  skew.identity_covariance = false;
  expect_error([&] { plan_for_accuracy("benton24", 0.5, skew, "benton"); },
               "assumption 'identity_covariance' does not hold");
  // The remedy named as the option every face spells the same way (CLI flags are the names
  // with '_' written '-'), not as a C++ field.
  expect_error([&] { plan_for_accuracy("benton24", 0.5, skew, "benton"); },
               "the option 'allow_failed_assumptions' plans anyway");
  PlanOptions allow;
  allow.allow_failed_assumptions = true;
  const PlanResult p = plan_for_accuracy("benton24", 0.5, skew, "benton", allow);
  EXPECT_FALSE(p.bound.assumptions_hold());
  BoundInputs stop = benton_template();
  stop.delta = 0;
  expect_error([&] { plan_for_accuracy("benton24", 0.5, stop, "benton"); },
               "the option 'delta' must be > 0");
  PlanOptions tight;
  tight.max_steps = 4;
  expect_error([&] { plan_for_accuracy("ccl23", 0.1, ccl23_template(), "uniform", tight); },
               "needs more than max_steps = 4");
}

TEST(Planner, JsonCarriesThePlan) {
  const PlanResult plan = plan_for_accuracy("ccl23", 0.2, ccl23_template(), "uniform");
  const nlohmann::json j = plan.to_json();
  EXPECT_EQ(j.at("paper"), "ccl23");
  EXPECT_EQ(j.at("steps").get<long long>(), plan.steps);
  EXPECT_EQ(j.at("bound").at("metric"), "TV");
  EXPECT_FALSE(j.at("notes").empty());
}

}  // namespace
}  // namespace difflab
