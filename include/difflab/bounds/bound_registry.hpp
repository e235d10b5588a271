#pragma once
// The registry of published bounds: one id per bound, used by `difflab bound` and the planner.
//
//   id              quantity      metric  what
//   ccl23           error_bound   TV      CCL23 Theorem 2, uniform step, no early stopping
//   ccl23-path      error_bound   KL      CCL23 Theorem 9 (path KL) + OU contraction, KL(q||p_T)
//   benton24        error_bound   KL      Benton et al. Theorem 1, KL(q_delta || p_{t_N})
//   conforti23      error_bound   KL      Conforti-Durmus-Gentiloni Silveri, no early stopping,
//                                         relative Fisher information (statement not read)
//   strasman24      error_bound   W2      Strasman et al. W2, explicit constants, Gaussian data
//                                         (from the authors' code)
//   bruno-example   error_bound   W2      Bruno et al. Gaussian-mean example, exact closed form
//   bruno-general   error_bound   W2      Bruno et al. general form (caller's constants; non-
//                                         authoritative)
//   chen-lee-lu23   steps_needed  KL      Chen-Lee-Lu 2023, early stopping
//   li-yan24        error_bound   TV      Li-Yan 2024, d log^3 N / N + eps sqrt(log N)
//   li-wei-chen-chi24 error_bound TV      Li-Wei-Chi-Chen 2024, PF-ODE C d/N (abstract only)
//   pf-ode-dpum     steps_needed  TV      PF-ODE + underdamped corrector, NeurIPS 2023
//   pf-ode-dpom     steps_needed  TV      PF-ODE + overdamped corrector, NeurIPS 2023
// Each id's header (ccl23.hpp, benton24.hpp, ...) documents its inputs, constants and
// assumption flags.
#include <string>
#include <vector>

#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/bounds/bound_result.hpp"
#include "difflab/bounds/score_error_forms.hpp"

namespace difflab {

struct BoundInfo {
  std::string id, quantity, metric, direction, description;
  // Which score-error quantity the theorem's eps_score is (score_error_forms.hpp): the value to
  // pass as BoundInputs::eps_score is sqrt(ScoreErrorForms::in_form(score_error_form)).
  ScoreErrorForm score_error_form = ScoreErrorForm::kNone;
  // The samplers the theorem analyses (copied into every BoundResult::samplers) and the kind
  // of result (BoundResult::kind).
  std::vector<std::string> samplers;
  std::string kind = "published_bound";
};

// Every registered bound, in the order of the table above.
std::vector<BoundInfo> list_bounds();

// The registry entries of ids, in their order; every bound when ids is empty. An empty, unknown
// or repeated id is a difflab::Error (an unknown one lists the valid ids).
std::vector<BoundInfo> select_bounds(const std::vector<std::string>& ids);

// Evaluates bound `id` on `inputs`; the result's samplers and kind are the registry entry's. An
// unknown id is a difflab::Error listing the valid ids.
BoundResult compute_bound(const std::string& id, const BoundInputs& inputs);

}  // namespace difflab
