#pragma once
// "rk45": adaptive Dormand-Prince RK5(4)7M (Dormand & Prince 1980, the tableau of
// scipy's RK45 and MATLAB's ode45; first-same-as-last) on the probability-flow ODE in forward
// time, dx/dt = -(1/2) beta(t) (x + s(t, x)) (Song et al. 2021 eq. (13)), from T down to delta.
//
// Step-size control as in Hairer, Norsett & Wanner, Solving ODEs I, II.4 (and scipy's RK45):
// the local error estimate of the embedded 4th-order solution is measured in the RMS norm
// scaled by atol + rtol max(|x|, |x_new|) (options.atol, options.rtol); a step is accepted when
// the norm is <= 1 and the next step is h * min(10, max(0.2, 0.9 err^{-1/5})) (no growth right
// after a rejection). The first step comes from Hairer's starting-step heuristic (one extra
// evaluation).
//
// Each particle (column) is integrated with its own adaptive steps, one column per score call,
// so its result is independent of the batch split and thread count. Every grid time is hit
// exactly (the step is shortened to land on it), and the state at t_{k+1} is reported after
// grid step k; the grid's intermediate times are output times only. The integration stops at
// the grid's delta as given: with delta = 0 the last stage evaluates the score at t = 0, so a
// score singular there needs a grid with delta > 0 (a non-finite right-hand side is an error).
// NFE is counted by the score model: 2 + 6 per attempted step, per particle.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class DormandPrince45 final : public Sampler {
 public:
  std::string name() const override { return "rk45"; }
  std::string description() const override {
    return "probability-flow ODE, adaptive Dormand-Prince RK45 per particle (rtol, atol)";
  }
  SamplerTraits traits() const override {
    return {.one_step = false,
            .affine = false,
            .stochastic = false,
            .order = 0,
            .nfe_per_step = 0,
            .any_path = true};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
