#pragma once
// Gaussian mixture sum_i w_i N(mu_i, Sigma_i). q_t = sum_i w_i N(alpha mu_i, alpha^2 Sigma_i +
// sigma^2 I) (docs/theory.md 5.1). Scores use log-sum-exp responsibilities. Full covariances are
// diagonalised once each (Sigma_i = U_i diag(lambda_i) U_i^T), which whitens component i at every
// noise level with the same U_i. Evaluation runs per fixed-width tile of particles with the
// component sums as matrix products; a particle's result does not depend on its batch, and
// particles where the expanded quadratic form would lose digits, or overflow, take the difference
// form (src/target/mixture_tiles.hpp).
#include <vector>

#include "difflab/target/target.hpp"

namespace difflab {

class GaussianMixtureTarget final : public Target {
 public:
  struct Component {
    Vector mean;
    Matrix cov;        // full covariance when !diagonal
    Vector variances;  // diagonal covariance when diagonal
    bool diagonal = true;
  };
  // Weights are checked (non-negative, summing to 1 within 1e-9) and renormalised.
  GaussianMixtureTarget(std::vector<double> weights, std::vector<Component> components,
                        const std::string& where = "gmm");

  Index dim() const override { return dim_; }
  std::string type() const override { return "gmm"; }
  nlohmann::json to_json() const override;
  TargetSummary summary() const override;
  Matrix sample(Index n, const CounterRng& rng, std::uint64_t first_particle = 0) const override;
  void noised_log_density(double alpha, double sigma2, ConstMatrixRef X,
                          Eigen::Ref<Vector> out) const override;
  void noised_score(double alpha, double sigma2, ConstMatrixRef X, MatrixRef out) const override;

  Index components() const { return static_cast<Index>(weights_.size()); }
  const Vector& weights() const { return weights_; }
  const Vector& mean(Index i) const { return means_[static_cast<std::size_t>(i)]; }
  Matrix covariance(Index i) const;
  // Posterior component probabilities r_i(x) under q_t (K x n), used by tests and metrics.
  Matrix responsibilities(double alpha, double sigma2, ConstMatrixRef X) const;
  // noised_score, returning how many particles took the difference form rather than the
  // matrix-product expansion (for the accuracy tests and the benchmarks).
  Index noised_score_counted(double alpha, double sigma2, ConstMatrixRef X, MatrixRef out) const;

 private:
  template <class Fn>
  auto with_level(double alpha, double sigma2, Fn&& fn) const;

  Index dim_ = 0;
  Vector weights_;
  std::vector<Vector> means_;
  bool all_diagonal_ = true;
  Matrix mean_matrix_;              // d x K
  Matrix variances_;                // d x K eigenvalues (diagonal variances when all_diagonal_)
  std::vector<Matrix> U_;           // eigenvectors per component (empty when all_diagonal_)
  bool isotropic_ = false;          // all diagonal, each with equal variances
  Matrix U_stack_, U_stack_t_;      // [U_1 ... U_K] (d x Kd) and its transpose (!all_diagonal_)
  Matrix rotated_means_;            // d x K: U_i^T mu_i (!all_diagonal_)
  std::vector<Matrix> input_covs_;  // full covariances as given (empty for diagonal components),
                                    // so that to_json round-trips exactly
};

}  // namespace difflab
