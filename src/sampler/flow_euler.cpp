#include "difflab/sampler/flow_euler.hpp"

#include "difflab/sampler/probability_flow_velocity.hpp"

namespace difflab {

Sampler::BlockStats FlowEuler::run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                                         std::uint64_t first_particle,
                                         const SamplerOptions& options,
                                         const NoiseSource& /*noise*/) const {
  Matrix V(X.rows(), X.cols());
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double t_from = grid.t(k);
    probability_flow_velocity(score, t_from, X, V);
    X += (grid.t(k + 1) - t_from) * V;
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
