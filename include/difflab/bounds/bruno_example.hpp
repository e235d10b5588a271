#pragma once
// The motivating example of Bruno, Zhang, Lim, Akyildiz, Sabanis (arXiv 2311.13584, section
// 3.1), exactly as the first author's code implements it (docs/theory.md 4.3):
//   data pi_D = N(mu, I_d), OU forward process, score class s(t, theta, x) = -x + e^{-t} theta,
//   loss U(theta) = E[ sigma_tau^2 || sigma_tau^{-1} Z + s(tau, theta, X_tau) ||^2 ],
//   tau ~ Unif[eps, T], SGLD training of theta, then Euler-Maruyama (or EI) sampling from
//   N(0, I_d) with theta_hat.
// Everything here is a closed form derived and checked in docs/theory.md 4.3 / 5.6 [D]; nothing
// uses the paper's (unseen) constants.
#include <string>

#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/bounds/bound_result.hpp"
#include "difflab/core/types.hpp"
#include "difflab/schedule/time_grid.hpp"

namespace difflab {

// c_{T,eps} = E_tau[e^{-2 tau} (1 - e^{-2 tau})]
//           = ((e^{-2eps} - e^{-2T})/2 - (e^{-4eps} - e^{-4T})/4) / (T - eps),  0 <= eps < T.
// U is 2c-strongly convex and 2c-smooth: grad U(theta) = 2 c (theta - mu).
double bruno_loss_curvature(double T, double eps);
// U* = min U = d E_tau[e^{-2 tau}] = d (e^{-2eps} - e^{-2T}) / (2 (T - eps)).
double bruno_loss_minimum(Index d, double T, double eps);
// U(theta) = c_{T,eps} (||theta - mu||^2 + d) + d E_tau[e^{-4 tau}],
// E_tau[e^{-4tau}] = (e^{-4eps} - e^{-4T}) / (4 (T - eps)).
double bruno_loss(const Vector& theta, const Vector& mu, double T, double eps);
// Mean SGLD iterate (docs/theory.md 4.3): E theta_n = mu + (1 - 2 lambda c)^n (theta_0 - mu), with
// step lambda and c = bruno_loss_curvature(T, eps) (mini-batch noise and the Langevin noise have
// mean zero).
Vector bruno_sgld_mean(const Vector& theta0, const Vector& mu, double lambda, double c,
                       long long n);

// Exact law N(mean, variance I_d) of the sampler's output for s = -x + e^{-t} theta_hat, run on
// `grid` (forward times tau_k = t_k, steps gamma_k = t_k - t_{k+1}, delta must be 0) from
// N(0, I_d) (docs/theory.md 4.3):
//   EM: m_{k+1} = (1 - g) m_k + 2 g e^{-tau_k} theta_hat,  v_{k+1} = (1 - g)^2 v_k + 2 g;
//   EI: m_{k+1} = (2 - e^g) m_k + 2 (e^g - 1) e^{-tau_k} theta_hat,
//       v_{k+1} = (2 - e^g)^2 v_k + e^{2g} - 1;
// m_0 = 0, v_0 = 1. noise_on_last_step = false drops the noise of the last step (the authors'
// "return mean_x"). sampler is "em" or "ei".
struct IsotropicGaussianLaw {
  Vector mean;
  double variance = 1;
};
IsotropicGaussianLaw bruno_example_law(const Vector& theta_hat, const TimeGrid& grid,
                                       const std::string& sampler, bool noise_on_last_step = true);

// W2(N(m, v I_d), N(mu, I_d)) = sqrt(||m - mu||^2 + d (sqrt(v) - 1)^2) (docs/theory.md 5.4,
// commuting covariances).
double bruno_example_w2(const IsotropicGaussianLaw& law, const Vector& mu);

// The example's W2 error W2(Law(Y_K), N(mu, I_d)) with its parts (id "bruno-example"). This
// is NOT a published bound: kind = "exact_decomposition" (an exact split of the measured error
// by the triangle inequality); reports never draw it as a paper's bound. Assumption flag
// identity_covariance: data N(mu, I_d); unset counts as not verified, as for every bound.
// Rates from the closed form: initialisation ||mu|| e^{-2T}, discretisation O(sqrt(d) gamma).
// Inputs: mu, theta_hat, sampler, noise_on_last_step, the grid (uniform by default, gamma =
// T/K, delta = 0). value = optimisation + initialisation + discretisation, where
//   optimisation   = ||theta_hat - mu||,
//   initialisation = ||mu|| e^{-2T},
//   discretisation = W2(Law(Y_K), N(theta_hat (1 - e^{-2T}), I_d)), computed exactly: the
//                    distance to the continuous-time reverse SDE's output with the same score.
// By the triangle inequality value >= the exact W2 (constant 1, explicit); the exact W2 is in
// details.exact_w2 (with details.mean_error, details.variance). The parts need not add up to
// the exact W2: both are reported.
BoundResult bound_bruno_example(const BoundInputs& inputs);

}  // namespace difflab
