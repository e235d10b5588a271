#include "difflab/bounds/ccl23.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/core/error.hpp"
#include "difflab/schedule/grids.hpp"

namespace difflab {
namespace {

BoundInputs ccl23_inputs(double d, double T, int N, double L, double m2, double kl, double eps) {
  BoundInputs in;
  in.d = static_cast<Index>(d);
  in.T = T;
  in.steps = N;
  in.L = L;
  in.m2 = m2;
  in.kl_to_normal = kl;
  in.eps_score = eps;
  return in;
}

TEST(Ccl23, TermsMatchTheorem2ForThreeInputSets) {
  struct Case {
    double d, T;
    int N;
    double L, m2, kl, eps, C;
  };
  for (const Case& c : {Case{2, 3, 30, 1, 1.5, 0.7, 0, 1}, Case{10, 5, 500, 2, 4, 3.2, 0.05, 1},
                        Case{1, 1.5, 7, 1.25, 0.3, 0.01, 0.2, 2.5}}) {
    BoundInputs in = ccl23_inputs(c.d, c.T, c.N, c.L, c.m2, c.kl, c.eps);
    in.constants["C"] = c.C;
    const BoundResult r = bound_ccl23(in);
    const double h = c.T / c.N;
    const double init = c.C * std::sqrt(c.kl) * std::exp(-c.T);
    const double disc = c.C * (c.L * std::sqrt(c.d * h) + c.L * c.m2 * h) * std::sqrt(c.T);
    const double score = c.C * c.eps * std::sqrt(c.T);
    EXPECT_NEAR(r.terms.at("initialisation"), init, 1e-14);
    EXPECT_NEAR(r.terms.at("discretisation"), disc, 1e-13);
    EXPECT_NEAR(r.terms.at("score_error"), score, 1e-14);
    EXPECT_NEAR(r.value, init + disc + score, 1e-13);
    EXPECT_EQ(r.metric, "TV");
    EXPECT_EQ(r.constant, c.C);
    EXPECT_FALSE(r.constant_is_explicit);
    EXPECT_NEAR(r.details.at("h"), h, 1e-15);
  }
}

TEST(Ccl23, DiscretisationScalesLikeSqrtHAndScoreLikeSqrtT) {
  // With m2 = 0 the discretisation term is exactly L sqrt(d h) sqrt(T): quartering h halves it.
  BoundInputs a = ccl23_inputs(4, 2, 1000, 1, 0, 1, 0.1), b = a;
  b.steps = 4000;
  const double ratio =
      bound_ccl23(a).terms.at("discretisation") / bound_ccl23(b).terms.at("discretisation");
  EXPECT_NEAR(ratio, 2.0, 1e-12);
  // With m2 > 0, the L m2 h part is o(sqrt h): the ratio tends to 2 as h -> 0.
  BoundInputs c = ccl23_inputs(4, 2, 100000, 1, 3, 1, 0.1), e = c;
  e.steps = 400000;
  const double r2 =
      bound_ccl23(c).terms.at("discretisation") / bound_ccl23(e).terms.at("discretisation");
  EXPECT_NEAR(r2, 2.0, 0.01);
  // Score term ~ sqrt(T): T -> 4T doubles it.
  BoundInputs s1 = ccl23_inputs(4, 1, 100, 1, 1, 1, 0.3),
              s4 = ccl23_inputs(4, 4, 400, 1, 1, 1, 0.3);
  EXPECT_NEAR(bound_ccl23(s4).terms.at("score_error") / bound_ccl23(s1).terms.at("score_error"),
              2.0, 1e-12);
}

TEST(Ccl23, StepAssumptionTripsWhenHExceedsCOverL) {
  BoundInputs in = ccl23_inputs(2, 2, 10, 4, 1, 1, 0);  // h = 0.2 <= 1/4
  EXPECT_TRUE(bound_ccl23(in).assumptions.at("step_h_le_c_over_L"));
  in.steps = 7;  // h = 2/7 > 1/4
  const BoundResult r = bound_ccl23(in);
  EXPECT_FALSE(r.assumptions.at("step_h_le_c_over_L"));
  EXPECT_FALSE(r.assumptions_hold());
  in.constants["c_step"] = 2;  // h <= 2/L = 0.5 holds
  EXPECT_TRUE(bound_ccl23(in).assumptions.at("step_h_le_c_over_L"));
  BoundInputs small_L = ccl23_inputs(2, 2, 10, 0.5, 1, 1, 0);
  EXPECT_FALSE(bound_ccl23(small_L).assumptions.at("L_at_least_1"));
}

TEST(Ccl23, MissingInputsAreNamed) {
  BoundInputs in = ccl23_inputs(2, 2, 10, 1, 1, 1, 0);
  in.L.reset();
  expect_error([&] { bound_ccl23(in); },
               "ccl23 needs L (the score's Lipschitz constant): pass option 'L'");
  in = ccl23_inputs(2, 2, 10, 1, 1, 1, 0);
  in.m2.reset();
  expect_error([&] { bound_ccl23(in); }, "ccl23 needs m2");
  in = ccl23_inputs(2, 2, 10, 1, 1, 1, 0);
  in.kl_to_normal.reset();
  expect_error([&] { bound_ccl23(in); }, "ccl23 needs kl");
  in = ccl23_inputs(2, 2, 10, 1, 1, 1, 0);
  in.steps.reset();
  expect_error([&] { bound_ccl23(in); }, "ccl23 needs steps");
}

TEST(Ccl23, RejectsEarlyStoppingAndNonUniformGrids) {
  BoundInputs in = ccl23_inputs(2, 3, 10, 1, 1, 1, 0);
  in.delta = 0.01;
  expect_error([&] { bound_ccl23(in); }, "delta must be 0");
  BoundInputs g = ccl23_inputs(2, 3, 10, 1, 1, 1, 0);
  g.T.reset();
  g.steps.reset();
  g.grid = TimeGrid({3.0, 2.0, 0.5, 0.0}, "custom");
  expect_error([&] { bound_ccl23(g); }, "needs a uniform grid");
  g.grid = uniform_grid(3.0, 0.0, 12);
  EXPECT_NEAR(bound_ccl23(g).details.at("h"), 0.25, 1e-15);
}

TEST(Ccl23Path, KlTermsWithExactInitialisation) {
  for (double C : {1.0, 3.0}) {
    BoundInputs in = ccl23_inputs(3, 2.5, 50, 1.5, 2, 0.8, 0.1);
    in.constants["C"] = C;
    const BoundResult r = bound_ccl23_path(in);
    const double h = 2.5 / 50, L = 1.5, d = 3, m2 = 2, T = 2.5;
    EXPECT_NEAR(r.terms.at("initialisation"), std::exp(-2 * T) * 0.8, 1e-15);
    EXPECT_NEAR(r.terms.at("discretisation"), C * (L * L * d * h + L * L * m2 * m2 * h * h) * T,
                1e-13);
    EXPECT_NEAR(r.terms.at("score_error"), C * 0.01 * T, 1e-15);
    EXPECT_NEAR(r.details.at("tv_pinsker"), std::sqrt(r.value / 2), 1e-15);
    EXPECT_EQ(r.metric, "KL");
    EXPECT_EQ(r.direction, "KL(q || p_T)");
  }
}

}  // namespace
}  // namespace difflab
