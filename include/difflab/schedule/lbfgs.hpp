#pragma once
// A small L-BFGS minimiser (Nocedal and Wright, "Numerical Optimization", 2nd ed., Algorithm 7.4
// for the two-loop recursion and Algorithm 7.5 for the method) with a backtracking Armijo line
// search (their Algorithm 3.1, condition (3.4)).
//
// Written here rather than taken from a library because the grid optimiser needs little (tens of
// variables, a smooth objective with an exact gradient), must be deterministic to the bit, and
// must survive an objective that returns +infinity on a grid it refuses: backtracking simply
// shrinks the step until the value is finite and decreases enough. A pair (s, y) with
// s . y <= 1e-12 |s| |y| is not stored, which keeps the inverse-Hessian estimate positive definite
// without the Wolfe curvature condition.
#include <functional>
#include <string>

#include "difflab/core/types.hpp"

namespace difflab {

struct LbfgsOptions {
  int max_iterations = 200;
  int memory = 8;
  // Stop when |grad| <= gradient_tol * max(1, |f|) or the decrease over one iteration is below
  // value_tol * max(1, |f|).
  double gradient_tol = 1e-9;
  double value_tol = 1e-13;
  int max_backtracks = 40;
};

struct LbfgsIteration {
  int iteration = 0;
  int evaluations = 0;
  double value = 0;
  double gradient_norm = 0;
};

struct LbfgsResult {
  Vector x;
  double value = 0;
  int iterations = 0;
  int evaluations = 0;
  std::string stop;  // why it stopped
};

// f(x, grad) returns f(x) and writes its gradient into grad (resized by the caller to x's size).
using SmoothObjective = std::function<double(const Vector&, Vector&)>;

// Minimises f from x0; on_iteration (may be empty) is called after every accepted step.
LbfgsResult lbfgs_minimize(const SmoothObjective& f, Vector x0, const LbfgsOptions& options,
                           const std::function<void(const LbfgsIteration&)>& on_iteration = {});

}  // namespace difflab
