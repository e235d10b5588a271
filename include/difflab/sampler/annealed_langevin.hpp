#pragma once
// "annealed-langevin": annealed Langevin dynamics (Song & Ermon 2019, "Generative modeling by
// estimating gradients of the data distribution", Algorithm 1), adapted to a variance-preserving
// forward process.
//
// Noise levels are the grid's times, largest first: t_0 > t_1 > ... > t_N = delta. At level i
// the sampler runs options.langevin_steps Langevin steps on q_{t_i},
//   Y <- Y + alpha_i s(t_i, Y) + sqrt(2 alpha_i) xi,   xi ~ N(0, I),
// starting from where level i-1 ended (level 0 starts from the initial points).
//
// Step convention (options.annealed_step_rule), both named explicitly:
//   "se19" (default): alpha_i = eps sigma_i^2 / sigma_L^2 with eps = options.langevin_step,
//       sigma_i^2 = process.sigma2(t_i) the noise variance of level i and sigma_L^2 that of the
//       last (smallest) level with sigma > 0. This is SE19's Algorithm 1 rule
//       alpha_i = eps sigma_i^2 / sigma_L^2, with SE19's variance-exploding noise scale sigma_i
//       replaced by the VP noise scale sigma(t_i) of X_t = alpha(t) X_0 + sigma(t) Z. A level at
//       t = 0 (sigma = 0, only possible as the last) has alpha = 0 under this rule: it is skipped
//       and costs no evaluations. Note that in VP coordinates the score of q_t for large t is
//       about -x (Lipschitz about 1), so the first level's step eps sigma_0^2 / sigma_L^2 must stay
//       below about 2 (SE19 used eps / sigma_L^2 = 2e-5 / 0.01^2 = 0.2).
//   "constant": alpha_i = eps at every level (including t = 0), the fixed-step variant.
//
// NFE = (number of levels with a positive step) * langevin_steps.
// Noise: Langevin iteration m of level i (global iteration g = i * langevin_steps + m, counted
// over all levels, skipped ones included) of particle j draws xi from
// (seed, j, step g, RngUse::kCorrector).
// Callback: after level k+1 is finished (k = 0..N-1) report_step(k) is called, i.e.
// StepInfo{k, t_k, t_{k+1}}: the particles then approximate q_{t_{k+1}}. options.denoise_last_step
// is not used.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class AnnealedLangevin final : public Sampler {
 public:
  std::string name() const override { return "annealed-langevin"; }
  std::string description() const override {
    return "annealed Langevin dynamics over the grid's noise levels (Song & Ermon 2019, Alg. 1; "
           "step rule se19 or constant)";
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
  // Langevin iterations actually run: (levels with a positive step) * langevin_steps.
  std::size_t steps_taken(const TimeGrid& grid, const SamplerOptions& options) const override;

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
