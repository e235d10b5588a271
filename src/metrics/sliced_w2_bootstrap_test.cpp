// The sliced W2 interval covers the particles' sampling error, not only the directions': for
// two independent samples of one law it reaches 0 in most seeds, and for a translated law it
// covers the exact SW2 = |v| / sqrt(d) (for a translation by v every direction theta moves the
// projected law by theta.v, so SW2^2 = E (theta.v)^2 = |v|^2 / d).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "difflab/core/rng.hpp"
#include "difflab/metrics/sliced_w2.hpp"

namespace difflab {
namespace {

Matrix bootstrap_normals(Index d, Index n, std::uint64_t seed) {
  const CounterRng rng(seed);
  Matrix X(d, n);
  for (Index j = 0; j < n; ++j) {
    RngStream s = rng.stream(RngUse::kTargetSample, static_cast<std::uint64_t>(j));
    s.fill_normal(X.col(j).data(), d);
  }
  return X;
}

TEST(SlicedW2Bootstrap, WeightedW2IsTheW2OfTheExpandedSample) {
  // Multiplicities (2, 0, 1, 3) of x and (1, 1, 4) of y against the samples written out.
  const std::vector<double> x = {-1.0, 0.2, 0.5, 2.0}, y = {-0.5, 0.0, 1.5};
  const std::vector<std::uint32_t> cx = {2, 0, 1, 3}, cy = {1, 1, 4};
  const std::vector<double> xe = {-1.0, -1.0, 0.5, 2.0, 2.0, 2.0},
                            ye = {-0.5, 0.0, 1.5, 1.5, 1.5, 1.5};
  const double expanded = sorted_w2_squared_1d(xe.data(), 6, ye.data(), 6);
  EXPECT_NEAR(weighted_w2_squared_1d(x.data(), cx.data(), 6, y.data(), cy.data(), 6), expanded,
              1e-15 * expanded);
  // Unit multiplicities: exactly the unweighted W2.
  const std::vector<std::uint32_t> ones4(4, 1), ones3(3, 1);
  EXPECT_EQ(weighted_w2_squared_1d(x.data(), ones4.data(), 4, y.data(), ones3.data(), 3),
            sorted_w2_squared_1d(x.data(), 4, y.data(), 3));
}

TEST(SlicedW2Bootstrap, BootstrapKeepsThePlugInValue) {
  const Matrix X = bootstrap_normals(3, 150, 1), Y = bootstrap_normals(3, 120, 2);
  const Estimate with = sliced_w2(X, Y, {.projections = 40, .seed = 5});
  const Estimate without = sliced_w2(X, Y, {.projections = 40, .seed = 5, .bootstrap = 0});
  EXPECT_EQ(with.value, without.value);
  EXPECT_EQ(with.method, "sliced_w2_bootstrap");
  // The particle error widens the interval beyond the directions' alone.
  EXPECT_GT(with.ci_hi - with.ci_lo, without.ci_hi - without.ci_lo);
}

// 40 seeds, two independent samples of N(0, I_2) (n = 200, m = 150). The projections-only
// interval never reaches 0 (its centre is the positive plug-in and its width the directions'
// spread); the interval with the particle bootstrap must cover 0 in at least 34 of 40 seeds
// (a 95% interval: 38 expected, and 34 or fewer has probability about 3% under Binomial(40, 0.95)).
TEST(SlicedW2Bootstrap, IntervalCoversZeroForTwoSamplesOfOneLaw) {
  int covered = 0, projections_only = 0;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    const Matrix X = bootstrap_normals(2, 200, 2 * seed + 100);
    const Matrix Y = bootstrap_normals(2, 150, 2 * seed + 101);
    covered += sliced_w2(X, Y, {.projections = 50, .seed = seed}).ci_lo == 0;
    projections_only +=
        sliced_w2(X, Y, {.projections = 50, .seed = seed, .bootstrap = 0}).ci_lo == 0;
  }
  EXPECT_GE(covered, 34);
  EXPECT_LE(projections_only, 2);
}

TEST(SlicedW2Bootstrap, IntervalCoversTheExactValueOfATranslation) {
  Vector v(2);
  v << 0.8, -0.6;  // |v| = 1: SW2 = 1 / sqrt(2)
  const double truth = 1.0 / std::sqrt(2.0);
  int covered = 0;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    const Matrix X = bootstrap_normals(2, 200, 2 * seed + 300);
    const Matrix Y = bootstrap_normals(2, 200, 2 * seed + 301).colwise() + v;
    const Estimate e = sliced_w2(X, Y, {.projections = 50, .seed = seed});
    covered += e.ci_lo <= truth && truth <= e.ci_hi;
  }
  EXPECT_GE(covered, 34);
}

}  // namespace
}  // namespace difflab
