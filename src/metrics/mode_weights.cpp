#include "difflab/metrics/mode_weights.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/rng.hpp"

namespace difflab {

namespace {

double label_tv(const std::vector<Index>& counts, Index n, const Vector& w) {
  double tv = 0;
  for (Index k = 0; k < w.size(); ++k)
    tv += std::abs(
        static_cast<double>(counts[static_cast<std::size_t>(k)]) / static_cast<double>(n) - w(k));
  return 0.5 * tv;
}

}  // namespace

void wilson_interval(Index successes, Index n, double& lo, double& hi) {
  require(n >= 1 && successes >= 0 && successes <= n, "wilson_interval: need 0 <= successes (",
          successes, ") <= n (", n, "), n >= 1");
  const double z = kNormalQuantile975;
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(successes) / nn;
  const double denom = 1 + z * z / nn;
  const double centre = (p + z * z / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
  lo = std::max(0.0, centre - half);
  hi = std::min(1.0, centre + half);
}

ModeWeights mode_weights(const GaussianMixtureTarget& target, const Matrix& X, std::uint64_t seed,
                         Index bootstrap) {
  require(X.rows() == target.dim(), "mode_weights: samples have dimension ", X.rows(),
          ", the target has ", target.dim());
  require(X.cols() >= 1, "mode_weights: no samples");
  require(bootstrap >= 2, "mode_weights: bootstrap must be >= 2, got ", bootstrap);
  require(X.allFinite(), "mode_weights: the samples contain NaN or infinite values");
  const Index n = X.cols();
  const Index K = target.weights().size();
  const Matrix R = target.responsibilities(1.0, 0.0, X);  // K x n
  std::vector<Index> label(static_cast<std::size_t>(n));
  std::vector<Index> counts(static_cast<std::size_t>(K), 0);
  for (Index j = 0; j < n; ++j) {
    Index best = 0;
    R.col(j).maxCoeff(&best);
    label[static_cast<std::size_t>(j)] = best;
    ++counts[static_cast<std::size_t>(best)];
  }
  ModeWeights out;
  out.weights = target.weights();
  out.fractions.resize(K);
  out.ci_lo.resize(K);
  out.ci_hi.resize(K);
  for (Index k = 0; k < K; ++k) {
    out.fractions(k) =
        static_cast<double>(counts[static_cast<std::size_t>(k)]) / static_cast<double>(n);
    wilson_interval(counts[static_cast<std::size_t>(k)], n, out.ci_lo(k), out.ci_hi(k));
  }
  const double tv = label_tv(counts, n, out.weights);
  std::vector<double> replicates(static_cast<std::size_t>(bootstrap));
  const CounterRng rng(seed);
  std::vector<Index> c(static_cast<std::size_t>(K));
  for (Index b = 0; b < bootstrap; ++b) {
    std::fill(c.begin(), c.end(), 0);
    RngStream s = rng.stream(RngUse::kMonteCarlo, static_cast<std::uint64_t>(b), 0);
    for (Index i = 0; i < n; ++i) {
      const Index j =
          std::min<Index>(n - 1, static_cast<Index>(s.uniform() * static_cast<double>(n)));
      ++c[static_cast<std::size_t>(label[static_cast<std::size_t>(j)])];
    }
    replicates[static_cast<std::size_t>(b)] = label_tv(c, n, out.weights);
  }
  std::sort(replicates.begin(), replicates.end());
  const auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(std::clamp(
        std::lround(q * static_cast<double>(bootstrap - 1)), 0L, static_cast<long>(bootstrap - 1)));
    return replicates[i];
  };
  out.weight_error.value = tv;
  out.weight_error.ci_lo = at(0.025);
  out.weight_error.ci_hi = at(0.975);
  out.weight_error.n_p = n;
  out.weight_error.method = "mode_label_tv_bootstrap";
  return out;
}

nlohmann::json ModeWeights::to_json() const {
  nlohmann::json j = weight_error.to_json();
  const auto vec = [](const Vector& v) {
    return std::vector<double>(v.data(), v.data() + v.size());
  };
  j["weights"] = vec(weights);
  j["fractions"] = vec(fractions);
  j["fractions_ci_lo"] = vec(ci_lo);
  j["fractions_ci_hi"] = vec(ci_hi);
  return j;
}

}  // namespace difflab
