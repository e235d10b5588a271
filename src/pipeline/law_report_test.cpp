// The grid laws' convergence check in law_report: the reported law agrees with the law on about
// half the nodes to within grid_tol of every distance, after refining the grid where needed; a
// law that does not converge within the refinements is refused, not reported.
#include "difflab/pipeline/law_report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/expect_error.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/score/callback_score.hpp"

namespace difflab {
namespace {

// A two-component mixture in the plane: no closed-form law, so the 2-D grid law applies.
RunSpec mixture_run(const std::string& sampler, Index steps) {
  RunSpec s;
  s.target_json = {{"type", "gmm"},
                   {"weights", {0.4, 0.6}},
                   {"means", {{-1.0, 0.0}, {1.0, 0.5}}},
                   {"vars", {0.3, 0.2}}};
  s.sampler = sampler;
  s.grid = "uniform";
  s.steps = steps;
  s.T = 4.0;
  s.delta = 0.05;
  return s;
}

// Every finite distance of the report within tol of its value (1e-9 absolute), by the report's
// own grid_error.
void expect_converged(const nlohmann::json& law, double tol) {
  for (const auto& [key, err] : law["grid_error"].items()) {
    if (key.ends_with(json_util::kReasonSuffix)) continue;
    const double v = json_util::get_extended(law, key, "law");
    if (std::isinf(v)) continue;
    EXPECT_LE(json_util::get_extended(law["grid_error"], key, "grid_error"),
              tol * std::abs(v) + 1e-9)
        << key << " = " << v;
  }
}

TEST(LawReport, GridLawIsRefinedUntilTheHalvingEstimateIsWithinTheTolerance) {
  const RunSetup run = build_run(mixture_run("ei", 10), RunUse::kExactLaw, false);
  LawReportOptions o;
  o.grid_nodes = 31;  // coarse enough that the first comparison fails at 10%
  std::vector<std::string> lines;
  o.on_refine = [&](const std::string& line) { lines.push_back(line); };
  const nlohmann::json law = law_report(run, o);
  EXPECT_GE(law["grid_refinements"].get<int>(), 1);
  EXPECT_EQ(lines.size(), law["grid_refinements"].get<std::size_t>());
  EXPECT_EQ(law["nodes"].get<Index>(), (31 - 1) * (1 << law["grid_refinements"].get<int>()) + 1);
  expect_converged(law, o.grid_tol);
  // Without the check the requested grid is reported as it is, with its estimate.
  o.grid_tol = 0;
  const nlohmann::json raw = law_report(run, o);
  EXPECT_EQ(raw["grid_refinements"].get<int>(), 0);
  EXPECT_EQ(raw["nodes"].get<Index>(), 31);
}

TEST(LawReport, GridLawThatDoesNotConvergeIsRefused) {
  const RunSetup run = build_run(mixture_run("ode-ei", 6), RunUse::kExactLaw, false);
  LawReportOptions o;
  o.grid_nodes = 31;
  o.grid_tol = 1e-12;  // beyond what quadrature on any of these grids reaches
  expect_error([&] { law_report(run, o); }, "not converged at 241 nodes per axis after 3");
}

// A flow that sends every particle far from the target (a score pushing along x, as an untrained
// network can): the 2-D flow-map law keeps the mass, so output and target are disjoint, TV = 1
// and KL(q || p) is infinite. The report says so in a form that survives a dump and a parse:
// null with "kl_target_output_reason": "infinite" (nlohmann::json alone writes a bare null),
// and the grid error of two equal infinities is 0.
TEST(LawReport, InfiniteKlIsWrittenAsNullWithItsReason) {
  RunSetup run = build_run(mixture_run("ode-ei", 10), RunUse::kExactLaw, false);
  run.score =
      std::make_shared<CallbackScore>(2, run.process, [](double, ConstMatrixRef X, MatrixRef out) {
        out = -X;
        out.row(0).array() += 200.0;
      });
  LawReportOptions o;
  o.grid_nodes = 41;
  const nlohmann::json law = nlohmann::json::parse(law_report(run, o).dump());
  EXPECT_NEAR(law["tv"].get<double>(), 1.0, 1e-9);
  EXPECT_TRUE(law["kl_target_output"].is_null());
  EXPECT_EQ(law["kl_target_output_reason"], "infinite");
  EXPECT_EQ(json_util::get_extended(law, "kl_target_output", "law"),
            std::numeric_limits<double>::infinity());
  EXPECT_GT(law["kl_output_target"].get<double>(), 100.0);  // finite: no reason written
  EXPECT_FALSE(law.contains("kl_output_target_reason"));
  EXPECT_EQ(json_util::get_extended(law["grid_error"], "kl_target_output", "grid_error"), 0.0);
}

}  // namespace
}  // namespace difflab
