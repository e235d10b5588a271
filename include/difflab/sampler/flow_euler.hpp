#pragma once
// "flow-euler": Euler's method on the probability-flow ODE in forward time,
//   x_{k+1} = x_k + (t_{k+1} - t_k) v(t_k, x_k),
// with v the flow velocity of probability_flow_velocity.hpp. On the linear path
// x_t = (1 - t) x_0 + t z this is the step of diffusers' FlowMatchEulerDiscreteScheduler
// (prev = x + (sigma_next - sigma) v with sigma = t and v = E[z - x_0 | x]), the sampler of flow
// matching and rectified flow; on a variance-preserving process it is Euler on
// dx/dt = -(beta/2)(x + s). First order; one score evaluation per step.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class FlowEuler final : public Sampler {
 public:
  std::string name() const override { return "flow-euler"; }
  std::string description() const override {
    return "Euler on the probability-flow ODE in t (flow matching's Euler), 1st order";
  }
  SamplerTraits traits() const override {
    return {.one_step = true,
            .affine = true,
            .stochastic = false,
            .order = 1,
            .nfe_per_step = 1,
            .any_path = true,
            .published_order = 1,
            .published_order_source = "Euler's method"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
