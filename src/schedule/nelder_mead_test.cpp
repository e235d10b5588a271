// Nelder-Mead with adaptive coefficients on functions with known minima.
#include "difflab/schedule/nelder_mead.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace difflab {
namespace {

TEST(NelderMead, FindsTheMinimumOfAnIllConditionedQuadratic) {
  const Index n = 8;
  Vector c(n), w(n);
  for (Index i = 0; i < n; ++i)
    c(i) = 0.3 * i - 1, w(i) = std::pow(3.0, static_cast<double>(i) / 2);
  const auto f = [&](const Vector& x) { return (w.array() * (x - c).array().square()).sum(); };
  NelderMeadOptions o;
  o.max_evaluations = 20000;
  o.value_tol = 1e-16;
  const NelderMeadResult r = nelder_mead_minimize(f, Vector::Zero(n), o);
  EXPECT_LT((r.x - c).norm(), 1e-4) << r.stop;
  EXPECT_LE(r.evaluations, o.max_evaluations + 2 * n);
}

TEST(NelderMead, FindsTheRosenbrockMinimumAndAvoidsInfiniteValues) {
  const auto f = [](const Vector& x) {
    if (x(1) < -2) return std::numeric_limits<double>::quiet_NaN();  // refused: treated as +inf
    const double a = x(1) - x(0) * x(0), b = 1 - x(0);
    return 100 * a * a + b * b;
  };
  NelderMeadOptions o;
  o.max_evaluations = 5000;
  o.value_tol = 1e-18;
  int improvements = 0;
  double last = std::numeric_limits<double>::infinity();
  const NelderMeadResult r =
      nelder_mead_minimize(f, Vector::Constant(2, -1.2), o, [&](const NelderMeadIteration& it) {
        EXPECT_LT(it.best, last);
        last = it.best;
        ++improvements;
      });
  EXPECT_LT((r.x - Vector::Ones(2)).norm(), 1e-4);
  EXPECT_GT(improvements, 10);
}

TEST(NelderMead, StopsAtTheBudget) {
  const auto f = [](const Vector& x) { return x.squaredNorm(); };
  NelderMeadOptions o;
  o.max_evaluations = 30;
  const NelderMeadResult r = nelder_mead_minimize(f, Vector::Ones(6), o);
  EXPECT_EQ(r.stop, "max_evaluations");
  EXPECT_LE(r.evaluations, 30 + 6);  // a shrink may finish its n evaluations
  EXPECT_LT(r.value, 6.0);
}

}  // namespace
}  // namespace difflab
