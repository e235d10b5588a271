#include "difflab/bounds/li_yan24.hpp"

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

BoundResult bound_li_yan24(const BoundInputs& inputs) {
  const std::string paper = "li-yan24";
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
  require(n_steps >= 2, paper, " needs at least 2 steps (log N must be > 0), got ", n_steps);
  const double N = static_cast<double>(n_steps);

  BoundResult r;
  r.paper = paper;
  r.reference = "Li, Yan, ICLR 2025 / JMLR 26(292) 2025 (arXiv 2409.18959), main theorem";
  r.metric = "TV";
  // The theorem compares the output with the law of X_1, the smallest-noise marginal of the
  // paper's schedule, not with the data q_0: with our grid that is q_delta, delta = t_N.
  const double delta = inputs.stop_time();
  r.direction = "TV(q_delta, p_{t_N})";
  r.details["reference_time"] = delta;
  record_constants(r, inputs, {"C"}, true);
  r.constant = r.constants.at("C");
  r.constant_is_explicit = false;
  const double logN = std::log(N);
  // docs/theory.md 6: TV <= c (d log^3 T / T + eps_score sqrt(log T)), T = number of steps.
  r.terms["discretisation"] = r.constant * d * logN * logN * logN / N;
  r.terms["score_error"] = r.constant * inputs.eps_score * std::sqrt(logN);
  r.value = r.terms["discretisation"] + r.terms["score_error"];
  r.details["steps"] = N;
  r.assumptions["finite_first_moment"] = inputs.m2.has_value();
  if (!inputs.m2)
    r.notes.push_back("finite first moment not verified: pass option 'm2' (finite m2 implies it)");
  if (inputs.eps_score == 0) r.notes.push_back("eps_score = 0: exact score assumed");
  r.notes.push_back(
      "N counts steps (the paper's T); the bound is for the paper's own DDPM coefficient "
      "schedule, so only the grid's step count enters, not its shape or our T");
  r.notes.push_back("compare with q_delta (the grid's first, smallest-noise marginal, delta = " +
                    format_number(delta) + "), not with the data q_0");
  r.notes.push_back(
      "eps_score is the average over the N steps: (1/N) sum_k E||s - grad log q||^2 <= eps^2 "
      "(score_error_forms.hpp, step_average)");
  r.statement_verified = false;
  r.notes.push_back(
      "source: abstract [P] and secondary summaries [S]; any condition on N (e.g. N large "
      "enough) was not read");
  return r;
}

}  // namespace difflab
