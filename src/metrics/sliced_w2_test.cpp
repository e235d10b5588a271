#include "difflab/metrics/sliced_w2.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"

namespace difflab {
namespace {

Matrix sliced_normals(Index d, Index n, std::uint64_t seed) {
  Matrix Z(d, n);
  CounterRng(seed).fill_normal(Z, RngUse::kUser, 0, 0);
  return Z;
}

// In 1-D every projection is +-1, so sliced W2 is the exact 1-D W2. Unequal sizes 7 and 5: the
// truth is the sorted matching of the sets replicated 5 and 7 times (same uniform measures).
TEST(SlicedW2, OneDimensionalUnequalSizesIsExactW2) {
  const Matrix X = sliced_normals(1, 7, 1), Y = 1.5 * sliced_normals(1, 5, 2).array() + 0.2;
  std::vector<double> xr, yr;
  for (int r = 0; r < 5; ++r) xr.insert(xr.end(), X.data(), X.data() + 7);
  for (int r = 0; r < 7; ++r) yr.insert(yr.end(), Y.data(), Y.data() + 5);
  std::sort(xr.begin(), xr.end());
  std::sort(yr.begin(), yr.end());
  double truth = 0;
  for (std::size_t i = 0; i < xr.size(); ++i) truth += (xr[i] - yr[i]) * (xr[i] - yr[i]);
  truth /= static_cast<double>(xr.size());
  // The projections-only interval (bootstrap = 0): the particle bootstrap would widen it.
  const Estimate e = sliced_w2(X, Y, {.projections = 5, .seed = 3, .bootstrap = 0});
  EXPECT_NEAR(e.value * e.value, truth, 1e-13 * truth);
  EXPECT_NEAR(e.ci_lo, e.value, 1e-12);  // no projection randomness in 1-D
  EXPECT_NEAR(e.ci_hi, e.value, 1e-12);
  EXPECT_EQ(e.n_p, 7);
  EXPECT_EQ(e.n_q, 5);
  std::vector<double> xs(X.data(), X.data() + 7), ys(Y.data(), Y.data() + 5);
  std::sort(xs.begin(), xs.end());
  std::sort(ys.begin(), ys.end());
  EXPECT_NEAR(sorted_w2_squared_1d(xs.data(), 7, ys.data(), 5), truth, 1e-13 * truth);
}

// Y = X + v: along theta the projected sets are translates, so W2^2(theta) = (theta.v)^2 and the
// sliced W2^2 is E (theta.v)^2 = |v|^2 / d exactly. The CI over projections must cover it (Y is
// X moved, not an independent sample, so the particle bootstrap does not apply: bootstrap = 0).
TEST(SlicedW2, TranslationCoversIsotropicAverage) {
  const Index d = 3;
  const Matrix X = sliced_normals(d, 400, 4);
  Vector v(d);
  v << 1.0, -0.5, 0.25;
  const Matrix Y = X.colwise() + v;
  const double truth = v.norm() / std::sqrt(static_cast<double>(d));
  const Estimate e = sliced_w2(X, Y, {.projections = 400, .seed = 9, .bootstrap = 0});
  EXPECT_LE(e.ci_lo, truth);
  EXPECT_GE(e.ci_hi, truth);
  EXPECT_LT(e.ci_hi - e.ci_lo, 0.2 * truth);
}

TEST(SlicedW2, DeterministicForSeedAndThreadCount) {
  const int saved = thread_count();
  const Matrix X = sliced_normals(5, 300, 5), Y = sliced_normals(5, 200, 6).array() * 1.3;
  set_threads(1);
  const Estimate a = sliced_w2(X, Y, {.projections = 50, .seed = 1});
  set_threads(2);
  const Estimate b = sliced_w2(X, Y, {.projections = 50, .seed = 1});
  set_threads(saved);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.ci_lo, b.ci_lo);
  EXPECT_NE(sliced_w2(X, Y, {.projections = 50, .seed = 2}).value, a.value);
}

TEST(SlicedW2, BadInputIsAClearError) {
  const Matrix X = sliced_normals(2, 10, 1);
  EXPECT_THROW(sliced_w2(X, sliced_normals(3, 10, 2)), Error);
  EXPECT_THROW(sliced_w2(Matrix(2, 0), X), Error);
  Matrix bad = X;
  bad(0, 0) = INFINITY;
  EXPECT_THROW(sliced_w2(X, bad), Error);
  EXPECT_THROW(sliced_w2(X, X, {.projections = 1}), Error);
}

}  // namespace
}  // namespace difflab
