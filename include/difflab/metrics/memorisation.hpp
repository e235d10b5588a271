#pragma once
// Memorisation of training data by generated samples: how close each sample lies to its nearest
// training point, against how close two independent halves of the training data lie to each
// other. A model that copies its data (the exact score of an empirical target does, as t -> 0:
// its reverse flow ends on the data points) has nearest distances far below the split baseline
// and a large fraction of exact copies; a model that generalises has distances of the baseline's
// order. Nearest neighbours by kd-tree (nanoflann, metrics/knn_distances.hpp).
//
//   sample distance  r_j = min_i |x_j - p_i| over all N training points p_i,
//   split distance   b_k = min_{i in A} |p_k - p_i| for p_k in B, A and B the two halves of a
//                    seeded random split (so the baseline sees N/2 points; for a smooth law in
//                    dimension d its distances are about 2^{1/d} times those to N points).
// ratio = median(r) / median(b); copies = fraction of samples with r_j <= 1e-9 * rms(p).
#include <cstdint>
#include <nlohmann/json.hpp>

#include "difflab/core/types.hpp"

namespace difflab {

struct Memorisation {
  Index samples = 0, training = 0;
  double median_sample_distance = 0, median_split_distance = 0;
  double ratio = 0;  // median sample distance / median split distance
  double copy_fraction = 0;
  double q10_sample_distance = 0, q10_split_distance = 0;  // 10% quantiles
  nlohmann::json to_json() const;
};

// X: d x n generated samples, P: d x N training points (N >= 4). The split uses `seed`.
Memorisation memorisation(const Matrix& X, const Matrix& P, std::uint64_t seed);

}  // namespace difflab
