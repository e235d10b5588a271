#include "difflab/sampler/annealed_langevin.hpp"

#include <cmath>
#include <vector>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

// Step size alpha_i of every level i = 0..N (annealed_langevin.hpp; SE19 Algorithm 1).
std::vector<double> level_steps(const ForwardProcess& process, const TimeGrid& grid,
                                const SamplerOptions& options) {
  const std::size_t levels = grid.steps() + 1;
  const double eps = options.langevin_step;
  std::vector<double> alpha(levels, eps);
  if (options.annealed_step_rule == "constant") return alpha;
  // "se19": alpha_i = eps sigma_i^2 / sigma_L^2, sigma_L the smallest positive noise level.
  // sigma^2(t) increases with t and the grid decreases, so sigma_L is the last positive one.
  double sigma2_last = 0;
  for (std::size_t i = 0; i < levels; ++i) {
    const double s2 = process.sigma2(grid.t(i));
    if (s2 > 0) sigma2_last = s2;
  }
  require(sigma2_last > 0, "annealed-langevin: no noise level of the grid has sigma > 0");
  for (std::size_t i = 0; i < levels; ++i) {
    alpha[i] = eps * process.sigma2(grid.t(i)) / sigma2_last;
  }
  return alpha;
}

}  // namespace

std::size_t AnnealedLangevin::steps_taken(const TimeGrid& grid,
                                          const SamplerOptions& options) const {
  std::size_t levels = grid.steps() + 1;
  // Under "se19" a level at t = 0 has sigma = 0, hence step 0, and is skipped.
  if (options.annealed_step_rule == "se19" && grid.delta() == 0.0) --levels;
  return levels * static_cast<std::size_t>(options.langevin_steps);
}

Sampler::BlockStats AnnealedLangevin::run_block(const ScoreModel& score, const TimeGrid& grid,
                                                MatrixRef X, std::uint64_t first_particle,
                                                const SamplerOptions& options,
                                                const NoiseSource& noise) const {
  const std::vector<double> alpha = level_steps(score.process(), grid, options);
  const auto steps_per_level = static_cast<std::uint64_t>(options.langevin_steps);
  Matrix S(X.rows(), X.cols()), Z(X.rows(), X.cols());
  for (std::size_t i = 0; i < alpha.size(); ++i) {
    const double t = grid.t(i);
    if (alpha[i] > 0) {
      const double noise_scale = std::sqrt(2.0 * alpha[i]);
      for (std::uint64_t m = 0; m < steps_per_level; ++m) {
        score.score(t, X, S);
        noise.normal(Z, first_particle, i * steps_per_level + m, RngUse::kCorrector);
        X += alpha[i] * S + noise_scale * Z;  // SE19 Algorithm 1, inner loop
      }
    }
    if (i > 0) report_step(options, i - 1, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
