#pragma once
// Benton, De Bortoli, Doucet, Deligiannidis, "Nearly d-linear convergence bounds for diffusion
// models via stochastic localization", ICLR 2024 (arXiv 2308.03686): exponential integrator on
// a non-uniform grid with early stopping at forward time delta (docs/theory.md section 3).
//
// Inputs used: d, the grid (explicit, or built from T, delta, steps: by default Benton's own
// grid, benton_grid in schedule/grids.hpp; grid_kind "uniform" gives the uniform one),
// eps_score (Assumption 1's TIME-AVERAGED L2 error: sum_k gamma_k E||s - grad log q||^2 <=
// eps^2), identity_covariance (Assumption 2), centred (mean 0), kl_to_normal (optional).
// Constant: "C" (hidden by "<~", default 1).
//
// Assumption flags: identity_covariance (Cov(q) = I; unset counts as not verified),
// initialisation_term_valid (the paper's d e^{-2T} bounds KL(q_T || N(0, I)) only when
// E||X||^2 = d, i.e. Cov = I AND mean 0 (unset counts as not verified); otherwise the term
// e^{-2T} KL(q || N(0, I)) is used when KL is known, valid for every q; without KL the flag is
// false), T_at_least_1 (Theorem 1 needs T >= 1), step_condition (benton24_step_check below).
//
// When Cov = I or the mean fails and kl_to_normal is known, the initialisation term is
// e^{-2T} KL(q || N(0, I)) (constant 1, valid for every q) instead of C d e^{-2T}.
#include <string>

#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/bounds/bound_result.hpp"

namespace difflab {

// The step condition of Theorem 1, computed on the grid: every step k satisfies
// gamma_k <= kappa min(1, t_{k+1}) (forward time t_{k+1} at the step's end), and kappa < 1 (our
// reading of the small-step regime; with kappa >= 1 the discretisation term is >= d N). The
// worst ratio gamma_k / (kappa min(1, t_{k+1})) is returned; reason says which part fails.
struct Benton24StepCheck {
  bool holds = false;
  double worst_ratio = 0;
  std::string reason;
};
Benton24StepCheck benton24_step_check(const TimeGrid& grid, double kappa);

// Theorem 1 (docs/theory.md 3.3): KL(q_delta || p_{t_N}) <= C (eps_score^2 + kappa^2 d N
//                                                         + kappa d T + d e^{-2T}),
// with kappa = TimeGrid::kappa() of the grid. Terms: score_error = C eps^2, discretisation =
// C (kappa^2 d N + kappa d T) (Lemma 2 / Lemma 8), initialisation = C d e^{-2T} (Prop. 4).
BoundResult bound_benton24(const BoundInputs& inputs);

// Corollary 1 (docs/theory.md 3.4), for KL(q_delta || p_{t_N}) = O(eps^2) (eps as in the paper, the
// square root of the KL level):
//   the horizon T = (1/2) log(d / eps^2), raised to 1 when smaller (Theorem 1 needs T >= 1);
double benton24_corollary1_horizon(Index d, double eps);
//   the step count N = ceil(C_N d (T + log(1/delta))^2 / eps^2), raised to at least
//   log(1/delta) (the corollary's N >= log(1/delta)) and to the next even number (the grid is
//   half uniform, half geometric). C_N is the Theta constant, not stated: default 1.
// Requires d >= 1, eps > 0, 0 < delta < 1, T >= 1, C_N > 0.
long long benton24_corollary1_steps(Index d, double eps, double delta, double T, double C_N = 1);

}  // namespace difflab
