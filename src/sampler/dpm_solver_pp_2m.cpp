#include "difflab/sampler/dpm_solver_pp_2m.hpp"

#include <cmath>

namespace difflab {

Sampler::BlockStats DpmSolverPP2M::run_block(const ScoreModel& score, const TimeGrid& grid,
                                             MatrixRef X, std::uint64_t first_particle,
                                             const SamplerOptions& options,
                                             const NoiseSource& /*noise*/) const {
  const ForwardProcess& process = score.process();
  // Scratch: the current and the previous data predictions (swapped, never reallocated).
  Matrix current(X.rows(), X.cols()), previous(X.rows(), X.cols());
  double h_last = 0;  // lambda_k - lambda_{k-1} of the previous step
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double t_from = grid.t(k);
    const double t_to = grid.t(k + 1);
    const double alpha_from = process.alpha(t_from);
    const double sigma2_from = process.sigma2(t_from);
    score.score(t_from, X, current);
    current = (X + sigma2_from * current) / alpha_from;  // x0 (Tweedie, docs/theory.md 1.2)
    if (t_to == 0.0) {
      X = current;  // first-order step with h = +inf returns x0
    } else {
      const double h = process.log_snr(t_to) - process.log_snr(t_from);
      const double keep = std::sqrt(process.sigma2(t_to) / sigma2_from);
      const double data_weight = -process.alpha(t_to) * std::expm1(-h);  // alpha (1 - e^{-h})
      if (k == 0) {
        X = keep * X + data_weight * current;
      } else {
        // Lu et al. 2022, Algorithm 2: D = (1 + 1/(2r)) x0_k - 1/(2r) x0_{k-1}, r = h_last/h.
        const double c = 0.5 * h / h_last;  // 1/(2r)
        X = keep * X + data_weight * ((1.0 + c) * current - c * previous);
      }
      h_last = h;
    }
    current.swap(previous);
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
