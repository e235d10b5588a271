#pragma once
// Kozachenko-Leonenko k-nearest-neighbour estimator of the differential entropy H(P) = -E log p
// (Kozachenko and Leonenko 1987; in the form of Kraskov, Stoegbauer, Grassberger, Phys. Rev. E
// 69, 066138 (2004), eq. (20) with the Euclidean norm):
//
//   H = psi(n) - psi(k) + log V_d + (d/n) sum_i log eps_k(i),
//
// eps_k(i) the distance from X_i to its k-th nearest neighbour among the other points and
// V_d = pi^{d/2} / Gamma(d/2 + 1) the volume of the unit d-ball. CI: half-sampling over the
// particles (half_sampling.hpp). Duplicate points are an error.
#include <cstdint>

#include "difflab/core/types.hpp"
#include "difflab/metrics/estimate.hpp"

namespace difflab {

struct KnnEntropyOptions {
  Index k = 5;             // neighbour rank (>= 1)
  Index replicates = 20;   // half-sampling replicates for the CI (>= 2)
  std::uint64_t seed = 0;  // seed of the half samples
  void validate() const;
};

// The point estimate alone (X with at least k + 1 particles).
double kozachenko_leonenko_entropy(const Matrix& X, Index k);

// With its CI; X needs at least 2(k + 1) particles.
Estimate knn_entropy(const Matrix& X, const KnnEntropyOptions& options = {});

// psi(n) for integer n >= 1: -gamma + sum_{j<n} 1/j.
double digamma_integer(Index n);

}  // namespace difflab
