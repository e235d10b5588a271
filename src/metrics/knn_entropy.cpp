#include "difflab/metrics/knn_entropy.hpp"

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/metrics/half_sampling.hpp"
#include "difflab/metrics/knn_distances.hpp"
#include "difflab/metrics/sample_checks.hpp"

namespace difflab {

double digamma_integer(Index n) {
  require(n >= 1, "digamma_integer: n must be >= 1, got ", n);
  double s = -std::numbers::egamma;
  for (Index j = n - 1; j >= 1; --j) s += 1.0 / static_cast<double>(j);  // small terms first
  return s;
}

void KnnEntropyOptions::validate() const {
  require(k >= 1, "knn_entropy: k must be >= 1, got ", k);
  require(replicates >= 2, "knn_entropy: replicates must be >= 2, got ", replicates);
}

double kozachenko_leonenko_entropy(const Matrix& X, Index k) {
  check_samples(X, "knn_entropy", "X", k + 1);
  const Index n = X.cols();
  const double d = static_cast<double>(X.rows());
  const Vector eps = kth_neighbor_distances(X, X, k, true);
  double s = 0;
  for (Index i = 0; i < n; ++i) {
    require(eps(i) > 0, "knn_entropy: X has duplicate points (particle ", i, " has ", k,
            "-th neighbour distance 0)");
    s += std::log(eps(i));
  }
  const double log_unit_ball = 0.5 * d * std::log(std::numbers::pi) - std::lgamma(0.5 * d + 1.0);
  return digamma_integer(n) - digamma_integer(k) + log_unit_ball + d * s / static_cast<double>(n);
}

Estimate knn_entropy(const Matrix& X, const KnnEntropyOptions& options) {
  options.validate();
  check_samples(X, "knn_entropy", "X", 2 * (options.k + 1));
  const Index n = X.cols();
  const double value = kozachenko_leonenko_entropy(X, options.k);
  std::vector<double> halves;
  for (Index b = 0; b < options.replicates; ++b)
    halves.push_back(kozachenko_leonenko_entropy(
        select_columns(X, random_subset(n, n / 2, options.seed, static_cast<std::uint64_t>(b), 0)),
        options.k));
  return Estimate::normal_ci(
      value, replicate_standard_deviation(halves), n, 0,
      "knn_entropy_kozachenko_leonenko(k=" + std::to_string(options.k) + ")");
}

}  // namespace difflab
