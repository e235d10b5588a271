#include "difflab/target/target_quantities.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "difflab/core/dense_decompositions.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

namespace {

constexpr double kZ975 = 1.959963984540054;

// Mean and 95% interval of values in index order (a fixed-order reduction).
MonteCarloEstimate mean_interval(const Vector& v) {
  const Index n = v.size();
  MonteCarloEstimate e;
  e.samples = n;
  double sum = 0;
  for (Index i = 0; i < n; ++i) sum += v(i);
  e.value = sum / static_cast<double>(n);
  double ss = 0;
  for (Index i = 0; i < n; ++i) ss += (v(i) - e.value) * (v(i) - e.value);
  const double se = std::sqrt(ss / static_cast<double>(n - 1) / static_cast<double>(n));
  e.ci_lo = e.value - kZ975 * se;
  e.ci_hi = e.value + kZ975 * se;
  return e;
}

}  // namespace

double gaussian_relative_fisher_information(const Vector& mean, const Vector& cov_eigenvalues) {
  require(mean.size() == cov_eigenvalues.size() && mean.size() >= 1,
          "fisher information: mean has ", mean.size(), " entries and the covariance ",
          cov_eigenvalues.size(), " eigenvalues");
  require((cov_eigenvalues.array() > 0).all(),
          "fisher information: the covariance must be positive definite");
  double s = mean.squaredNorm();
  for (Index i = 0; i < cov_eigenvalues.size(); ++i) {
    const double l = cov_eigenvalues(i);
    s += l - 2 + 1 / l;
  }
  return s;
}

MonteCarloEstimate relative_fisher_information_mc(const Target& target, Index n,
                                                  std::uint64_t seed) {
  require(n >= 2, "fisher information: need at least 2 samples, got ", n);
  const Matrix X = target.sample(n, CounterRng(seed));
  const Matrix S = target.score(X);
  const Vector f = (S + X).colwise().squaredNorm().transpose();
  return mean_interval(f);
}

MonteCarloEstimate kl_to_standard_normal_mc(const Target& target, Index n, std::uint64_t seed) {
  require(n >= 2, "kl to N(0, I): need at least 2 samples, got ", n);
  const Matrix X = target.sample(n, CounterRng(seed));
  const Vector logq = target.log_density(X);
  const double c = 0.5 * static_cast<double>(target.dim()) * std::log(2 * std::numbers::pi);
  const Vector f = logq + 0.5 * X.colwise().squaredNorm().transpose() + Vector::Constant(n, c);
  return mean_interval(f);
}

LipschitzBound mixture_score_lipschitz_bound(const GaussianMixtureTarget& target) {
  LipschitzBound out;
  const Matrix sigma = target.covariance(0);
  for (Index i = 1; i < target.components(); ++i) {
    if ((target.covariance(i) - sigma).cwiseAbs().maxCoeff() > 1e-12 * (1 + sigma.norm())) {
      out.reason =
          "components have different covariances: no certified bound on the score's Lipschitz "
          "constant is implemented for that case";
      return out;
    }
  }
  const SymmetricEigen eig = symmetric_eigenvalues(sigma);
  require(eig.ok, "score Lipschitz bound: the eigendecomposition of the covariance failed");
  const double s = eig.values.minCoeff();
  double D2 = 0;
  for (Index i = 0; i < target.components(); ++i)
    for (Index j = i + 1; j < target.components(); ++j)
      D2 = std::max(D2, (target.mean(i) - target.mean(j)).squaredNorm());
  // sup over a in (0, 1] of 1 / (1 + a (s - 1)): 1 at a -> 0, 1/s at a = 1.
  const double curvature = std::max(1.0, 1.0 / s);
  // f(a) = a D^2 / (4 (1 + a (s - 1))^2) has f'(a) proportional to 1 - a (s - 1): increasing on
  // (0, 1] unless s > 2, when it peaks at a* = 1 / (s - 1).
  const double a = s > 2 ? 1 / (s - 1) : 1.0;
  const double g = 1 + a * (s - 1);
  const double spread = a * D2 / (4 * g * g);
  out.value = std::max(curvature, spread);
  out.reason =
      "upper bound (not the exact constant): max(1/lambda_min(C_t), a D^2 / (4 lambda_min(C_t)^2)) "
      "over t, from the shared covariance and the spread D of the means";
  return out;
}

void add_mixture_quantities(const GaussianMixtureTarget& target, TargetSummary& summary) {
  const MonteCarloEstimate kl = kl_to_standard_normal_mc(target);
  summary.kl_to_standard_normal = kl.value;
  summary.kl_to_standard_normal_ci = std::array<double, 2>{kl.ci_lo, kl.ci_hi};
  summary.notes.push_back("kl_to_standard_normal: Monte Carlo over " + std::to_string(kl.samples) +
                          " exact samples (no closed form for a mixture); 95% interval in "
                          "kl_to_standard_normal_ci");
  const LipschitzBound lip = mixture_score_lipschitz_bound(target);
  if (lip.value) {
    summary.score_lipschitz = lip.value;
    summary.score_lipschitz_kind = "upper_bound";
  }
  summary.notes.push_back("score_lipschitz: " + lip.reason);
  add_monte_carlo_fisher_information(target, summary);
}

void add_monte_carlo_fisher_information(const Target& target, TargetSummary& summary) {
  MonteCarloEstimate f;
  try {
    f = relative_fisher_information_mc(target);
  } catch (const Error& e) {
    summary.notes.push_back(std::string("fisher_information: not computed: ") + e.what());
    return;
  }
  // A score that is infinite somewhere on the support (a density vanishing inside it, e.g. a
  // tabulated law with empty cells) has infinite Fisher information: left unset, said so.
  if (!std::isfinite(f.value) || !std::isfinite(f.ci_hi)) {
    summary.notes.push_back(
        "fisher_information: the Monte Carlo estimate is not finite (the score is unbounded on "
        "the samples), so I(q | N(0, I)) is taken as not finite and left unset");
    return;
  }
  summary.fisher_information = f.value;
  summary.fisher_information_ci = std::array<double, 2>{f.ci_lo, f.ci_hi};
  summary.notes.push_back("fisher_information: I(q | N(0, I)) by Monte Carlo over " +
                          std::to_string(f.samples) +
                          " exact samples; 95% interval in fisher_information_ci");
}

}  // namespace difflab
