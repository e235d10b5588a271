#include "difflab/experiment/report_fits.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace difflab {
namespace {

using nlohmann::json;

// Rows of KL = c_T / steps^2 for every run of the spec, with c_T = T (closed form): the needed
// steps for KL <= eps is sqrt(T / eps), a power law of slope 1/2 in T.
std::vector<json> power_law_rows(const ExperimentSpec& spec) {
  std::vector<json> rows;
  for (const auto& run : expand_runs(spec)) {
    const double n = run.options["steps"].get<double>(), T = run.options["T"].get<double>();
    rows.push_back({{"row", run.index},
                    {"options", run.options},
                    {"metrics", {{"law", {{"kl", T / (n * n)}}}}}});
  }
  return rows;
}

TEST(ReportFits, ThresholdCrossingsAndTheirSlopeAreTheClosedForm) {
  const double eps = 1e-3;
  const ExperimentSpec spec = parse_experiment_spec(json::parse(R"({
      "base": {"target": "t.json"},
      "sweep": {"axes": {"T": [1.0, 10.0, 100.0], "steps": [8, 16, 32, 64, 128, 256, 512]}},
      "metrics": ["law"],
      "report": {"threshold": {"metric": "law.kl", "eps": 1e-3, "over": "steps",
                               "against": "T"}}})"));
  const json f = compute_report_fits(spec, power_law_rows(spec));
  ASSERT_EQ(f["thresholds"].size(), 1u);
  const json& t = f["thresholds"][0];
  EXPECT_EQ(t["column"], "metrics.law.kl");
  ASSERT_EQ(t["groups"].size(), 1u);  // no other axis: one group
  const json& g = t["groups"][0];
  ASSERT_EQ(g["x"], json({1.0, 10.0, 100.0}));
  // Log-log interpolation between the bracketing points of an exact power law is exact.
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_NEAR(g["y"][i].get<double>(), std::sqrt(g["x"][i].get<double>() / eps),
                1e-9 * g["y"][i].get<double>());
  EXPECT_NEAR(g["fit"]["slope"].get<double>(), 0.5, 1e-9);
  EXPECT_TRUE(t["missing"].empty());
}

TEST(ReportFits, UnreachedThresholdsAreListedNotFitted) {
  const ExperimentSpec spec = parse_experiment_spec(json::parse(R"({
      "base": {"target": "t.json"}, "sweep": {"axes": {"T": [1.0, 2.0], "steps": [8, 16]}},
      "metrics": ["law"],
      "report": {"threshold": [{"metric": "kl", "eps": 1e-9, "over": "steps", "against": "T"},
                               {"metric": "nope", "eps": 1, "over": "steps", "against": "T"}]}})"));
  const json f = compute_report_fits(spec, power_law_rows(spec));
  ASSERT_EQ(f["thresholds"].size(), 2u);
  EXPECT_EQ(f["thresholds"][0]["missing"].size(), 2u);
  EXPECT_TRUE(f["thresholds"][0]["groups"][0]["x"].empty());
  EXPECT_TRUE(f["thresholds"][0]["groups"][0].contains("error"));
  EXPECT_EQ(f["thresholds"][1]["error"], "'nope' is not a results column");
}

TEST(ReportFits, CurveFitsPoolSeedsFilterRowsAndGroupByTheOtherAxes) {
  const ExperimentSpec spec = parse_experiment_spec(json::parse(R"({
      "base": {"target": "t.json"},
      "sweep": {"axes": {"T": [1.0, 4.0], "steps": [10, 20], "seed": [1, 2, 3]}},
      "metrics": ["law"],
      "report": {"curves": [
        {"x": "T", "y": ["law.kl"], "where": {"steps": 20}, "fit": true},
        {"x": "steps", "y": "kl", "fit": true},
        {"x": "steps", "y": "kl", "fit": true, "axes": "linear"},
        {"x": "steps", "y": "kl"}]}})"));
  const json f = compute_report_fits(spec, power_law_rows(spec));
  ASSERT_EQ(f["curves"].size(), 2u);  // the linear and the unfitted curves have no fit
  // Curve 0: grouped by no axis (seed pools, steps is x's other axis but filtered): KL = T/400.
  const json& c0 = f["curves"][0];
  EXPECT_EQ(c0["hint"], 0);
  EXPECT_EQ(c0["x_column"], "options.T");
  ASSERT_EQ(c0["groups"].size(), 1u);
  EXPECT_EQ(c0["groups"][0]["group"], json({{"steps", 20}}));
  EXPECT_EQ(c0["groups"][0]["x"].size(), 6u);
  EXPECT_NEAR(c0["groups"][0]["fit"]["slope"].get<double>(), 1.0, 1e-12);
  // Curve 1: one group per T, slope -2 in steps, intercept log T.
  const json& c1 = f["curves"][1];
  EXPECT_EQ(c1["hint"], 1);
  ASSERT_EQ(c1["groups"].size(), 2u);
  for (const auto& g : c1["groups"]) {
    EXPECT_NEAR(g["fit"]["slope"].get<double>(), -2.0, 1e-12);
    EXPECT_NEAR(g["fit"]["intercept"].get<double>(), std::log(g["group"]["T"].get<double>()),
                1e-12);
  }
}

TEST(ReportFits, CrossingInterpolatesLogLogBetweenTheBracketingPoints) {
  // m = 1/o^2 through (1, 1) and (10, 0.01): eps = 0.1 is crossed at o = sqrt(10).
  EXPECT_NEAR(*threshold_crossing({{1, 1}, {10, 0.01}}, 0.1), std::sqrt(10.0), 1e-12);
  EXPECT_EQ(*threshold_crossing({{4, 0.05}, {8, 0.01}}, 0.1), 4);  // the first point
  EXPECT_EQ(*threshold_crossing({{4, 0.05}, {8, 0.5}, {16, 0.05}}, 0.1), 4);
  EXPECT_EQ(
      *threshold_crossing({{4, 0.2}, {8, 0.2}, {16, 0.05}}, 0.1),
      std::exp(std::log(8) + (std::log(0.2) - std::log(0.1)) / (std::log(0.2) - std::log(0.05)) *
                                 (std::log(16) - std::log(8))));
  EXPECT_FALSE(threshold_crossing({{4, 0.2}, {8, 0.15}}, 0.1).has_value());
  EXPECT_FALSE(threshold_crossing({}, 0.1).has_value());
}

TEST(ReportFits, RatiosDivideByTheBestBaselineRowAtEqualXAndGroup) {
  // KL = c(grid) * (1 + target) / steps^2: at every (target, steps) the best named grid is
  // karras (c = 2), so the optimised grid's ratio is 1/2 and the transferred grid's 3/2.
  const ExperimentSpec spec = parse_experiment_spec(json::parse(R"({
      "base": {"target": "t.json"},
      "sweep": {"mode": "zip", "axes": {
          "d": [1, 1, 1, 1, 1, 2, 2, 2, 2, 2],
          "steps": [4, 4, 4, 4, 8, 4, 4, 4, 4, 8],
          "grid": ["uniform", "karras", "optimized", "optimized", "optimized",
                   "uniform", "karras", "optimized", "optimized", "karras"],
          "grid_optimize_source": ["self", "self", "self", "o.json", "self",
                                   "self", "self", "self", "o.json", "self"]}},
      "metrics": ["law"],
      "report": {"ratios": [{"metric": "kl", "x": "steps",
                             "baseline": {"grid": ["uniform", "karras"]},
                             "series_by": ["grid", "grid_optimize_source"],
                             "group_by": ["d"]},
                            {"metric": "kl", "x": "steps"}]}})"));
  const auto c = [](const json& o) {
    const std::string g = o["grid"];
    if (g == "uniform") return 3.0;
    if (g == "karras") return 2.0;
    return o["grid_optimize_source"] == "self" ? 1.0 : 3.0;
  };
  std::vector<json> rows;
  for (const auto& run : expand_runs(spec)) {
    const double n = run.options["steps"].get<double>(), d = run.options["d"].get<double>();
    rows.push_back({{"row", run.index},
                    {"options", run.options},
                    {"metrics", {{"law", {{"kl", c(run.options) * d / (n * n)}}}}}});
  }
  const json f = compute_report_fits(spec, rows);
  ASSERT_EQ(f["ratios"].size(), 2u);
  EXPECT_EQ(f["ratios"][1]["error"], "'baseline' must be an object {OPTION: [VALUES]}");
  const json& r = f["ratios"][0];
  EXPECT_EQ(r["column"], "metrics.law.kl");
  // d = 1: optimised (steps 4), transferred (steps 4); d = 2: optimised, transferred. The d = 1
  // optimised row at steps 8 has no baseline row at steps 8: missing, not compared with steps 4.
  ASSERT_EQ(r["series"].size(), 4u) << r.dump();
  for (const auto& s : r["series"]) {
    ASSERT_EQ(s["x"], json({4.0}));
    const double want = s["group"]["grid_optimize_source"] == "self" ? 0.5 : 1.5;
    EXPECT_DOUBLE_EQ(s["y"][0].get<double>(), want) << s.dump();
    EXPECT_EQ(s["baseline"][0], json({{"grid", "karras"}}));
  }
  ASSERT_EQ(r["missing"].size(), 1u);
  EXPECT_EQ(r["missing"][0]["row"], 4);
  EXPECT_EQ(r["missing"][0]["reason"], "no baseline row");
}

TEST(ReportFits, ARatioLeftOutSaysWhyItsValueIsMissing) {
  const ExperimentSpec spec = parse_experiment_spec(json::parse(R"({
      "base": {"target": "t.json", "steps": 4},
      "sweep": {"axes": {"grid": ["karras", "optimized", "file"]}}, "metrics": ["law"],
      "report": {"ratios": [{"metric": "kl", "x": "steps", "baseline": {"grid": ["karras"]}}]}})"));
  std::vector<json> rows;
  for (const auto& run : expand_runs(spec))
    rows.push_back({{"row", run.index}, {"options", run.options}});
  rows[0]["metrics"] = {{"law", {{"kl", 0.5}}}};
  rows[1]["metrics"] = {
      {"law", {{"error", "exact grid law: mass leaves the grid (at most 0.001 is allowed)"}}}};
  rows[2]["metrics"] = {{"law", {{"kl", nullptr}, {"kl_reason", "infinite"}}}};
  const json r = compute_report_fits(spec, rows)["ratios"][0];
  EXPECT_TRUE(r["series"].empty());
  ASSERT_EQ(r["missing"].size(), 2u);
  EXPECT_EQ(r["missing"][0]["reason"], "refused: exact grid law: mass leaves the grid");
  EXPECT_EQ(r["missing"][1]["reason"], "metrics.law.kl is infinite");
  EXPECT_EQ(r["missing"][1]["x"], 4);
}

}  // namespace
}  // namespace difflab
