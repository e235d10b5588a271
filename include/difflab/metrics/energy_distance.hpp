#pragma once
// Energy distance (Szekely and Rizzo, J. Stat. Plann. Inference 2013, eq. (2.1)):
//
//   E(P, Q) = 2 E|X - Y| - E|X - X'| - E|Y - Y'|  >= 0, = 0 iff P = Q,
//
// the squared quantity (some authors report its square root). Estimated without bias by the
// two-sample U-statistic with the kernel -|x - y| (kernel_two_sample.hpp), so it can be
// negative when P = Q. CI: value +- 1.96 * jackknife standard error.
#include "difflab/core/types.hpp"
#include "difflab/metrics/estimate.hpp"

namespace difflab {

// X (d x n), Y (d x m), n, m >= 3.
Estimate energy_distance(const Matrix& X, const Matrix& Y);

}  // namespace difflab
