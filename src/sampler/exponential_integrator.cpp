#include "difflab/sampler/exponential_integrator.hpp"

#include <cmath>

namespace difflab {

EiStepCoefficients ei_step_coefficients(const ForwardProcess& process, double t_from, double t_to) {
  // rho/2 = (1/2) int_{t_to}^{t_from} beta = log alpha(t_to) - log alpha(t_from) >= 0.
  const double half_rho = 0.5 * process.integral_beta(t_to, t_from);
  return {std::exp(half_rho), 2.0 * std::expm1(half_rho), std::sqrt(std::expm1(2.0 * half_rho))};
}

Sampler::BlockStats ExponentialIntegrator::run_block(const ScoreModel& score, const TimeGrid& grid,
                                                     MatrixRef X, std::uint64_t first_particle,
                                                     const SamplerOptions& options,
                                                     const NoiseSource& noise) const {
  // Scratch for the whole block: the frozen score and the step's Gaussian noise.
  Matrix S(X.rows(), X.cols()), Z(X.rows(), X.cols());
  const std::size_t steps = grid.steps();
  for (std::size_t k = 0; k < steps; ++k) {
    const double t_from = grid.t(k);
    const EiStepCoefficients c = ei_step_coefficients(score.process(), t_from, grid.t(k + 1));
    score.score(t_from, X, S);
    if (options.denoise_last_step && k + 1 == steps) {
      X = c.growth * X + c.score_weight * S;  // the conditional mean of the step
    } else {
      noise.increment(Z, first_particle, k, RngUse::kStepNoise, grid_step_interval(grid, k));
      X = c.growth * X + c.score_weight * S + c.noise_std * Z;
    }
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
