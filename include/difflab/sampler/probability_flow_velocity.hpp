#pragma once
// The velocity of the probability-flow ODE in forward time t, for any noising path
// x_t = alpha x_0 + sigma z with dX = f X dt + g dB (process/forward_process.hpp):
//   v(t, x) = f(t) x - (g(t)^2 / 2) s(t, x)        (Song et al. 2021, eq. (13)).
// On the linear path (alpha = 1 - t, sigma = t) this is v = -(x + t s)/(1 - t), which is
// E[z - x_0 | x_t = x], the velocity that flow matching and rectified flow learn (docs/theory.md
// 1.5). The flow samplers (flow-euler, flow-heun) integrate dx/dt = v from t = T down the grid.
#include "difflab/core/types.hpp"
#include "difflab/score/score_model.hpp"

namespace difflab {

// V = v(t, X) column by column; V may not alias X.
void probability_flow_velocity(const ScoreModel& score, double t, ConstMatrixRef X, MatrixRef V);

}  // namespace difflab
