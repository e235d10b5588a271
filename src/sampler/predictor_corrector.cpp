#include "difflab/sampler/predictor_corrector.hpp"

#include <cmath>

#include "difflab/core/columnwise.hpp"
#include "difflab/sampler/exponential_integrator.hpp"

namespace difflab {

Sampler::BlockStats PredictorCorrector::run_block(const ScoreModel& score, const TimeGrid& grid,
                                                  MatrixRef X, std::uint64_t first_particle,
                                                  const SamplerOptions& options,
                                                  const NoiseSource& noise) const {
  const ForwardProcess& process = score.process();
  Matrix S(X.rows(), X.cols()), Z(X.rows(), X.cols());  // scratch for the whole block
  const std::size_t steps = grid.steps();
  const double snr2 = options.snr * options.snr;
  Vector scratch(X.rows());
  for (std::size_t k = 0; k < steps; ++k) {
    const double t_from = grid.t(k);
    const double t_to = grid.t(k + 1);
    // Corrector at t_k (score_sde's LangevinCorrector, VP variant; see the header).
    const double alpha_i = std::exp(-process.integral_beta(t_to, t_from));
    for (int j = 0; j < options.corrector_steps; ++j) {
      score.score(t_from, X, S);
      noise.normal(Z, first_particle, corrector_noise_step(k, j), RngUse::kCorrector);
      for (Index c = 0; c < X.cols(); ++c) {
        // Per-particle norms (not batch averages, unlike score_sde: see the header).
        // (Norms through an aligned copy: core/columnwise.hpp, batch invariance.)
        const double grad2 = column_squared_norm(S, c, scratch);
        if (grad2 == 0.0) continue;
        const double eps = 2.0 * alpha_i * snr2 * column_squared_norm(Z, c, scratch) / grad2;
        X.col(c) += eps * S.col(c) + std::sqrt(2.0 * eps) * Z.col(c);
      }
    }
    // Predictor: one EI step t_k -> t_{k+1}.
    const EiStepCoefficients p = ei_step_coefficients(process, t_from, t_to);
    score.score(t_from, X, S);
    if (options.denoise_last_step && k + 1 == steps) {
      X = p.growth * X + p.score_weight * S;
    } else {
      noise.increment(Z, first_particle, k, RngUse::kStepNoise, grid_step_interval(grid, k));
      X = p.growth * X + p.score_weight * S + p.noise_std * Z;
    }
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
