#include "difflab/metrics/knn_kl.hpp"

#include <cmath>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/metrics/half_sampling.hpp"
#include "difflab/metrics/knn_distances.hpp"
#include "difflab/metrics/sample_checks.hpp"

namespace difflab {

namespace {

double wang_kulkarni_verdu(const Matrix& X, const Matrix& Y, Index k) {
  const Index n = X.cols(), m = Y.cols();
  const double d = static_cast<double>(X.rows());
  const Vector rho = kth_neighbor_distances(X, X, k, true);
  const Vector nu = kth_neighbor_distances(Y, X, k, false);
  double s = 0;
  for (Index i = 0; i < n; ++i) {
    require(rho(i) > 0, "knn_kl: X has duplicate points (particle ", i, " has ", k,
            "-th neighbour distance 0)");
    // nu = 0 means X_i coincides with k points of Y: log(0) is -inf, the estimate is undefined.
    require(nu(i) > 0, "knn_kl: particle ", i, " of X coincides with ", k, " points of Y");
    s += std::log(nu(i) / rho(i));
  }
  return d * s / static_cast<double>(n) +
         std::log(static_cast<double>(m) / static_cast<double>(n - 1));
}

}  // namespace

void KnnKlOptions::validate() const {
  require(k >= 1, "knn_kl: k must be >= 1, got ", k);
  require(replicates >= 2, "knn_kl: replicates must be >= 2, got ", replicates);
}

Estimate knn_kl(const Matrix& X, const Matrix& Y, const KnnKlOptions& options) {
  options.validate();
  check_sample_pair(X, Y, "knn_kl");
  const Index n = X.cols(), m = Y.cols(), k = options.k;
  require(n >= 2 * (k + 1), "knn_kl: X has ", n, " particles, at least 2(k+1) = ", 2 * (k + 1),
          " are needed");
  require(m >= 2 * k, "knn_kl: Y has ", m, " particles, at least 2k = ", 2 * k, " are needed");
  const double value = wang_kulkarni_verdu(X, Y, k);
  std::vector<double> halves;
  for (Index b = 0; b < options.replicates; ++b) {
    const auto ix = random_subset(n, n / 2, options.seed, static_cast<std::uint64_t>(b), 0);
    const auto iy = random_subset(m, m / 2, options.seed, static_cast<std::uint64_t>(b), 1);
    halves.push_back(wang_kulkarni_verdu(select_columns(X, ix), select_columns(Y, iy), k));
  }
  return Estimate::normal_ci(value, replicate_standard_deviation(halves), n, m,
                             "knn_kl_wang_kulkarni_verdu(k=" + std::to_string(k) + ")");
}

}  // namespace difflab
