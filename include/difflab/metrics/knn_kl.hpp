#pragma once
// k-nearest-neighbour estimator of KL(P || Q) from samples of both laws (Wang, Kulkarni, Verdu,
// "Divergence estimation for multidimensional densities via k-nearest-neighbor distances",
// IEEE Trans. Inf. Theory 55(5), 2009), with the same k in both samples:
//
//   D = (d/n) sum_i log(nu_k(i) / rho_k(i)) + log(m / (n - 1)),
//
// rho_k(i) the distance from X_i to its k-th nearest neighbour among the other X's, nu_k(i) to
// its k-th nearest neighbour among the Y's (X ~ P has n points, Y ~ Q has m). With equal k the
// digamma corrections of their bias-corrected form cancel. Consistent for fixed k as n, m -> oo;
// the finite-sample bias grows with d. CI: half-sampling (half_sampling.hpp), B random halves
// of both sets. Duplicate points (rho = 0) are an error.
#include <cstdint>

#include "difflab/core/types.hpp"
#include "difflab/metrics/estimate.hpp"

namespace difflab {

struct KnnKlOptions {
  Index k = 5;             // neighbour rank (>= 1)
  Index replicates = 20;   // half-sampling replicates for the CI (>= 2)
  std::uint64_t seed = 0;  // seed of the half samples
  void validate() const;
};

// X (d x n) ~ P, Y (d x m) ~ Q; needs n >= 2(k + 1) and m >= 2k so the halves have neighbours.
Estimate knn_kl(const Matrix& X, const Matrix& Y, const KnnKlOptions& options = {});

}  // namespace difflab
