#include "difflab/score/perturbed_score.hpp"

#include <cmath>

#include "difflab/core/columnwise.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {

namespace {

// Mean and covariance of the target (needed by the linear map's exact normalisation).
void target_moments(const Target& target, Vector& mean, Matrix& cov) {
  if (const auto* g = dynamic_cast<const GaussianTarget*>(&target)) {
    mean = g->mean();
    cov = g->covariance();
    return;
  }
  if (const auto* m = dynamic_cast<const GaussianMixtureTarget*>(&target)) {
    // Law of total covariance: Cov = sum_i w_i (Sigma_i + mu_i mu_i^T) - mu mu^T.
    const Index d = m->dim();
    mean = Vector::Zero(d);
    Matrix second = Matrix::Zero(d, d);
    for (Index i = 0; i < m->components(); ++i) {
      const double w = m->weights()(i);
      mean += w * m->mean(i);
      second += w * (m->covariance(i) + m->mean(i) * m->mean(i).transpose());
    }
    cov = second - mean * mean.transpose();
    return;
  }
  fail(
      "perturbed score: the linear-map perturbation needs the target's mean and covariance, "
      "known in closed form for 'gaussian' and 'gmm' targets, not for '",
      target.type(), "' (use the constant-direction perturbation)");
}

}  // namespace

PerturbedScore::PerturbedScore(std::shared_ptr<const Target> target,
                               std::shared_ptr<const ForwardProcess> process, double eps_sc,
                               Kind kind)
    : ScoreModel(std::move(process)), target_(std::move(target)), eps_sc_(eps_sc), kind_(kind) {
  require(target_ != nullptr, "perturbed score: no target");
  require(process_ptr() != nullptr, "perturbed score: no forward process");
  require(std::isfinite(eps_sc) && eps_sc >= 0,
          "perturbed score: eps_sc (the L2 size of the perturbation) must be finite and >= 0, "
          "got ",
          eps_sc);
}

PerturbedScore::PerturbedScore(std::shared_ptr<const Target> target,
                               std::shared_ptr<const ForwardProcess> process, double eps_sc,
                               const Vector& direction)
    : PerturbedScore(std::move(target), std::move(process), eps_sc, Kind::kConstantDirection) {
  set_direction(direction);
}

PerturbedScore::PerturbedScore(std::shared_ptr<const Target> target,
                               std::shared_ptr<const ForwardProcess> process, double eps_sc,
                               std::uint64_t seed)
    : PerturbedScore(std::move(target), std::move(process), eps_sc, Kind::kConstantDirection) {
  // A normalised standard normal vector is uniform on the sphere.
  Vector u(dim());
  CounterRng(seed).stream(RngUse::kPerturbation, 0, 0).fill_normal(u.data(), u.size());
  set_direction(u);
}

void PerturbedScore::set_direction(const Vector& direction) {
  require(direction.size() == dim(), "perturbed score: direction has dimension ", direction.size(),
          " but the target has dimension ", dim());
  require(direction.allFinite(), "perturbed score: direction has a non-finite entry");
  const double norm = direction.norm();
  require(norm > 0, "perturbed score: direction is the zero vector (it must have a nonzero norm)");
  direction_ = direction / norm;
}

std::unique_ptr<PerturbedScore> PerturbedScore::linear_map(
    std::shared_ptr<const Target> target, std::shared_ptr<const ForwardProcess> process,
    double eps_sc, const Matrix& B) {
  std::unique_ptr<PerturbedScore> s(
      new PerturbedScore(std::move(target), std::move(process), eps_sc, Kind::kLinearMap));
  s->set_linear_map(B);
  return s;
}

std::unique_ptr<PerturbedScore> PerturbedScore::random_linear_map(
    std::shared_ptr<const Target> target, std::shared_ptr<const ForwardProcess> process,
    double eps_sc, std::uint64_t seed) {
  require(target != nullptr, "perturbed score: no target");
  const Index d = target->dim();
  Matrix B(d, d);
  CounterRng(seed).stream(RngUse::kPerturbation, 0, 0).fill_normal(B.data(), B.size());
  return linear_map(std::move(target), std::move(process), eps_sc, B);
}

void PerturbedScore::set_linear_map(const Matrix& B) {
  const Index d = dim();
  require(B.rows() == d && B.cols() == d, "perturbed score: linear map is ", B.rows(), " x ",
          B.cols(), " but the target has dimension ", d, " (need ", d, " x ", d, ")");
  require(B.allFinite(), "perturbed score: linear map has a non-finite entry");
  require(B.squaredNorm() > 0, "perturbed score: linear map is the zero matrix");
  Vector mean;
  Matrix cov;
  target_moments(*target_, mean, cov);
  B_ = B;
  B_mean_ = B * mean;
  trace_B_cov_Bt_ = (B * cov * B.transpose()).trace();
  frobenius2_B_ = B.squaredNorm();
}

void PerturbedScore::evaluate(double t, ConstMatrixRef X, MatrixRef out) const {
  const double alpha = process().alpha(t);
  const double sigma2 = process().sigma2(t);
  target_->noised_score(alpha, sigma2, X, out);  // checks X's dimension
  if (kind_ == Kind::kConstantDirection) {
    out.colwise() += eps_sc_ * direction_;
    return;
  }
  // tr(B C_t B^T) with C_t = alpha^2 Sigma + sigma^2 I.
  const double trace = alpha * alpha * trace_B_cov_Bt_ + sigma2 * frobenius2_B_;
  require(trace > 0, "perturbed score: tr(B C_t B^T) = 0 at t=", t,
          " (the linear map annihilates q_t's covariance); the perturbation cannot be normalised");
  const double scale = eps_sc_ / std::sqrt(trace);
  // B (x - m_t), m_t = alpha mu; per column so the product does not depend on the batch width
  // (core/columnwise.hpp).
  Vector bx(X.rows());
  Vector x(X.rows());
  for (Index j = 0; j < X.cols(); ++j) {
    x = X.col(j);
    bx.noalias() = B_ * x;
    out.col(j) += scale * bx - (scale * alpha) * B_mean_;
  }
}

nlohmann::json PerturbedScore::to_json() const {
  nlohmann::json j{{"type", "perturbed"}, {"eps_sc", eps_sc_}};
  if (kind_ == Kind::kConstantDirection) {
    j["perturbation"] = "constant-direction";
    j["direction"] = json_util::to_json(direction_);
  } else {
    j["perturbation"] = "linear-map";
    j["matrix"] = json_util::to_json(B_);
  }
  return j;
}

ScoreErrorEstimate PerturbedScore::realised_l2_error(double t, Index n, std::uint64_t seed) const {
  return l2_score_error(*this, *target_, t, n, seed);
}

}  // namespace difflab
