#pragma once
// The general W2 bound of Bruno, Zhang, Lim, Akyildiz, Sabanis (arXiv 2311.13584), as a
// FUNCTIONAL FORM ONLY (docs/theory.md 4.1, 8). NON-AUTHORITATIVE: the form is quoted from
// an AI-generated TL;DR of the paper [S]; the paper's constants C1..C4, the exponent alpha and
// L_MO were not transcribed, so all six are caller-supplied and have no default:
//   W2 <= C1 sqrt(eps) + C2 e^{-2 L_MO (T - eps) - eps} + C3 sqrt(eps_SN) + C4 gamma^alpha.
// Our reading (docs/theory.md 4.1): eps = early-stopping time (delta), eps_SN = the squared L2
// score-network error, so sqrt(eps_SN) = eps_score [R], gamma = the uniform step size, alpha a
// regularity exponent, L_MO a monotonicity (contraction) constant. In the paper C3 and C4 depend
// on (T, eps): pass the values for the T and delta used.
//
// Inputs used: the grid (uniform; T, delta, steps), eps_score. Constants (required): C1, C2,
// C3, C4, alpha, L_MO. Assumption flag: strongly_log_concave (strong_log_concavity set and
// > 0; unset counts as not verified).
#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/bounds/bound_result.hpp"

namespace difflab {

// Terms: early_stopping = C1 sqrt(delta), initialisation = C2 e^{-2 L_MO (T - delta) - delta},
// score_error = C3 eps_score, discretisation = C4 gamma^alpha.
BoundResult bound_bruno_general(const BoundInputs& inputs);

}  // namespace difflab
