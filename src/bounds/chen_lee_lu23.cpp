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
  require(delta > 0 && delta < 1, paper,
          " needs early stopping 0 < delta < 1 (the rate has log(1/delta)): pass --delta, got ",
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
  // The abstract's form O~(d log(1/delta)/eps) for KL <= eps [P].
  r.details["steps_abstract_form"] = std::ceil(r.constant * d * log_inv_delta / accuracy);
  r.assumptions["finite_m2"] = inputs.m2.has_value();
  if (!inputs.m2) r.notes.push_back("finite second moment not verified: pass --m2");
  r.notes.push_back(
      "steps needed for KL <= accuracy from the O~ rate d^2 log^2(1/delta)/eps^2 (Benton et al. "
      "Table 1 [S]); log factors hidden by O~ are dropped");
  r.notes.push_back(
      "UNVERIFIED: the abstract claims O~(d log(1/delta)/eps) for KL <= eps "
      "(details.steps_abstract_form); which form is current was not checked (docs/theory.md 6)");
  return r;
}

}  // namespace difflab
