#pragma once
// "accel-ddpm": the accelerated stochastic sampler of Li, Huang, Efimov, Wei, Chi & Chen (2024),
// "Accelerating convergence of score-based diffusion models, provably" (ICML 2024, arXiv
// 2403.03852), Section 3, in the form their public code states it. In Ho et al.'s notation for
// one step (alpha_t the step's signal factor, s_t the score at the step's start):
//   Y_t^+   = Phi_t(Y_t, Z_t)       = Y_t + sqrt((1 - alpha_t)/2) Z_t,
//   Y_{t-1} = Psi_t(Y_t^+, Z_t^+)   = (Y_t^+ + (1 - alpha_t) s_t(Y_t^+)) / sqrt(alpha_t)
//                                      + sqrt((1 - alpha_t)/2) Z_t^+,
// with Z_t, Z_t^+ independent standard normals. Half of the step's noise is injected before
// the score is evaluated and half after; the plain DDPM step of the same paper (their eq. (1))
// evaluates the score at Y_t and injects sqrt(1 - alpha_t) Z_t all at once.
//
// Between grid times t_k > t_{k+1} of a variance-preserving process, 1 - alpha_t = b = 1 - a^2
// with a = alpha(t_k)/alpha(t_{k+1}) = e^{-rho/2}, rho = int_{t_{k+1}}^{t_k} beta, exactly as
// in ddpm_ancestral.hpp; 1/sqrt(alpha_t) = e^{rho/2}.
//
// Rates. The paper proves TV(q_delta, output) = O(1/N) up to logarithmic factors and the
// dimension, against O(1/sqrt(N)) for the plain step, under L2-accurate scores and a finite
// second moment only (no smoothness). Those are worst-case rates over such targets. For a
// smooth target both steps are first order in the step size: on a Gaussian the one-step
// variance error of accel-ddpm is -b^2/2 + O(b^3), that of eq. (1) +b^2/v + O(b^3) (v the
// variance of q_t), so both have order 1 (docs/theory.md 13), which the orders experiment
// measures.
//
// Noise: Z_t is the normal of use kStepNoise, Z_t^+ of use kMidpointNoise. With noise
// "brownian" they are the normalised increments of path 0 over the upper and lower halves of
// the step, [m, t_k] and [t_{k+1}, m] with m the midpoint: sqrt(b/2) ~ sqrt(h) is the
// sqrt(2) dW of the reverse SDE over half the step. With denoise_last_step the final step
// draws Z_t but not Z_t^+. One score evaluation per step, never at the final time.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class AcceleratedDdpm final : public Sampler {
 public:
  std::string name() const override { return "accel-ddpm"; }
  std::string description() const override {
    return "accelerated DDPM of Li et al. 2024: half the noise before the score, half after";
  }
  SamplerTraits traits() const override {
    return {.one_step = true,
            .affine = true,
            .stochastic = true,
            .order = 1,
            .nfe_per_step = 1,
            .brownian = true,
            .additive_noise = false,
            .published_order = 1,
            .published_order_source =
                "Li et al. 2024: TV O(1/N), a bound over targets with a finite second moment"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
