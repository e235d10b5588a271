#include "difflab/apps/sk_model.hpp"

#include <cmath>

#include "difflab/apps/goe.hpp"
#include "difflab/apps/state_evolution.hpp"
#include "difflab/core/error.hpp"

namespace difflab::apps {

Vector sk_energy_density(const Matrix& W, const Matrix& X) {
  require(W.rows() == X.rows(), "sk: configurations have ", X.rows(), " coordinates, W is ",
          W.rows(), " x ", W.cols());
  const double n = static_cast<double>(W.rows());
  Vector e(X.cols());
  Vector x(X.rows()), Wx(X.rows());
  for (Index j = 0; j < X.cols(); ++j) {
    x = X.col(j);
    Wx.noalias() = W * x;
    e(j) = x.dot(Wx) / (2.0 * n);
  }
  return e;
}

SkExact sk_exact(const Matrix& W, double beta) {
  const Index n = W.rows();
  require(n >= 1 && n <= 24, "sk exact enumeration: n must lie in [1, 24], got ", n);
  const std::uint64_t count = std::uint64_t{1} << n;
  // Enumerate x by bits of c (bit i = 1 <=> x_i = +1); log-weights are shifted by their maximum
  // bound beta * ||W||_1 / 2 so that exp never overflows.
  std::vector<double> energy(count);
  Vector x(n);
  double max_logw = -INFINITY;
  for (std::uint64_t c = 0; c < count; ++c) {
    for (Index i = 0; i < n; ++i) x(i) = (c >> i) & 1u ? 1.0 : -1.0;
    energy[c] = x.dot(W * x) / (2.0 * static_cast<double>(n));
    max_logw = std::max(max_logw, beta * static_cast<double>(n) * energy[c]);
  }
  double Z = 0, E1 = 0, E2 = 0;
  Matrix C = Matrix::Zero(n, n);  // sum of w x x^T
  for (std::uint64_t c = 0; c < count; ++c) {
    const double w = std::exp(beta * static_cast<double>(n) * energy[c] - max_logw);
    for (Index i = 0; i < n; ++i) x(i) = (c >> i) & 1u ? 1.0 : -1.0;
    Z += w;
    E1 += w * energy[c];
    E2 += w * energy[c] * energy[c];
    C.noalias() += w * x * x.transpose();
  }
  SkExact r;
  r.mean_energy = E1 / Z;
  r.energy_sd = std::sqrt(std::max(0.0, E2 / Z - r.mean_energy * r.mean_energy));
  C /= Z;
  r.n_overlap2 = C.squaredNorm() / static_cast<double>(n);
  return r;
}

double n_mean_pair_overlap2(const Matrix& X) {
  require(X.cols() >= 2, "overlap: need at least 2 samples, got ", X.cols());
  const double n = static_cast<double>(X.rows());
  const Matrix G = X.transpose() * X;  // exact: integer entries
  double sum = 0;
  Index pairs = 0;
  for (Index a = 0; a < X.cols(); ++a)
    for (Index b = a + 1; b < X.cols(); ++b, ++pairs) sum += G(a, b) * G(a, b) / (n * n);
  return n * sum / static_cast<double>(pairs);
}

void SkAppOptions::validate() const {
  require(n >= 2, "option 'n' must be >= 2, got ", n);
  require(std::isfinite(beta) && beta >= 0, "option 'beta' must be >= 0, got ", beta);
  sl.validate();
}

nlohmann::json run_sk_app(const SkAppOptions& options) {
  options.validate();
  const CounterRng rng(options.seed);
  const Matrix W = sample_goe(options.n, rng, 0);
  const Vector z0 = Vector::Zero(options.n);  // SK: AMP from z^0 = 0 (docs/applications.md (a))
  const SlResult res = sl_sample(W, options.beta, z0, options.sl, rng);
  const Vector e = sk_energy_density(W, res.X);
  const double S = static_cast<double>(e.size());
  const double mean = e.mean();
  const double sd = S > 1 ? std::sqrt((e.array() - mean).square().sum() / (S - 1)) : 0.0;
  double q_final = 0;
  for (Index s = 0; s < res.final_mean.cols(); ++s)
    q_final += res.final_mean.col(s).squaredNorm() / static_cast<double>(options.n);
  q_final /= static_cast<double>(res.final_mean.cols());
  nlohmann::json j{
      {"app", "sk"},
      {"n", options.n},
      {"beta", options.beta},
      {"seed", options.seed},
      {"samples", res.X.cols()},
      {"sl", options.sl.to_json()},
      {"energy", mean},
      {"energy_sd", sd},
      {"energy_se", S > 1 ? sd / std::sqrt(S) : 0.0},
      {"energy_theory", options.beta < 1 ? nlohmann::json(options.beta / 2) : nlohmann::json()},
      {"energy_fluctuation_scale", 1.0 / std::sqrt(2.0 * static_cast<double>(options.n))},
      {"final_mean_q", q_final},
      {"final_mean_q_theory", sk_state_evolution_q(options.beta, options.sl.T)},
      {"wall_seconds", res.wall_seconds}};
  if (res.X.cols() >= 2) {
    j["n_overlap2"] = n_mean_pair_overlap2(res.X);
    j["n_overlap2_theory"] = options.beta < 1
                                 ? nlohmann::json(1.0 / (1.0 - options.beta * options.beta))
                                 : nlohmann::json();
  }
  return j;
}

}  // namespace difflab::apps
