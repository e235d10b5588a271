#pragma once
// "sa-solver": SA-Solver (Xue et al. 2023, "SA-Solver: Stochastic Adams Solver for Fast Sampling
// of Diffusion Models", NeurIPS 2023, arXiv 2309.05019), the data-prediction form with a
// piecewise-constant tau(t) (options sa_tau, sa_tau_window, sa_predictor_order,
// sa_corrector_order; docs/theory.md 13).
//
// Notation as in dpm_solver_pp_2m.hpp: lambda = log(alpha / sigma), data predictions D_k =
// D(t_k, x~_k) (Tweedie, docs/theory.md 1.2) at the points x~_k where the score is evaluated.
// The paper's SDE family with noise scale tau, solved exactly in its linear part (variation of
// constants in lambda), reads over one step s = t_k -> t = t_{k+1}, h = lambda_t - lambda_s:
//   x_t = (sigma_t / sigma_s) e^{-tau^2 h} x_s
//         + alpha_t (1 + tau^2) int_{lambda_s}^{lambda_t} e^{-(1 + tau^2)(lambda_t - l)} D(l) dl
//         + sigma_t sqrt(1 - e^{-2 tau^2 h}) xi.
// tau = 0 is the probability-flow ODE (DPM-Solver++'s form), tau = 1 the reverse SDE. The noise
// term is exact (a Wiener integral with a deterministic integrand); only the D-integral is
// approximated, by integrating the Lagrange polynomial through earlier data predictions against
// the exponential weight (the paper's eqs. (15) and (18), as its reference implementation
// cites them): with Lagrange basis l_j through the nodes lambda_j,
//   b_j = (1 + tau^2) int_{lambda_s}^{lambda_t} e^{-(1 + tau^2)(lambda_t - l)} l_j(l) dl,
// here by 8-point Gauss-Legendre on two halves of the step (exact to rounding for the
// polynomial-times-exponential integrands at these step sizes), once per step.
//   SA-Predictor (order p): nodes lambda_k, lambda_{k-1}, ..., lambda_{k-p+1}:
//     x~_{k+1} = (sigma_t/sigma_s) e^{-tau^2 h} x_k + alpha_t sum_j b_j D_{k-j} + noise(xi_k).
//   SA-Corrector (order c): once D_{k+1} = D(t_{k+1}, x~_{k+1}) is evaluated (the next step's
//     evaluation, so the corrector costs none), the step from x_k is redone with the nodes
//     lambda_{k+1}, lambda_k, ..., lambda_{k-c+2} and the same xi_k, giving x_{k+1}; the next
//     predictor starts from x_{k+1} with D_{k+1} (evaluated at x~_{k+1}).
// As in diffusers' SASolverScheduler: the orders warm up as min(p, k + 1) and min(c, k + 1);
// the final step has no corrector (no evaluation follows it). Unlike its defaults, there are no
// lower-order final steps and no order-2 "UniPC-like" modification, so the stated orders hold on
// fine grids.
// tau(t): every member of the SDE family has the marginals q_t, whatever tau(t) (the
// tau^2-weighted part is a Langevin dynamics for q_t, which leaves it invariant; docs/theory.md
// 13), so tau may vary over time.
// As in the paper's experiments and diffusers' tau_func, tau(t) = sa_tau on a window
// [t_lo, t_hi] and 0 outside (sa_tau_window; empty: sa_tau everywhere), read at each step's
// start: within a step tau is constant and the step above is exact in its linear part; the
// corrector redoes a step with that step's tau. A final step to t = 0
// (h = +inf) returns D_k. With denoise_last_step the final step draws no noise; with tau = 0 no
// step draws any (a deterministic Adams-type solver of the probability-flow ODE).
//
// For an affine score the output is affine in the start and the noise, so Gaussian targets have
// the exact Gaussian law (affine_gaussian_law.hpp); orders measured there (sa_solver_test.cpp,
// W2 to q_delta on a 2-D Gaussian): tau = 0 is a deterministic Adams method of order p (its
// corrector of order c also interpolates through c points, so it improves the constant, not the
// order): p = c = 3 gives slopes 3.6 at N = 40..320 (3 without the corrector). tau = 1 has weak
// order 2 whatever p >= 2 (the traits' order): interpolating D along a Brownian path gets the mean
// to order p but the covariance of the drift integral with the step's noise only to O(h^3) per
// step. The paper states its convergence results for the predictor and corrector in its section 5;
// they could not be read here. One score evaluation per step.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class SaSolver final : public Sampler {
 public:
  std::string name() const override { return "sa-solver"; }
  std::string description() const override {
    return "SA-Solver (Xue et al. 2023), stochastic Adams predictor-corrector in log-SNR with data "
           "prediction; noise scale sa_tau (0: PF-ODE, 1: reverse SDE)";
  }
  SamplerTraits traits() const override {
    return {.one_step = false,
            .affine = true,
            .stochastic = true,
            .order = 2,
            .nfe_per_step = 1,
            .brownian = true,
            .any_path = true,
            .published_order = 0,
            .published_order_source = "none found in the sources read (Xue et al. 2023)"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

// The SA-Solver weights b_j of the header for a step lambda_s -> lambda_t through the Lagrange
// nodes `nodes` (distinct, finite), for noise scale tau. Exposed for its test.
std::vector<double> sa_solver_weights(double lambda_s, double lambda_t,
                                      const std::vector<double>& nodes, double tau);

}  // namespace difflab
