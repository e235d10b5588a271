#include "difflab/bounds/ccl23.hpp"

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

// What Theorems 2 and 9 share: the uniform step, the inputs and the assumption flags.
struct Ccl23Setup {
  double d, T, h, L, m2, kl, eps;
  TimeGrid grid;
};

Ccl23Setup setup(const BoundInputs& inputs, const std::string& paper, BoundResult& r) {
  inputs.validate();
  require(inputs.stop_time() == 0, paper,
          " has no early stopping (CCL23 Theorem 2 runs to forward time 0): delta must be 0, got ",
          inputs.stop_time());
  const double h = inputs.uniform_step(paper);
  Ccl23Setup s{static_cast<double>(inputs.need_d(paper)),
               inputs.horizon(paper),
               h,
               inputs.need_L(paper),
               inputs.need_m2(paper),
               inputs.need_kl(paper),
               inputs.eps_score,
               inputs.resolve_grid(paper, "uniform")};
  r.paper = paper;
  record_constants(r, inputs, {"C", "c_step"}, true);
  r.constant = r.constants.at("C");
  r.constant_is_explicit = false;
  const double c_step = r.constants.at("c_step");
  // docs/theory.md 2.2-2.3: "h <~ 1/L" means h <= c/L for an unstated absolute c.
  r.assumptions["step_h_le_c_over_L"] = s.h <= c_step / s.L;
  r.assumptions["L_at_least_1"] = s.L >= 1;          // A1
  r.assumptions["finite_m2"] = std::isfinite(s.m2);  // A2
  r.assumptions["finite_kl"] = std::isfinite(s.kl);
  r.grid = s.grid;
  r.details["h"] = s.h;
  r.details["steps"] = static_cast<double>(s.grid.steps());
  if (!r.assumptions["step_h_le_c_over_L"])
    r.notes.push_back("step condition fails: h = " + format_number(s.h) + " > c_step/L = " +
                      format_number(c_step / s.L) + "; the bound is not certified");
  if (!r.assumptions["L_at_least_1"])
    r.notes.push_back("CCL23 Assumption A1 takes L >= 1; got L = " + format_number(s.L));
  if (s.eps == 0) r.notes.push_back("eps_score = 0: exact score assumed");
  return s;
}

}  // namespace

BoundResult bound_ccl23(const BoundInputs& inputs) {
  BoundResult r;
  const Ccl23Setup s = setup(inputs, "ccl23", r);
  r.reference = "Chen, Chewi, Li, Li, Salim, Zhang, ICLR 2023 (CCL23), Theorem 2";
  r.metric = "TV";
  r.direction = "TV(p_T, q)";
  const double C = r.constant;
  const double sqrtT = std::sqrt(s.T);
  // docs/theory.md 2.3, the three terms of Theorem 2.
  r.terms["initialisation"] = C * std::sqrt(s.kl) * std::exp(-s.T);
  r.terms["discretisation"] = C * (s.L * std::sqrt(s.d * s.h) + s.L * s.m2 * s.h) * sqrtT;
  r.terms["score_error"] = C * s.eps * sqrtT;
  r.value = r.terms["initialisation"] + r.terms["discretisation"] + r.terms["score_error"];
  if (r.value >= 1) {
    r.details["trivial_tv"] = 1;
    r.notes.push_back("value >= 1: vacuous, since TV <= 1 always");
  }
  r.notes.push_back(
      "docs/theory.md 2.7: check shape (discretisation ~ sqrt(h) at fixed T, score term ~ "
      "sqrt(T)), "
      "not measured <= bound, since C is unknown");
  return r;
}

BoundResult bound_ccl23_path(const BoundInputs& inputs) {
  BoundResult r;
  const Ccl23Setup s = setup(inputs, "ccl23-path", r);
  r.reference =
      "Chen, Chewi, Li, Li, Salim, Zhang, ICLR 2023 (CCL23), Theorem 9 (path-space KL, Girsanov "
      "eq. (5.5)) plus the OU contraction KL(q_T||N(0,I)) <= e^{-2T} KL(q||N(0,I))";
  r.metric = "KL";
  r.direction = "KL(q || p_T)";
  const double C = r.constant;
  // docs/theory.md 2.3: KL(Q^<- || P^{q_T}) <~ (eps^2 + L^2 d h + L^2 m2^2 h^2) T; the
  // initialisation KL(q_T || gamma) <= e^{-2T} KL(q || gamma) is exact (no hidden constant).
  r.terms["initialisation"] = std::exp(-2 * s.T) * s.kl;
  r.terms["discretisation"] =
      C * (s.L * s.L * s.d * s.h + s.L * s.L * s.m2 * s.m2 * s.h * s.h) * s.T;
  r.terms["score_error"] = C * s.eps * s.eps * s.T;
  r.value = r.terms["initialisation"] + r.terms["discretisation"] + r.terms["score_error"];
  r.details["tv_pinsker"] = std::sqrt(r.value / 2);
  r.notes.push_back(
      "C multiplies the Girsanov terms (discretisation, score_error) only; the initialisation "
      "term e^{-2T} KL(q||N(0,I)) has constant 1 (chain rule for path KL + OU contraction)");
  r.notes.push_back(
      "the same value bounds the path-space KL(Q_T^<- || P_T^{N(0,I)}); TV(p_T, q) <= "
      "sqrt(value/2) by Pinsker (details.tv_pinsker)");
  return r;
}

}  // namespace difflab
