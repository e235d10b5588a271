#pragma once
// Chen, Chewi, Lee, Li, Lu, Salim, "The probability flow ODE is provably fast", NeurIPS 2023
// (arXiv 2305.11798): probability-flow ODE predictor steps interleaved with Langevin corrector
// steps, TV accuracy, smooth data (L-Lipschitz score), L2 score error (docs/theory.md 2.5,
// section 6).
//
// The paper's results are step counts O~(...) for TV <= eps, so these are "steps needed for
// accuracy" calculators (quantity "steps_needed"), with the O~ constant C explicit (default 1)
// and the hidden log factors dropped:
//   pf-ode-dpum (underdamped corrector): N = C L^2 sqrt(d) / accuracy,
//   pf-ode-dpom (overdamped corrector):  N = C L^3 d / accuracy^2.
// Provenance: the d-dependence (sqrt(d) vs d, "O(sqrt d) vs O(d)") is from the abstract [P];
// the L and eps exponents are from a secondary TL;DR [S] and are UNVERIFIED against the
// theorems.
//
// Requirements the theorems place on the score (flagged, not silently assumed): an L2 score
// error at every step at the level of the accuracy (exact level with its L and log factors not
// read; flag score_error_at_most_accuracy checks eps_score <= accuracy, details.
// required_eps_score_order = accuracy), and a score ESTIMATE that is L-Lipschitz in x at every
// t (flag score_estimate_lipschitz: true only for the exact score, eps_score = 0).
//
// Inputs used: d, L, accuracy (a TV value), eps_score. Constant: "C". Assumption flags:
// L_at_least_1, score_error_at_most_accuracy, score_estimate_lipschitz.
#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/bounds/bound_result.hpp"

namespace difflab {

BoundResult bound_pf_ode_dpum(const BoundInputs& inputs);
BoundResult bound_pf_ode_dpom(const BoundInputs& inputs);

}  // namespace difflab
