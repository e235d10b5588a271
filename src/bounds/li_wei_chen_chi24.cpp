#include "difflab/bounds/li_wei_chen_chi24.hpp"

#include "difflab/core/error.hpp"

namespace difflab {

BoundResult bound_li_wei_chen_chi24(const BoundInputs& inputs) {
  const std::string paper = "li-wei-chen-chi24";
  inputs.validate();
  const double d = static_cast<double>(inputs.need_d(paper));
  std::size_t n_steps = 0;
  if (inputs.grid) {
    n_steps = inputs.grid->steps();
  } else {
    require(inputs.steps.has_value(), paper,
            " needs steps (the number of steps N): pass option 'steps'");
    n_steps = static_cast<std::size_t>(*inputs.steps);
  }
  require(inputs.eps_score == 0, paper,
          " covers exact scores only here: its score-error terms (l2 error and the Jacobian's "
          "error) were not read in the paper, got eps_score = ",
          inputs.eps_score);
  const double N = static_cast<double>(n_steps);

  BoundResult r;
  r.paper = paper;
  r.reference =
      "Li, Wei, Chi, Chen, arXiv 2408.02320 (2024), main theorem as summarised in the abstract "
      "(d/eps iterations for TV <= eps); theorem number and exact form not read";
  r.metric = "TV";
  r.direction = "TV(q_delta, p_{t_N})";
  record_constants(r, inputs, {"C"}, true);
  r.constant = r.constants.at("C");
  r.constant_is_explicit = false;
  r.statement_verified = false;
  // The abstract's rate: TV <~ d / N with exact scores (log and lower-order terms dropped).
  r.terms["discretisation"] = r.constant * d / N;
  r.value = r.terms["discretisation"];
  r.details["steps"] = N;
  r.details["reference_time"] = inputs.stop_time();
  r.notes.push_back(
      "rate d/N from the abstract only: log factors, lower-order terms and the constant are "
      "unspecified, so this is a shape to compare against, not a certified bound");
  r.notes.push_back(
      "the paper analyses one DDIM-type probability-flow update; for other deterministic "
      "samplers (heun, dpmpp-2m, ode-ei) the rate is indicative only");
  return r;
}

}  // namespace difflab
