#pragma once
// An unconstrained parametrisation of the N-step grids with fixed end points T and delta, for
// optimising a grid (pipeline/grid_optimize.hpp; docs/theory.md
// 12.1).
//
// N free numbers z give the steps h = (T - delta) softmax(z), and the times
//   t_k = delta + (T - delta) sum_{j >= k} softmax(z)_j,   t_0 = T, t_N = delta exactly.
// Every z is a valid grid (steps positive, times strictly decreasing, the end points held) as
// long as each step exceeds the spacing of doubles at its time (a step of 1e-20 at t = 1 leaves
// two times equal: the optimisers treat such z as refused, times_strictly_decrease), so an
// unconstrained optimiser can move freely; z_k = log h_k + const recovers a given grid, and
// steps spanning many orders of magnitude (geometric grids near delta) are moved by additive
// changes of z. Adding a constant to z changes nothing; the optimisers do not mind.
#include <vector>

#include "difflab/core/types.hpp"

namespace difflab {

// The times of z (summed from the end, so that the small times near delta keep their digits).
std::vector<double> grid_times_from_log_steps(double T, double delta, const Vector& z);

// Whether t_0 > t_1 > ... > t_N (false when a step of grid_times_from_log_steps was lost in
// rounding).
bool times_strictly_decrease(const std::vector<double>& times);

// z_k = log(t_k - t_{k+1}): the parameters of an existing grid.
Vector log_steps_from_grid_times(const std::vector<double>& times);

// The gradient with respect to z of a function of the times, from its gradient with respect to
// the times (grad_t[k] = d f / d t_k, k = 0..N; the end points' entries are not used).
Vector log_step_gradient(double T, double delta, const Vector& z,
                         const std::vector<double>& grad_t);

}  // namespace difflab
