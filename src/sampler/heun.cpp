#include "difflab/sampler/heun.hpp"

#include <cmath>

namespace difflab {

Sampler::BlockStats HeunEdm::run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                                       std::uint64_t first_particle, const SamplerOptions& options,
                                       const NoiseSource& /*noise*/) const {
  const ForwardProcess& process = score.process();
  const Index d = X.rows();
  const Index n = X.cols();
  // Scratch: the VE state, the slope at the start of the step, and the score.
  Matrix V(d, n), slope(d, n), S(d, n);
  V = X / process.alpha(grid.t(0));
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double t_from = grid.t(k);
    const double t_to = grid.t(k + 1);
    const double sigma_from = process.sigma(t_from);
    const double sigma_ve_from = sigma_from / process.alpha(t_from);
    const double alpha_to = process.alpha(t_to);
    const double sigma_to = process.sigma(t_to);
    const double sigma_ve_to = t_to == 0.0 ? 0.0 : sigma_to / alpha_to;
    const double dsigma = sigma_ve_to - sigma_ve_from;  // < 0
    // X holds alpha(t_from) V: the VP point at which the score is evaluated.
    score.score(t_from, X, S);
    // (x_VE - D) / sigma_VE = -sigma_t s(t, x)  (see heun.hpp).
    slope = -sigma_from * S;
    if (t_to == 0.0) {
      V += dsigma * slope;  // Euler to sigma_VE = 0: V becomes D(x_VE; sigma_VE)
    } else {
      // Euler predictor, mapped to VP coordinates for the second score evaluation.
      X = alpha_to * (V + dsigma * slope);
      score.score(t_to, X, S);
      // Trapezoidal corrector: V += dsigma (slope + slope_2) / 2, slope_2 = -sigma_to s.
      V += (0.5 * dsigma) * (slope - sigma_to * S);
    }
    X = alpha_to * V;
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
