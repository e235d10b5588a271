#pragma once
// Gaussian target N(mu, Sigma). Sigma = U diag(lambda) U^T is diagonalised once; every q_t
// shares the eigenvectors (q_t = N(alpha mu, U diag(alpha^2 lambda + sigma^2) U^T), docs/theory.md
// 5.1), so a score costs one rotation plus O(d) per particle, and nothing for diagonal Sigma.
#include "difflab/target/target.hpp"

namespace difflab {

class GaussianTarget final : public Target {
 public:
  // Full covariance (validated symmetric positive definite).
  GaussianTarget(Vector mean, const Matrix& cov, const std::string& where = "gaussian");
  // Diagonal covariance (isotropic: all entries equal).
  static GaussianTarget diagonal(Vector mean, Vector variances,
                                 const std::string& where = "gaussian");

  Index dim() const override { return mean_.size(); }
  std::string type() const override { return "gaussian"; }
  nlohmann::json to_json() const override;
  TargetSummary summary() const override;
  Matrix sample(Index n, const CounterRng& rng, std::uint64_t first_particle = 0) const override;
  void noised_log_density(double alpha, double sigma2, ConstMatrixRef X,
                          Eigen::Ref<Vector> out) const override;
  void noised_score(double alpha, double sigma2, ConstMatrixRef X, MatrixRef out) const override;

  const Vector& mean() const { return mean_; }
  Matrix covariance() const;
  // Eigenbasis: columns of U (identity when diagonal) and eigenvalues lambda.
  bool is_diagonal() const { return diagonal_; }
  const Matrix& eigenvectors() const { return U_; }
  const Vector& eigenvalues() const { return lambda_; }
  // Noised covariance eigenvalues alpha^2 lambda + sigma^2.
  Vector noised_eigenvalues(double alpha, double sigma2) const;

 private:
  GaussianTarget() = default;
  Vector mean_;
  Matrix U_;          // empty when diagonal_
  Matrix input_cov_;  // the (symmetrised) covariance as given, so to_json round-trips exactly
  Vector lambda_;
  bool diagonal_ = true;
};

}  // namespace difflab
