#include "difflab/sampler/dpm_solver_2.hpp"

#include <cmath>

namespace difflab {

Sampler::BlockStats DpmSolver2::run_block(const ScoreModel& score, const TimeGrid& grid,
                                          MatrixRef X, std::uint64_t first_particle,
                                          const SamplerOptions& options,
                                          const NoiseSource& /*noise*/) const {
  const ForwardProcess& process = score.process();
  const Index d = X.rows();
  const Index n = X.cols();
  // Scratch: the VE state, the slope at the start of the step, the midpoint state (VP) and the
  // score.
  Matrix V(d, n), slope(d, n), U(d, n), S(d, n);
  V = X / process.alpha(grid.t(0));
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double t_from = grid.t(k);
    const double t_to = grid.t(k + 1);
    const double sigma_from = process.sigma(t_from);
    const double lambda_from = process.log_snr(t_from);
    const double s_from = std::exp(-lambda_from);  // sigma_VE(t_k)
    const double alpha_to = process.alpha(t_to);
    // X holds alpha(t_k) V: the VP point of the first evaluation.
    score.score(t_from, X, S);
    slope = -sigma_from * S;  // (x_VE - D) / sigma_VE, see dpm_solver_2.hpp
    if (t_to == 0.0) {
      V -= s_from * slope;  // Euler to sigma_VE = 0
    } else {
      const double lambda_to = process.log_snr(t_to);
      const double s_to = std::exp(-lambda_to);
      // k-diffusion: sigma_hat.log().lerp(sigma_next.log(), 0.5).exp().
      const double lambda_mid = lambda_from + 0.5 * (lambda_to - lambda_from);
      const double s_mid = std::exp(-lambda_mid);
      const double t_mid = process.t_of_log_snr(lambda_mid);
      const double alpha_mid = process.alpha(t_mid);
      // Euler stage to the midpoint, in VP coordinates for the score.
      U = alpha_mid * (V + (s_mid - s_from) * slope);
      score.score(t_mid, U, S);
      // The midpoint slope is -sigma(t_mid) s; sigma(t_mid) = alpha_mid s_mid.
      V -= ((s_to - s_from) * alpha_mid * s_mid) * S;
    }
    X = alpha_to * V;
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
