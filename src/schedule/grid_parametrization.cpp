#include "difflab/schedule/grid_parametrization.hpp"

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

// softmax(z), shifted by max z so that no exponential overflows.
Vector gp_softmax(const Vector& z) {
  const double top = z.maxCoeff();
  Vector s = (z.array() - top).exp();
  return s / s.sum();
}

}  // namespace

std::vector<double> grid_times_from_log_steps(double T, double delta, const Vector& z) {
  require(z.size() >= 1, "grid parametrisation: at least one step");
  require(std::isfinite(z.sum()), "grid parametrisation: non-finite parameters");
  const Vector s = gp_softmax(z);
  const Index N = z.size();
  std::vector<double> t(static_cast<std::size_t>(N) + 1);
  t.back() = delta;
  double tail = 0;
  for (Index k = N - 1; k >= 1; --k) {
    tail += s(k);
    t[static_cast<std::size_t>(k)] = delta + (T - delta) * tail;
  }
  t.front() = T;
  return t;
}

bool times_strictly_decrease(const std::vector<double>& times) {
  for (std::size_t k = 0; k + 1 < times.size(); ++k)
    if (!(times[k] > times[k + 1])) return false;
  return true;
}

Vector log_steps_from_grid_times(const std::vector<double>& times) {
  require(times.size() >= 2, "grid parametrisation: a grid has at least two times");
  Vector z(static_cast<Index>(times.size()) - 1);
  for (Index k = 0; k < z.size(); ++k) {
    const double h = times[static_cast<std::size_t>(k)] - times[static_cast<std::size_t>(k) + 1];
    require(h > 0, "grid parametrisation: times must decrease strictly");
    z(k) = std::log(h);
  }
  return z;
}

Vector log_step_gradient(double T, double delta, const Vector& z,
                         const std::vector<double>& grad_t) {
  const Index N = z.size();
  require(static_cast<Index>(grad_t.size()) == N + 1, "grid parametrisation: gradient size");
  // t_k = delta + (T - delta) sum_{j >= k} s_j for 1 <= k <= N - 1, so
  // d f / d s_j = (T - delta) sum_{k=1}^{min(j, N-1)} grad_t[k] =: g_j, and through the softmax
  // d f / d z_i = s_i (g_i - sum_j s_j g_j).
  const Vector s = gp_softmax(z);
  Vector g(N);
  double running = 0;
  for (Index j = 0; j < N; ++j) {
    if (j >= 1 && j <= N - 1) running += grad_t[static_cast<std::size_t>(j)];
    g(j) = (T - delta) * running;
  }
  const double mean = s.dot(g);
  return s.cwiseProduct((g.array() - mean).matrix());
}

}  // namespace difflab
