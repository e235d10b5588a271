#include "difflab/pipeline/measured_bounds.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/expect_error.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/score/exact_score.hpp"

namespace difflab {
namespace {

const nlohmann::json kBoundsTarget = {{"type", "gaussian"}, {"mean", {1.0, -0.5}}, {"var", 1.0}};

TEST(MeasuredBounds, GaussianMeanScoreErrorMatchesMonteCarlo) {
  // The closed form of E|s - grad log q_t|^2 for s = -x + e^{-t} theta against a Monte Carlo
  // average over exact samples of q_t.
  RunSpec s = RunSpec::from_json(
      {{"target", kBoundsTarget}, {"score", "gaussian-mean"}, {"theta", {0.5, 0.5}}, {"steps", 4}});
  const RunSetup run = build_run(s, RunUse::kSample, false);
  const auto e2 = score_error_squared(run);
  ASSERT_TRUE(e2.has_value());
  const ExactScore exact(run.target, run.process);
  for (const double t : {0.1, 1.0}) {
    const Index n = 200000;
    const Matrix X =
        run.process->sample_marginal(run.target->sample(n, CounterRng(7), 0), t, CounterRng(8));
    const Matrix a = run.score->score(t, X), b = exact.score(t, X);
    const double mc = (a - b).colwise().squaredNorm().mean();
    EXPECT_NEAR((*e2)(t), mc, 0.02 * mc + 1e-3) << t;
  }
}

TEST(MeasuredBounds, MeasuredBesideEachBoundAndTheSplitAddsUp) {
  RunSpec s = RunSpec::from_json({{"target", kBoundsTarget},
                                  {"score", "perturbed"},
                                  {"score_error", 0.05},
                                  {"steps", 50},
                                  {"T", 5.0}});
  const RunSetup run = build_run(s, RunUse::kExactLaw, false);
  MeasuredBoundsOptions o;
  const nlohmann::json rows = measured_bounds(run, {"benton24", "ccl23"}, o);
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& r : rows) {
    if (r["skipped"].get<bool>()) continue;
    ASSERT_TRUE(r["measured"].is_number()) << r.dump();
    const auto& t = r["measured_terms"];
    EXPECT_NEAR(t["discretisation"].get<double>() + t["initialisation"].get<double>() +
                    t["score_error"].get<double>(),
                r["measured"].get<double>(), 1e-12);
  }
  // Benton et al. get the time integral, CCL23 the maximum: for a constant error 0.05 these are
  // 0.05 sqrt(T - delta) and 0.05.
  EXPECT_NE(rows[0]["notes"].dump().find("sum_k gamma_k"), std::string::npos);
}

TEST(MeasuredBounds, UnknownBoundsAndLearnedScoresAreRefused) {
  difflab::expect_error([] { require_known_bound("nope"); }, "unknown bound 'nope' (valid: ");
}

}  // namespace
}  // namespace difflab
