#pragma once
// Sliced W2 between two empirical measures (Rabin, Peyre, Delon, Bernot 2011; Bonneel et al.
// 2015): SW2^2 = E_theta W2^2(theta#P, theta#Q), theta uniform on the unit sphere.
//
// Each of the L directions is a normalised standard normal vector from the counter RNG
// (stream (seed, kMonteCarlo, projection, 0)); the 1-D W2^2 between the projected empirical
// measures is exact: sort both and integrate (F^{-1}(u) - G^{-1}(u))^2 over the merged quantile
// breakpoints i/n, j/m (so n != m is handled exactly). value = sqrt(mean_theta W2^2); the 95% CI
// is mean +- 1.96 sd/sqrt(L) for SW2^2 mapped through sqrt: it covers the Monte Carlo error over
// projections only (the particles are taken as given). Projections run in parallel, each into
// its own slot, so the result does not depend on the thread count.
#include <cstdint>

#include "difflab/core/types.hpp"
#include "difflab/metrics/estimate.hpp"

namespace difflab {

struct SlicedW2Options {
  Index projections = 200;  // number of random directions L
  std::uint64_t seed = 0;   // seed of the directions
  void validate() const;    // projections >= 2
};

Estimate sliced_w2(const Matrix& X, const Matrix& Y, const SlicedW2Options& options = {});

// Exact squared W2 between the empirical measures of two sorted 1-D samples (uniform weights).
double sorted_w2_squared_1d(const double* x, Index n, const double* y, Index m);

}  // namespace difflab
