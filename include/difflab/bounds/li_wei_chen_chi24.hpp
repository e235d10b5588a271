#pragma once
// Li, Wei, Chi, Chen, "A sharp convergence theory for the probability flow ODEs of diffusion
// models" (arXiv 2408.02320, 2024): the deterministic (probability-flow ODE) sampler in discrete
// time, TV accuracy, minimal assumptions on the data (no smoothness).
//
// What was read: the abstract only. It states that d/eps iterations, "modulo some logarithmic
// and lower-order terms", suffice for TV <= eps with exact scores, and that the l2 score error
// and the error of the score's Jacobian both enter. The theorem (its number, its log powers, its
// lower-order terms, its constant and the exact score-error terms) was NOT read, so:
//   TV(q_delta, p) <~ C d / N          (exact score only; log factors and lower-order terms
//                                       dropped; C unstated, default 1),
// statement_verified = false and constant_is_explicit = false: the result is never certified.
// An inexact score (eps_score > 0) is an error: the score-error terms, which involve the
// Jacobian error difflab's inputs do not carry, were not read.
//
// Inputs used: d, the step count N (steps, or the grid's steps). Constant: "C".
// Covers the deterministic samplers (ode-ei, ddim, heun, dpmpp-2m); the paper analyses one
// specific DDIM-type update, so for the others the rate is indicative only.
#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/bounds/bound_result.hpp"

namespace difflab {

BoundResult bound_li_wei_chen_chi24(const BoundInputs& inputs);

}  // namespace difflab
