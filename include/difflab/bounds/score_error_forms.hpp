#pragma once
// The score-error quantity each published bound assumes, computed from one function.
//
// Every bound measures the score error differently (each theorem's score assumption):
//   kMaxOverSteps    max_k e2(t_k)                         CCL23 Assumption A3, Chen et al.
//                                                          NeurIPS 2023 (PF-ODE + corrector)
//   kTimeIntegral    sum_k gamma_k e2(t_k)                 Benton et al. 2024 Assumption 1
//   kTimeAverage     sum_k gamma_k e2(t_k) / (T - delta)   Chen, Lee, Lu 2023 (time-averaged)
//   kStepAverage     (1/N) sum_k e2(t_k)                   Li & Yan 2024 (average over the N
//                                                          steps); li-wei-chen-chi24 is filed
//                                                          here too, its assumption not read
//   kSamplerProcess  along the sampler's own process       Bruno et al. (auxiliary process);
//                                                          not a function of e2 below
//   kNone            the bound has no score-error term
// where e2(t) = E_{X ~ q_t} ||s(t, X) - grad log q_t(X)||^2 is the squared L2(q_t) error of
// the score model at forward time t, and the grid walks T = t_0 > t_1 > ... > t_N = delta with
// gamma_k = t_k - t_{k+1}. Step k evaluates the score at the start of the step, t_k, as every
// difflab sampler does (sampler/sampler.hpp); that is the time the forms use.
#include <functional>
#include <string>

#include "difflab/schedule/time_grid.hpp"

namespace difflab {

enum class ScoreErrorForm {
  kMaxOverSteps,
  kTimeIntegral,
  kTimeAverage,
  kStepAverage,
  kSamplerProcess,
  kNone,
};

// "max_over_steps", "time_integral", "time_average", "step_average", "sampler_process", "none".
std::string to_string(ScoreErrorForm form);

// The squared score errors (eps^2 in each paper's notation) of one score model on one grid.
struct ScoreErrorForms {
  double max_over_steps = 0;  // max_k e2(t_k)
  double time_integral = 0;   // sum_k gamma_k e2(t_k)
  double time_average = 0;    // time_integral / (T - delta)
  double step_average = 0;    // (1/N) sum_k e2(t_k)
  // The form a bound uses; kSamplerProcess and kNone are a difflab::Error (not computable
  // from e2).
  double in_form(ScoreErrorForm form) const;
};

// Evaluates e2 once at each t_k, k = 0..N-1 (never at t_N = delta, where no step starts), in
// that order, and returns every form. e2 must return a finite value >= 0 at each of those
// times, else difflab::Error naming the time. The sums run in grid order (deterministic).
ScoreErrorForms score_error_forms(const std::function<double(double)>& e2, const TimeGrid& grid);

}  // namespace difflab
