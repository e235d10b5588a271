#pragma once
// Quantities of a target the bounds need beyond its moments, for every target type:
//
//   relative Fisher information  I(q | N(0, I)) = E_q ||grad log q(X) + X||^2
//       (Conforti, Durmus & Gentiloni Silveri's data condition: finite Fisher information of
//       the data relative to the standard Gaussian);
//   KL(q || N(0, I))             = E_q [log q(X) + ||X||^2 / 2 + (d/2) log(2 pi)];
//   a certified upper bound on sup_{t >= 0} Lip(grad log q_t) for Gaussian mixtures.
//
// Closed forms where they exist (Gaussian); otherwise Monte Carlo over exact samples of q with a
// 95% normal interval, from a fixed stream (seed kQuantitySeed, use kMonteCarlo via the
// target's own sampler keyed by that seed), so the numbers are reproducible.
#include <cstdint>
#include <optional>
#include <string>

#include "difflab/core/types.hpp"

namespace difflab {

class Target;
class GaussianMixtureTarget;
struct TargetSummary;

inline constexpr std::uint64_t kQuantitySeed = 0x5eed'f15c'0001ULL;
inline constexpr Index kQuantitySamples = 20000;

struct MonteCarloEstimate {
  double value = 0;
  double ci_lo = 0, ci_hi = 0;  // 95% normal interval of the mean
  Index samples = 0;
};

// I(N(m, Sigma) | N(0, I)) = tr Sigma - 2 d + tr Sigma^{-1} + ||m||^2, from Sigma's eigenvalues:
// grad log q(x) + x = (I - Sigma^{-1})(x - m) + m, whose second moment under q is that sum.
double gaussian_relative_fisher_information(const Vector& mean, const Vector& cov_eigenvalues);

// Monte Carlo estimates over n exact samples of q (n >= 2).
MonteCarloEstimate relative_fisher_information_mc(const Target& target, Index n = kQuantitySamples,
                                                  std::uint64_t seed = kQuantitySeed);
MonteCarloEstimate kl_to_standard_normal_mc(const Target& target, Index n = kQuantitySamples,
                                            std::uint64_t seed = kQuantitySeed);

// A certified upper bound on sup_{t >= 0} ||Hess log q_t||_op for the OU marginals of a Gaussian
// mixture whose components share one covariance Sigma (q_t's components then share
// C_t = a Sigma + (1 - a) I, a = e^{-2t}). With r the posterior responsibilities,
//   Hess log q_t = -C_t^{-1} + Cov_r(C_t^{-1} sqrt(a) mu_I),
// and the covariance of a vector supported on a set of diameter D has operator norm <= D^2 / 4
// (Popoviciu), so -C_t^{-1} <= Hess <= -C_t^{-1} + a D^2 / (4 lambda_min(C_t)^2) I with
// D = max_ij ||mu_i - mu_j||. Hence ||Hess|| <= max(1/lambda_min(C_t), a D^2 / (4
// lambda_min(C_t)^2)); with s = lambda_min(Sigma), lambda_min(C_t) = 1 + a (s - 1), and the sup
// over a in (0, 1] is taken in closed form. Components with different covariances: no value,
// and `reason` says why.
struct LipschitzBound {
  std::optional<double> value;
  std::string reason;
};
LipschitzBound mixture_score_lipschitz_bound(const GaussianMixtureTarget& target);

// Hooks for the targets' summary(): fill what the summary lacks (fisher information, and for
// mixtures KL and the Lipschitz bound), with intervals and notes saying how each was obtained.
void add_mixture_quantities(const GaussianMixtureTarget& target, TargetSummary& summary);
void add_monte_carlo_fisher_information(const Target& target, TargetSummary& summary);

}  // namespace difflab
