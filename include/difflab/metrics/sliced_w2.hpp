#pragma once
// Sliced W2 between two empirical measures (Rabin, Peyre, Delon, Bernot 2011; Bonneel et al.
// 2015): SW2^2 = E_theta W2^2(theta#P, theta#Q), theta uniform on the unit sphere.
//
// Each of the L directions is a normalised standard normal vector from the counter RNG
// (stream (seed, kMonteCarlo, projection, 0)); the 1-D W2^2 between the projected empirical
// measures is exact: sort both and integrate (F^{-1}(u) - G^{-1}(u))^2 over the merged quantile
// breakpoints i/n, j/m (so n != m is handled exactly). value = sqrt(mean_theta W2^2), the plug-in
// estimate.
//
// The 95% CI covers both sources of error. Projections: the variance over directions, sd^2/L.
// Particles: `bootstrap` resamples of X and Y (with replacement, shared by all directions;
// streams (seed, kMonteCarlo, b, 1 | 2)), each giving the sliced W2^2 over the same directions.
// The plug-in SW2^2 is biased upward by the particles' noise (positive even when P = Q), and so
// are the replicates relative to it, so the interval for SW2^2 is centred at the bias-corrected
// 2 mean - mean(replicates) with both variances added, then mapped through sqrt(max(0, .)).
// It reaches 0 when the samples do not resolve a difference, and value may then lie above
// ci_hi (it is the biased plug-in). bootstrap = 0 gives the projections-only interval
// (method "sliced_w2"; cheaper: each replicate costs about one extra pass over the sorted
// projections). Projections run in parallel, each into its own slot, so the result does not
// depend on the thread count.
#include <cstdint>

#include "difflab/core/types.hpp"
#include "difflab/metrics/estimate.hpp"

namespace difflab {

struct SlicedW2Options {
  Index projections = 200;  // number of random directions L
  std::uint64_t seed = 0;   // seed of the directions and of the bootstrap
  Index bootstrap = 30;     // particle bootstrap replicates (0: projections-only interval)
  void validate() const;    // projections >= 2, bootstrap 0 or >= 2
};

Estimate sliced_w2(const Matrix& X, const Matrix& Y, const SlicedW2Options& options = {});

// Exact squared W2 between the empirical measures of two sorted 1-D samples (uniform weights).
double sorted_w2_squared_1d(const double* x, Index n, const double* y, Index m);
// Same with integer multiplicities: point i of x has mass cx[i] / n, where sum cx = n (and
// likewise y); zero multiplicities are allowed.
double weighted_w2_squared_1d(const double* x, const std::uint32_t* cx, Index n, const double* y,
                              const std::uint32_t* cy, Index m);

}  // namespace difflab
