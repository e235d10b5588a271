#include "difflab/sampler/probability_flow_velocity.hpp"

namespace difflab {

void probability_flow_velocity(const ScoreModel& score, double t, ConstMatrixRef X, MatrixRef V) {
  const ForwardProcess& process = score.process();
  score.score(t, X, V);
  V = process.drift_coefficient(t) * X - (0.5 * process.diffusion_squared(t)) * V;
}

}  // namespace difflab
