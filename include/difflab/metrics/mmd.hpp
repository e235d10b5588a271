#pragma once
// Unbiased MMD^2 with a Gaussian (RBF) kernel k(x, y) = exp(-|x - y|^2 / (2 h^2)) (Gretton,
// Borgwardt, Rasch, Schoelkopf, Smola, JMLR 2012, eq. (3)); with several bandwidths the kernel
// is their average (still characteristic). Zero in expectation when P = Q, so it can be
// negative. CI: value +- 1.96 * jackknife standard error (see kernel_two_sample.hpp).
#include <vector>

#include "difflab/core/types.hpp"
#include "difflab/metrics/estimate.hpp"

namespace difflab {

struct MmdOptions {
  // Bandwidths h (> 0). Empty: the median heuristic, h = median of the pairwise distances of
  // the pooled sample (Gretton et al. 2012, Sec. 8), computed on at most
  // median_subsample evenly strided pooled points (deterministic).
  std::vector<double> bandwidths;
  Index median_subsample = 1000;
  void validate() const;  // bandwidths positive and finite, median_subsample >= 2
};

// Median of the pairwise Euclidean distances of the pooled columns of X and Y (subsampled as
// described above). Throws if it is 0 (mostly duplicate points).
double median_heuristic_bandwidth(const Matrix& X, const Matrix& Y, Index max_points = 1000);

// MMD^2 between the laws of the columns of X (d x n) and Y (d x m), n, m >= 3. The method
// string names the bandwidths used.
Estimate mmd2(const Matrix& X, const Matrix& Y, const MmdOptions& options = {});

}  // namespace difflab
