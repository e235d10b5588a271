#pragma once
// How much mass samples put on each mode of a Gaussian mixture target, against the mixture's
// weights: the quantity Langevin gets wrong on well-separated modes (Song & Ermon 2019, section
// 3.2.2 and Fig. 3; docs/applications.md (d); experiments/README.md "Reproductions").
//
// Each sample is assigned to the component of largest posterior probability under the target
// (the responsibilities at t = 0). f_k is the fraction assigned to component k, with a Wilson
// score 95% interval (binomial, Wilson 1927). The weight error is the total variation between the
// label laws, TV(f, w) = (1/2) sum_k |f_k - w_k|, with a 95% percentile-bootstrap interval over
// resampled particles. It measures the mass per mode only, not the shape within a mode; exact
// samples give TV(f, w) of order sqrt(K / n), not 0.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "difflab/core/types.hpp"
#include "difflab/metrics/estimate.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"

namespace difflab {

struct ModeWeights {
  Vector weights;         // w_k of the target
  Vector fractions;       // f_k
  Vector ci_lo, ci_hi;    // Wilson 95% interval of each f_k
  Estimate weight_error;  // TV(f, w), percentile-bootstrap 95% interval
  // {"value", "ci_lo", "ci_hi", "method", "n_p", "fractions", "fractions_ci_lo",
  //  "fractions_ci_hi", "weights"}: the weight error's fields first, so that a results column
  // "metrics.mode_weights.value" is the weight error.
  nlohmann::json to_json() const;
};

// Wilson score interval of a binomial proportion (count successes out of n >= 1) at the two-sided
// 95% level.
void wilson_interval(Index successes, Index n, double& lo, double& hi);

// X: d x n samples (n >= 1, d = the target's dimension). bootstrap >= 2 replicates, drawn from
// (seed, kMonteCarlo, replicate).
ModeWeights mode_weights(const GaussianMixtureTarget& target, const Matrix& X, std::uint64_t seed,
                         Index bootstrap = 200);

}  // namespace difflab
