#pragma once
// The "Align Your Steps" comparison grid (Sabour, Fidler and Kreis 2024): the grid that
// minimises an upper bound on the KL divergence between the path law of the reverse SDE and
// that of its discretisation with the score frozen at the start of each step (the exponential
// integrator "ei"), instead of the error of the output law itself (docs/theory.md
// 12.1, where the bound is derived in our VP frame).
//
// By Girsanov's theorem, with the reverse drift (1/2) beta (y + 2 s(t, y)) and diffusion
// sqrt(beta), the bound is
//   KLUB = sum_k int_{t_{k+1}}^{t_k} (1/2) beta(t) E || s(t, X_t) - s(t_k, X_{t_k}) ||^2 dt,
// the expectation over the forward process (X_t, X_{t_k}). For any target the expectation is
// F(t) + (1 - 2 alpha_{t_k}/alpha_t) F(t_k), with F(t) = E|grad log q_t(X_t)|^2 the Fisher
// information of the noised law q_t (docs/theory.md 12.1): for a Gaussian target
// F(t) = sum_i 1/v_i(t) over its covariance eigenvalues, v(t) = alpha_t^2 lambda + sigma_t^2, in
// closed form; for a 1-D target by quadrature of its exact noised density and score on a mesh,
// tabulated over log t. The time integral is taken by 8-point Gauss-Legendre quadrature on each
// step. What is implemented is this bound with its expectation computed exactly (Gaussian and
// 1-D targets) or by Monte Carlo with the exact noised score (any other target, as AYS estimates
// it for data), and its minimisation (L-BFGS in the log-step parametrisation,
// schedule/grid_parametrization.hpp, central-difference gradients); AYS's iterative coordinate
// refinement is not.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "difflab/core/types.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/schedule/time_grid.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

// F(t) = E|grad log q_t(X_t)|^2, the Fisher information of the noised target at forward time t.
using NoisedFisherInformation = std::function<double(double t)>;

// The KLUB of the grid `times` for the target whose noised Fisher information is `fisher`.
double klub(const ForwardProcess& process, const NoisedFisherInformation& fisher,
            const std::vector<double>& times);

// The grid minimising klub, started from `start` (same T, delta and steps). `evaluations` (may
// be null) receives the number of KLUB evaluations.
TimeGrid ays_klub_grid(const ForwardProcess& process, const NoisedFisherInformation& fisher,
                       const TimeGrid& start, int* evaluations = nullptr);

// sum_i 1/(alpha_t^2 lambda_i + sigma_t^2): a Gaussian target's, covariance eigenvalues lambda.
NoisedFisherInformation gaussian_noised_fisher_information(const ForwardProcess& process,
                                                           const Vector& lambda);

// A 1-D target's, for t in [t_min, t_max] (t_min > 0): E q_t'(x)^2/q_t(x) by the trapezoidal
// rule on 2001 nodes over |x| <= 12 (alpha_t^2 E X^2 + sigma_t^2)^{1/2} (the summary's second
// moment), tabulated at 1001 times log-spaced in [t_min, t_max] and interpolated linearly in
// (log t, log F); outside the range, the end value. Throws difflab::Error for a target that is
// not 1-D or has no density, or when the mesh does not resolve q_{t_min} (the value on half the
// nodes differs by more than 1e-6 relative).
NoisedFisherInformation tabulated_noised_fisher_information_1d(const ForwardProcess& process,
                                                               const Target& target, double t_min,
                                                               double t_max);

// Any target, by Monte Carlo: F at 101 times log-spaced in [t_min, t_max] (t_min > 0), each the
// mean of |grad log q_t(X_t)|^2 over `samples` pairs X_t = alpha_t X_0 + sigma_t Z, X_0 exact
// samples of the target and Z standard normals, the same pairs at every t (so the table is
// smooth in t), from the counter-based generator keyed by `seed`; interpolated as the 1-D table.
// The relative standard error of each value is sd(|grad log q_t|^2) / (F sqrt(samples)).
NoisedFisherInformation monte_carlo_noised_fisher_information(const ForwardProcess& process,
                                                              const Target& target, double t_min,
                                                              double t_max, Index samples,
                                                              std::uint64_t seed);

// The KLUB of the grid `times` for a Gaussian target with covariance eigenvalues lambda (the
// mean does not enter: the score differences are centred).
double gaussian_klub(const ForwardProcess& process, const Vector& lambda,
                     const std::vector<double>& times);

// The grid minimising gaussian_klub, started from `start` (same T, delta and steps). `evaluations`
// (may be null) receives the number of KLUB evaluations.
TimeGrid ays_klub_grid(const ForwardProcess& process, const Vector& lambda, const TimeGrid& start,
                       int* evaluations = nullptr);

}  // namespace difflab
