#pragma once
// Internal to src/law: four-point Lagrange interpolation on equispaced nodes, used by the grid
// law (inverting a sampler's map) and its distances (integrating a density). Written by hand:
// it is a dozen lines, and no Debian library offers equispaced cubic interpolation of Eigen
// vectors with its derivative.
//
// Around the cell [j, j + 1] the cubic passes through f_{j-1..j+2} (the stencil shifts inward
// at the grid's ends); values are O(h^4) accurate, slopes O(h^3).
#include "difflab/core/types.hpp"

namespace difflab::law_detail {

struct Cubic {
  Index first;  // first stencil node
  double u;     // position in units of h relative to node first + 1
};

// The stencil for the point j + u (u in [0, 1]) of a grid of n >= 4 nodes.
inline Cubic cubic_stencil(Index j, double u, Index n) {
  Index first = j - 1;
  if (first < 0) {
    u += static_cast<double>(first);
    first = 0;
  } else if (first + 3 > n - 1) {
    u += static_cast<double>(first - (n - 4));
    first = n - 4;
  }
  return {first, u};
}

inline double cubic_value(const Vector& f, const Cubic& c) {
  const double u = c.u;
  return -u * (u - 1) * (u - 2) / 6 * f(c.first) +
         (u + 1) * (u - 1) * (u - 2) / 2 * f(c.first + 1) -
         (u + 1) * u * (u - 2) / 2 * f(c.first + 2) + (u + 1) * u * (u - 1) / 6 * f(c.first + 3);
}

// d/du of the cubic (divide by h for d/dx).
inline double cubic_slope(const Vector& f, const Cubic& c) {
  const double u = c.u;
  return -(3 * u * u - 6 * u + 2) / 6 * f(c.first) + (3 * u * u - 4 * u - 1) / 2 * f(c.first + 1) -
         (3 * u * u - 2 * u - 2) / 2 * f(c.first + 2) + (3 * u * u - 1) / 6 * f(c.first + 3);
}

// int over the cell [j, j + 1] of the cubic, in units of h (Simpson's rule is exact for it).
inline double cubic_cell_integral(const Vector& f, Index j, Index n) {
  return (cubic_value(f, cubic_stencil(j, 0.0, n)) + 4 * cubic_value(f, cubic_stencil(j, 0.5, n)) +
          cubic_value(f, cubic_stencil(j, 1.0, n))) /
         6;
}

}  // namespace difflab::law_detail
