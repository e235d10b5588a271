#pragma once
// GaussianMeanScore: the Gaussian-mean score family of Bruno et al.'s motivating example
// (arXiv 2311.13584 §3.1; docs/theory.md 4.3),
//   s_theta(t, x) = -x + alpha(t) theta,
// with theta in R^d. For the OU process alpha(t) = e^{-t}, which is the family of the paper and
// its code (s = -x + e^{-t} theta). For a general variance-preserving process we use alpha(t)
// of that process: if X_0 ~ N(theta, I) then q_t = N(alpha theta, alpha^2 I + sigma^2 I) =
// N(alpha theta, I), whose score is exactly -x + alpha(t) theta. So s_theta is the exact score
// of the target N(theta, I) under any VP process, and theta = mu gives the true score of the
// data N(mu, I).
#include "difflab/score/score_model.hpp"

namespace difflab {

class GaussianMeanScore final : public ScoreModel {
 public:
  // theta: nonempty, finite.
  GaussianMeanScore(Vector theta, std::shared_ptr<const ForwardProcess> process);

  Index dim() const override { return theta_.size(); }
  std::string name() const override { return "gaussian-mean"; }
  // {"type":"gaussian-mean","theta":[...]}
  nlohmann::json to_json() const override;

  const Vector& theta() const { return theta_; }
  // Replaces theta (same dimension, finite). Not thread-safe against concurrent evaluation.
  void set_theta(const Vector& theta);

 protected:
  void evaluate(double t, ConstMatrixRef X, MatrixRef out) const override;

 private:
  Vector theta_;
};

}  // namespace difflab
