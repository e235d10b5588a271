#pragma once
// "mala": the Metropolis-adjusted Langevin algorithm (Roberts & Tweedie 1996) on q_delta,
// delta = grid.delta().
//
// Proposal: the ULA step (unadjusted_langevin.hpp) with h = options.langevin_step,
//   Y' = Y + h s(delta, Y) + sqrt(2 h) xi,
// so the proposal density is Q(y' | y) = N(y'; y + h s(y), 2 h I). Y' is accepted with
// probability min{1, q(Y') Q(Y | Y') / (q(Y) Q(Y' | Y))}, which makes q_delta exactly
// invariant, so the ULA bias disappears. The ratio needs the exact log-density of q_delta
// (score.log_density); a score model without one (score.has_log_density() false) is an error.
// The proposal uses the model's score, so the chain targets exp(log_density) exactly only when
// the score is its gradient (the exact score).
//
// NFE = langevin_steps + 1 (the score at the starting points, then one per proposal; the score
// and log-density of the current state are kept). Acceptance is reported as
// SamplerSummary::acceptance_rate = accepted proposals / proposals.
// Noise: iteration i of particle j draws xi from (seed, j, step i, RngUse::kCorrector) and its
// accept/reject uniform from (seed, j, step i, RngUse::kAccept).
// Callback: options.on_step after every iteration i with StepInfo{i, delta, delta}, as "ula".
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class Mala final : public Sampler {
 public:
  std::string name() const override { return "mala"; }
  std::string description() const override {
    return "Metropolis-adjusted Langevin on q_delta (Roberts & Tweedie 1996), needs the exact "
           "log-density";
  }
  SamplerTraits traits() const override {
    return {.one_step = false,
            .affine = false,
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
