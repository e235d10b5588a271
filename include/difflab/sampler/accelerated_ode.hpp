#pragma once
// "accel-ode": the accelerated deterministic sampler of Li, Huang, Efimov, Wei, Chi & Chen
// (2024), "Accelerating convergence of score-based diffusion models, provably" (ICML 2024,
// arXiv 2403.03852), in the form their public code states it (its README, eq. (5)): DDIM with
// a second-order correction from the previous step's noise prediction.
//
// Derivation (docs/theory.md 13). With abar = alpha^2 (variance-preserving), the noise prediction
// eps(t, x) = -sigma_t s(t, x) and u = sigma/alpha = e^{-lambda}, the probability-flow ODE of a
// variance-preserving process reads d(x/alpha)/du = eps exactly (the DDIM / DPM-Solver change of
// variables). DDIM freezes eps at the step's start t_k:
//   x_{k+1} = alpha_{k+1} (x_k/alpha_k + (u_{k+1} - u_k) eps_k).
// accel-ode instead lets eps vary linearly in abar through the last two evaluations,
//   eps(abar) = eps_k + (abar - abar_k) (eps_k - eps_{k-1}) / (abar_k - abar_{k-1}),
// and integrates it exactly in u. On a variance-preserving process abar = 1/(1 + u^2); the code
// takes abar := 1/(1 + u^2) on every path, so that the scheme depends on u alone and holds for
// any path x_t = alpha x_0 + sigma z, where d(x/alpha)/du = eps still holds (docs/theory.md
// 1.3). The integral of abar du is -arcsin(sqrt(abar)) = -theta, theta = arccot(u), so
//   x_{k+1} = alpha_{k+1} (x_k/alpha_k + (u_{k+1} - u_k) eps_k
//             + (eps_k - eps_{k-1}) / (abar_k - abar_{k-1})
//               * (theta_k - theta_{k+1} - abar_k (u_{k+1} - u_k))),
// which is their eq. (5) written with t -> k, t-1 -> k+1, t+1 -> k-1. The difference of arccots
// is taken as theta_k - theta_{k+1} = atan((u_{k+1} - u_k) / (1 + u_k u_{k+1})), which keeps
// its digits where both angles are close to pi/2 (small noise) and holds for a final step to
// u = 0.
//
// Rates. The paper proves TV(q_delta, output) = O(1/N^2) up to dimension and log factors,
// against O(1/N) for DDIM, under L2-accurate scores and Jacobians of the score estimate; for a
// smooth target the update is a two-step method of order 2 in the step size (an interpolating
// polynomial of degree 1 integrated exactly), like dpmpp-2m. The first step has no previous
// evaluation and is the DDIM step. One score evaluation per step, never at the final time.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class AcceleratedOde final : public Sampler {
 public:
  std::string name() const override { return "accel-ode"; }
  std::string description() const override {
    return "accelerated DDIM of Li et al. 2024: eps linear in alpha-bar, 2nd order multistep";
  }
  SamplerTraits traits() const override {
    return {.one_step = false,
            .affine = true,
            .stochastic = false,
            .order = 2,
            .nfe_per_step = 1,
            .any_path = true,
            .published_order = 2,
            .published_order_source = "Li et al. 2024: TV O(1/N^2), a bound"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
