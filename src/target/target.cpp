#include "difflab/target/target.hpp"

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

nlohmann::json TargetSummary::to_json() const {
  nlohmann::json j;
  j["second_moment"] = second_moment;
  j["kl_to_standard_normal"] =
      kl_to_standard_normal ? nlohmann::json(*kl_to_standard_normal) : nlohmann::json();
  j["score_lipschitz"] = score_lipschitz ? nlohmann::json(*score_lipschitz) : nlohmann::json();
  j["strong_log_concavity"] =
      strong_log_concavity ? nlohmann::json(*strong_log_concavity) : nlohmann::json();
  j["fisher_information"] =
      fisher_information ? nlohmann::json(*fisher_information) : nlohmann::json();
  if (kl_to_standard_normal_ci) j["kl_to_standard_normal_ci"] = *kl_to_standard_normal_ci;
  if (fisher_information_ci) j["fisher_information_ci"] = *fisher_information_ci;
  if (!score_lipschitz_kind.empty()) j["score_lipschitz_kind"] = score_lipschitz_kind;
  if (!notes.empty()) j["notes"] = notes;
  return j;
}

void Target::check_dim(ConstMatrixRef X, const char* what) const {
  require(X.rows() == dim(), type(), " target: ", what, " has dimension ", X.rows(),
          " but the target has dimension ", dim());
}

Vector Target::log_density(const Matrix& X) const {
  Vector out(X.cols());
  noised_log_density(1.0, 0.0, X, out);
  return out;
}

Matrix Target::score(const Matrix& X) const {
  Matrix out(X.rows(), X.cols());
  noised_score(1.0, 0.0, X, out);
  return out;
}

Vector Target::log_qt(const ForwardProcess& process, double t, const Matrix& X) const {
  Vector out(X.cols());
  noised_log_density(process.alpha(t), process.sigma2(t), X, out);
  return out;
}

Matrix Target::score_qt(const ForwardProcess& process, double t, const Matrix& X) const {
  Matrix out(X.rows(), X.cols());
  noised_score(process.alpha(t), process.sigma2(t), X, out);
  return out;
}

void require_noise_level(double alpha, double sigma2, const char* what) {
  require(std::isfinite(alpha) && std::isfinite(sigma2) && sigma2 >= 0, what,
          ": alpha must be finite and sigma2 finite and >= 0, got alpha = ", alpha,
          ", sigma2 = ", sigma2);
}

}  // namespace difflab
