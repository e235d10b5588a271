#include "difflab/bounds/chen_lee_lu23.hpp"

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

BoundResult bound_chen_lee_lu23(const BoundInputs& inputs) {
  const std::string paper = "chen-lee-lu23";
  inputs.validate();
  const double d = static_cast<double>(inputs.need_d(paper));
  const double accuracy = inputs.need_accuracy(paper);
  const double delta = inputs.stop_time();
  require(
      delta > 0 && delta < 1, paper,
      " needs early stopping 0 < delta < 1 (the rate has log(1/delta)): pass option 'delta', got ",
      delta);

  BoundResult r;
  r.paper = paper;
  r.reference =
      "Chen, Lee, Lu, ICML 2023 (arXiv 2211.01916), early-stopping theorem, step count as listed "
      "in Benton et al. 2024, Table 1";
  r.quantity = "steps_needed";
  r.metric = "KL";
  r.direction = "KL(q_delta || p)";
  record_constants(r, inputs, {"C"}, true);
  r.constant = r.constants.at("C");
  r.constant_is_explicit = false;
  const double log_inv_delta = -std::log(delta);
  // docs/theory.md 6 / 3.6: O~(d^2 log^2(1/delta) / eps^2) steps for KL <= eps^2, with eps^2 =
  // accuracy.
  const double steps = r.constant * d * d * log_inv_delta * log_inv_delta / accuracy;
  r.value = std::ceil(steps);
  r.details["steps_real"] = steps;
  r.details["accuracy"] = accuracy;
  // The theorem reaches KL <= eps^2 only when the time-averaged score error is itself
  // O~(eps) (its score assumption): eps_score^2 <= accuracy up to the hidden constant.
  r.details["required_eps_score"] = std::sqrt(accuracy);
  r.assumptions["score_error_at_most_required"] = inputs.eps_score * inputs.eps_score <= accuracy;
  r.assumptions["finite_m2"] = inputs.m2.has_value();
  if (!inputs.m2) r.notes.push_back("finite second moment not verified: pass option 'm2'");
  r.notes.push_back(
      "steps needed for KL <= accuracy from the O~ rate d^2 log^2(1/delta)/eps^2 (Benton et al. "
      "Table 1 [S]); log factors hidden by O~ are dropped");
  r.notes.push_back(
      "score-error requirement: the time-averaged error (1/(T - delta)) sum_k gamma_k "
      "E||s - grad log q||^2 must be <= accuracy (eps_score <= details.required_eps_score = " +
      format_number(std::sqrt(accuracy)) + ", up to the hidden constant)");
  if (!r.assumptions["score_error_at_most_required"])
    r.notes.push_back("eps_score = " + format_number(inputs.eps_score) +
                      " exceeds the required level: no step count reaches the accuracy");
  r.statement_verified = false;
  return r;
}

}  // namespace difflab
