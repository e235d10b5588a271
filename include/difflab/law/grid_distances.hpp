#pragma once
// Distances between a density on a grid (grid_law.hpp) and a reference density known at the
// same nodes, and their combination across the independent coordinates of a product law.
//
// One coordinate, by the trapezoidal rule on the nodes (second order in h):
//   tv = (1/2) int |p - q|,  kl_target_output = KL(q || p) = int q log(q / p),
//   kl_output_target = KL(p || q),  bhattacharyya = int sqrt(p q),
//   w2 from the quantile functions, W2^2 = int_0^1 (P^{-1}(u) - Q^{-1}(u))^2 du, with the CDFs
//   integrated on the density's cubic interpolant, inverted on their cubic Hermite interpolants
//   (both fourth order in h) and the u-integral by Gauss-Legendre between breakpoints.
// A KL is +inf when its first argument puts more than 1e-12 mass where the second's density
// underflows to 0 on the grid.
//
// Product laws p = prod p_i, q = prod q_i (docs/theory.md 5.4): KL adds, W2^2 adds, the
// Bhattacharyya coefficient multiplies, and TV is bracketed (metrics/gaussian_distances.hpp
// tv_bounds): 1 - BC <= TV <= min(sqrt(1 - BC^2), Pinsker, Bretagnolle-Huber) (the Hellinger
// bounds, with H^2 = 1 - BC, and the KL bounds); tv is then not set.
#include <optional>
#include <string>
#include <vector>

#include "difflab/law/grid_law.hpp"

namespace difflab {

struct GridDistances {
  std::optional<double> tv;  // exact (one coordinate) or unset (product: see tv_bounds)
  double tv_lower = 0, tv_upper = 1;
  double kl_target_output = 0;
  double kl_output_target = 0;
  double w2 = 0;
  double bhattacharyya = 1;  // int sqrt(p q); hellinger^2 = 1 - bhattacharyya
};

// p and log q at p's nodes (same size). p need not have mass exactly 1 (mass lost at the grid's
// ends); both are used as given for tv/kl/bhattacharyya, and normalised for w2's quantiles.
GridDistances grid_distances(const GridDensity& p, const Vector& log_q);

// Refuses (difflab::Error naming the law, the share and the region) a law that lost more than
// `limit` of its mass off the grid: every distance here integrates over the grid only, so such a
// law's numbers would be silently wrong (an untrained score that sends the particles far away
// would show KL(p || q) = 0).
void require_mass_on_grid(double mass_lost, double limit, const std::string& law_name,
                          const std::string& region);

// Combines independent coordinates (see above). One coordinate is returned unchanged.
GridDistances combine_product(const std::vector<GridDistances>& coordinates);

// The distances of a grid law (all its coordinates, combined) to the target noised to
// (alpha, sigma2): alpha = 1, sigma2 = 0 for the target itself, the process's values at delta
// for q_delta.
GridDistances grid_law_distances(const GridLaw& law, const Target& target, double alpha,
                                 double sigma2);

}  // namespace difflab
