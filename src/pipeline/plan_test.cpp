#include "difflab/pipeline/plan.hpp"

#include <gtest/gtest.h>

#include "core/expect_error.hpp"
#include "difflab/bounds/planner.hpp"

namespace difflab {
namespace {

std::shared_ptr<const Target> plan_gaussian() {
  return make_target({{"type", "gaussian"}, {"mean", {1.0, -0.5}}, {"var", 1.0}});
}

TEST(Plan, MetricChoosesThePapersBoundAndGrid) {
  // kl on the default grid is benton24 on the benton grid with the requested delta; kl on the
  // uniform grid is ccl23-path; tv is ccl23 (README "Bounds and plans").
  PlanRequest r;
  r.metric = "kl";
  r.eps = 0.5;
  r.delta = 2e-3;
  const auto g = plan_gaussian();
  const nlohmann::json j = plan(r, {}, g);
  BoundInputs in = from_target(*g, {});
  in.delta = 2e-3;
  EXPECT_EQ(j, plan_for_accuracy("benton24", 0.5, in, "benton").to_json());
  r.grid = "uniform";
  EXPECT_EQ(plan(r, {}, g),
            plan_for_accuracy("ccl23-path", 0.5, from_target(*g, {}), "uniform").to_json());
  r.metric = "tv";
  r.grid.clear();
  EXPECT_EQ(plan(r, {}, g).at("paper"), "ccl23");
}

TEST(Plan, VerifyMeasuresWithinTheAccuracy) {
  PlanRequest r;
  r.metric = "kl";
  r.eps = 0.5;
  r.verify = true;
  const nlohmann::json v = plan(r, {}, plan_gaussian()).at("verify");
  r.verify = false;
  EXPECT_EQ(v.at("steps"), plan(r, {}, plan_gaussian()).at("steps"));
  EXPECT_GT(v.at("measured").get<double>(), 0.0);
  EXPECT_LE(v.at("measured").get<double>(), v.at("bound").get<double>());
  EXPECT_TRUE(v.at("within_accuracy").get<bool>());
}

TEST(Plan, BadRequestsNameWhatIsWrong) {
  PlanRequest r;
  r.metric = "kl";
  expect_error([&] { plan(r, {}, plan_gaussian()); }, "plan needs eps");
  r.eps = 0.1;
  r.metric = "w2";
  expect_error([&] { plan(r, {}, plan_gaussian()); }, "metric must be kl or tv");
  r.metric.clear();
  r.paper = "bruno-example";
  expect_error([&] { plan(r, {}, plan_gaussian()); }, "cannot plan 'bruno-example'");
  r.paper.clear();
  r.metric = "kl";
  r.verify = true;
  BoundInputs q;
  q.d = 2;
  expect_error([&] { plan(r, q, nullptr); }, "plan verify needs a target");
  const auto laplace =
      make_target({{"type", "product"},
                   {"dim", 1},
                   {"factor", {{"type", "laplace"}, {"loc", 0.0}, {"scale", 1.0}}}});
  expect_error([&] { plan(r, {}, laplace); }, "exact output law");
}

}  // namespace
}  // namespace difflab
