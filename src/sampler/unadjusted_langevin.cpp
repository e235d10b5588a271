#include "difflab/sampler/unadjusted_langevin.hpp"

#include <cmath>

namespace difflab {

Sampler::BlockStats UnadjustedLangevin::run_block(const ScoreModel& score, const TimeGrid& grid,
                                                  MatrixRef X, std::uint64_t first_particle,
                                                  const SamplerOptions& options,
                                                  const NoiseSource& noise) const {
  const double t = grid.delta();
  const double h = options.langevin_step;
  const double noise_scale = std::sqrt(2.0 * h);
  Matrix S(X.rows(), X.cols()), Z(X.rows(), X.cols());
  for (int i = 0; i < options.langevin_steps; ++i) {
    const auto step = static_cast<std::uint64_t>(i);
    score.score(t, X, S);
    noise.normal(Z, first_particle, step, RngUse::kCorrector);
    // Euler-Maruyama step of dY = grad log q(Y) dt + sqrt(2) dB (seed lecture eq. (7)).
    X += h * S + noise_scale * Z;
    if (options.on_step) {
      options.on_step(StepInfo{static_cast<std::size_t>(i), t, t},
                      static_cast<Index>(first_particle), X);
    }
  }
  return {};
}

}  // namespace difflab
