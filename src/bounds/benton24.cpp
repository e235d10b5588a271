#include "difflab/bounds/benton24.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "difflab/core/error.hpp"

namespace difflab {

Benton24StepCheck benton24_step_check(const TimeGrid& grid, double kappa) {
  require(std::isfinite(kappa) && kappa > 0,
          "benton24 step check: kappa must be finite and > 0, got ", kappa);
  Benton24StepCheck out;
  out.holds = true;
  const std::vector<double> h = grid.step_sizes();
  // Theorem 1's step condition, in forward time: gamma_k <= kappa min(1, t_{k+1}), where
  // t_{k+1} is the forward time at the end of step k (the paper's T - t_{k+1} in reverse time).
  for (std::size_t k = 0; k < h.size(); ++k) {
    const double room = kappa * std::min(1.0, grid.t(k + 1));
    const double ratio = room > 0 ? h[k] / room : std::numeric_limits<double>::infinity();
    out.worst_ratio = std::max(out.worst_ratio, ratio);
    if (!(ratio <= 1 + 1e-12) && out.holds) {
      out.holds = false;
      out.reason = "step " + std::to_string(k) + " has gamma = " + format_number(h[k]) +
                   " > kappa min(1, t_{k+1}) = " + format_number(room);
    }
  }
  // kappa >= 1 allows a step longer than the forward time left (min(1, t_{k+1})); the
  // discretisation term kappa^2 d N + kappa d T is then >= d N and says nothing. We require
  // kappa < 1 for the condition to count as met.
  if (out.holds && kappa >= 1) {
    out.holds = false;
    out.reason = "kappa = " + format_number(kappa) +
                 " >= 1: steps as long as the forward time left, outside the small-step regime "
                 "the theorem's discretisation term describes";
  }
  return out;
}

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
          "option 'delta'");
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

  // Benton et al. Theorem 1: KL(q_delta || p_{t_N}) <~ eps^2 + kappa^2 d N + kappa d T + d e^{-2T}.
  r.terms["score_error"] = C * eps * eps;
  r.terms["discretisation"] = C * (kappa * kappa * d * N + kappa * d * T);
  r.details["discretisation_kappa2_dN"] = C * kappa * kappa * d * N;
  r.details["discretisation_kappa_dT"] = C * kappa * d * T;
  r.details["steps"] = N;
  r.details["delta"] = grid.delta();
  r.details["reference_time"] = grid.delta();

  // Assumption 2: Cov(q) = I. The initialisation term d e^{-2T} (Prop. 4) bounds
  // KL(q_T || N(0, I)) only when E||X||^2 = d, i.e. when the data are also centred: for
  // N(mu, I), KL(q_T || N(0, I)) = ||mu||^2 e^{-2T} / 2, which d e^{-2T} misses for large mu.
  // The mean enters only there: the discretisation part (Lemma 2) needs E Cov(X_0 | X_t) <= I,
  // which Cov = I gives whatever the mean. An unchecked condition counts as failing.
  const bool cov_ok = inputs.identity_covariance.value_or(false);
  const bool centred = inputs.centred.value_or(false);
  const bool use_kl = inputs.kl_to_normal.has_value() && !(cov_ok && centred);
  r.assumptions["identity_covariance"] = cov_ok;
  // The initialisation term used is a valid bound on KL(q_T || N(0, I)): the paper's d e^{-2T}
  // (Cov = I and mean 0) or e^{-2T} KL(q || N(0, I)) (any q).
  r.assumptions["initialisation_term_valid"] = (cov_ok && centred) || use_kl;
  r.assumptions["T_at_least_1"] = T >= 1;
  const Benton24StepCheck step = benton24_step_check(grid, kappa);
  r.assumptions["step_condition"] = step.holds;
  r.details["step_condition_worst_ratio"] = step.worst_ratio;

  // The initialisation: the paper's d e^{-2T} when Assumption 2 and the mean hold; otherwise
  // e^{-2T} KL(q || N(0, I)) when KL is known, which bounds KL(q_T || N(0, I)) with constant 1
  // for any q (the OU semigroup contracts KL at rate e^{-2t}: log-Sobolev inequality of
  // N(0, I), Bakry-Emery), so the sum stays an upper bound up to C on the other terms.
  if (inputs.kl_to_normal)
    r.details["initialisation_from_kl"] = std::exp(-2 * T) * *inputs.kl_to_normal;
  if (use_kl) {
    r.terms["initialisation"] = std::exp(-2 * T) * *inputs.kl_to_normal;
    r.notes.push_back(
        "initialisation = e^{-2T} KL(q || N(0, I)) (valid for any q by the OU contraction of "
        "KL), in place of the paper's d e^{-2T}, which assumes Cov = I and mean 0");
  } else {
    r.terms["initialisation"] = C * d * std::exp(-2 * T);
  }
  r.value = r.terms["score_error"] + r.terms["discretisation"] + r.terms["initialisation"];

  if (!inputs.identity_covariance) {
    r.notes.push_back(
        "Assumption 2 (Cov(q) = I) not verified: pass option 'identity_covariance' if it holds");
  } else if (!cov_ok) {
    r.notes.push_back(
        "Assumption 2 fails: Cov(q) != I. The paper's Appendix C adapts the proof to general "
        "covariance with a constant not seen (docs/theory.md 3.2)");
  }
  if (!use_kl && !inputs.centred)
    r.notes.push_back(
        "mean 0 not verified (the term d e^{-2T} needs E||X||^2 = d): give a target or option "
        "'kl'");
  else if (!use_kl && !centred)
    r.notes.push_back(
        "the data are not centred: E||X||^2 > d, so d e^{-2T} underestimates KL(q_T || N(0, I)); "
        "pass option 'kl' to use e^{-2T} KL(q || N(0, I)) instead");
  if (!r.assumptions["T_at_least_1"])
    r.notes.push_back("Theorem 1 needs T >= 1; got T = " + format_number(T));
  if (!step.holds) r.notes.push_back("step condition fails: " + step.reason);
  if (eps == 0) r.notes.push_back("eps_score = 0: exact score assumed");
  r.notes.push_back(
      "eps_score is Assumption 1's time integral: sum_k gamma_k E||s - grad log q||^2 <= "
      "eps^2 (score_error_forms.hpp, time_integral)");
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
