#include "difflab/score/gaussian_mean_score.hpp"

#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"

namespace difflab {

GaussianMeanScore::GaussianMeanScore(Vector theta, std::shared_ptr<const ForwardProcess> process)
    : ScoreModel(std::move(process)), theta_(std::move(theta)) {
  require(process_ptr() != nullptr, "gaussian-mean score: no forward process");
  require(theta_.size() >= 1, "gaussian-mean score: theta is empty");
  require(theta_.allFinite(), "gaussian-mean score: theta has a non-finite entry");
}

void GaussianMeanScore::set_theta(const Vector& theta) {
  require(theta.size() == theta_.size(), "gaussian-mean score: new theta has dimension ",
          theta.size(), " but the model has dimension ", theta_.size());
  require(theta.allFinite(), "gaussian-mean score: new theta has a non-finite entry");
  theta_ = theta;
}

void GaussianMeanScore::evaluate(double t, ConstMatrixRef X, MatrixRef out) const {
  require(X.rows() == theta_.size(), "gaussian-mean score: points have dimension ", X.rows(),
          " but theta has dimension ", theta_.size());
  // s_theta(t, x) = -x + alpha(t) theta (docs/theory.md 4.3; alpha(t) = e^{-t} for OU).
  out = -X;
  out.colwise() += process().alpha(t) * theta_;
}

nlohmann::json GaussianMeanScore::to_json() const {
  return {{"type", "gaussian-mean"}, {"theta", json_util::to_json(theta_)}};
}

}  // namespace difflab
