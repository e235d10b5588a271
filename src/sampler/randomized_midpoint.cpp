#include "difflab/sampler/randomized_midpoint.hpp"

#include <algorithm>
#include <cmath>

namespace difflab {

Sampler::BlockStats RandomizedMidpoint::run_block(const ScoreModel& score, const TimeGrid& grid,
                                                  MatrixRef X, std::uint64_t first_particle,
                                                  const SamplerOptions& options,
                                                  const NoiseSource& noise) const {
  const ForwardProcess& process = score.process();
  const Index d = X.rows(), n = X.cols();
  // Scratch for the block: the score at the start, the midpoint and its score, the two
  // Brownian pieces (before and after the midpoint).
  Matrix S(d, n), Mid(d, n), Smid(d, n), Z1(d, n), Z2(d, n);
  const std::size_t steps = grid.steps();
  for (std::size_t k = 0; k < steps; ++k) {
    const double t_from = grid.t(k), t_to = grid.t(k + 1);
    const double h = t_from - t_to;
    const double rho_h = process.integral_beta(t_to, t_from);
    const bool add_noise = !(options.denoise_last_step && k + 1 == steps);
    // With Brownian paths the two pieces are the increments of path 0 over [u, t_k] and
    // [t_{k+1}, u], u the particle's own midpoint (drawn per particle below); otherwise two
    // independent normals for the whole block.
    const double resolution = noise.brownian_resolution();
    const bool paths = add_noise && resolution > 0;
    if (add_noise && !paths) {
      noise.normal(Z1, first_particle, k, RngUse::kStepNoise);
      noise.normal(Z2, first_particle, k, RngUse::kMidpointNoise);
    } else if (!add_noise) {
      Z1.setZero();
      Z2.setZero();
    }
    score.score(t_from, X, S);
    for (Index j = 0; j < n; ++j) {
      const std::uint64_t particle = first_particle + static_cast<std::uint64_t>(j);
      // The particle's own uniform time, u in (t_{k+1}, t_k] (a in (0, 1), never 1).
      double a = noise.uniform(particle, k, RngUse::kMidpointTime);
      if (paths) {
        // Keep u two lattice steps from either end, so both pieces are non-empty intervals of
        // the path (moves a by at most 2 resolution / h, ~1e-10 / h).
        const double margin = std::min(0.5, 2.0 * resolution / h);
        a = std::clamp(a, margin, 1.0 - margin);
      }
      const double u = t_from - a * h;
      if (paths) {
        noise.increment(Z1.col(j), particle, k, RngUse::kStepNoise,
                        {.path = 0, .lo = u, .hi = t_from});
        noise.increment(Z2.col(j), particle, k, RngUse::kMidpointNoise,
                        {.path = 0, .lo = t_to, .hi = u});
      }
      const double rho_u = process.integral_beta(u, t_from);
      const double noise_u = std::sqrt(std::expm1(rho_u));
      // EI step of length a h to the midpoint, with the first Brownian piece.
      Mid.col(j) = std::exp(0.5 * rho_u) * X.col(j) + 2.0 * std::expm1(0.5 * rho_u) * S.col(j) +
                   noise_u * Z1.col(j);
      score.score(u, Mid.col(j), Smid.col(j));
      // Full step: the drift integral's one-point estimator at u; the midpoint's Brownian
      // integral carried to t_{k+1}, plus the independent increment after u.
      const double carry = std::exp(0.5 * (rho_h - rho_u));
      X.col(j) = std::exp(0.5 * rho_h) * X.col(j) + h * process.beta(u) * carry * Smid.col(j) +
                 carry * noise_u * Z1.col(j) + std::sqrt(std::expm1(rho_h - rho_u)) * Z2.col(j);
    }
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
