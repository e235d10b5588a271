#pragma once
// Strasman, Ocello, Boyer, Le Corff, Lemaire, "An analysis of the noise schedule for score-based
// generative models", TMLR 2025 (arXiv 2402.04650): the W2 bound for strongly log-concave data
// with every constant explicit, in the Gaussian-data form the authors evaluate it
// (docs/theory.md 6 and 16).
//
// Source: the theorem's text was not read. The formula is transcribed from the authors' own
// code (github.com/StanislasStrasman/Noise_Schedule_for_Score-based_Generative_Models,
// src/noise_diff/upperbounds.py, commit dd5bf4d64dbcaac8bcf951037b0725e2b447db77: functions
// compute_w2_bound, compute_mixing_w2, compute_Ct (their Proposition D.1), compute_Lt
// (Proposition D.2) and compute_ellbar), for their VP SDE dX = -beta/(2 s^2) X dt + sqrt(beta) dB
// with constant beta = 2 and s = 1, i.e. difflab's OU process. statement_verified is therefore
// false, so the result is never certified even though every constant is explicit.
//
// For Gaussian data q = N(m, Sigma) with covariance eigenvalues in [l_min, l_max], OU,
// constant step h = T/N and no early stopping, the output p of the exponential integrator:
//
//   W2(p, q) <= W2(q, N(0, I)) exp(-int_0^T 2 / v(t) dt)                       (mixing)
//             + B sum_k I_k (M_2 + 2 I_k)                          (approximation/discretisation)
//             + 2 T eps                                                         (score error)
//             + 2 ellbar h T (1 + 2 B)                                          (discretisation)
//
//   v(t)  = e^{-2t} l_max + 1 - e^{-2t}, the largest variance of q_t (Prop. D.1: q_t is
//           1/v(t)-strongly log-concave, and the forward and backward contractions combine to
//           exp(-int 2/v));
//   L(t)  = min(1/(1 - e^{-2t}), e^{2t}/l_min) - 1 (Prop. D.2), I_k = int over step k of 2 L(t);
//   B     = sqrt(E||X||^2 + d), M_2 = 2 sqrt(h) + h;
//   ellbar = max over steps [t_k, t_{k+1}] (forward times k h) of
//           max(2 e^{-2 t_k} |l_min - 1|, ||m|| e^{-t_k} |e^{-t_k - t_{k+1}} (l_min - 1) - 1|)
//           / |(1 + e^{-2 t_k} (l_min - 1)) (1 + e^{-2 t_{k+1}} (l_min - 1))|;
//   eps   = sqrt(max_k E||s - grad log q_{t_k}||^2) (ScoreErrorForm::kMaxOverSteps).
//
// The authors' code writes h = 1/N (their experiments use T = 1, where 1/N is the step); the
// bound here uses the step h = T/N, which is larger for T > 1.
//
// Inputs used: the grid (uniform, delta = 0), eps_score, data_mean and cov_eigenvalues (a
// Gaussian target; without them the bound is refused: the constants are the Gaussian-case ones),
// m2 (E||X||^2, else computed from the mean and eigenvalues). Assumption flags:
// strongly_log_concave (l_max finite: alpha = 1/l_max > 0) and lipschitz_score (l_min > 0:
// grad log q is 1/l_min-Lipschitz), both read off the eigenvalues.
#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/bounds/bound_result.hpp"

namespace difflab {

// Terms: initialisation (mixing), discretisation (the B sum plus the ellbar term), score_error.
// details: the strong log-concavity alpha = 1/l_max, the Lipschitz constant 1/l_min, B, M_2,
// ellbar, h and W2(q, N(0, I)).
BoundResult bound_strasman24(const BoundInputs& inputs);

}  // namespace difflab
