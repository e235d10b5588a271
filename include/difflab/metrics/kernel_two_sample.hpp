#pragma once
// The unbiased two-sample U-statistic behind MMD^2 and the energy distance:
//
//   D_k(P, Q) = E k(X, X') + E k(Y, Y') - 2 E k(X, Y),   X, X' ~ P, Y, Y' ~ Q independent,
//
// estimated by Gretton et al. (JMLR 2012) eq. (3): the within-sample sums over i != i' (resp.
// j != j') and the cross sum, each divided by its number of terms. Its standard error is the
// two-sample jackknife (Arvesen 1969): the sum over both samples of (n-1)/n sum_i
// (theta_{-i} - mean)^2, with the leave-one-out values read off the kernel row sums in O(1)
// each. The jackknife variance of a U-statistic is conservative in expectation (Efron and Stein
// 1981), so the CI stays valid when P = Q, where the statistic is degenerate and first-order
// (Hoeffding) variance formulas collapse.
//
// Cost: O((n + m)^2 d), kernel row sums computed in fixed column blocks in parallel (results do
// not depend on the thread count). The data are centred on the pooled mean first, which keeps
// the GEMM form |x|^2 + |y|^2 - 2 x.y of the squared distances accurate.
#include <vector>

#include "difflab/core/types.hpp"

namespace difflab {

enum class DistanceKernel {
  kGaussian,          // (1/L) sum_l exp(-|x - y|^2 / (2 h_l^2)) over the bandwidths h_l
  kNegativeDistance,  // -|x - y| (energy distance, Szekely and Rizzo 2013)
};

struct KernelTwoSample {
  double value = 0;           // unbiased estimate of D_k(P, Q)
  double standard_error = 0;  // jackknife standard error
};

// X (d x n), Y (d x m), n, m >= 3. bandwidths are used by kGaussian only (all > 0, non-empty).
KernelTwoSample kernel_two_sample(const Matrix& X, const Matrix& Y, DistanceKernel kernel,
                                  const std::vector<double>& bandwidths = {});

}  // namespace difflab
