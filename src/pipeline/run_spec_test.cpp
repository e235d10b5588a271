#include "difflab/pipeline/run_spec.hpp"

#include <gtest/gtest.h>

#include "core/expect_error.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/initialization.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"

namespace difflab {
namespace {

const nlohmann::json kRunTarget = {{"type", "gaussian"}, {"mean", {0.5, -1.0}}, {"var", 2.0}};

TEST(RunSpec, FromJsonRoundTripsThroughToJson) {
  const nlohmann::json j = {
      {"target", kRunTarget}, {"sampler", "ddpm"}, {"steps", 17}, {"T", 4.0}, {"n", 33},
      {"denoise", true},      {"snr", 0.2},        {"seed", 9}};
  const RunSpec s = RunSpec::from_json(j);
  EXPECT_EQ(s.sampler, "ddpm");
  EXPECT_EQ(s.steps, 17);
  EXPECT_TRUE(s.sampler_options.denoise_last_step);
  EXPECT_EQ(s.sampler_options.snr, 0.2);
  const RunSpec t = RunSpec::from_json(s.to_json());
  EXPECT_EQ(t.to_json(), s.to_json());
  EXPECT_EQ(t.target_json, kRunTarget);
}

TEST(RunSpec, EverySamplerAndGridOfTheRegistriesIsAccepted) {
  for (const auto& s : list_samplers())
    EXPECT_NO_THROW(RunSpec::from_json({{"target", kRunTarget}, {"sampler", s.name}})) << s.name;
  for (const auto& g : list_grids()) {
    if (g.name == "file") continue;
    EXPECT_NO_THROW(RunSpec::from_json({{"target", kRunTarget}, {"grid", g.name}})) << g.name;
  }
  difflab::expect_error(
      [] {
        RunSpec::from_json({{"target", kRunTarget}, {"sampler", "nope"}});
      },
      "'sampler' must be one of: ei, em");
}

TEST(RunSpec, OutOfRangeValuesAreRefusedAsRead) {
  difflab::expect_error(
      [] {
        RunSpec::from_json({{"target", kRunTarget}, {"steps", 4294967306LL}});
      },
      "run: 'steps' must be an integer in [1, 100000000], got 4294967306");
  difflab::expect_error(
      [] {
        RunSpec::from_json({{"target", kRunTarget}, {"langevin_steps", 1e12}});
      },
      "'langevin_steps' must be an integer");
  difflab::expect_error(
      [] {
        RunSpec::from_json({{"target", kRunTarget}, {"corrector_steps", -1}});
      },
      "'corrector_steps' must be an integer in [0, 1000000]");
  difflab::expect_error(
      [] {
        RunSpec::from_json({{"target", kRunTarget}, {"annealed_step_rule", "x"}});
      },
      "one of: se19, constant");
  difflab::expect_error(
      [] {
        build_run(RunSpec::from_json({{"target", kRunTarget}, {"T", 1.0}, {"delta", 2.0}}));
      },
      "T (1) must be larger than delta (2)");
  // rtol/atol reach the sampler options from a spec.
  EXPECT_EQ(RunSpec::from_json({{"target", kRunTarget}, {"rtol", 1e-3}}).sampler_options.rtol,
            1e-3);
}

TEST(RunSpec, BuildRunMatchesTheObjectsBuiltByHand) {
  RunSpec s = RunSpec::from_json({{"target", kRunTarget},
                                  {"grid", "uniform"},
                                  {"steps", 12},
                                  {"T", 3.0},
                                  {"delta", 0.01},
                                  {"n", 50},
                                  {"seed", 4}});
  const RunSetup r = build_run(s);
  const auto target = make_target(kRunTarget, "target");
  const auto process = make_process("ou");
  const TimeGrid grid = make_grid("uniform", *process, 3.0, 0.01, 12);
  EXPECT_EQ(r.grid->times(), grid.times());
  const Matrix X0 =
      initial_points(InitialLaw::kStandardNormal, *target, *process, 3.0, 50, CounterRng(4));
  EXPECT_EQ(r.initial, X0);
  Matrix a = r.initial, b = X0;
  r.sampler->sample(*r.score, *r.grid, a, s.sampler_options, CounterNoise(4));
  make_sampler("ei")->sample(ExactScore(target, process), grid, b, SamplerOptions(),
                             CounterNoise(4));
  EXPECT_EQ(a, b);
}

TEST(RunSpec, ModelScoresAreLoadedForEveryUseAndOtherScoresNeedTheirInputs) {
  // A trained model is accepted for exact laws too (the grid laws need only score evaluations;
  // law_report refuses the affine law by its linearity check), so a missing file is the error.
  RunSpec s = RunSpec::from_json({{"target", kRunTarget}, {"score", "model:/nonexistent.dlm"}});
  difflab::expect_error([&] { build_run(s, RunUse::kExactLaw, false); }, "/nonexistent.dlm");
  difflab::expect_error(
      [&] {
        RunSpec::from_json({{"target", kRunTarget}, {"score", "gaussian-mean"}});
        build_run(RunSpec::from_json({{"target", kRunTarget}, {"score", "gaussian-mean"}}));
      },
      "needs theta");
}

}  // namespace
}  // namespace difflab
