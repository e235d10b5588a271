#include "difflab/bounds/conforti23.hpp"

#include <cmath>
#include <string>

#include "difflab/core/error.hpp"

namespace difflab {

BoundResult bound_conforti23(const BoundInputs& inputs) {
  const std::string paper = "conforti23";
  inputs.validate();
  require(inputs.stop_time() == 0, paper,
          " bounds the error without early stopping (the output is compared with the data q): "
          "delta must be 0, got ",
          inputs.stop_time());
  require(inputs.fisher_information.has_value(), paper,
          " needs fisher (the relative Fisher information I(q | N(0, I)) = E_q ||grad log q + "
          "x||^2 of the data): pass option 'fisher' or give a target");
  const double d = static_cast<double>(inputs.need_d(paper));
  // The paper's fixed step size h (uniform_step refuses a grid whose steps differ).
  const double h = inputs.uniform_step(paper);
  const TimeGrid grid = inputs.resolve_grid(paper, "uniform");
  const double T = grid.T();
  const double eps = inputs.eps_score;

  BoundResult r;
  r.paper = paper;
  r.reference =
      "Conforti, Durmus, Gentiloni Silveri, arXiv 2308.12240 (SIAM J. Math. Data Sci. 2025), "
      "KL bound for the OU model with fixed step (theorem number not read)";
  r.metric = "KL";
  r.direction = "KL(q || p_{t_N})";
  r.grid = grid;
  record_constants(r, inputs, {"C"}, true);
  const double C = r.constants.at("C");
  r.constant = C;
  r.constant_is_explicit = false;
  r.statement_verified = false;

  // A Monte Carlo estimate of I enters through the upper end of its 95% interval, so that the
  // value stays an upper bound at that confidence level.
  const double fisher = inputs.fisher_information_hi.value_or(*inputs.fisher_information);
  r.details["fisher_information"] = *inputs.fisher_information;
  if (inputs.fisher_information_hi) {
    r.details["fisher_information_ci_hi"] = *inputs.fisher_information_hi;
    r.notes.push_back(
        "I(q | N(0, I)) is a Monte Carlo estimate: the bound uses the upper end of its 95% "
        "interval, " +
        format_number(*inputs.fisher_information_hi));
  }
  r.assumptions["finite_fisher_information"] = std::isfinite(fisher);

  // The initialisation: KL(q_T || N(0, I)) <= e^{-2T} KL(q || N(0, I)) (OU contraction of KL,
  // log-Sobolev inequality of N(0, I)), and KL(q || N(0, I)) <= I(q | N(0, I)) / 2 (the same
  // inequality at time 0) when KL itself is not known. Both hold with constant 1 for every q.
  double kl = 0;
  if (inputs.kl_to_normal) {
    kl = *inputs.kl_to_normal;
  } else {
    kl = 0.5 * fisher;
    r.notes.push_back(
        "KL(q || N(0, I)) not given: bounded by I(q | N(0, I)) / 2 (Gaussian log-Sobolev "
        "inequality)");
  }
  r.details["kl_to_normal_used"] = kl;
  r.terms["initialisation"] = std::exp(-2 * T) * kl;
  r.terms["score_error"] = C * eps * eps;
  r.terms["discretisation"] = C * h * (d + fisher);
  r.value = r.terms["initialisation"] + r.terms["score_error"] + r.terms["discretisation"];
  r.details["h"] = h;
  r.details["steps"] = static_cast<double>(grid.steps());

  if (eps == 0) r.notes.push_back("eps_score = 0: exact score assumed");
  r.notes.push_back(
      "eps_score is read as the time integral sum_k gamma_k E||s - grad log q||^2 <= eps^2 "
      "(score_error_forms.hpp, time_integral); the paper's own form was not read");
  r.notes.push_back(
      "source: abstract [P] and summaries [S]; the formula eps^2 + e^{-2T} KL + h (d + I), its "
      "theorem number and any step-size condition were not read in the paper (docs/theory.md 6)");
  r.notes.push_back(
      "the paper analyses the OU model through the relative score grad log (q_t / N(0, I)); "
      "whether its scheme freezes that or the score itself (as difflab's ei does) was not read. "
      "The discretisation term keeps d beside I: ei's error on q = N(0, I), where I = 0, is not "
      "zero");
  return r;
}

}  // namespace difflab
