#include "difflab/bounds/benton24.hpp"

#include <algorithm>
#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

BoundResult bound_benton24(const BoundInputs& inputs) {
  const std::string paper = "benton24";
  inputs.validate();
  BoundResult r;
  r.paper = paper;
  r.reference =
      "Benton, De Bortoli, Doucet, Deligiannidis, ICLR 2024, Theorem 1 (Lemma 2/8 + Prop. 4)";
  r.metric = "KL";
  r.direction = "KL(q_delta || p_{t_N})";
  require(inputs.stop_time() > 0, paper,
          " needs early stopping delta > 0 (at delta = 0 the grid's kappa is infinite): pass "
          "--delta");
  const double d = static_cast<double>(inputs.need_d(paper));
  const TimeGrid grid = inputs.resolve_grid(paper, "benton");
  const double T = grid.T();
  const double N = static_cast<double>(grid.steps());
  const double kappa = grid.kappa();
  const double eps = inputs.eps_score;
  record_constants(r, inputs, {"C"}, true);
  const double C = r.constants.at("C");
  r.constant = C;
  r.constant_is_explicit = false;
  r.kappa = kappa;
  r.grid = grid;

  // docs/theory.md 3.3: KL(q_delta || p_{t_N}) <~ eps^2 + kappa^2 d N + kappa d T + d e^{-2T}.
  r.terms["score_error"] = C * eps * eps;
  r.terms["discretisation"] = C * (kappa * kappa * d * N + kappa * d * T);
  r.terms["initialisation"] = C * d * std::exp(-2 * T);
  r.value = r.terms["score_error"] + r.terms["discretisation"] + r.terms["initialisation"];
  r.details["steps"] = N;
  r.details["delta"] = grid.delta();

  r.assumptions["identity_covariance"] = inputs.identity_covariance.value_or(false);
  r.assumptions["T_at_least_1"] = T >= 1;
  r.assumptions["step_condition"] = std::isfinite(kappa) && kappa > 0;
  if (!inputs.identity_covariance) {
    r.notes.push_back(
        "Assumption 2 (Cov(q) = I) not verified: pass --identity-covariance if it holds");
  } else if (!*inputs.identity_covariance) {
    r.notes.push_back(
        "Assumption 2 fails: Cov(q) != I. The paper's Appendix C adapts the proof to general "
        "covariance with a constant not seen (docs/theory.md 3.2); for the initialisation term, "
        "e^{-2T} KL(q || N(0, I)) is a valid replacement when KL is known (details)");
    if (inputs.kl_to_normal)
      r.details["initialisation_from_kl"] = std::exp(-2 * T) * *inputs.kl_to_normal;
  }
  if (!r.assumptions["T_at_least_1"])
    r.notes.push_back("Theorem 1 needs T >= 1; got T = " + format_number(T));
  if (eps == 0) r.notes.push_back("eps_score = 0: exact score assumed");
  r.notes.push_back(
      "eps_score is Assumption 1's time-averaged error: sum_k gamma_k E||s - grad log q||^2 <= "
      "eps^2");
  return r;
}

double benton24_corollary1_horizon(Index d, double eps) {
  require(d >= 1, "benton24 corollary 1: d must be >= 1, got ", d);
  require(std::isfinite(eps) && eps > 0, "benton24 corollary 1: eps must be finite and > 0, got ",
          eps);
  // docs/theory.md 3.4: T = (1/2) log(d / eps^2); Theorem 1 needs T >= 1.
  return std::max(1.0, 0.5 * std::log(static_cast<double>(d) / (eps * eps)));
}

long long benton24_corollary1_steps(Index d, double eps, double delta, double T, double C_N) {
  require(d >= 1, "benton24 corollary 1: d must be >= 1, got ", d);
  require(std::isfinite(eps) && eps > 0, "benton24 corollary 1: eps must be finite and > 0, got ",
          eps);
  require(std::isfinite(delta) && delta > 0 && delta < 1,
          "benton24 corollary 1: delta must lie in (0, 1), got ", delta);
  require(std::isfinite(T) && T >= 1, "benton24 corollary 1: T must be >= 1, got ", T);
  require(std::isfinite(C_N) && C_N > 0, "benton24 corollary 1: C_N must be finite and > 0, got ",
          C_N);
  // docs/theory.md 3.4: N = Theta(d (T + log(1/delta))^2 / eps^2), and N >= log(1/delta).
  const double log_inv_delta = -std::log(delta);
  const double n =
      C_N * static_cast<double>(d) * (T + log_inv_delta) * (T + log_inv_delta) / (eps * eps);
  require(n < 1e18, "benton24 corollary 1: the step count ", n, " is too large");
  long long steps = static_cast<long long>(std::ceil(std::max(n, log_inv_delta)));
  if (steps % 2 != 0) ++steps;
  return std::max(steps, 2LL);
}

}  // namespace difflab
