#include "difflab/sampler/accelerated_ddpm.hpp"

#include <cmath>

namespace difflab {

Sampler::BlockStats AcceleratedDdpm::run_block(const ScoreModel& score, const TimeGrid& grid,
                                               MatrixRef X, std::uint64_t first_particle,
                                               const SamplerOptions& options,
                                               const NoiseSource& noise) const {
  const ForwardProcess& process = score.process();
  Matrix S(X.rows(), X.cols()), Z(X.rows(), X.cols());  // scratch for the whole block
  const std::size_t steps = grid.steps();
  for (std::size_t k = 0; k < steps; ++k) {
    const double t_from = grid.t(k);
    const double t_to = grid.t(k + 1);
    const double mid = 0.5 * (t_from + t_to);
    const double half_rho = 0.5 * process.integral_beta(t_to, t_from);
    const double inv_sqrt_alpha = std::exp(half_rho);  // 1/sqrt(alpha_t) = e^{rho/2}
    const double b = -std::expm1(-2.0 * half_rho);     // 1 - alpha_t
    const double half_noise = std::sqrt(0.5 * b);
    // Phi_t: the first half of the noise (header).
    noise.increment(Z, first_particle, k, RngUse::kStepNoise, {.path = 0, .lo = mid, .hi = t_from});
    X += half_noise * Z;
    // Psi_t: the score at the noised point, then the second half of the noise.
    score.score(t_from, X, S);
    X = inv_sqrt_alpha * (X + b * S);
    if (!(options.denoise_last_step && k + 1 == steps)) {
      noise.increment(Z, first_particle, k, RngUse::kMidpointNoise,
                      {.path = 0, .lo = t_to, .hi = mid});
      X += half_noise * Z;
    }
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
