#pragma once
// Li, Yan, "O(d/T) convergence theory for diffusion probabilistic models under minimal
// assumptions", ICLR 2025 / JMLR 26(292) 2025 (arXiv 2409.18959) (docs/theory.md section 6,
// [P abstract, S]):
//   TV(q_delta, p) <= C ( d log^3 N / N + eps_score sqrt(log N) ),
// where q_delta is the law the output is compared with: the smallest-noise marginal of the
// schedule (the paper's X_1), i.e. our grid's last time t_N = delta, NOT the data q_0
// (direction "TV(q_delta, p_{t_N})", details.reference_time = delta). eps_score^2 is the
// average over the N steps of E||s - grad log q||^2 (ScoreErrorForm::kStepAverage). The
// statement was read from the abstract and summaries only: statement_verified = false.
// for DDPM with the paper's own coefficient schedule and N steps (the paper calls the step count
// T: it is NOT our time horizon). Needs only a finite first moment and an L2 score error.
//
// Inputs used: d, the step count N (steps, or the grid's steps; N >= 2), eps_score. The bound
// does not depend on our T or on the grid's shape: the paper prescribes its own schedule, so the
// grid only supplies N. Constant: "C" (the paper's unstated universal constant c, default 1).
// Assumption flag: finite_first_moment (m2 set, which implies it; unset counts as not
// verified). Conditions the theorem may place on N (e.g. N large enough) were not read.
#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/bounds/bound_result.hpp"

namespace difflab {

// Terms: discretisation = C d log^3 N / N, score_error = C eps_score sqrt(log N).
BoundResult bound_li_yan24(const BoundInputs& inputs);

}  // namespace difflab
