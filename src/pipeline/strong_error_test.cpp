// strong_error: Euler-Maruyama's strong order 1 with additive noise and Heun's pathwise order 2,
// the coupled second-moment change against the exact output laws of the two runs, the gap
// against runs made here by hand, and the refusals.
#include "difflab/pipeline/strong_error.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/expect_error.hpp"
#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/sampler/brownian_noise.hpp"
#include "difflab/schedule/grids.hpp"

namespace difflab {
namespace {

RunSpec strong_spec(const std::string& sampler) {
  RunSpec s;
  s.target_json = {
      {"type", "gaussian"}, {"mean", {1.0, -0.5}}, {"cov", {{0.2, 0.05}, {0.05, 1.5}}}};
  s.sampler = sampler;
  s.grid = "uniform";
  s.T = 2;
  s.delta = 1e-2;
  s.n = 2000;
  s.seed = 5;
  return s;
}

// Euler-Maruyama has strong order 1 for additive noise (Kloeden & Platen 1992, section 10.2):
// the gap halves with each doubling.
TEST(StrongError, EulerMaruyamaHasStrongOrderOne) {
  StrongErrorOptions o;
  o.coarse_steps = {16, 32, 64, 128};
  const StrongErrorResult r = strong_error(strong_spec("em"), o);
  ASSERT_EQ(r.points.size(), 4u);
  EXPECT_NEAR(-r.fit.slope, 1.0, 0.1);
  for (const auto& p : r.points) {
    EXPECT_LE(p.gap_lo, p.gap);
    EXPECT_LE(p.gap, p.gap_hi);
    EXPECT_LE(p.gap, p.gap_rms);
    EXPECT_LE(p.gap_rms, p.gap_max);
  }
  const nlohmann::json j = r.to_json();
  EXPECT_NEAR(j["fit"]["strong_order"].get<double>(), -r.fit.slope, 0);
  EXPECT_EQ(j["points"][1]["fine_steps"], 64);
}

// A deterministic sampler's gap is its pathwise error from each start point: Heun is a
// second-order ODE method.
TEST(StrongError, HeunsPathwiseOrderIsTwo) {
  StrongErrorOptions o;
  o.coarse_steps = {64, 128, 256};  // the uniform grid's last steps are long next to delta
  const StrongErrorResult r = strong_error(strong_spec("heun"), o);
  EXPECT_NEAR(-r.fit.slope, 2.0, 0.2);
}

// The gap and the moment change of one level, against the two runs made directly: the same
// initial points (drawn from the run's seed) and one Brownian path.
TEST(StrongError, GapIsThatOfTheTwoRunsOnOnePath) {
  RunSpec spec = strong_spec("ddpm");
  spec.n = 40;
  StrongErrorOptions o;
  o.coarse_steps = {5, 10};
  const StrongErrorResult r = strong_error(spec, o);
  spec.sampler_options.noise = "brownian";
  double gap = 0;
  for (const std::int64_t N : {std::int64_t{5}, std::int64_t{10}}) {
    spec.steps = N;
    RunSetup a = build_run(spec);
    spec.steps = 2 * N;
    RunSetup b = build_run(spec);
    Matrix Xa = a.initial, Xb = b.initial;
    a.sampler->sample(*a.score, *a.grid, Xa, a.spec.sampler_options, BrownianNoise(spec.seed));
    b.sampler->sample(*b.score, *b.grid, Xb, b.spec.sampler_options, BrownianNoise(spec.seed));
    gap = 0;
    for (Index j = 0; j < Xa.cols(); ++j) gap += (Xa.col(j) - Xb.col(j)).norm();
    EXPECT_NEAR(r.points[N == 5 ? 0 : 1].gap, gap / 40, 1e-14);
  }
}

// E|X_N|^2 - E|X_2N|^2 estimated from coupled pairs against its exact value from the two output
// laws (affine_gaussian_law: tr(cov) + |mean|^2 of each), within 4 standard errors; and the
// coupling makes the pairs' sd far smaller than two independent runs'.
TEST(StrongError, CoupledMomentChangeMatchesTheExactLaws) {
  const RunSpec spec = strong_spec("ei");
  StrongErrorOptions o;
  o.coarse_steps = {8, 32};
  const StrongErrorResult r = strong_error(spec, o);
  for (const auto& p : r.points) {
    double moment[2];
    for (int fine = 0; fine < 2; ++fine) {
      RunSpec s = spec;
      s.steps = p.steps * (fine + 1);
      const RunSetup run = build_run(s, RunUse::kExactLaw, false);
      const GaussianLaw start{Vector::Zero(2), Matrix::Identity(2, 2)};
      const GaussianLaw law =
          affine_gaussian_law(*run.sampler, *run.score, *run.grid, s.sampler_options, start);
      moment[fine] = law.cov.trace() + law.mean.squaredNorm();
    }
    const double exact = moment[0] - moment[1];
    const double se = p.moment_change_sd / std::sqrt(static_cast<double>(r.particles));
    EXPECT_NEAR(p.moment_change, exact, 4 * se) << "N = " << p.steps;
    EXPECT_LT(p.moment_change_sd, (p.steps == 8 ? 0.3 : 0.1) * p.moment_change_sd_independent)
        << "N = " << p.steps;
  }
}

TEST(StrongError, BadInputsAreRefused) {
  StrongErrorOptions o;
  RunSpec spec = strong_spec("em");
  o.coarse_steps = {8};
  expect_error([&] { strong_error(spec, o); }, "at least two");
  o.coarse_steps = {16, 8};
  expect_error([&] { strong_error(spec, o); }, "increasing");
  o.coarse_steps = {8, 16.5};
  expect_error([&] { strong_error(spec, o); }, "integers");
  o.coarse_steps = {8, 16};
  spec.n = 10;
  expect_error([&] { strong_error(spec, o); }, "n must be >= 30");
  spec = strong_spec("em");
  spec.grid = "file";
  spec.grid_file = "grid.txt";
  expect_error([&] { strong_error(spec, o); }, "grid 'file'");
  spec = strong_spec("ula");
  expect_error([&] { strong_error(spec, o); }, "share no path");
}

// Every named grid nests, so the refusal of one that does not is tested on the check itself:
// a uniform coarse grid against a quadratic fine one shares both ends, not t_1 (1.5025 and
// 1.129375).
TEST(StrongError, GridsThatDoNotNestAreRefused) {
  EXPECT_NO_THROW(require_nested_grids(uniform_grid(2, 1e-2, 4), uniform_grid(2, 1e-2, 8), "u"));
  EXPECT_NO_THROW(
      require_nested_grids(quadratic_grid(2, 1e-2, 4), quadratic_grid(2, 1e-2, 8), "q"));
  expect_error(
      [] { require_nested_grids(uniform_grid(2, 1e-2, 4), quadratic_grid(2, 1e-2, 8), "g"); },
      "not nested (coarse t_1 = 1.5025");
  expect_error(
      [] { require_nested_grids(uniform_grid(2, 1e-2, 4), uniform_grid(2, 1e-2, 6), "g"); },
      "twice as many");
}

}  // namespace
}  // namespace difflab
