// The per-eigen-coordinate recursion of ei and ddim against the law that law_report reads off the
// sampler code by linear response (an independent route), and its adjoint gradient against
// central differences.
#include "difflab/law/gaussian_grid_objective.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "difflab/core/json_util.hpp"
#include "difflab/pipeline/law_report.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

// A non-isotropic Gaussian with a full covariance (eigenvectors not the axes).
RunSpec ggo_spec(const std::string& sampler, const std::string& process, const std::string& start) {
  RunSpec s;
  s.target_json = {{"type", "gaussian"},
                   {"mean", {0.7, -1.2, 0.3}},
                   {"cov", {{2.0, 0.6, 0.1}, {0.6, 0.5, -0.05}, {0.1, -0.05, 0.08}}}};
  s.sampler = sampler;
  s.process = process;
  s.start = start;
  s.grid = "karras";
  s.steps = 7;
  s.T = process == "ou" ? 5.0 : 1.0;
  s.delta = 1e-3;
  return s;
}

GaussianGridProblem ggo_problem(const RunSetup& run, const std::string& metric) {
  const auto& g = dynamic_cast<const GaussianTarget&>(*run.target);
  GaussianGridProblem p;
  p.process = run.process.get();
  p.lambda = g.eigenvalues();
  p.mu = g.is_diagonal() ? g.mean() : Vector(g.eigenvectors().transpose() * g.mean());
  p.sampler = run.spec.sampler;
  p.start_exact = run.spec.start == "exact";
  p.metric = metric;
  return p;
}

TEST(GaussianGridObjective, MatchesTheLinearResponseLawOfTheSamplerCode) {
  for (const char* sampler : {"ei", "ddim"})
    for (const char* process : {"ou", "vp-linear"})
      for (const char* start : {"normal", "exact"}) {
        const RunSetup run = build_run(ggo_spec(sampler, process, start), RunUse::kExactLaw, false);
        LawReportOptions o;
        o.tv_samples = 100;  // TV is not compared; its Monte Carlo would dominate the test
        const nlohmann::json law = law_report(run, o);
        for (const char* metric : {"kl", "w2"}) {
          const double mine = gaussian_grid_objective(ggo_problem(run, metric), run.grid->times());
          const double theirs = json_util::get_extended(
              law, std::string(metric) == "kl" ? "kl_target_output" : "w2", "law");
          EXPECT_NEAR(mine, theirs, 1e-9 * std::max(1.0, theirs))
              << sampler << " " << process << " " << start << " " << metric;
          EXPECT_GT(mine, 0);
        }
      }
}

TEST(GaussianGridObjective, DenoisedLastStepMatchesTheSamplerCode) {
  RunSpec s = ggo_spec("ei", "ou", "normal");
  s.sampler_options.denoise_last_step = true;
  const RunSetup run = build_run(s, RunUse::kExactLaw, false);
  GaussianGridProblem p = ggo_problem(run, "kl");
  p.denoise_last_step = true;
  LawReportOptions o;
  o.tv_samples = 100;
  const double theirs = law_report(run, o)["kl_target_output"].get<double>();
  EXPECT_NEAR(gaussian_grid_objective(p, run.grid->times()), theirs, 1e-9 * std::max(1.0, theirs));
}

TEST(GaussianGridObjective, AdjointGradientMatchesCentralDifferences) {
  for (const char* sampler : {"ei", "ddim"})
    for (const char* metric : {"kl", "w2"})
      for (const char* process : {"ou", "vp-cosine"}) {
        RunSpec s = ggo_spec(sampler, process, "normal");
        if (std::string(process) == "vp-cosine") s.T = 0.9;
        const RunSetup run = build_run(s, RunUse::kExactLaw, false);
        const GaussianGridProblem p = ggo_problem(run, metric);
        const std::vector<double> t = run.grid->times();
        std::vector<double> grad;
        gaussian_grid_objective(p, t, &grad);
        ASSERT_EQ(grad.size(), t.size());
        EXPECT_EQ(grad.front(), 0);
        EXPECT_EQ(grad.back(), 0);
        for (std::size_t k = 1; k + 1 < t.size(); ++k) {
          // A step relative to the gaps around t_k, small enough for O(h^2) to be negligible.
          const double h = 1e-5 * std::min(t[k - 1] - t[k], t[k] - t[k + 1]);
          std::vector<double> tp = t, tm = t;
          tp[k] += h;
          tm[k] -= h;
          const double fd =
              (gaussian_grid_objective(p, tp) - gaussian_grid_objective(p, tm)) / (2 * h);
          EXPECT_NEAR(grad[k], fd, 1e-5 * std::abs(fd) + 1e-8)
              << sampler << " " << metric << " " << process << " t_" << k;
        }
      }
}

}  // namespace
}  // namespace difflab
