#include "difflab/metrics/gaussian_distances.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "difflab/core/dense_decompositions.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"

namespace difflab {

namespace {

// ---- input checks -----------------------------------------------------------------------

void check_mean(const Vector& m, const char* fn, const char* name) {
  require(m.size() > 0, fn, ": ", name, " is empty");
  for (Index i = 0; i < m.size(); ++i)
    require(std::isfinite(m(i)), fn, ": ", name, " entry ", i, " is not finite (", m(i), ")");
}

void check_same_dim(const Vector& m0, const Vector& m1, const char* fn) {
  require(m0.size() == m1.size(), fn, ": dimension mismatch: m0 has dimension ", m0.size(),
          " but m1 has dimension ", m1.size());
}

// Square, finite, symmetric (to roundoff) and of the mean's dimension.
void check_cov_shape(const Matrix& S, Index d, const char* fn, const char* name) {
  require(S.rows() == d && S.cols() == d, fn, ": ", name, " is ", S.rows(), " x ", S.cols(),
          " but the means have dimension ", d);
  require(S.allFinite(), fn, ": ", name, " has a non-finite entry");
  const double scale = std::max(1.0, S.cwiseAbs().maxCoeff());
  require((S - S.transpose()).cwiseAbs().maxCoeff() <= 1e-10 * scale, fn, ": ", name,
          " is not symmetric");
}

// Lower Cholesky factor of a symmetric positive definite covariance.
Matrix cholesky(const Matrix& S, const char* fn, const char* name) {
  Eigen::LLT<Matrix> llt(0.5 * (S + S.transpose()));
  require(llt.info() == Eigen::Success, fn, ": ", name,
          " is not positive definite (Cholesky failed)");
  Matrix L = llt.matrixL();
  for (Index i = 0; i < L.rows(); ++i)
    require(L(i, i) > 0 && std::isfinite(L(i, i)), fn, ": ", name, " is not positive definite");
  return L;
}

double log_det_from_cholesky(const Matrix& L) { return 2.0 * L.diagonal().array().log().sum(); }

// Symmetric PSD square root by eigendecomposition, clamping roundoff-negative eigenvalues. A
// clearly negative eigenvalue (beyond roundoff of the largest) is an error.
Matrix psd_sqrt(const Matrix& S, const char* fn, const char* name) {
  const SymmetricEigen eig = symmetric_eigen(0.5 * (S + S.transpose()));
  require(eig.ok, fn, ": eigendecomposition of ", name, " failed");
  const Vector& lam = eig.values;
  const double tol = 1e-12 * std::max(1.0, lam.cwiseAbs().maxCoeff());
  require(lam.minCoeff() >= -tol, fn, ": ", name, " is not positive semi-definite (eigenvalue ",
          lam.minCoeff(), ")");
  const Vector root = lam.cwiseMax(0.0).cwiseSqrt();
  return eig.vectors * root.asDiagonal() * eig.vectors.transpose();
}

void check_eigenvalues(const Vector& a, Index d, const char* fn, const char* name,
                       bool allow_zero) {
  require(a.size() == d, fn, ": ", name, " has ", a.size(),
          " eigenvalues but the means have dimension ", d);
  for (Index i = 0; i < a.size(); ++i) {
    require(std::isfinite(a(i)), fn, ": ", name, " entry ", i, " is not finite");
    if (allow_zero)
      require(a(i) >= 0, fn, ": ", name, " entry ", i, " is negative (", a(i),
              "): the covariance is not positive semi-definite");
    else
      require(a(i) > 0, fn, ": ", name, " entry ", i, " is ", a(i),
              ": the covariance is not positive definite");
  }
}

// x - log(1 + x) >= 0 without cancellation in log.
double x_minus_log1p(double x) { return x - std::log1p(x); }

// Phi(b) - Phi(a) for a <= b, using erfc on the side of the tail to keep relative accuracy.
double normal_mass(double a, double b) {
  constexpr double r2 = std::numbers::sqrt2;
  if (a >= 0) return 0.5 * (std::erfc(a / r2) - std::erfc(b / r2));
  if (b <= 0) return 0.5 * (std::erfc(-b / r2) - std::erfc(-a / r2));
  return 0.5 * (std::erf(b / r2) - std::erf(a / r2));
}

// 2 Phi(Delta/2) - 1 = erf(Delta / (2 sqrt 2)): TV of two Gaussians with a common covariance
// and Mahalanobis distance Delta between the means (docs/theory.md 5.4).
double tv_equal_cov(double mahalanobis) {
  return std::erf(mahalanobis / (2.0 * std::numbers::sqrt2));
}

// Monte Carlo TV = E_{x~P}[(1 - q/p)_+]. log_ratio(begin, Z, out) receives the standard normals
// Z of samples [begin, begin + cols) (x = m0 + S0^{1/2} z) and writes log q(x) - log p(x).
template <typename LogRatio>
Estimate monte_carlo_tv(Index d, const GaussianTvOptions& options, const LogRatio& log_ratio) {
  options.validate();
  const Index n = options.samples;
  const Index block = kDefaultBlock;
  const Index blocks = (n + block - 1) / block;
  std::vector<double> sum(blocks, 0.0), sum_sq(blocks, 0.0);
  const CounterRng rng(options.seed);
  parallel_blocks(n, block, [&](Index begin, Index count) {
    Matrix Z(d, count);
    rng.fill_normal(Z, RngUse::kMonteCarlo, static_cast<std::uint64_t>(begin), 0);
    Vector lr(count);
    log_ratio(Z, lr);
    double s = 0, s2 = 0;
    for (Index j = 0; j < count; ++j) {
      // (1 - e^{lr})_+ ; -expm1 keeps accuracy when q ~ p.
      const double f = lr(j) >= 0 ? 0.0 : -std::expm1(lr(j));
      s += f;
      s2 += f * f;
    }
    sum[begin / block] = s;
    sum_sq[begin / block] = s2;
  });
  double s = 0, s2 = 0;
  for (Index b = 0; b < blocks; ++b) {  // fixed order: independent of the thread count
    s += sum[b];
    s2 += sum_sq[b];
  }
  const double mean = s / static_cast<double>(n);
  const double var =
      std::max(0.0, (s2 - static_cast<double>(n) * mean * mean) / static_cast<double>(n - 1));
  Estimate e = Estimate::normal_ci(mean, std::sqrt(var / static_cast<double>(n)), n, 0,
                                   "gaussian_tv_monte_carlo");
  e.ci_lo = std::max(0.0, e.ci_lo);
  e.ci_hi = std::min(1.0, e.ci_hi);
  return e;
}

// Validates (m0, S0), (m1, S1) as a pair of Gaussians of one dimension; returns it.
Index check_gaussian_pair(const Vector& m0, const Matrix& S0, const Vector& m1, const Matrix& S1,
                          const char* fn) {
  check_mean(m0, fn, "m0");
  check_mean(m1, fn, "m1");
  check_same_dim(m0, m1, fn);
  const Index d = m0.size();
  check_cov_shape(S0, d, fn, "S0");
  check_cov_shape(S1, d, fn, "S1");
  return d;
}

}  // namespace

// ---- full covariances ---------------------------------------------------------------------

double gaussian_kl(const Vector& m0, const Matrix& S0, const Vector& m1, const Matrix& S1) {
  constexpr const char* fn = "gaussian_kl";
  const Index d = check_gaussian_pair(m0, S0, m1, S1, fn);
  const Matrix L0 = cholesky(S0, fn, "S0");
  const Matrix L1 = cholesky(S1, fn, "S1");
  // M = L1^{-1} L0, so M M^T = L1^{-1} S0 L1^{-T} has the eigenvalues l_i of S1^{-1} S0, and
  // tr(S1^{-1} S0) - d - log det(S1^{-1} S0) = sum_i (l_i - 1 - log l_i).
  const Matrix M = L1.triangularView<Eigen::Lower>().solve(L0);
  const SymmetricEigen eig = symmetric_eigenvalues(M * M.transpose());
  require(eig.ok, fn, ": eigendecomposition failed");
  double trace_logdet = 0;
  for (Index i = 0; i < d; ++i) {
    const double l = std::max(eig.values(i), std::numeric_limits<double>::min());
    trace_logdet += x_minus_log1p(l - 1.0);
  }
  const Vector w = L1.triangularView<Eigen::Lower>().solve(m1 - m0);
  return 0.5 * (trace_logdet + w.squaredNorm());
}

double gaussian_w2(const Vector& m0, const Matrix& S0, const Vector& m1, const Matrix& S1) {
  constexpr const char* fn = "gaussian_w2";
  check_gaussian_pair(m0, S0, m1, S1, fn);
  psd_sqrt(S0, fn, "S0");  // validates S0 is PSD
  const Matrix R1 = psd_sqrt(S1, fn, "S1");
  const Matrix C = R1 * S0 * R1;
  const SymmetricEigen eig = symmetric_eigenvalues(0.5 * (C + C.transpose()));
  require(eig.ok, fn, ": eigendecomposition failed");
  const double cross = eig.values.cwiseMax(0.0).cwiseSqrt().sum();
  const double w2sq = (m0 - m1).squaredNorm() + S0.trace() + S1.trace() - 2.0 * cross;
  return std::sqrt(std::max(0.0, w2sq));
}

double gaussian_bhattacharyya(const Vector& m0, const Matrix& S0, const Vector& m1,
                              const Matrix& S1) {
  constexpr const char* fn = "gaussian_bhattacharyya";
  check_gaussian_pair(m0, S0, m1, S1, fn);
  const Matrix L0 = cholesky(S0, fn, "S0");
  const Matrix L1 = cholesky(S1, fn, "S1");
  const Matrix Lbar = cholesky(0.5 * (S0 + S1), fn, "(S0 + S1)/2");
  const Vector w = Lbar.triangularView<Eigen::Lower>().solve(m0 - m1);
  // log BC = 1/4 log det S0 + 1/4 log det S1 - 1/2 log det Sbar - 1/8 dm^T Sbar^{-1} dm.
  const double log_bc = 0.25 * log_det_from_cholesky(L0) + 0.25 * log_det_from_cholesky(L1) -
                        0.5 * log_det_from_cholesky(Lbar) - 0.125 * w.squaredNorm();
  return std::exp(std::min(0.0, log_bc));
}

double gaussian_hellinger(const Vector& m0, const Matrix& S0, const Vector& m1, const Matrix& S1) {
  return std::sqrt(std::max(0.0, 1.0 - gaussian_bhattacharyya(m0, S0, m1, S1)));
}

double TvBounds::upper() const { return std::min({1.0, upper_bc, pinsker, bretagnolle_huber}); }

nlohmann::json TvBounds::to_json() const {
  return nlohmann::json{{"lower_bc", lower_bc}, {"upper_bc", upper_bc},
                        {"pinsker", pinsker},   {"bretagnolle_huber", bretagnolle_huber},
                        {"lower", lower()},     {"upper", upper()}};
}

TvBounds tv_bounds(double bc, double kl) {
  require(std::isfinite(bc) && bc >= 0 && bc <= 1, "tv_bounds: Bhattacharyya coefficient ", bc,
          " is not in [0, 1]");
  require(!std::isnan(kl) && kl >= 0, "tv_bounds: KL ", kl, " is not >= 0");
  TvBounds b;
  b.lower_bc = 1.0 - bc;
  b.upper_bc = std::sqrt(std::max(0.0, 1.0 - bc * bc));
  b.pinsker = std::sqrt(0.5 * kl);
  b.bretagnolle_huber = std::sqrt(-std::expm1(-kl));
  return b;
}

TvBounds gaussian_tv_bounds(const Vector& m0, const Matrix& S0, const Vector& m1,
                            const Matrix& S1) {
  return tv_bounds(gaussian_bhattacharyya(m0, S0, m1, S1), gaussian_kl(m0, S0, m1, S1));
}

double gaussian_tv_1d(double m0, double s0, double m1, double s1) {
  constexpr const char* fn = "gaussian_tv_1d";
  require(std::isfinite(m0) && std::isfinite(m1), fn, ": means must be finite, got ", m0, ", ", m1);
  require(std::isfinite(s0) && s0 > 0, fn, ": s0 must be a positive standard deviation, got ", s0);
  require(std::isfinite(s1) && s1 > 0, fn, ": s1 must be a positive standard deviation, got ", s1);
  if (s0 == s1) return tv_equal_cov(std::abs(m0 - m1) / s0);
  // docs/theory.md 5.4: p0 = p1 where A x^2 + B x + C = 0 (indices 1, 2 there are 0, 1 here).
  const double v0 = s0 * s0, v1 = s1 * s1;
  const double A = 0.5 / v1 - 0.5 / v0;
  const double B = m0 / v0 - m1 / v1;
  const double C = 0.5 * m1 * m1 / v1 - 0.5 * m0 * m0 / v0 + std::log(s1 / s0);
  const double disc = std::max(0.0, B * B - 4.0 * A * C);
  // Roots without cancellation: q = -(B + sign(B) sqrt(disc)) / 2, roots q/A and C/q.
  const double q = -0.5 * (B + std::copysign(std::sqrt(disc), B));
  double r1 = q / A, r2 = q != 0 ? C / q : -r1;
  if (r1 > r2) std::swap(r1, r2);
  const double mass0 = normal_mass((r1 - m0) / s0, (r2 - m0) / s0);
  const double mass1 = normal_mass((r1 - m1) / s1, (r2 - m1) / s1);
  return std::abs(mass0 - mass1);
}

void GaussianTvOptions::validate() const {
  require(samples >= 2, "gaussian_tv: samples must be >= 2, got ", samples);
}

nlohmann::json GaussianTv::to_json() const {
  return nlohmann::json{{"tv", tv.to_json()}, {"bounds", bounds.to_json()}};
}

GaussianTv gaussian_tv(const Vector& m0, const Matrix& S0, const Vector& m1, const Matrix& S1,
                       const GaussianTvOptions& options) {
  constexpr const char* fn = "gaussian_tv";
  options.validate();
  GaussianTv out;
  out.bounds = gaussian_tv_bounds(m0, S0, m1, S1);  // validates all inputs
  const Index d = m0.size();
  if (d == 1) {
    out.tv = Estimate::exact(gaussian_tv_1d(m0(0), std::sqrt(S0(0, 0)), m1(0), std::sqrt(S1(0, 0))),
                             "gaussian_tv_1d_exact");
    return out;
  }
  const Matrix L0 = cholesky(S0, fn, "S0");
  if (S0 == S1) {
    const Vector w = L0.triangularView<Eigen::Lower>().solve(m1 - m0);
    out.tv = Estimate::exact(tv_equal_cov(w.norm()), "gaussian_tv_equal_cov_exact");
    return out;
  }
  const Matrix L1 = cholesky(S1, fn, "S1");
  const double log_det_ratio = 0.5 * (log_det_from_cholesky(L0) - log_det_from_cholesky(L1));
  const Vector dm = m0 - m1;
  out.tv = monte_carlo_tv(d, options, [&](const Matrix& Z, Vector& lr) {
    // x - m1 = (m0 - m1) + L0 z; log q - log p = -|L1^{-1}(x - m1)|^2/2 + |z|^2/2
    //                                           + (log det S0 - log det S1)/2.
    Matrix W = L0.triangularView<Eigen::Lower>() * Z;
    W.colwise() += dm;
    L1.triangularView<Eigen::Lower>().solveInPlace(W);
    lr = 0.5 * (Z.colwise().squaredNorm() - W.colwise().squaredNorm()).transpose();
    lr.array() += log_det_ratio;
  });
  return out;
}

// ---- commuting covariances (eigenvalue vectors) --------------------------------------------

namespace {
void check_diagonal_inputs(const Vector& m0, const Vector& a, const Vector& m1, const Vector& b,
                           const char* fn, bool allow_zero) {
  check_mean(m0, fn, "m0");
  check_mean(m1, fn, "m1");
  check_same_dim(m0, m1, fn);
  check_eigenvalues(a, m0.size(), fn, "a (eigenvalues of S0)", allow_zero);
  check_eigenvalues(b, m0.size(), fn, "b (eigenvalues of S1)", allow_zero);
}
}  // namespace

double diagonal_gaussian_kl(const Vector& m0, const Vector& a, const Vector& m1, const Vector& b) {
  check_diagonal_inputs(m0, a, m1, b, "diagonal_gaussian_kl", false);
  // KL = 1/2 sum_i [a_i/b_i - 1 - log(a_i/b_i) + (m1_i - m0_i)^2 / b_i].
  double s = 0;
  for (Index i = 0; i < m0.size(); ++i) {
    const double dm = m1(i) - m0(i);
    s += x_minus_log1p((a(i) - b(i)) / b(i)) + dm * dm / b(i);
  }
  return 0.5 * s;
}

double diagonal_gaussian_w2(const Vector& m0, const Vector& a, const Vector& m1, const Vector& b) {
  check_diagonal_inputs(m0, a, m1, b, "diagonal_gaussian_w2", true);
  // Commuting covariances: W2^2 = |m0 - m1|^2 + sum_i (sqrt a_i - sqrt b_i)^2 (docs/theory.md 5.4),
  // a sum of non-negative terms (no cancellation, unlike the general Bures form).
  double s = 0;
  for (Index i = 0; i < m0.size(); ++i) {
    const double dm = m0(i) - m1(i);
    const double ds = std::sqrt(a(i)) - std::sqrt(b(i));
    s += dm * dm + ds * ds;
  }
  return std::sqrt(s);
}

double diagonal_gaussian_bhattacharyya(const Vector& m0, const Vector& a, const Vector& m1,
                                       const Vector& b) {
  check_diagonal_inputs(m0, a, m1, b, "diagonal_gaussian_bhattacharyya", false);
  // log BC = sum_i [ -1/2 log((a_i + b_i) / (2 sqrt(a_i b_i))) - (dm_i)^2 / (4 (a_i + b_i)) ].
  double log_bc = 0;
  for (Index i = 0; i < m0.size(); ++i) {
    const double dm = m0(i) - m1(i);
    const double sa = std::sqrt(a(i)), sb = std::sqrt(b(i));
    // (a + b) / (2 sqrt(ab)) = 1 + (sqrt a - sqrt b)^2 / (2 sqrt(ab)).
    const double ds = sa - sb;
    log_bc -= 0.5 * std::log1p(ds * ds / (2.0 * sa * sb)) + 0.25 * dm * dm / (a(i) + b(i));
  }
  return std::exp(std::min(0.0, log_bc));
}

double diagonal_gaussian_hellinger(const Vector& m0, const Vector& a, const Vector& m1,
                                   const Vector& b) {
  return std::sqrt(std::max(0.0, 1.0 - diagonal_gaussian_bhattacharyya(m0, a, m1, b)));
}

TvBounds diagonal_gaussian_tv_bounds(const Vector& m0, const Vector& a, const Vector& m1,
                                     const Vector& b) {
  return tv_bounds(diagonal_gaussian_bhattacharyya(m0, a, m1, b),
                   diagonal_gaussian_kl(m0, a, m1, b));
}

GaussianTv diagonal_gaussian_tv(const Vector& m0, const Vector& a, const Vector& m1,
                                const Vector& b, const GaussianTvOptions& options) {
  options.validate();
  GaussianTv out;
  out.bounds = diagonal_gaussian_tv_bounds(m0, a, m1, b);  // validates all inputs
  const Index d = m0.size();
  if (d == 1) {
    out.tv = Estimate::exact(gaussian_tv_1d(m0(0), std::sqrt(a(0)), m1(0), std::sqrt(b(0))),
                             "gaussian_tv_1d_exact");
    return out;
  }
  if (a == b) {
    const double maha = ((m1 - m0).array() / a.array().sqrt()).matrix().norm();
    out.tv = Estimate::exact(tv_equal_cov(maha), "gaussian_tv_equal_cov_exact");
    return out;
  }
  const Vector sa = a.cwiseSqrt();
  const Vector inv_sb = b.cwiseSqrt().cwiseInverse();
  const Vector dm = m0 - m1;
  const double log_det_ratio = 0.5 * (a.array().log().sum() - b.array().log().sum());
  out.tv = monte_carlo_tv(d, options, [&](const Matrix& Z, Vector& lr) {
    Matrix W = sa.asDiagonal() * Z;
    W.colwise() += dm;
    W = inv_sb.asDiagonal() * W;
    lr = 0.5 * (Z.colwise().squaredNorm() - W.colwise().squaredNorm()).transpose();
    lr.array() += log_det_ratio;
  });
  return out;
}

}  // namespace difflab
