#pragma once
// "dpm2": DPM-Solver-2 (Lu et al. 2022, "DPM-Solver", Algorithm 1 with r1 = 1/2, i.e. their
// eq. (3.8) second-order update), in the form of k-diffusion's sample_dpm_2 without churn
// (s_churn = 0): a midpoint step of EDM's variance-exploding ODE whose midpoint is the geometric
// mean of the two noise levels.
//
// Variables as in heun.hpp: x_VE = x / alpha, sigma_VE = sigma / alpha = e^{-lambda}, and
//   dx_VE / dsigma_VE = (x_VE - D(x_VE; sigma_VE)) / sigma_VE = -sigma_t s(t, alpha_t x_VE)
// (Karras et al. 2022, eq. (3) with s(t) = 1; D the data prediction, Tweedie, docs/theory.md 1.2).
// One step from s_k = sigma_VE(t_k) to s_{k+1}:
//   d_k   = (x_VE - D(x_VE; s_k)) / s_k
//   s_mid = exp((log s_k + log s_{k+1}) / 2),   i.e. lambda_mid = (lambda_k + lambda_{k+1}) / 2
//   u     = x_VE + (s_mid - s_k) d_k                                       (Euler to s_mid)
//   x_VE <- x_VE + (s_{k+1} - s_k) (u - D(u; s_mid)) / s_mid               (midpoint slope)
// The midpoint's forward time is t_mid = t_of_log_snr(lambda_mid), where the score is evaluated
// at alpha(t_mid) u. A final step to s_{k+1} = 0 (t = 0) is one Euler step, which returns
// D(x_VE; s_k), as in k-diffusion. With the Euler stage written as DPM-Solver's first-order
// update this is exactly DPM-Solver-2 in the noise prediction: Euler in sigma_VE with the slope
// frozen equals the exponential integrator in lambda for the noise prediction eps = d_k.
// Second order; NFE = 2 per step, 1 for a final step to t = 0.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class DpmSolver2 final : public Sampler {
 public:
  std::string name() const override { return "dpm2"; }
  std::string description() const override {
    return "DPM-Solver-2 (k-diffusion sample_dpm_2, no churn): log-midpoint step, 2nd order";
  }
  SamplerTraits traits() const override {
    return {.one_step = true,
            .affine = true,
            .stochastic = false,
            .order = 2,
            .nfe_per_step = 2,
            .any_path = true,
            .published_order = 2,
            .published_order_source = "DPM-Solver-2 (Lu et al. 2022, Thm 3.2)"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
