#include "difflab/sampler/mala.hpp"

#include <cmath>

#include "difflab/core/columnwise.hpp"
#include "difflab/core/error.hpp"

namespace difflab {

Sampler::BlockStats Mala::run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                                    std::uint64_t first_particle, const SamplerOptions& options,
                                    const NoiseSource& noise) const {
  require(score.has_log_density(), "mala: score model '", score.name(),
          "' has no log-density; the Metropolis accept/reject step needs the exact log q_t "
          "(use the exact score, or the unadjusted sampler 'ula')");
  const double t = grid.delta();
  const double h = options.langevin_step;
  const double noise_scale = std::sqrt(2.0 * h);
  const Index d = X.rows();
  const Index n = X.cols();
  // Current state's score and log-density, and the proposal's.
  Matrix S(d, n), Z(d, n), Y(d, n), SY(d, n);
  Vector L(n), LY(n);
  score.score(t, X, S);
  score.log_density(t, X, L);
  BlockStats stats;
  Vector scratch(d);
  for (int i = 0; i < options.langevin_steps; ++i) {
    const auto step = static_cast<std::uint64_t>(i);
    noise.normal(Z, first_particle, step, RngUse::kCorrector);
    Y = X + h * S + noise_scale * Z;
    score.score(t, Y, SY);
    score.log_density(t, Y, LY);
    for (Index j = 0; j < n; ++j) {
      // log Q(Y | X) = -||Y - X - h s(X)||^2 / (4h) = -||Z||^2 / 2 (up to the common constant);
      // log Q(X | Y) = -||X - Y - h s(Y)||^2 / (4h).
      // (Norms through an aligned copy: core/columnwise.hpp, batch invariance.)
      const double log_forward = -0.5 * column_squared_norm(Z, j, scratch);
      scratch = X.col(j) - Y.col(j) - h * SY.col(j);
      const double log_backward = -scratch.squaredNorm() / (4.0 * h);
      const double log_ratio = LY(j) - L(j) + log_backward - log_forward;
      const double u =
          noise.uniform(first_particle + static_cast<std::uint64_t>(j), step, RngUse::kAccept);
      // A NaN ratio compares false: rejected.
      if (std::log(u) < log_ratio) {
        X.col(j) = Y.col(j);
        S.col(j) = SY.col(j);
        L(j) = LY(j);
        stats.accepted += 1;
      }
    }
    stats.proposals += static_cast<double>(n);
    if (options.on_step) {
      options.on_step(StepInfo{static_cast<std::size_t>(i), t, t},
                      static_cast<Index>(first_particle), X);
    }
  }
  return stats;
}

}  // namespace difflab
