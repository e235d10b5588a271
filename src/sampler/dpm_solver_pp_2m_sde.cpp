#include "difflab/sampler/dpm_solver_pp_2m_sde.hpp"

#include <cmath>

namespace difflab {

Sampler::BlockStats DpmSolverPP2MSde::run_block(const ScoreModel& score, const TimeGrid& grid,
                                                MatrixRef X, std::uint64_t first_particle,
                                                const SamplerOptions& options,
                                                const NoiseSource& noise) const {
  const ForwardProcess& process = score.process();
  // Scratch for the whole block: the current and previous data predictions (swapped, never
  // reallocated) and the step noise.
  Matrix current(X.rows(), X.cols()), previous(X.rows(), X.cols()), Z(X.rows(), X.cols());
  const std::size_t steps = grid.steps();
  double h_last = 0;  // lambda_k - lambda_{k-1}; 0 before the first step
  for (std::size_t k = 0; k < steps; ++k) {
    const double t_from = grid.t(k);
    const double t_to = grid.t(k + 1);
    const double alpha_from = process.alpha(t_from);
    const double sigma2_from = process.sigma2(t_from);
    score.score(t_from, X, current);
    current = (X + sigma2_from * current) / alpha_from;  // D_k = x0 (Tweedie, docs/theory.md 1.2)
    if (t_to == 0.0) {
      X = current;  // h = +inf: the step returns D_k, first order, no noise
    } else {
      const double alpha_to = process.alpha(t_to);
      const double sigma2_to = process.sigma2(t_to);
      const double h = process.log_snr(t_to) - process.log_snr(t_from);
      const double keep = (sigma2_to / sigma2_from) * (alpha_from / alpha_to);  // (s'/s) e^{-h}
      const double one_minus_e2h = -std::expm1(-2.0 * h);                       // 1 - e^{-2h}
      const double data_weight = alpha_to * one_minus_e2h;
      const bool add_noise = !(options.denoise_last_step && k + 1 == steps);
      if (add_noise)
        noise.increment(Z, first_particle, k, RngUse::kStepNoise, grid_step_interval(grid, k));
      const double noise_std = add_noise ? std::sqrt(sigma2_to * one_minus_e2h) : 0.0;
      if (h_last == 0.0) {
        // First step: first order (k-diffusion has no old_denoised yet).
        if (add_noise) {
          X = keep * X + data_weight * current + noise_std * Z;
        } else {
          X = keep * X + data_weight * current;
        }
      } else {
        // Midpoint correction 0.5 (1 - e^{-2h}) (1/r) (D_k - D_{k-1}), r = h_last / h.
        const double c = 0.5 * data_weight * h / h_last;
        if (add_noise) {
          X = keep * X + (data_weight + c) * current - c * previous + noise_std * Z;
        } else {
          X = keep * X + (data_weight + c) * current - c * previous;
        }
      }
      h_last = h;
    }
    current.swap(previous);
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
