#include "difflab/target/gaussian_target.hpp"

#include <cmath>
#include <numbers>

#include "difflab/core/columnwise.hpp"
#include "difflab/core/dense_decompositions.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/memory_budget.hpp"
#include "difflab/target/target_quantities.hpp"

namespace difflab {

namespace {
constexpr double kLog2Pi = 1.8378770664093454836;

void check_finite_vector(const Vector& v, const std::string& where, const char* what) {
  for (Index i = 0; i < v.size(); ++i)
    require(std::isfinite(v(i)), where, ": ", what, " entry ", i, " is not finite");
}
}  // namespace

GaussianTarget::GaussianTarget(Vector mean, const Matrix& cov, const std::string& where)
    : mean_(std::move(mean)) {
  const Index d = mean_.size();
  require(d > 0, where, ": mean is empty");
  check_finite_vector(mean_, where, "mean");
  require(cov.rows() == d && cov.cols() == d, where, ": covariance is ", cov.rows(), " x ",
          cov.cols(), " but the mean has dimension ", d);
  require(cov.allFinite(), where, ": covariance has a non-finite entry");
  const double scale = std::max(1.0, cov.cwiseAbs().maxCoeff());
  require((cov - cov.transpose()).cwiseAbs().maxCoeff() <= 1e-10 * scale, where,
          ": covariance is not symmetric");
  Eigen::LLT<Matrix> llt(cov);
  require(llt.info() == Eigen::Success, where,
          ": covariance is not positive definite (Cholesky failed)");
  const Matrix sym = 0.5 * (cov + cov.transpose());
  const SymmetricEigen eig = symmetric_eigen(sym);
  require(eig.ok, where, ": eigendecomposition of the covariance failed");
  lambda_ = eig.values;
  require(lambda_.minCoeff() > 0, where, ": covariance is not positive definite (eigenvalue ",
          lambda_.minCoeff(), ")");
  // A diagonal input needs no rotation: keep the cheap path and the exact eigenvalues.
  Matrix off = sym;
  off.diagonal().setZero();
  if (off.cwiseAbs().maxCoeff() == 0.0) {
    lambda_ = sym.diagonal();
    diagonal_ = true;
  } else {
    U_ = eig.vectors;
    diagonal_ = false;
    input_cov_ = sym;
  }
}

GaussianTarget GaussianTarget::diagonal(Vector mean, Vector variances, const std::string& where) {
  require(mean.size() > 0, where, ": mean is empty");
  require(variances.size() == mean.size(), where, ": ", variances.size(),
          " variances for dimension ", mean.size());
  check_finite_vector(mean, where, "mean");
  check_finite_vector(variances, where, "variance");
  for (Index i = 0; i < variances.size(); ++i)
    require(variances(i) > 0, where, ": variance ", i, " must be positive, got ", variances(i));
  GaussianTarget g;
  g.mean_ = std::move(mean);
  g.lambda_ = std::move(variances);
  g.diagonal_ = true;
  return g;
}

Matrix GaussianTarget::covariance() const {
  if (diagonal_) return lambda_.asDiagonal();
  return U_ * lambda_.asDiagonal() * U_.transpose();
}

Vector GaussianTarget::noised_eigenvalues(double alpha, double sigma2) const {
  return (alpha * alpha * lambda_.array() + sigma2).matrix();
}

nlohmann::json GaussianTarget::to_json() const {
  nlohmann::json j;
  j["type"] = "gaussian";
  j["mean"] = std::vector<double>(mean_.data(), mean_.data() + mean_.size());
  if (diagonal_) {
    j["diag"] = std::vector<double>(lambda_.data(), lambda_.data() + lambda_.size());
  } else {
    // The covariance as given: U diag(lambda) U^T differs from it in the last bits, and would
    // drift further on every write/read cycle.
    const Matrix& C = input_cov_;
    nlohmann::json rows = nlohmann::json::array();
    for (Index i = 0; i < C.rows(); ++i) {
      std::vector<double> r(static_cast<std::size_t>(C.cols()));
      for (Index k = 0; k < C.cols(); ++k) r[static_cast<std::size_t>(k)] = C(i, k);
      rows.push_back(r);
    }
    j["cov"] = rows;
  }
  return j;
}

TargetSummary GaussianTarget::summary() const {
  // docs/theory.md 5.1: m2^2 = ||mu||^2 + tr Sigma; KL(N(mu,Sigma)||N(0,I)) = (tr Sigma + ||mu||^2
  // - d - log det Sigma)/2; sup_t Lip = max(1, 1/lambda_min); strong log-concavity 1/lambda_max.
  TargetSummary s;
  const double tr = lambda_.sum();
  s.second_moment = mean_.squaredNorm() + tr;
  s.kl_to_standard_normal =
      0.5 * (tr + mean_.squaredNorm() - static_cast<double>(dim()) - lambda_.array().log().sum());
  s.score_lipschitz = std::max(1.0, 1.0 / lambda_.minCoeff());
  s.strong_log_concavity = 1.0 / lambda_.maxCoeff();
  s.score_lipschitz_kind = "exact";
  s.fisher_information = gaussian_relative_fisher_information(mean_, lambda_);
  return s;
}

Matrix GaussianTarget::sample(Index n, const CounterRng& rng, std::uint64_t first_particle) const {
  require_matrix_memory(dim(), n, 2, "drawing " + std::to_string(n) + " samples");
  Matrix Z(dim(), n);
  rng.fill_normal(Z, RngUse::kTargetSample, first_particle, 0);
  const Vector sd = lambda_.array().sqrt();
  Z = sd.asDiagonal() * Z;
  if (!diagonal_) {
    // Per column, so a particle's sample does not depend on n (core/columnwise.hpp).
    for_each_column(Z, Z, [&](const Vector& z, Vector& y) { y.noalias() = U_ * z; });
  }
  return Z.colwise() + mean_;
}

void GaussianTarget::noised_log_density(double alpha, double sigma2, ConstMatrixRef X,
                                        Eigen::Ref<Vector> out) const {
  check_dim(X, "input");
  const Vector c = noised_eigenvalues(alpha, sigma2);
  const Vector inv_c = c.cwiseInverse();
  const Vector m = alpha * mean_;
  const double log_norm = -0.5 * (static_cast<double>(dim()) * kLog2Pi + c.array().log().sum());
  // Per column (core/columnwise.hpp) so a particle's value does not depend on its batch.
  Vector y(dim());
  for_each_column_scalar(X, out, [&](const Vector& x) {
    y.noalias() = x - m;
    if (!diagonal_) y = (U_.transpose() * y).eval();
    return log_norm - 0.5 * y.cwiseAbs2().dot(inv_c);
  });
}

void GaussianTarget::noised_score(double alpha, double sigma2, ConstMatrixRef X,
                                  MatrixRef out) const {
  check_dim(X, "input");
  // grad log q_t(x) = -Sigma_t^{-1} (x - alpha mu), Sigma_t = U diag(alpha^2 lambda + sigma^2) U^T.
  const Vector inv_c = noised_eigenvalues(alpha, sigma2).cwiseInverse();
  const Vector m = alpha * mean_;
  if (diagonal_) {
    // Elementwise only: no reduction, so batch-invariant as it stands.
    out.noalias() = -(inv_c.asDiagonal() * (X.colwise() - m));
    return;
  }
  Vector z(dim());
  for_each_column(X, out, [&](const Vector& x, Vector& s) {
    z.noalias() = U_.transpose() * (x - m);
    z.array() *= -inv_c.array();
    s.noalias() = U_ * z;
  });
}

}  // namespace difflab
