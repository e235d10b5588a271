#include "difflab/apps/z2_synchronization.hpp"

#include <cmath>

#include "difflab/apps/goe.hpp"
#include "difflab/apps/state_evolution.hpp"
#include "difflab/core/dense_decompositions.hpp"
#include "difflab/core/error.hpp"

namespace difflab::apps {

Z2Instance z2_instance(Index n, double beta, const CounterRng& rng, std::uint64_t instance) {
  require(n >= 2, "option 'n' must be >= 2, got ", n);
  Z2Instance z;
  z.A = sample_goe(n, rng, instance);
  z.theta.resize(n);
  RngStream s = rng.stream(kUseDisorder, static_cast<std::uint64_t>(n), instance);
  for (Index i = 0; i < n; ++i) z.theta(i) = s.uniform() < 0.5 ? 1.0 : -1.0;
  z.A.noalias() += (beta / static_cast<double>(n)) * z.theta * z.theta.transpose();
  return z;
}

TopEigen top_eigenpair(const Matrix& A, int steps) {
  const Index n = A.rows();
  require(n >= 1 && A.cols() == n, "top eigenpair: matrix must be square");
  const Index k = std::min<Index>(n, std::max(1, steps));
  Matrix V(n, k);
  Vector alpha(k), beta_off(k);
  // Deterministic start with all coordinates of comparable size and no special structure.
  Vector q(n);
  for (Index i = 0; i < n; ++i) q(i) = std::sin(1.0 + 0.7 * static_cast<double>(i)) + 1.5;
  q.normalize();
  Index used = 0;
  Vector w(n);
  for (Index j = 0; j < k; ++j) {
    V.col(j) = q;
    used = j + 1;
    w.noalias() = A * q;
    alpha(j) = q.dot(w);
    // Full reorthogonalisation (twice, "twice is enough") keeps the Krylov basis orthonormal.
    for (int pass = 0; pass < 2; ++pass) w -= V.leftCols(used) * (V.leftCols(used).transpose() * w);
    const double b = w.norm();
    beta_off(j) = b;
    if (b < 1e-12 * std::max(1.0, std::abs(alpha(j))) || j + 1 == k) break;
    q = w / b;
  }
  Matrix Tm = Matrix::Zero(used, used);
  for (Index j = 0; j < used; ++j) {
    Tm(j, j) = alpha(j);
    if (j + 1 < used) Tm(j, j + 1) = Tm(j + 1, j) = beta_off(j);
  }
  const SymmetricEigen es = symmetric_eigen(Tm);
  require(es.ok, "z2: the eigendecomposition of the Lanczos matrix did not converge");
  TopEigen r;
  r.value = es.values(used - 1);
  r.vector = V.leftCols(used) * es.vectors.col(used - 1);
  r.vector.normalize();
  if (r.vector.sum() < 0) r.vector = -r.vector;
  return r;
}

Vector z2_spectral_start(const Vector& v, double beta) {
  const double n = static_cast<double>(v.size());
  if (beta <= 1) return Vector::Zero(v.size());
  return std::sqrt(n * beta * beta * std::abs(beta * beta - 1.0)) * v;
}

void Z2AppOptions::validate() const {
  require(n >= 2, "option 'n' must be >= 2, got ", n);
  require(std::isfinite(beta) && beta >= 0, "option 'beta' must be >= 0, got ", beta);
  // Each instance draws an n x n matrix and runs the whole sampler: a million is days of work,
  // more a typo (4294967306 ran until killed).
  require(instances >= 1 && instances <= 1000000,
          "option 'instances' must be in [1, 1000000], got ", instances);
  sl.validate();
}

nlohmann::json run_z2_app(const Z2AppOptions& options) {
  options.validate();
  const CounterRng rng(options.seed);
  const double n = static_cast<double>(options.n);
  const double b = options.beta;
  std::vector<double> energies, overlaps;
  double eig_sum = 0, spec_sum = 0, wall = 0;
  for (Index r = 0; r < options.instances; ++r) {
    const auto inst = static_cast<std::uint64_t>(r);
    const Z2Instance z = z2_instance(options.n, b, rng, inst);
    const TopEigen top = top_eigenpair(z.A);
    eig_sum += top.value;
    const double c = top.vector.dot(z.theta);
    spec_sum += c * c / n;
    const Vector z0 = z2_spectral_start(top.vector, b);
    const SlResult res = sl_sample(z.A, b, z0, options.sl, rng,
                                   inst * static_cast<std::uint64_t>(options.sl.samples));
    wall += res.wall_seconds;
    Vector x(options.n), Ax(options.n);
    for (Index s = 0; s < res.X.cols(); ++s) {
      x = res.X.col(s);
      Ax.noalias() = z.A * x;
      energies.push_back(b / (2.0 * n) * x.dot(Ax));
      overlaps.push_back(std::abs(x.dot(z.theta)) / n);
    }
  }
  const auto mean_se = [](const std::vector<double>& v) {
    double m = 0;
    for (double e : v) m += e;
    m /= static_cast<double>(v.size());
    double s2 = 0;
    for (double e : v) s2 += (e - m) * (e - m);
    const double k = static_cast<double>(v.size());
    return std::pair<double, double>{m, k > 1 ? std::sqrt(s2 / (k - 1) / k) : 0.0};
  };
  const auto [energy, energy_se] = mean_se(energies);
  const auto [overlap, overlap_se] = mean_se(overlaps);
  const double I = static_cast<double>(options.instances);
  return nlohmann::json{{"app", "z2"},
                        {"n", options.n},
                        {"beta", b},
                        {"seed", options.seed},
                        {"instances", options.instances},
                        {"samples_per_instance", options.sl.samples},
                        {"sl", options.sl.to_json()},
                        {"energy", energy},
                        {"energy_se", energy_se},
                        {"energy_theory", b * b / 2},
                        {"overlap", overlap},
                        {"overlap_se", overlap_se},
                        {"overlap_theory", z2_state_evolution_q(b)},
                        {"top_eigenvalue", eig_sum / I},
                        {"top_eigenvalue_theory", b > 1 ? b + 1 / b : 2.0},
                        {"spectral_overlap2", spec_sum / I},
                        {"spectral_overlap2_theory", b > 1 ? 1 - 1 / (b * b) : 0.0},
                        {"wall_seconds", wall}};
}

}  // namespace difflab::apps
