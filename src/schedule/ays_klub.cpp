#include "difflab/schedule/ays_klub.hpp"

#include <cmath>
#include <limits>

#include "difflab/schedule/grid_parametrization.hpp"
#include "difflab/schedule/lbfgs.hpp"

namespace difflab {

namespace {

// 8-point Gauss-Legendre nodes (positive half) and weights on [-1, 1] (Abramowitz and Stegun,
// Table 25.4).
constexpr double kAysNodes[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                                 0.9602898564975363};
constexpr double kAysWeights[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                                   0.1012285362903763};

// sum_i 1/v_i(t) + (1 - 2 r)/v_i(s), r = alpha_s / alpha_t: the expected squared score
// difference E|s(t, X_t) - s(s, X_s)|^2 for s > t (docs/theory.md 12.1).
double ays_score_gap(const ForwardProcess& p, const Vector& lambda, double t, double s) {
  const double at = p.alpha(t), as = p.alpha(s), s2t = p.sigma2(t), s2s = p.sigma2(s);
  const double r = as / at;
  double sum = 0;
  for (Index i = 0; i < lambda.size(); ++i)
    sum += 1 / (at * at * lambda(i) + s2t) + (1 - 2 * r) / (as * as * lambda(i) + s2s);
  return sum;
}

}  // namespace

double gaussian_klub(const ForwardProcess& process, const Vector& lambda,
                     const std::vector<double>& times) {
  double total = 0;
  for (std::size_t k = 0; k + 1 < times.size(); ++k) {
    const double s = times[k], lo = times[k + 1];
    const double mid = 0.5 * (s + lo), half = 0.5 * (s - lo);
    double step = 0;
    for (int q = 0; q < 4; ++q)
      for (const double sign : {-1.0, 1.0}) {
        const double t = mid + sign * half * kAysNodes[q];
        step += kAysWeights[q] * 0.5 * process.beta(t) * ays_score_gap(process, lambda, t, s);
      }
    total += half * step;
  }
  return total;
}

TimeGrid ays_klub_grid(const ForwardProcess& process, const Vector& lambda, const TimeGrid& start,
                       int* evaluations) {
  const double T = start.T(), delta = start.delta();
  const auto klub = [&](const Vector& z) {
    const std::vector<double> times = grid_times_from_log_steps(T, delta, z);
    if (!times_strictly_decrease(times)) return std::numeric_limits<double>::infinity();
    return gaussian_klub(process, lambda, times);
  };
  // Central differences: the bound is smooth in z and costs O(N d) per evaluation.
  const SmoothObjective f = [&](const Vector& z, Vector& g) {
    for (Index i = 0; i < z.size(); ++i) {
      Vector zp = z, zm = z;
      const double h = 1e-5;
      zp(i) += h;
      zm(i) -= h;
      g(i) = (klub(zp) - klub(zm)) / (2 * h);
    }
    return klub(z);
  };
  LbfgsOptions o;
  o.max_iterations = 500;
  o.value_tol = 1e-12;
  const LbfgsResult r = lbfgs_minimize(f, log_steps_from_grid_times(start.times()), o);
  if (evaluations != nullptr) *evaluations = r.evaluations;
  return TimeGrid(grid_times_from_log_steps(T, delta, r.x), "ays");
}

}  // namespace difflab
