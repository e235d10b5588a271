// grid_optimize: the optimised grid beats every named grid on a Gaussian target (exact KL and
// W2), its law_report value agrees with the optimiser's, a grid-law (1-D mixture) optimisation
// improves on its start, the KLUB grid lowers its bound below every named grid's and is
// refused where the bound has no computed expectation, and bad inputs are refused.
#include "difflab/pipeline/grid_optimize.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/expect_error.hpp"
#include "difflab/core/json_util.hpp"

namespace difflab {
namespace {

RunSpec gopt_gaussian_spec(const std::string& sampler, Index steps) {
  RunSpec s;
  s.target_json = {{"type", "gaussian"},
                   {"mean", {1.0, -0.5, 0.2}},
                   {"cov", {{2.0, 0.3, 0.0}, {0.3, 0.4, 0.05}, {0.0, 0.05, 0.02}}}};
  s.sampler = sampler;
  s.steps = steps;
  s.T = 6;
  s.delta = 1e-3;
  return s;
}

TEST(GridOptimize, BeatsEveryNamedGridOnAGaussianTarget) {
  for (const char* sampler : {"ei", "ddim"})
    for (const char* metric : {"kl", "w2"}) {
      GridOptimizeOptions o;
      o.metric = metric;
      int lines = 0;
      o.on_progress = [&](const std::string&) { ++lines; };
      const GridOptimizeResult r = grid_optimize(gopt_gaussian_spec(sampler, 8), o);
      int compared = 0;
      for (const auto& v : r.named) {
        if (!v.error.empty()) continue;
        EXPECT_LT(r.value, v.value) << sampler << " " << metric << " vs " << v.name;
        ++compared;
      }
      EXPECT_EQ(compared, 6);  // uniform, benton, karras, quadratic, logsnr, ays
      EXPECT_LT(r.value, 0.95 * r.start_value) << sampler << " " << metric;
      EXPECT_GT(lines, 1);
      // The independent check: law_report (linear response through the sampler) on the grid.
      const double law = json_util::get_extended(r.law, r.metric_key, "law");
      EXPECT_NEAR(law, r.value, 1e-8 * r.value);
      ASSERT_EQ(r.times.size(), 9u);
      EXPECT_EQ(r.times.front(), 6.0);
      EXPECT_EQ(r.times.back(), 1e-3);
    }
}

TEST(GridOptimize, DiagonalTargetsUseTheirAxes) {
  // A diagonal target keeps no eigenvector matrix: its mean is already in the eigenbasis.
  RunSpec s;
  s.target_json = {{"type", "gaussian"}, {"mean", {0.5, -1.0}}, {"diag", {2.0, 0.1}}};
  s.steps = 4;
  s.T = 4;
  s.delta = 1e-2;
  const GridOptimizeResult r = grid_optimize(s, {});
  EXPECT_NEAR(json_util::get_extended(r.law, "kl_target_output", "law"), r.value, 1e-8 * r.value);
  EXPECT_LT(r.value, r.start_value);
}

TEST(GridOptimize, OneDimensionalGridLawImprovesOnItsStart) {
  RunSpec s;
  s.target_json = {
      {"type", "gmm"}, {"weights", {0.3, 0.7}}, {"means", {{-2.0}, {1.5}}}, {"vars", {0.1, 0.3}}};
  s.sampler = "ei";
  s.steps = 4;
  s.T = 4;
  s.delta = 1e-2;
  GridOptimizeOptions o;
  o.grid_nodes = 101;  // converged to 1e-8 for this law already (docs: compare on one mesh)
  o.max_evaluations = 40;
  const GridOptimizeResult r = grid_optimize(s, o);
  EXPECT_NE(r.method.find("Nelder-Mead"), std::string::npos);
  EXPECT_LT(r.value, 0.98 * r.start_value);
  // The KLUB grid exists for a 1-D target too (its Fisher information by quadrature); with 4 ei
  // steps the grid law refuses it (mass leaves the mesh: its steps are too long for this score).
  EXPECT_EQ(r.named.back().name, "ays");
  EXPECT_EQ(r.named.back().times.size(), 5u);
  EXPECT_NE(r.named.back().error.find("leaves the grid"), std::string::npos)
      << r.named.back().error;
  // The optimiser's value is law_report's on the same mesh, bit for bit.
  EXPECT_EQ(json_util::get_extended(r.law, "kl_target_output", "law"), r.value);
}

TEST(GridOptimize, AysGridLowersTheBoundBelowEveryNamedGrid) {
  RunSpec s;
  s.target_json = {
      {"type", "gmm"}, {"weights", {0.5, 0.5}}, {"means", {{-1.0}, {1.0}}}, {"vars", {0.2, 0.2}}};
  s.steps = 6;
  s.T = 4;
  s.delta = 1e-2;
  const AysGridResult a = ays_grid(s);
  ASSERT_EQ(a.times.size(), 7u);
  EXPECT_EQ(a.times.front(), 4.0);
  EXPECT_EQ(a.times.back(), 1e-2);
  // Here the optimum is close to uniform (the start): F(t) ~ 1 away from t = 0 under OU.
  EXPECT_EQ(a.start, "uniform");
  EXPECT_LT(a.klub, a.start_klub);
  EXPECT_NE(a.method.find("1-D"), std::string::npos);
  // The sampler and the score do not enter.
  s.sampler = "ddim";
  EXPECT_EQ(ays_grid(s).times, a.times);
  // A Gaussian's bound is the closed form.
  EXPECT_NE(ays_grid(gopt_gaussian_spec("ei", 4)).method.find("closed form"), std::string::npos);
  RunSpec m = s;
  m.target_json = {{"type", "gmm"},
                   {"weights", {0.5, 0.5}},
                   {"means", {{-1.0, 0.0}, {1.0, 0.0}}},
                   {"vars", {0.2, 0.2}}};
  // A 2-D mixture's bound is estimated by Monte Carlo with its exact score.
  const AysGridResult am = ays_grid(m);
  EXPECT_NE(am.method.find("Monte Carlo"), std::string::npos);
  EXPECT_LE(am.klub, am.start_klub);
  EXPECT_EQ(ays_grid(m).times, am.times);
  s.delta = 0;
  expect_error([&] { ays_grid(s); }, "delta > 0");
  RunSpec v = gopt_gaussian_spec("ei", 4);
  v.process = "linear";
  v.T = 0.9;
  expect_error([&] { ays_grid(v); }, "variance-preserving");
}

TEST(GridOptimize, RefusesBadInput) {
  GridOptimizeOptions o;
  o.metric = "tv";
  expect_error([&] { grid_optimize(gopt_gaussian_spec("ei", 4), o); }, "metric 'tv'");
  o.metric = "hellinger";
  expect_error([&] { grid_optimize(gopt_gaussian_spec("ei", 4), o); }, "metric");
  o.metric = "kl";
  expect_error([&] { grid_optimize(gopt_gaussian_spec("ei", 0), o); }, "steps");
  // MALA's accept step: no exact law.
  expect_error([&] { grid_optimize(gopt_gaussian_spec("mala", 4), o); }, "not Gaussian");
  // A 3-D mixture has no exact law.
  RunSpec m;
  m.target_json = {{"type", "gmm"},
                   {"weights", {0.5, 0.5}},
                   {"means", {{-1.0, 0.0, 0.0}, {1.0, 0.0, 0.0}}},
                   {"vars", {0.2, 0.2}}};
  m.steps = 4;
  expect_error([&] { grid_optimize(m, o); }, "exact output laws");
  // The 2-D grid law gives no W2.
  RunSpec p;
  p.target_json = {{"type", "gmm"},
                   {"weights", {0.5, 0.5}},
                   {"means", {{-1.0, 0.0}, {1.0, 0.5}}},
                   {"vars", {0.3, 0.2}}};
  p.steps = 8;
  p.T = 3;
  p.delta = 0.05;
  o.metric = "w2";
  o.grid_nodes = 41;
  expect_error([&] { grid_optimize(p, o); }, "gives no 'w2'");
}

}  // namespace
}  // namespace difflab
