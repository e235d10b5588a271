#pragma once
// The exact output error of the samplers "ei" and "ddim" on a Gaussian target with the exact
// score, as a function of the time grid, with its gradient with respect to every grid time.
//
// In the eigenbasis of the target's covariance (eigenvalues lambda_i, mean mu_i) the exact score
// of q_t is s(t, x)_i = -(x_i - alpha_t mu_i) / v_i(t), v_i(t) = alpha_t^2 lambda_i + sigma_t^2,
// so each step of an affine one-step sampler acts on each coordinate as
//   x_{k+1} = A_k x_k + b_k + c_k xi_k
// and the output law is the product of N(m_i, P_i) with m <- A m + b, P <- A^2 P + c^2
// (docs/theory.md 5.2 and 12.1). The step
// coefficients A_k, b_k, c_k depend on (t_k, t_{k+1}) only, through alpha and sigma; their
// partial derivatives are carried by a two-component dual number (forward mode, local to the
// step), and the derivative of the error with respect to the coefficients of every step by the
// adjoint (reverse) sweep of the recursion. The cost is O(d N) for the value and the gradient.
//
// This is an independent derivation of the law that `law_report` reads off the sampler code by
// linear response (law/affine_gaussian_law.hpp); the tests compare the two.
#include <string>
#include <vector>

#include "difflab/core/types.hpp"
#include "difflab/process/forward_process.hpp"

namespace difflab {

struct GaussianGridProblem {
  const ForwardProcess* process = nullptr;
  Vector lambda;               // covariance eigenvalues of the target
  Vector mu;                   // the target's mean in the same eigenbasis
  std::string sampler = "ei";  // "ei" or "ddim" (gaussian_grid_samplers())
  bool start_exact = false;    // start from q_T instead of N(0, I)
  bool denoise_last_step = false;
  std::string metric = "kl";  // "kl" = KL(target || output), "w2"
};

// The samplers whose step coefficients are written here.
const std::vector<std::string>& gaussian_grid_samplers();

// The error of the output law on the grid `times` (T = t_0 > ... > t_N = delta). With grad
// non-null it receives d error / d t_k for k = 0..N (0 at the end points T and delta, which are
// fixed).
double gaussian_grid_objective(const GaussianGridProblem& problem, const std::vector<double>& times,
                               std::vector<double>* grad = nullptr);

}  // namespace difflab
