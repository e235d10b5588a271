// The log-step parametrisation: every parameter vector is a valid grid with the end points held,
// a grid round-trips, and the chain rule matches central differences.
#include "difflab/schedule/grid_parametrization.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "difflab/schedule/grids.hpp"

namespace difflab {
namespace {

TEST(GridParametrization, RoundTripsAGridAndHoldsTheEndPoints) {
  const TimeGrid g = benton_grid(6.0, 1e-3, 10);
  const std::vector<double> t =
      grid_times_from_log_steps(6.0, 1e-3, log_steps_from_grid_times(g.times()));
  ASSERT_EQ(t.size(), g.times().size());
  EXPECT_EQ(t.front(), 6.0);
  EXPECT_EQ(t.back(), 1e-3);
  for (std::size_t k = 0; k < t.size(); ++k) EXPECT_NEAR(t[k], g.t(k), 1e-14 * g.t(k) + 1e-16);
}

TEST(GridParametrization, StepsOverManyScalesAreAGridAndUnderflowIsDetected) {
  Vector z(6);
  z << 10, -10, 0, 3, -8, 2;  // steps from e^-20 to 1 relative to the largest
  const std::vector<double> t = grid_times_from_log_steps(2.0, 0.0, z);
  EXPECT_TRUE(times_strictly_decrease(t));
  EXPECT_NO_THROW(TimeGrid(t, "x"));
  EXPECT_EQ(t.front(), 2.0);
  EXPECT_EQ(t.back(), 0.0);
  z(1) = -800;  // e^-810: the step is below the spacing of doubles and two times coincide
  EXPECT_FALSE(times_strictly_decrease(grid_times_from_log_steps(2.0, 0.0, z)));
}

TEST(GridParametrization, ChainRuleMatchesCentralDifferences) {
  const double T = 3, delta = 0.01;
  Vector z(5);
  z << 0.3, -0.2, 0.5, -1.0, 0.1;
  // f(t) = sum_k c_k t_k^2 over the interior times.
  const auto f = [&](const Vector& zz) {
    const std::vector<double> t = grid_times_from_log_steps(T, delta, zz);
    double v = 0;
    for (std::size_t k = 1; k + 1 < t.size(); ++k) v += (1.0 + k) * t[k] * t[k];
    return v;
  };
  const std::vector<double> t = grid_times_from_log_steps(T, delta, z);
  std::vector<double> grad_t(t.size(), 0.0);
  for (std::size_t k = 1; k + 1 < t.size(); ++k) grad_t[k] = 2 * (1.0 + k) * t[k];
  const Vector g = log_step_gradient(T, delta, z, grad_t);
  for (Index i = 0; i < z.size(); ++i) {
    Vector zp = z, zm = z;
    zp(i) += 1e-6;
    zm(i) -= 1e-6;
    EXPECT_NEAR(g(i), (f(zp) - f(zm)) / 2e-6, 1e-7 * std::max(1.0, std::abs(g(i)))) << i;
  }
}

}  // namespace
}  // namespace difflab
