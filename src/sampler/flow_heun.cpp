#include "difflab/sampler/flow_heun.hpp"

#include "difflab/sampler/probability_flow_velocity.hpp"

namespace difflab {

Sampler::BlockStats FlowHeun::run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                                        std::uint64_t first_particle, const SamplerOptions& options,
                                        const NoiseSource& /*noise*/) const {
  // Scratch: the velocity at the step's start, the predictor, the velocity at its end.
  Matrix V(X.rows(), X.cols()), P(X.rows(), X.cols()), W(X.rows(), X.cols());
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double t_from = grid.t(k), t_to = grid.t(k + 1);
    const double dt = t_to - t_from;
    probability_flow_velocity(score, t_from, X, V);
    if (t_to == 0.0) {
      X += dt * V;  // Euler on a final step to t = 0 (header)
    } else {
      P = X + dt * V;
      probability_flow_velocity(score, t_to, P, W);
      X += (0.5 * dt) * (V + W);
    }
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
