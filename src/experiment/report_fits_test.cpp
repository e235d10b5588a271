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

}  // namespace
}  // namespace difflab
