#pragma once
// EmpiricalTarget: the empirical measure (1/N) sum_i delta_{x_i} of a user's data. Its noised law
// is the equal-weight mixture of N(alpha x_i, sigma^2 I), so its score is exact at every t > 0
// (the "ideal denoiser" of the training set; docs/theory.md 10.4):
//   grad log q_t(x) = (alpha sum_i r_i(x) x_i - x) / sigma^2,
//   r = softmax_i(-|x - alpha x_i|^2 / (2 sigma^2)) = softmax_i((alpha x_i.x - alpha^2 |x_i|^2/2)
//   / sigma^2)
// (the |x|^2 term is the same for every i and cancels). The inner products x_i.x of a tile of
// particles are one (N x d)(d x kTile) product, the weighted means one (d x N)(N x kTile)
// product, taken over chunks of the data with a running log-sum-exp (no n x N x d temporary; the
// memory is a chunk times a tile). The data matrix and |x_i|^2 are stored once per target.
// At t = 0 (sigma = 0) the law has no density: the score and log-density are refused, and
// has_density() is false, so metrics that need a density are not chosen for it.
//
// Determinism: every product has the same shape whatever the batch (tiles of kTile particles,
// the last zero-padded; chunks of fixed size), so a particle's score does not depend on its block.
#include <string>

#include "difflab/target/target.hpp"

namespace difflab {

class EmpiricalTarget final : public Target {
 public:
  // points: d x N (one data point per column), N >= 1. `source` names where they came from (a
  // file, or "inline") for to_json.
  EmpiricalTarget(Matrix points, std::string source, const std::string& where = "empirical");

  Index dim() const override { return points_.rows(); }
  std::string type() const override { return "empirical"; }
  nlohmann::json to_json() const override;
  TargetSummary summary() const override;
  bool has_density() const override { return false; }
  // Sample j is the data point with index floor(u N), u uniform from (seed, kTargetSample, j).
  Matrix sample(Index n, const CounterRng& rng, std::uint64_t first_particle = 0) const override;
  void noised_log_density(double alpha, double sigma2, ConstMatrixRef X,
                          Eigen::Ref<Vector> out) const override;
  void noised_score(double alpha, double sigma2, ConstMatrixRef X, MatrixRef out) const override;

  const Matrix& points() const { return points_; }
  Index size() const { return points_.cols(); }

 private:
  Matrix points_;    // d x N
  Matrix points_t_;  // N x d (row-major use in the inner-product GEMM)
  Vector norms2_;    // |x_i|^2
  std::string source_;
  // Evaluates the tile-wise kernel: log-sum-exp of the logits per particle (lse) and, when
  // `mean` is given, the responsibility-weighted data mean sum_i r_i x_i.
  void kernel(double alpha, double sigma2, ConstMatrixRef X, Eigen::Ref<Vector> lse,
              Matrix* mean) const;
};

}  // namespace difflab
