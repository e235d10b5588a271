// L-BFGS on functions with known minima, and its handling of an objective that refuses points.
#include "difflab/schedule/lbfgs.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace difflab {
namespace {

// The n-dimensional Rosenbrock function (minimum 0 at (1, ..., 1)).
double rosenbrock(const Vector& x, Vector& g) {
  double f = 0;
  g.setZero();
  for (Index i = 0; i + 1 < x.size(); ++i) {
    const double a = x(i + 1) - x(i) * x(i), b = 1 - x(i);
    f += 100 * a * a + b * b;
    g(i) += -400 * a * x(i) - 2 * b;
    g(i + 1) += 200 * a;
  }
  return f;
}

TEST(Lbfgs, FindsTheRosenbrockMinimum) {
  for (Index n : {2, 10}) {
    Vector x0 = Vector::Constant(n, -1.2);
    LbfgsOptions o;
    o.max_iterations = 2000;
    int calls = 0;
    const LbfgsResult r =
        lbfgs_minimize(rosenbrock, x0, o, [&](const LbfgsIteration&) { ++calls; });
    EXPECT_LT((r.x - Vector::Ones(n)).norm(), 1e-5) << n << " " << r.stop;
    EXPECT_LT(r.value, 1e-10);
    EXPECT_EQ(calls, r.iterations);
  }
}

TEST(Lbfgs, BacktracksOutOfARefusedRegion) {
  // Minimum of (x - 3)^2 at 3, but the objective is +inf beyond 2.5: the answer is near 2.5,
  // never past it, and never a non-finite value.
  const SmoothObjective f = [](const Vector& x, Vector& g) {
    if (x(0) > 2.5) return std::numeric_limits<double>::infinity();
    g(0) = 2 * (x(0) - 3);
    return (x(0) - 3) * (x(0) - 3);
  };
  const LbfgsResult r = lbfgs_minimize(f, Vector::Zero(1), {});
  EXPECT_LE(r.x(0), 2.5);
  EXPECT_GT(r.x(0), 2.4);
  EXPECT_TRUE(std::isfinite(r.value));
}

}  // namespace
}  // namespace difflab
