#include "difflab/sampler/probability_flow_ei.hpp"

#include <cmath>

namespace difflab {

Sampler::BlockStats ProbabilityFlowEI::run_block(const ScoreModel& score, const TimeGrid& grid,
                                                 MatrixRef X, std::uint64_t first_particle,
                                                 const SamplerOptions& options,
                                                 const NoiseSource& /*noise*/) const {
  const ForwardProcess& process = score.process();
  Matrix S(X.rows(), X.cols());  // scratch: the frozen score of the current step
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double t_from = grid.t(k);
    const double t_to = grid.t(k + 1);
    // rho/2 = (1/2) int_{t_to}^{t_from} beta = log alpha(t_to) - log alpha(t_from) (>= 0).
    const double half_rho = 0.5 * process.integral_beta(t_to, t_from);
    const double growth = std::exp(half_rho);
    const double score_weight = std::expm1(half_rho);  // e^{rho/2} - 1 without cancellation
    score.score(t_from, X, S);
    X = growth * X + score_weight * S;
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
