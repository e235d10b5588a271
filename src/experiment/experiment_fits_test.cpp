#include "difflab/experiment/experiment_fits.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "core/expect_error.hpp"
#include "difflab/experiment/slope_fit.hpp"

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

TEST(ExperimentFits, AFitAgainstStepsShowsTheSamplersOrdersBesideTheMeasuredOne) {
  // W2 = N^{-p} with p = 2, 3.5, 1: the measured order is p, beside the registry's orders.
  const ExperimentSpec spec = parse_experiment_spec(json::parse(R"({
      "base": {"target": "t.json", "deis_order": 2},
      "sweep": {"axes": {"steps": [10, 20, 40], "sampler": ["heun", "lms", "deis", "ula"]}},
      "metrics": ["law"], "fits": [{"metric": "w2", "against": "steps"}]})"));
  const std::map<std::string, double> power = {
      {"heun", 2.0}, {"lms", 3.5}, {"deis", 1.0}, {"ula", 1.0}};
  std::vector<json> rows;
  for (const auto& run : expand_runs(spec)) {
    const double n = run.options["steps"].get<double>();
    const double w2 = std::pow(n, -power.at(run.options["sampler"].get<std::string>()));
    rows.push_back({{"options", run.options}, {"metrics", {{"law", {{"w2", w2}}}}}});
  }
  const json groups = compute_fits(spec, rows)["fits"][0]["groups"];
  ASSERT_EQ(groups.size(), 4u);
  const json& heun = groups[0]["sampler_order"];
  EXPECT_EQ(heun["sampler"], "heun");
  EXPECT_NEAR(heun["measured"].get<double>(), 2.0, 1e-12);
  EXPECT_EQ(heun["stated"], 2.0);
  EXPECT_EQ(heun["published"], 2.0);
  EXPECT_NE(heun["published_source"].get<std::string>().find("Karras"), std::string::npos);
  // k-diffusion's lms is Adams-Bashforth 4, started by lower-order steps: difflab states 2.
  const json& lms = groups[1]["sampler_order"];
  EXPECT_NEAR(lms["measured"].get<double>(), 3.5, 1e-12);
  EXPECT_EQ(lms["stated"], 2.0);
  EXPECT_EQ(lms["published"], 4.0);
  // The run's sampler options build the sampler: tAB-DEIS of order 2.
  EXPECT_EQ(groups[2]["sampler_order"]["published"], 2.0);
  // A Langevin chain has no order in the number of grid steps.
  EXPECT_FALSE(groups[3].contains("sampler_order"));
  // Interval: minus the slope's, in increasing order.
  const json ci = heun["measured_ci"];
  EXPECT_LE(ci[0].get<double>(), 2.0 + 1e-9);
  EXPECT_GE(ci[1].get<double>(), 2.0 - 1e-9);
  // No sampler in the options, or an unknown one: nothing.
  EXPECT_TRUE(sampler_order_beside(json{{"steps", 4}}, json{{"slope", -1.0}}).is_null());
  EXPECT_TRUE(sampler_order_beside(json{{"sampler", "nope"}}, json{{"slope", -1.0}}).is_null());
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

TEST(ExperimentFits, GridErrorOfTheColumnWidensTheInterval) {
  const ExperimentSpec spec = parse_experiment_spec(json::parse(R"({
      "base": {"target": "t.json"}, "sweep": {"axes": {"steps": [10, 20, 40, 80]}},
      "metrics": ["law"], "fits": [{"metric": "kl_target_output", "against": "steps"},
                                   {"metric": "tv", "against": "steps"}]})"));
  std::vector<json> rows;
  for (const auto& run : expand_runs(spec)) {
    const double n = run.options["steps"].get<double>(), kl = 3 * std::pow(n, -2.0);
    // A grid error of 2% of the KL; the last row's law is closed-form (no grid_error).
    json law{{"kl_target_output", kl}, {"tv", 1 / n}};
    if (n < 80) law["grid_error"] = {{"kl_target_output", 0.02 * kl}};
    rows.push_back({{"options", run.options}, {"metrics", {{"law", law}}}});
  }
  const json fits = compute_fits(spec, rows);
  const json& kl = fits["fits"][0];
  EXPECT_EQ(kl["grid_error_column"], "metrics.law.grid_error.kl_target_output");
  const json& g = kl["groups"][0];
  ASSERT_EQ(g["y_err"].size(), 4u);
  EXPECT_NEAR(g["y_err"][1].get<double>(), 0.02 * 3 / 400.0, 1e-18);
  EXPECT_EQ(g["y_err"][3], 0.0);
  std::vector<double> x, y, err;
  for (std::size_t i = 0; i < 4; ++i) {
    x.push_back(g["x"][i]);
    y.push_back(g["y"][i]);
    err.push_back(g["y_err"][i]);
  }
  const ErrorWidenedSlope w = widen_for_y_error(fit_loglog_slope(x, y), x, y, err);
  EXPECT_EQ(g["fit"]["ci_with_grid_error"], json({w.ci_lo, w.ci_hi}));
  EXPECT_GT(w.shift_hi, 0.01);
  const double lo = g["fit"]["ci_with_grid_error"][0], hi = g["fit"]["ci_with_grid_error"][1];
  EXPECT_TRUE(lo < -2 && -2 < hi);
  // tv has no grid error in any row: the fit is as before, with no grid error fields.
  const json& tv = fits["fits"][1];
  EXPECT_FALSE(tv.contains("grid_error_column"));
  EXPECT_FALSE(tv["groups"][0].contains("y_err"));
  EXPECT_FALSE(tv["groups"][0]["fit"].contains("ci_with_grid_error"));
}

}  // namespace
}  // namespace difflab
