#include "difflab/sampler/ddpm_ancestral.hpp"

#include <cmath>

namespace difflab {

Sampler::BlockStats DdpmAncestral::run_block(const ScoreModel& score, const TimeGrid& grid,
                                             MatrixRef X, std::uint64_t first_particle,
                                             const SamplerOptions& options,
                                             const NoiseSource& noise) const {
  const ForwardProcess& process = score.process();
  Matrix S(X.rows(), X.cols()), Z(X.rows(), X.cols());  // scratch for the whole block
  const std::size_t steps = grid.steps();
  for (std::size_t k = 0; k < steps; ++k) {
    const double t_from = grid.t(k);
    const double t_to = grid.t(k + 1);
    // Derivation in the header: x <- (x + b s)/a + sqrt(b sigma_{k+1}^2/sigma_k^2) xi.
    const double half_rho = 0.5 * process.integral_beta(t_to, t_from);
    const double inv_a = std::exp(half_rho);                // 1/a = alpha_{k+1}/alpha_k
    const double score_weight = 2.0 * std::sinh(half_rho);  // b/a
    const double b = -std::expm1(-2.0 * half_rho);          // 1 - a^2 (Ho et al.'s beta_t)
    const double posterior_var = b * process.sigma2(t_to) / process.sigma2(t_from);
    score.score(t_from, X, S);
    if (posterior_var == 0.0 || (options.denoise_last_step && k + 1 == steps)) {
      X = inv_a * X + score_weight * S;  // the posterior mean (x0_hat when t_to = 0)
    } else {
      noise.increment(Z, first_particle, k, RngUse::kStepNoise, grid_step_interval(grid, k));
      X = inv_a * X + score_weight * S + std::sqrt(posterior_var) * Z;
    }
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
