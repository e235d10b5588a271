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
//
// k-nearest-neighbour truncation (knn = k >= 1; 0 = exact): the score's softmax is restricted to
// the k data points with the largest weights. The weight of x_i is exp(-|x - alpha x_i|^2 /
// (2 sigma^2)) = exp(-alpha^2 |x/alpha - x_i|^2 / (2 sigma^2)), so these are the k points nearest
// to the query y = x / alpha (= e^t x under OU) in the Euclidean metric: one kd-tree (nanoflann)
// over the data, built once, answers every t. The k + 1-th neighbour bounds what was left out
// (knn_truncation_bound; derivation in empirical_target.cpp, docs/theory.md 10.4). The
// log-density stays exact. A particle's truncated score is a pure function of the particle (the
// tree is fixed; neighbours are summed in index order), so it does not depend on its block either.
#include <memory>
#include <string>

#include "difflab/target/target.hpp"

namespace difflab {

// Per-particle bounds of the k-NN truncation at one noise level (docs/theory.md 10.4).
struct KnnTruncationBound {
  Vector neglected_mass;  // softmax mass of the data points left out (a fraction of 1)
  Vector score_error;     // |s_k(x) - grad log q_t(x)|, Euclidean norm
  double max_neglected_mass() const;
  double max_score_error() const;
};

class EmpiricalTarget final : public Target {
 public:
  // points: d x N (one data point per column), N >= 1. `source` names where they came from (a
  // file, or "inline") for to_json. knn: 0 (exact score) or 1 <= knn <= N (truncated score).
  EmpiricalTarget(Matrix points, std::string source, const std::string& where = "empirical",
                  Index knn = 0);
  ~EmpiricalTarget() override;
  EmpiricalTarget(EmpiricalTarget&&) noexcept;
  EmpiricalTarget(const EmpiricalTarget&) = delete;  // the kd-tree refers to the data buffer
  EmpiricalTarget& operator=(const EmpiricalTarget&) = delete;
  EmpiricalTarget& operator=(EmpiricalTarget&&) = delete;

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
  Index knn() const { return knn_; }

  // Upper bounds, per column of X, on the truncation error of the k-NN score at (alpha, sigma^2)
  // (zero when knn is N). Needs knn >= 1, alpha > 0 and sigma^2 > 0.
  KnnTruncationBound knn_truncation_bound(double alpha, double sigma2, ConstMatrixRef X) const;

 private:
  struct KdIndex;
  Matrix points_;    // d x N
  Matrix points_t_;  // N x d (row-major use in the inner-product GEMM)
  Vector norms2_;    // |x_i|^2
  std::string source_;
  Index knn_ = 0;
  std::unique_ptr<KdIndex> index_;  // built when knn_ >= 1
  // Evaluates the tile-wise kernel: log-sum-exp of the logits per particle (lse) and, when
  // `mean` is given, the responsibility-weighted data mean sum_i r_i x_i.
  void kernel(double alpha, double sigma2, ConstMatrixRef X, Eigen::Ref<Vector> lse,
              Matrix* mean) const;
  // The k-NN score (into `score`, when given) and its bounds (into `bound`, when given).
  void knn_kernel(double alpha, double sigma2, ConstMatrixRef X, Matrix* score,
                  KnnTruncationBound* bound) const;
};

}  // namespace difflab
