#pragma once
// "ode-ei": exponential integrator with frozen score for the probability-flow ODE.
//
// The PF-ODE in forward time is dx/dt = -(1/2) beta(t) (x + s(t, x)) (Song et al. 2021
// eq. (13) for a VP SDE). Freezing the score at the left end t_k of a step and solving the
// remaining linear ODE exactly from t_k down to t_{k+1} gives, with
// rho = int_{t_{k+1}}^{t_k} beta(u) du,
//   x_{k+1} = e^{rho/2} x_k + (e^{rho/2} - 1) s(t_k, x_k),
// which for OU (beta = 2, rho = 2h) is docs/theory.md 1.1's y <- e^h y + (e^h - 1) s(y, tau).
// First order; one score evaluation per step, never at the final time (so delta = 0 is fine).
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class ProbabilityFlowEI final : public Sampler {
 public:
  std::string name() const override { return "ode-ei"; }
  std::string description() const override {
    return "probability-flow ODE, exponential integrator with frozen score (1st order)";
  }
  SamplerTraits traits() const override {
    return {.one_step = true,
            .affine = true,
            .stochastic = false,
            .order = 1,
            .nfe_per_step = 1,
            .published_order = 1,
            .published_order_source = "DPM-Solver-1 in noise prediction (Lu et al. 2022, Thm 3.2)"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
