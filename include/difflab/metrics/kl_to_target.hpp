#pragma once
// KL(P || Q) from samples of P and a target Q with a known log-density:
//
//   KL(P || Q) = -H(P) - E_P[log q],
//
// H(P) by the Kozachenko-Leonenko kNN estimator (knn_entropy.hpp) and the cross term by the
// sample mean of log q (Target::noised_log_density with alpha = 1, sigma^2 = 0). CI:
// half-sampling of the whole difference over the particles (half_sampling.hpp).
#include "difflab/core/types.hpp"
#include "difflab/metrics/estimate.hpp"
#include "difflab/metrics/knn_entropy.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

// X (d x n) ~ P with d = target.dim(), n >= 2(k + 1).
Estimate kl_to_target(const Matrix& X, const Target& target, const KnnEntropyOptions& options = {});

}  // namespace difflab
