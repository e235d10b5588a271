#pragma once
// PerturbedScore: the exact score of a target plus a deterministic, smooth perturbation whose
// L2(q_t) size is exactly eps_sc at every t,
//   s(t, x) = grad log q_t(x) + eps_sc e(t, x),   E_{q_t} ||e(t, X)||^2 = 1 for all t,
// so that the score-error term of the bounds (CCL23 A3, Benton et al. Assumption 3: the
// L2(q_t) error eps_score; docs/theory.md 2.2, 3.2) is known exactly. Both perturbations are affine
// in x, so a Gaussian target's sampler laws stay Gaussian (exact-law computations apply).
//
//  - constant direction: e(t, x) = u with ||u|| = 1, either given (normalised here) or drawn
//    once as a normalised N(0, I) vector from the stream (seed, RngUse::kPerturbation, 0, 0),
//    i.e. uniform on the sphere. ||e|| = 1 pointwise, so the L2(q_t) norm is exactly eps_sc.
//  - linear map: e(t, x) = B (x - m_t) / sqrt(tr(B C_t B^T)) with m_t = E_{q_t} X =
//    alpha(t) mu and C_t = Cov_{q_t} = alpha(t)^2 Sigma + sigma(t)^2 I (mu, Sigma the target's
//    mean and covariance). Then E||B (X - m_t)||^2 = tr(B C_t B^T) exactly, for any target
//    with these moments; implemented for the gaussian and gmm targets, whose moments are known
//    in closed form. B is given or drawn with i.i.d. N(0, 1) entries from
//    (seed, kPerturbation, 0, 0) (column-major order).
//
// realised_l2_error estimates the achieved size by Monte Carlo (score_error.hpp) as a check.
#include <cstdint>
#include <memory>

#include "difflab/score/score_error.hpp"
#include "difflab/score/score_model.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

class PerturbedScore final : public ScoreModel {
 public:
  enum class Kind { kConstantDirection, kLinearMap };

  // Constant direction: s = exact + eps_sc direction / ||direction||. eps_sc >= 0; direction
  // nonzero, finite and of the target's dimension.
  PerturbedScore(std::shared_ptr<const Target> target,
                 std::shared_ptr<const ForwardProcess> process, double eps_sc,
                 const Vector& direction);
  // Constant direction drawn uniformly on the unit sphere from `seed`.
  PerturbedScore(std::shared_ptr<const Target> target,
                 std::shared_ptr<const ForwardProcess> process, double eps_sc, std::uint64_t seed);
  // s = exact + eps_sc B (x - m_t) / sqrt(tr(B C_t B^T)). B is d x d, finite and nonzero; the
  // target must be gaussian or gmm.
  static std::unique_ptr<PerturbedScore> linear_map(std::shared_ptr<const Target> target,
                                                    std::shared_ptr<const ForwardProcess> process,
                                                    double eps_sc, const Matrix& B);
  // As above with B drawn with i.i.d. N(0, 1) entries from `seed`.
  static std::unique_ptr<PerturbedScore> random_linear_map(
      std::shared_ptr<const Target> target, std::shared_ptr<const ForwardProcess> process,
      double eps_sc, std::uint64_t seed);

  Index dim() const override { return target_->dim(); }
  std::string name() const override { return "perturbed"; }
  // {"type":"perturbed","perturbation":"constant-direction"|"linear-map","eps_sc":...,
  //  "direction":[...] | "matrix":[[...]]}
  nlohmann::json to_json() const override;

  Kind kind() const { return kind_; }
  double eps_sc() const { return eps_sc_; }
  // The unit direction u (constant direction) or the matrix B (linear map); the other is empty.
  const Vector& direction() const { return direction_; }
  const Matrix& map() const { return B_; }
  const Target& target() const { return *target_; }

  // Monte Carlo estimate of sqrt(E_{q_t} ||s - grad log q_t||^2) (which is eps_sc by
  // construction) with a 95% confidence interval, from n exact samples of q_t.
  ScoreErrorEstimate realised_l2_error(double t, Index n, std::uint64_t seed) const;

 protected:
  void evaluate(double t, ConstMatrixRef X, MatrixRef out) const override;

 private:
  PerturbedScore(std::shared_ptr<const Target> target,
                 std::shared_ptr<const ForwardProcess> process, double eps_sc, Kind kind);
  void set_direction(const Vector& direction);
  void set_linear_map(const Matrix& B);

  std::shared_ptr<const Target> target_;
  double eps_sc_;
  Kind kind_;
  Vector direction_;  // unit u (constant direction)
  Matrix B_;          // linear map
  // Linear map: B mu, tr(B Sigma B^T) and ||B||_F^2, so that tr(B C_t B^T) = alpha^2 tr(B
  // Sigma B^T) + sigma^2 ||B||_F^2 costs O(1) per evaluation.
  Vector B_mean_;
  double trace_B_cov_Bt_ = 0;
  double frobenius2_B_ = 0;
};

}  // namespace difflab
