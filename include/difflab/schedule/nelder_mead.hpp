#pragma once
// Nelder-Mead simplex minimisation (Nelder and Mead, Computer Journal 7, 1965) with the
// dimension-adaptive coefficients of Gao and Han (Comput. Optim. Appl. 51, 2012, Section 4):
// reflection 1, expansion 1 + 2/n, contraction 3/4 - 1/(2n), shrink 1 - 1/n, which keep the
// method from stalling in tens of dimensions. Used for the grid laws (1-D, product, 2-D), whose
// error is computed on a mesh and is not smooth enough in the grid times for reliable finite-
// difference gradients.
//
// Deterministic: ties are broken by vertex index. An objective value that is not finite (a grid
// the exact law refuses) is treated as +infinity, so the simplex moves away from it.
#include <functional>
#include <string>

#include "difflab/core/types.hpp"

namespace difflab {

struct NelderMeadOptions {
  Index max_evaluations = 2000;
  double initial_step = 0.5;  // the initial simplex: x0 and x0 + initial_step e_i
  // Stop when the values of the simplex differ by less than value_tol * max(1, |best|).
  double value_tol = 1e-10;
};

struct NelderMeadIteration {
  int iteration = 0;
  Index evaluations = 0;
  double best = 0;
};

struct NelderMeadResult {
  Vector x;
  double value = 0;
  int iterations = 0;
  Index evaluations = 0;
  std::string stop;
};

// on_iteration (may be empty) is called after each iteration that improves the best value.
NelderMeadResult nelder_mead_minimize(
    const std::function<double(const Vector&)>& f, const Vector& x0,
    const NelderMeadOptions& options,
    const std::function<void(const NelderMeadIteration&)>& on_iteration = {});

}  // namespace difflab
