#pragma once
// The L2(q_t) error of a score model against a target's exact score, by Monte Carlo:
//   eps^2(t) = E_{X ~ q_t} || s(t, X) - grad log q_t(X) ||^2
// (the epsilon_score of CCL23 Assumption A3 and Benton et al. Assumption 3 at one time;
// docs/theory.md 1.2, 2.2). Samples of q_t are exact: X_0 from the target, pushed through the
// model's forward process (ForwardProcess::sample_marginal). Particle j's sample depends only on
// (seed, j), so the estimate is the same for any thread count.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "difflab/core/types.hpp"
#include "difflab/score/score_model.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

struct ScoreErrorEstimate {
  double t = 0;
  Index samples = 0;
  // Sample mean of ||s - grad log q_t||^2 and its standard error (sample sd / sqrt(n)).
  double mean_squared = 0;
  double standard_error = 0;
  // 95% normal confidence interval for eps^2 (mean_squared -/+ 1.96 SE, lower end >= 0).
  double squared_ci_low = 0, squared_ci_high = 0;
  // The root: sqrt(mean_squared), with the CI mapped through sqrt (a monotone map).
  double rms = 0;
  double rms_ci_low = 0, rms_ci_high = 0;
  nlohmann::json to_json() const;
};

// Monte Carlo estimate of E_{q_t} ||s(t, X) - grad log q_t(X)||^2 with n samples of q_t (q_t
// under score.process()). Evaluating the model counts towards score.evaluations(). Throws if
// n < 2, t is outside [0, t_max] or the dimensions differ.
ScoreErrorEstimate l2_score_error(const ScoreModel& score, const Target& target, double t, Index n,
                                  std::uint64_t seed);

}  // namespace difflab
