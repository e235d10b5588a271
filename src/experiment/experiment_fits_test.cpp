#include "difflab/experiment/experiment_fits.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/expect_error.hpp"

namespace difflab {
namespace {

using nlohmann::json;

TEST(ExperimentFits, GroupsByTheOtherAxesAndFitsEach) {
  const ExperimentSpec spec = parse_experiment_spec(json::parse(R"({
      "base": {"target": "t.json"},
      "sweep": {"axes": {"steps": [10, 20, 40, 80], "T": [2.0, 4.0]}},
      "metrics": ["law"],
      "fits": [{"metric": "kl_target_output", "against": "steps"}]})"));
  std::vector<json> rows;
  for (const auto& run : expand_runs(spec)) {
    const double n = run.options["steps"].get<double>();
    const double T = run.options["T"].get<double>();
    // KL = T n^{-2} for T = 2, and n^{-1} for T = 4: slopes -2 and -1.
    const double kl = T == 2 ? T * std::pow(n, -2.0) : 1 / n;
    rows.push_back({{"row", run.index},
                    {"options", run.options},
                    {"metrics", {{"law", {{"kl_target_output", kl}}}}}});
  }
  const json fits = compute_fits(spec, rows);
  ASSERT_EQ(fits["fits"].size(), 1u);
  const json& f = fits["fits"][0];
  EXPECT_EQ(f["column"], "metrics.law.kl_target_output");
  ASSERT_EQ(f["groups"].size(), 2u);
  EXPECT_EQ(f["groups"][0]["group"], json({{"T", 2.0}}));
  EXPECT_NEAR(f["groups"][0]["fit"]["slope"].get<double>(), -2, 1e-12);
  EXPECT_NEAR(f["groups"][0]["fit"]["intercept"].get<double>(), std::log(2.0), 1e-12);
  EXPECT_EQ(f["groups"][1]["group"], json({{"T", 4.0}}));
  EXPECT_NEAR(f["groups"][1]["fit"]["slope"].get<double>(), -1, 1e-12);
  EXPECT_EQ(f["groups"][1]["x"], json({10, 20, 40, 80}));
}

TEST(ExperimentFits, ColumnResolutionAndNonPositiveValues) {
  const std::vector<json> rows = {
      {{"metrics", {{"w2", {{"value", 0.1}}}, {"law", {{"tv", 0.2}}}}}, {"nfe", 3}}};
  EXPECT_EQ(resolve_metric_column(rows, "w2"), "metrics.w2.value");
  EXPECT_EQ(resolve_metric_column(rows, "law.tv"), "metrics.law.tv");
  EXPECT_EQ(resolve_metric_column(rows, "tv"), "metrics.law.tv");
  EXPECT_EQ(resolve_metric_column(rows, "nfe"), "nfe");
  expect_error([&] { resolve_metric_column(rows, "hellinger"); },
               "'hellinger' is not a results column");

  // A group with fewer than two usable (finite, positive) points reports why instead of a fit.
  const ExperimentSpec spec = parse_experiment_spec(json::parse(R"({
      "base": {"target": "t.json"}, "sweep": {"axes": {"steps": [10, 20]}}, "metrics": ["w2"],
      "fits": [{"metric": "w2", "against": "steps"}]})"));
  const auto runs = expand_runs(spec);
  const std::vector<json> two = {
      {{"options", runs[0].options}, {"metrics", {{"w2", {{"value", 0.1}}}}}},
      {{"options", runs[1].options}, {"metrics", {{"w2", {{"value", -0.01}}}}}}};
  const json f = compute_fits(spec, two);
  EXPECT_EQ(f["fits"][0]["groups"][0]["x"].size(), 1u);
  EXPECT_NE(f["fits"][0]["groups"][0]["error"].get<std::string>().find("at least 2 points"),
            std::string::npos);
}

}  // namespace
}  // namespace difflab
