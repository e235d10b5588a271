#pragma once
// The "Align Your Steps" comparison grid (Sabour, Fidler and Kreis 2024): the grid that
// minimises an upper bound on the KL divergence between the path law of the reverse SDE and
// that of its discretisation with the score frozen at the start of each step (the exponential
// integrator "ei"), instead of the error of the output law itself (docs/theory.md
// 12.1, where the bound is derived in our VP frame).
//
// By Girsanov's theorem, with the reverse drift (1/2) beta (y + 2 s(t, y)) and diffusion
// sqrt(beta), the bound is
//   KLUB = sum_k int_{t_{k+1}}^{t_k} (1/2) beta(t) E || s(t, X_t) - s(t_k, X_{t_k}) ||^2 dt,
// the expectation over the forward process (X_t, X_{t_k}). For a Gaussian target each
// covariance eigen-coordinate contributes 1/v(t) + (1 - 2 alpha_{t_k}/alpha_t)/v(t_k), with
// v(t) = alpha_t^2 lambda + sigma_t^2, in closed form; the time integral is taken by 8-point
// Gauss-Legendre quadrature on each step. What is implemented is this closed-form bound for
// Gaussian data and its minimisation (L-BFGS in the log-step parametrisation,
// schedule/grid_parametrization.hpp, central-difference gradients); AYS's own Monte Carlo
// estimate for general data and its iterative coordinate refinement are not.
#include <functional>
#include <string>
#include <vector>

#include "difflab/core/types.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/schedule/time_grid.hpp"

namespace difflab {

// The KLUB of the grid `times` for a Gaussian target with covariance eigenvalues lambda (the
// mean does not enter: the score differences are centred).
double gaussian_klub(const ForwardProcess& process, const Vector& lambda,
                     const std::vector<double>& times);

// The grid minimising gaussian_klub, started from `start` (same T, delta and steps). `evaluations`
// (may be null) receives the number of KLUB evaluations.
TimeGrid ays_klub_grid(const ForwardProcess& process, const Vector& lambda, const TimeGrid& start,
                       int* evaluations = nullptr);

}  // namespace difflab
