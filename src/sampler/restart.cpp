#include "difflab/sampler/restart.hpp"

#include <algorithm>
#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

// One EDM Heun step t_from -> t_to in VP variables (heun.hpp), S and P scratch.
void heun_step(const ScoreModel& score, double t_from, double t_to, MatrixRef X, Matrix& S,
               Matrix& P) {
  const ForwardProcess& process = score.process();
  const double alpha_from = process.alpha(t_from), sigma_from = process.sigma(t_from);
  const double alpha_to = process.alpha(t_to), sigma_to = process.sigma(t_to);
  const double s_from = sigma_from / alpha_from;
  const double s_to = t_to == 0.0 ? 0.0 : sigma_to / alpha_to;
  const double ds = s_to - s_from;
  score.score(t_from, X, S);
  // V = X / alpha_from; slope = -sigma_from S; X_to = alpha_to (V + ds slope (+ corrector)).
  if (t_to == 0.0) {
    X = alpha_to * (X / alpha_from - (ds * sigma_from) * S);
    return;
  }
  P = alpha_to * (X / alpha_from - (ds * sigma_from) * S);  // Euler predictor (VP)
  X = alpha_to * (X / alpha_from - (0.5 * ds * sigma_from) * S);
  score.score(t_to, P, S);
  X -= (alpha_to * 0.5 * ds * sigma_to) * S;
}

}  // namespace

Restart::Restart(int restarts) : restarts_(restarts) {
  require(restarts >= 0, "restart: the number of restarts must be >= 0, got ", restarts);
}

std::pair<std::size_t, std::size_t> Restart::interval(const TimeGrid& grid) {
  const std::size_t N = grid.steps();
  if (N < 3) return {0, 0};
  const std::size_t i_max = N / 2;
  const std::size_t i_min = std::min(N - 1, i_max + std::max<std::size_t>(1, N / 4));
  return {i_max, i_min};
}

Sampler::BlockStats Restart::run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                                       std::uint64_t first_particle, const SamplerOptions& options,
                                       const NoiseSource& noise) const {
  const ForwardProcess& process = score.process();
  const std::size_t N = grid.steps();
  const auto [i_max, i_min] = interval(grid);
  Matrix S(X.rows(), X.cols()), P(X.rows(), X.cols()), Z(X.rows(), X.cols());
  for (std::size_t k = 0; k < N; ++k) {
    heun_step(score, grid.t(k), grid.t(k + 1), X, S, P);
    if (k + 1 == i_min && i_min > i_max) {
      const double t_min = grid.t(i_min), t_max = grid.t(i_max);
      const double ratio = process.alpha(t_max) / process.alpha(t_min);
      // sigma_max^2 - ratio^2 sigma_min^2 = 1 - ratio^2 for alpha^2 + sigma^2 = 1.
      const double jump_sd = std::sqrt(-std::expm1(2.0 * std::log(ratio)));
      for (int r = 0; r < restarts_; ++r) {
        const BrownianInterval jump{
            .path = static_cast<std::uint64_t>(r) + 1, .lo = t_min, .hi = t_max};
        noise.increment(Z, first_particle, N + static_cast<std::size_t>(r), RngUse::kStepNoise,
                        jump);
        X = ratio * X + jump_sd * Z;  // exact forward transition t_min -> t_max
        for (std::size_t j = i_max; j < i_min; ++j)
          heun_step(score, grid.t(j), grid.t(j + 1), X, S, P);
      }
    }
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
