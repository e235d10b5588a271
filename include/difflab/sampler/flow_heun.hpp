#pragma once
// "flow-heun": Heun's method (explicit trapezoidal rule) on the probability-flow ODE in forward
// time, with v the flow velocity of probability_flow_velocity.hpp:
//   x' = x_k + dt v(t_k, x_k),  x_{k+1} = x_k + (dt/2) (v(t_k, x_k) + v(t_{k+1}, x')),
// dt = t_{k+1} - t_k. On the linear path this is the update of diffusers'
// FlowMatchHeunDiscreteScheduler (first- and second-order stages on the same sigma = t). A final
// step to t = 0 is Euler only, as in EDM's Algorithm 1 and k-diffusion's sample_heun: the score
// at t = 0 is singular for data without a density (diffusers evaluates the velocity there, which
// is finite on the linear path only when the score's factor t = 0 meets a finite score). Second
// order; two score evaluations per step, one for a final step to t = 0.
//
// It differs from "heun", which takes the same predictor-corrector steps in the variance-
// exploding variables x/alpha and sigma/alpha (Karras et al.); on the linear path the two are
// different methods with the same order.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class FlowHeun final : public Sampler {
 public:
  std::string name() const override { return "flow-heun"; }
  std::string description() const override {
    return "Heun on the probability-flow ODE in t (flow matching's Heun), 2nd order";
  }
  SamplerTraits traits() const override {
    return {.one_step = true,
            .affine = true,
            .stochastic = false,
            .order = 2,
            .nfe_per_step = 2,
            .any_path = true,
            .published_order = 2,
            .published_order_source = "Heun's method"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
