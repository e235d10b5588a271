#pragma once
// Chen, Chewi, Li, Li, Salim, Zhang, "Sampling is as easy as learning the score", ICLR 2023
// (CCL23, arXiv 2209.11215): DDPM with the exponential integrator, uniform step h = T/N, started
// from N(0, I), no early stopping (docs/theory.md section 2).
//
// Inputs used (BoundInputs): d, the grid (uniform; from T and steps, delta must be 0), L, m2,
// kl_to_normal, eps_score. Constants: "C" (the absolute constant hidden by "<~") and "c_step"
// (the step condition h <= c_step / L, "h <~ 1/L"); both unstated in the paper, default 1.
//
// Assumption flags: step_h_le_c_over_L (h <= c_step/L), L_at_least_1 (A1 takes L >= 1),
// finite_m2 (A2), finite_kl (KL(q || N(0, I)) < infinity). A1's Lipschitz property itself and
// A3 (the L2 score error) are taken as given by the inputs L and eps_score.
#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/bounds/bound_result.hpp"

namespace difflab {

// Theorem 2 (docs/theory.md 2.3): TV(p_T, q) <= C [ sqrt(KL(q||N(0,I))) e^{-T}
//                                              + (L sqrt(d h) + L m2 h) sqrt(T)
//                                              + eps_score sqrt(T) ].
// Terms: initialisation, discretisation, score_error (each times C). details.trivial_tv = 1
// is recorded with a note when the value exceeds 1 (TV <= 1 always).
BoundResult bound_ccl23(const BoundInputs& inputs);

// Theorem 9, the path-space form (docs/theory.md 2.3), started from N(0, I):
//   KL(q || p_T) <= KL(Q_T^<- || P_T^{gamma}) = KL(q_T || gamma) + KL(Q_T^<- || P_T^{q_T})
//                <= e^{-2T} KL(q || gamma) + C (eps_score^2 + L^2 d h + L^2 m2^2 h^2) T.
// Direction: KL(q || p_T), data law first (the marginal at the end of the path; the same
// number bounds the path-space KL(Q_T^<- || P_T^gamma)). The initialisation term uses the chain
// rule for path KL (the two algorithms share their transition kernels) and the OU contraction
// KL(q_T || gamma) <= e^{-2T} KL(q || gamma), so it carries no hidden constant; C multiplies the
// Girsanov part (eq. (5.5)) only. details.tv_pinsker = sqrt(value / 2) bounds TV(p_T, q).
BoundResult bound_ccl23_path(const BoundInputs& inputs);

}  // namespace difflab
