#include "difflab/experiment/app_run.hpp"

#include <gtest/gtest.h>

#include "core/expect_error.hpp"
#include "difflab/apps/langevin_modes.hpp"
#include "difflab/experiment/experiment_spec.hpp"

namespace difflab {
namespace {

using nlohmann::json;

TEST(AppRun, SpecWithAnAppTakesTheAppsOptionsAndNoTarget) {
  const ExperimentSpec s = parse_experiment_spec(json::parse(
      R"({"app": "sk", "base": {"n": 100}, "sweep": {"axes": {"beta": [0.2, 0.4]}},
          "fits": [{"metric": "app.energy", "against": "beta"}]})"));
  EXPECT_EQ(s.app, "sk");
  const auto runs = expand_runs(s);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].options["beta"], 0.4);
  validate_app_run("sk", runs[1].options, runs[1].seed);
}

TEST(AppRun, SpecErrorsNameTheProblem) {
  expect_error([] { parse_experiment_spec(json::parse(R"({"app": "skk", "base": {}})")); },
               "unknown app 'skk' (valid: sk, z2, gmm-learn, langevin-modes, gaussian-mean)");
  expect_error([] { parse_experiment_spec(json::parse(R"({"app": "sk", "base": {"steps": 3}})")); },
               "unknown option 'steps' (valid: n, beta,");
  expect_error(
      [] { parse_experiment_spec(json::parse(R"({"app": "z2", "base": {"beta": "x"}})")); },
      "option 'beta' must be a finite number");
  expect_error(
      [] {
        parse_experiment_spec(json::parse(R"({"app": "sk", "base": {}, "metrics": ["law"]})"));
      },
      "'metrics' and 'bounds' are for sampler runs");
  // Values are checked by the app's own validate() before anything runs.
  expect_error([] { validate_app_run("gmm-learn", json::parse(R"({"k": 1})"), 0); }, "");
  expect_error([] { validate_app_run("gaussian-mean", json::parse(R"({"batch": 0})"), 0); },
               "batch");
}

// A run through the table is the app itself with the run's seed: the same numbers as calling
// the library directly (the SE19 heavy-mode fractions, small n).
TEST(AppRun, RunsTheAppWithTheDerivedSeed) {
  const json options = json::parse(R"({"n": 64, "langevin_steps": 20, "levels": 2,
                                       "steps_per_level": 5, "diffusion_steps": 20, "seed": 9})");
  const json a = run_app("langevin-modes", options, 12345);
  apps::LangevinModesOptions o;
  o.n = 64;
  o.langevin_steps = 20;
  o.levels = 2;
  o.steps_per_level = 5;
  o.diffusion_steps = 20;
  o.seed = 12345;
  const json b = apps::run_langevin_modes_app(o);
  for (const char* key :
       {"heavy_fraction_langevin", "heavy_fraction_annealed", "heavy_fraction_diffusion"})
    EXPECT_EQ(a[key], b[key]) << key;
}

TEST(AppRun, DropsLongArrays) {
  const json r =
      run_app("gaussian-mean", json::parse(R"({"d": 20, "samples": 256, "batch": 64, "epochs": 2,
                                         "sampler_points": 11, "aux_particles": 16})"),
              1);
  EXPECT_TRUE(r.contains("w2_em"));
  EXPECT_FALSE(r.contains("theta"));        // 20 entries
  EXPECT_TRUE(r.contains("loss_history"));  // 2 entries stay
}

}  // namespace
}  // namespace difflab
