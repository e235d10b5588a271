#pragma once
// Conforti, Durmus, Gentiloni Silveri, "KL convergence guarantees for score diffusion models
// under minimal data assumptions" (arXiv 2308.12240, first titled "Score diffusion models without
// early stopping: finite Fisher information is all you need"; SIAM J. Math. Data Sci. 2025),
// their main theorem for the OU-based model with a fixed step (docs/theory.md 6 and 16):
//
//   KL(q || p_{t_N}) <~ eps_score^2 + e^{-2T} KL(q || N(0, I)) + h (d + I(q | N(0, I))),
//
// with no early stopping (the grid ends at delta = 0), no Lipschitz condition on the score or
// its estimate, and the data condition I(q | N(0, I)) = E_q ||grad log q + x||^2 < infinity
// (the relative Fisher information, target/target_quantities.hpp).
//
// What was and was not read: only the paper's abstract was read [P]; the shape of the bound
// (KL, no early stopping, linear in d and in I(q | N(0, I)) per step) is from the abstract and
// secondary summaries [S], and the formula above, its theorem number, the form of the score-error
// assumption and any step-size condition were NOT read in the paper [R]. The result therefore
// has statement_verified = false and is never certified; the constant "C" stands for the
// unstated "<~" (default 1).
//
// Inputs used: d, the grid (uniform by default, built from T, delta, steps), eps_score (taken
// as the time integral sum_k gamma_k E||s - grad log q||^2 <= eps^2,
// ScoreErrorForm::kTimeIntegral), fisher_information (required; when it is a Monte Carlo
// estimate, the upper end of its 95% interval, fisher_information_hi, is used) and
// kl_to_normal (optional: without it, KL(q || N(0, I)) <= I(q | N(0, I)) / 2, the Gaussian
// log-Sobolev inequality, bounds the initialisation).
//
// Assumption flags: finite_fisher_information, no_early_stopping (delta = 0: the theorem
// compares the output with the data q itself), uniform_step (the fixed step size h).
#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/bounds/bound_result.hpp"

namespace difflab {

// Terms: score_error = C eps^2, initialisation = e^{-2T} KL (constant 1: the OU contraction of
// KL, valid for every q), discretisation = C h (d + I).
BoundResult bound_conforti23(const BoundInputs& inputs);

}  // namespace difflab
