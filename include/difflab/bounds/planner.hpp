#pragma once
// The planner: inverts a published bound to the horizon T, early stopping delta, step count N
// and grid at which the bound certifies a target accuracy (bound value <= accuracy with every
// assumption flag true).
//
// Rule (documented so that a plan can be checked by hand):
//   1. T from the initialisation term: the smallest T at which that term is <= init_fraction x
//      accuracy, raised to min_T (and, for the benton grid, to at least 1.1 so that its uniform
//      half [1, T] is not empty):
//        ccl23:      C sqrt(KL) e^{-T} <= f eps   ->  T = log(C sqrt(KL) / (f eps))
//        ccl23-path: e^{-2T} KL       <= f eps   ->  T = (1/2) log(KL / (f eps))
//        benton24:   C d e^{-2T}      <= f eps   ->  T = (1/2) log(C d / (f eps))
//   2. delta: 0 for ccl23 / ccl23-path (no early stopping); the template's delta for benton24
//      (the caller chooses which q_delta to approximate; it must be > 0).
//   3. N: the smallest N (even for the benton grid) at which the bound at (T, delta, N) is <=
//      accuracy and the step assumptions hold (ccl23: h <= c_step / L), found by doubling then
//      bisection; the bounds decrease in N at fixed T (h, kappa^2 N and kappa T all decrease).
//   If the N-independent terms (initialisation + score_error) already reach the accuracy, or N
//   would exceed max_steps, the planner throws a difflab::Error saying which term is too large.
//
// A certificate is only as good as the constants behind it: the papers do not state the
// absolute constants hidden by "<~" (the defaults are placeholders equal to 1), so a plan made
// with the default constants is indicative, not a guarantee. The plan's notes say so.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/bounds/bound_result.hpp"

namespace difflab {

struct PlanOptions {
  double init_fraction = 0.5;      // share f of the accuracy given to the initialisation term
  double min_T = 1;                // lower limit on T (Benton's Theorem 1 needs T >= 1)
  long long max_steps = 10000000;  // the search gives up beyond this many steps
  // Plan even when an assumption that does not depend on N fails (e.g. Cov != I for benton24,
  // L < 1 for ccl23); the failed flags stay in the plan's bound and the plan is then no
  // certificate. Default: such a failure is an error.
  bool allow_failed_assumptions = false;
  void validate() const;
};

struct PlanResult {
  std::string paper, metric, grid_kind;
  double accuracy = 0;
  double T = 0, delta = 0;
  long long steps = 0;
  BoundResult bound;  // the bound at the plan (its grid is the planned grid)
  // The bound's value one admissible step count below (N - 1, or N - 2 for the benton grid),
  // which exceeds the accuracy or breaks a step assumption; absent when N is the smallest
  // admissible count.
  std::optional<double> value_below;
  std::vector<std::string> notes;
  // What sets N: "discretisation" (the bound one admissible step below still exceeds the
  // accuracy; for benton24 with its larger part, "(kappa^2 d N part)" or "(kappa d T part)"),
  // "step assumption NAME" (the value is reached below N but that step assumption fails), or
  // "none: ..." when N is the smallest admissible count.
  std::string driving_term;
  // Each term of the bound at the plan as a share of the accuracy (term / accuracy).
  std::map<std::string, double> term_shares;
  // The planned N on every grid kind the bound accepts (-1: no plan on that kind within 16x
  // the planned N, see notes), and the kind with the fewest steps (ties: the requested kind).
  std::map<std::string, long long> steps_by_grid;
  std::string cheapest_grid;
  // Keys: paper, metric, grid_kind, accuracy, T, delta, steps, bound (BoundResult::to_json),
  // value_below, driving_term, term_shares, steps_by_grid, cheapest_grid, notes.
  nlohmann::json to_json() const;
};

// Ids the planner can invert.
std::vector<std::string> plannable_bounds();

// Plans bound `id` (ccl23, ccl23-path or benton24) for `accuracy` in its metric (TV for ccl23,
// the KL value for ccl23-path and benton24) on a grid of kind `grid_kind` ("uniform" or
// "benton"; ccl23 and ccl23-path need "uniform"). `inputs` supplies everything else (d, L, m2,
// kl, eps_score, constants, delta for benton24); its T, steps and grid are ignored.
PlanResult plan_for_accuracy(const std::string& id, double accuracy, const BoundInputs& inputs,
                             const std::string& grid_kind, const PlanOptions& options = {});

}  // namespace difflab
