#pragma once
// "heun": EDM's deterministic sampler (Karras et al. 2022, Algorithm 1, i.e. Algorithm 2
// without churn; the same method as k-diffusion's sample_heun with s_churn = 0).
//
// EDM integrates the ODE in variance-exploding variables. For a VP process with
// x_t = alpha_t x_0 + sigma_t z, set x_VE = x / alpha and sigma_VE = sigma / alpha (the grid's
// times fix sigma_VE(t_k)); then (Karras et al. eq. (3) with s(t) = 1)
//   dx_VE / dsigma_VE = (x_VE - D(x_VE; sigma_VE)) / sigma_VE,
// with D the data prediction x0(t, x) = (x + sigma_t^2 s(t, x)) / alpha_t (Tweedie,
// docs/theory.md 1.2). Since D = x_VE + (sigma_t^2 / alpha_t) s, the derivative is exactly
// -sigma_t s(t, alpha_t x_VE). Each step is an Euler predictor followed by the trapezoidal
// (Heun) corrector, except a final step to sigma_VE = 0 (t = 0), which is Euler only; the
// result is mapped back by x = alpha x_VE. Second order; NFE = 2 per step, 1 for a final step
// to t = 0.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class HeunEdm final : public Sampler {
 public:
  std::string name() const override { return "heun"; }
  std::string description() const override {
    return "EDM Heun sampler without churn (Karras et al. 2022, Alg. 1), 2nd order";
  }
  SamplerTraits traits() const override {
    return {.one_step = true,
            .affine = true,
            .stochastic = false,
            .order = 2,
            .nfe_per_step = 2,
            .any_path = true,
            .published_order = 2,
            .published_order_source = "Heun's method (Karras et al. 2022, Alg. 1)"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
