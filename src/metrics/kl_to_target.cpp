#include "difflab/metrics/kl_to_target.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/metrics/half_sampling.hpp"
#include "difflab/metrics/sample_checks.hpp"

namespace difflab {

namespace {
double kl_value(const Matrix& X, const Vector& log_q, Index k) {
  return -kozachenko_leonenko_entropy(X, k) - log_q.mean();
}
}  // namespace

Estimate kl_to_target(const Matrix& X, const Target& target, const KnnEntropyOptions& options) {
  options.validate();
  check_samples(X, "kl_to_target", "X", 2 * (options.k + 1));
  require(X.rows() == target.dim(), "kl_to_target: dimension mismatch: X has dimension ", X.rows(),
          " but the target has dimension ", target.dim());
  const Index n = X.cols();
  Vector log_q(n);
  target.noised_log_density(1.0, 0.0, X, log_q);
  for (Index i = 0; i < n; ++i)
    require(std::isfinite(log_q(i)), "kl_to_target: target log-density at particle ", i,
            " is not finite (", log_q(i), ")");
  const double value = kl_value(X, log_q, options.k);
  std::vector<double> halves;
  for (Index b = 0; b < options.replicates; ++b) {
    const auto idx = random_subset(n, n / 2, options.seed, static_cast<std::uint64_t>(b), 0);
    Vector lq(static_cast<Index>(idx.size()));
    for (std::size_t c = 0; c < idx.size(); ++c) lq(static_cast<Index>(c)) = log_q(idx[c]);
    halves.push_back(kl_value(select_columns(X, idx), lq, options.k));
  }
  return Estimate::normal_ci(value, replicate_standard_deviation(halves), n, 0,
                             "kl_to_target_knn_entropy(k=" + std::to_string(options.k) + ")");
}

}  // namespace difflab
