#pragma once
// Chen, Lee, Lu, "Improved analysis of score-based generative modeling: user-friendly bounds
// under minimal smoothness assumptions", ICML 2023 (arXiv 2211.01916): KL with early stopping
// at delta, finite second moment, time-averaged L2 score error, exponential integrator
// (docs/theory.md section 6).
//
// Only the step COUNT of the early-stopping theorem is known to us, as an O~ rate, so this is a
// "steps needed for accuracy" calculator (quantity "steps_needed"), not an error bound:
//   N = C d^2 log^2(1/delta) / accuracy     for KL(q_delta || p) <= accuracy,
// the form Benton et al.'s Table 1 lists (O~(d^2 log^2(1/delta)/eps^2) for KL <= eps^2) [S].
// (The abstract's O~(d log(1/delta)/eps) is not reported: it would beat Benton et al.'s d-linear
// result, which postdates this paper, so it cannot be read as the same statement.) The O~
// hides log factors that are dropped here; C (default 1) is the unstated constant.
//
// Score-error requirement: the theorem needs the time-averaged L2 error (ScoreErrorForm::
// kTimeAverage) at the level of the accuracy: eps_score^2 <= accuracy up to the hidden
// constant (details.required_eps_score = sqrt(accuracy)).
//
// Inputs used: d, delta in (0, 1), accuracy (a KL value), eps_score. Constant: "C".
// Assumption flags: finite_m2 (m2 set; unset counts as not verified),
// score_error_at_most_required (eps_score^2 <= accuracy).
#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/bounds/bound_result.hpp"

namespace difflab {

BoundResult bound_chen_lee_lu23(const BoundInputs& inputs);

}  // namespace difflab
