// Tests of the section-6 bounds: chen-lee-lu23, li-yan24, pf-ode-dpum, pf-ode-dpom.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/bounds/chen_lee_lu23.hpp"
#include "difflab/bounds/li_wei_chen_chi24.hpp"
#include "difflab/bounds/li_yan24.hpp"
#include "difflab/bounds/pf_ode_corrector.hpp"
#include "difflab/core/error.hpp"

namespace difflab {
namespace {

TEST(ChenLeeLu23, StepCountFromTheTable1Rate) {
  BoundInputs in;
  in.d = 10;
  in.delta = 1e-2;
  in.accuracy = 0.05;
  BoundResult r = bound_chen_lee_lu23(in);
  const double l = std::log(100.0);
  EXPECT_EQ(r.quantity, "steps_needed");
  EXPECT_EQ(r.value, std::ceil(100 * l * l / 0.05));
  EXPECT_EQ(r.details.count("steps_abstract_form"), 0u);  // dropped: not the theorem's form
  EXPECT_EQ(r.details.at("required_eps_score"), std::sqrt(0.05));
  EXPECT_TRUE(r.assumptions.at("score_error_at_most_required"));  // exact score
  EXPECT_FALSE(r.assumptions.at("finite_m2"));
  EXPECT_FALSE(r.certified());  // a step count is never a certified bound
  in.eps_score = 0.3;           // 0.09 > 0.05
  EXPECT_FALSE(bound_chen_lee_lu23(in).assumptions.at("score_error_at_most_required"));
  in.eps_score = 0;
  in.constants["C"] = 0.5;
  in.m2 = 3;
  r = bound_chen_lee_lu23(in);
  EXPECT_EQ(r.value, std::ceil(0.5 * 100 * l * l / 0.05));
  EXPECT_TRUE(r.assumptions.at("finite_m2"));
  in.accuracy.reset();
  expect_error([&] { bound_chen_lee_lu23(in); }, "needs accuracy");
  in.accuracy = 0.1;
  in.delta = 0;
  expect_error([&] { bound_chen_lee_lu23(in); }, "0 < delta < 1");
}

TEST(LiYan24, TermsForThreeInputSets) {
  struct Case {
    Index d;
    int N;
    double eps, C;
  };
  for (const Case& c : {Case{2, 10, 0, 1}, Case{50, 1000, 0.1, 1}, Case{7, 123, 0.03, 2}}) {
    BoundInputs in;
    in.d = c.d;
    in.steps = c.N;
    in.T = 5;
    in.eps_score = c.eps;
    in.constants["C"] = c.C;
    const BoundResult r = bound_li_yan24(in);
    const double logN = std::log(static_cast<double>(c.N));
    EXPECT_NEAR(r.terms.at("discretisation"),
                c.C * static_cast<double>(c.d) * logN * logN * logN / c.N, 1e-12);
    EXPECT_NEAR(r.terms.at("score_error"), c.C * c.eps * std::sqrt(logN), 1e-15);
    EXPECT_EQ(r.metric, "TV");
    EXPECT_EQ(r.direction, "TV(q_delta, p_{t_N})");
    EXPECT_FALSE(r.certified());  // constant unstated, statement from the abstract
  }
  BoundInputs stopped;
  stopped.d = 2;
  stopped.steps = 10;
  stopped.T = 3;
  stopped.delta = 0.01;
  EXPECT_EQ(bound_li_yan24(stopped).details.at("reference_time"), 0.01);
  BoundInputs one;
  one.d = 2;
  one.steps = 1;
  expect_error([&] { bound_li_yan24(one); }, "at least 2 steps");
}

// The abstract's rate by hand: C d / N; never certified; inexact scores are refused.
TEST(LiWeiChenChi24, RateFormByHand) {
  BoundInputs in;
  in.d = 8;
  in.steps = 64;
  BoundResult r = bound_li_wei_chen_chi24(in);
  EXPECT_EQ(r.value, 8.0 / 64);
  EXPECT_EQ(r.metric, "TV");
  EXPECT_FALSE(r.certified());
  EXPECT_FALSE(r.statement_verified);
  in.constants["C"] = 3;
  EXPECT_EQ(bound_li_wei_chen_chi24(in).value, 3 * 8.0 / 64);
  in.steps = 4;  // 3 * 8 / 4 = 6 >= 1
  EXPECT_TRUE(bound_li_wei_chen_chi24(in).vacuous());
  in.eps_score = 0.1;
  expect_error([&] { bound_li_wei_chen_chi24(in); }, "exact scores only");
}

TEST(PfOdeCorrector, StepCounts) {
  BoundInputs in;
  in.d = 16;
  in.L = 2;
  in.accuracy = 0.125;  // a binary fraction, so the rates are exact integers
  const BoundResult dpum = bound_pf_ode_dpum(in);
  const BoundResult dpom = bound_pf_ode_dpom(in);
  EXPECT_EQ(dpum.value, 4.0 * 4.0 / 0.125);             // L^2 sqrt(d) / eps = 128
  EXPECT_EQ(dpom.value, 8.0 * 16.0 / (0.125 * 0.125));  // L^3 d / eps^2 = 8192
  in.accuracy = 0.3;
  EXPECT_EQ(bound_pf_ode_dpum(in).value, std::ceil(16 / 0.3));
  EXPECT_EQ(dpom.quantity, "steps_needed");
  // Exact score: the estimate is the true score, L-Lipschitz; an inexact one is not verified.
  EXPECT_TRUE(dpum.assumptions.at("score_estimate_lipschitz"));
  EXPECT_TRUE(dpum.assumptions.at("score_error_at_most_accuracy"));
  in.eps_score = 0.5;  // > accuracy 0.3
  const BoundResult noisy = bound_pf_ode_dpum(in);
  EXPECT_FALSE(noisy.assumptions.at("score_estimate_lipschitz"));
  EXPECT_FALSE(noisy.assumptions.at("score_error_at_most_accuracy"));
  in.eps_score = 0;
  in.L.reset();
  expect_error([&] { bound_pf_ode_dpom(in); }, "pf-ode-dpom needs L");
}

}  // namespace
}  // namespace difflab
