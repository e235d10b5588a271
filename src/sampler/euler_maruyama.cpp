#include "difflab/sampler/euler_maruyama.hpp"

#include <cmath>

namespace difflab {

Sampler::BlockStats EulerMaruyama::run_block(const ScoreModel& score, const TimeGrid& grid,
                                             MatrixRef X, std::uint64_t first_particle,
                                             const SamplerOptions& options,
                                             const NoiseSource& noise) const {
  Matrix S(X.rows(), X.cols()), Z(X.rows(), X.cols());  // scratch for the whole block
  const std::size_t steps = grid.steps();
  for (std::size_t k = 0; k < steps; ++k) {
    const double t_from = grid.t(k);
    const double h = t_from - grid.t(k + 1);
    const double beta = score.process().beta(t_from);
    const double growth = 1.0 + 0.5 * beta * h;  // Y + h beta/2 Y
    const double score_weight = beta * h;
    score.score(t_from, X, S);
    if (options.denoise_last_step && k + 1 == steps) {
      X = growth * X + score_weight * S;
    } else {
      noise.increment(Z, first_particle, k, RngUse::kStepNoise, grid_step_interval(grid, k));
      X = growth * X + score_weight * S + std::sqrt(beta * h) * Z;
    }
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
