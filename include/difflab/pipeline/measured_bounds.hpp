#pragma once
// The published bounds beside a run (docs/theory.md sections 2-4): the bounds' inputs come from
// the run itself (the target's quantities, the grid, the sampler, the score error), each bound
// gets the score error in its own paper's form (BoundInfo::score_error_form,
// bounds/score_error_forms.hpp), and, where the run has an exact output law
// (pipeline/law_report.hpp), the measured error in the bound's metric and direction, the ratio
// measured / bound and the measured error split as the bounds split theirs:
//   discretisation = the exact score started from the exact q_T,
//   initialisation = the exact score from N(0, I) minus that,
//   score_error    = the run as given minus the exact score from N(0, I).
// `difflab bound --target`, the bounds of `difflab run` rows, `difflab plan --verify` and
// Python's bound() all go through here.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/bounds/bound_registry.hpp"
#include "difflab/bounds/score_error_forms.hpp"
#include "difflab/pipeline/law_report.hpp"
#include "difflab/pipeline/run_spec.hpp"

namespace difflab {

// The squared L2(q_t) error of the run's score at forward time t, where it is known exactly:
// exact (0), perturbed (its size, at every t by construction) and gaussian-mean on a Gaussian
// target (closed form); nullopt otherwise.
std::optional<std::function<double(double)>> score_error_squared(const RunSetup& run);

// Any other score (a trained model, a callable): e2(t) measured against the target's exact
// score by Monte Carlo over `samples` exact samples of q_t (score/score_error.hpp), the same
// draws at every t. The function refers to `run`, which must outlive it.
std::function<double(double)> measured_score_error_squared(const RunSetup& run, Index samples);

// The bounds' inputs from the run: `given` (explicit quantities win) completed by the target's
// quantities, the run's grid, sampler and last-step noise.
BoundInputs bound_inputs_from_run(const RunSetup& run, const BoundInputs& given);

// The measured error of a law report in the metric and direction of bound r.
struct MeasuredError {
  std::optional<double> value;
  std::string against, key, reason;
  nlohmann::json tv_method, tv_ci;  // for TV: exact or Monte Carlo (with its 95% CI)
};
MeasuredError measured_error(const BoundResult& r, const nlohmann::json* law,
                             const std::string& no_law);

struct MeasuredBoundsOptions {
  BoundInputs given;             // quantities given explicitly (they win over the run's)
  bool eps_score_given = false;  // given.eps_score set explicitly: used for every bound
  bool measure = true;           // compute the exact law and the measured error
  bool strict = false;           // a bound that cannot be evaluated is an error
  // Samples of q_t per grid time when the score error is measured (a score whose error is not
  // known in closed form).
  Index score_error_samples = 2000;
  LawReportOptions law;
};

// One JSON object per bound id (BoundResult::to_json plus kappa, skipped/reason, notes and, with
// measure, measured, ratio, measured_against, measured_key, measured_terms, measured_ci). Throws
// when no bound could be evaluated.
nlohmann::json measured_bounds(const RunSetup& run, const std::vector<std::string>& ids,
                               const MeasuredBoundsOptions& options);

// The calculator: each bound on given inputs (pipeline/bound_quantities.hpp), one object per id
// as in measured_bounds (skipped rows with their reason; an error with strict or when none can
// be evaluated).
nlohmann::json calculator_bounds(const std::vector<std::string>& ids, const BoundInputs& inputs,
                                 bool strict);

// The bounds of an experiment row: measured_bounds without the measurement (the row's "law"
// metric holds the measured error), as an object id -> result; a bound that cannot be
// evaluated holds {"error": reason}.
nlohmann::json bounds_beside_run(const RunSetup& run, const std::vector<std::string>& ids);

// Throws unless `id` is a registered bound (naming the valid ids).
void require_known_bound(const std::string& id);

}  // namespace difflab
