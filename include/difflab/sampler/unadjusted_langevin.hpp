#pragma once
// "ula": the unadjusted Langevin algorithm on a fixed law q_delta, delta = grid.delta() (the
// target itself when delta = 0 and the score is exact).
//
// The Langevin diffusion dY = grad log q(Y) dt + sqrt(2) dB (seed lecture eq. (7)) has q as
// its stationary law; its Euler-Maruyama step with step size h = options.langevin_step is
//   Y <- Y + h s(delta, Y) + sqrt(2 h) xi,   xi ~ N(0, I),
// repeated options.langevin_steps times (Roberts & Tweedie 1996, "ULA"). The chain is biased:
// for a Gaussian target N(mu, S) its stationary law is N(mu, S (I - (h/2) S^{-1})^{-1}), not
// N(mu, S) (derived in langevin_samplers_test.cpp); "mala" removes the bias.
//
// Only the grid's last time is used: the grid fixes which q_t is sampled. NFE = langevin_steps.
// Noise: iteration i of particle j draws xi from (seed, j, step i, RngUse::kCorrector).
// Callback: options.on_step is called after every iteration i with StepInfo{i, delta, delta}
// (t_from = t_to = grid.delta(): the chain does not move in forward time).
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class UnadjustedLangevin final : public Sampler {
 public:
  std::string name() const override { return "ula"; }
  std::string description() const override {
    return "unadjusted Langevin algorithm on q_delta (Euler step of dY = grad log q dt + "
           "sqrt(2) dB), biased";
  }
  SamplerTraits traits() const override {
    return {.one_step = false,
            .affine = true,
            .stochastic = true,
            .order = 0,
            .nfe_per_step = 1,
            .family = SamplerTraits::Family::kLangevin,
            .any_path = true};
  }
  std::size_t steps_taken(const TimeGrid&, const SamplerOptions& options) const override {
    return static_cast<std::size_t>(options.langevin_steps);
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
