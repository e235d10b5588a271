// Memorisation against brute-force nearest distances: copies of training points are copies
// (distance 0, copy fraction 1); fresh samples of the training law have a ratio near the
// split baseline's 2^{-1/d} (metrics/memorisation.hpp).
#include "difflab/metrics/memorisation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/expect_error.hpp"
#include "difflab/core/rng.hpp"

namespace difflab {
namespace {

Matrix memorisation_normals(Index d, Index n, std::uint64_t seed) {
  Matrix Z(d, n);
  CounterRng(seed).fill_normal(Z, RngUse::kUser, 0, 0);
  return Z;
}

TEST(Memorisation, CopiesOfTrainingPointsAreCopies) {
  const Matrix P = memorisation_normals(3, 400, 1);
  Matrix X(3, 100);
  for (Index j = 0; j < 100; ++j) X.col(j) = P.col((7 * j) % 400);
  const Memorisation m = memorisation(X, P, 5);
  EXPECT_EQ(m.copy_fraction, 1.0);
  EXPECT_EQ(m.median_sample_distance, 0.0);
  EXPECT_EQ(m.ratio, 0.0);
  EXPECT_GT(m.median_split_distance, 0.0);
}

TEST(Memorisation, FreshSamplesSitAtTheSplitBaselineAndDistancesAreBruteForce) {
  const Index d = 2;
  const Matrix P = memorisation_normals(d, 2000, 2), X = memorisation_normals(d, 1000, 3);
  const Memorisation m = memorisation(X, P, 6);
  EXPECT_EQ(m.copy_fraction, 0.0);
  // The baseline sees N/2 points: distances ~ 2^{1/d} larger, ratio ~ 2^{-1/2} = 0.71 in 2-D.
  EXPECT_GT(m.ratio, 0.55);
  EXPECT_LT(m.ratio, 0.9);
  // The median sample distance by brute force (nearest rank).
  std::vector<double> r(static_cast<std::size_t>(X.cols()));
  for (Index j = 0; j < X.cols(); ++j)
    r[static_cast<std::size_t>(j)] = (P.colwise() - X.col(j)).colwise().norm().minCoeff();
  std::sort(r.begin(), r.end());
  EXPECT_NEAR(m.median_sample_distance, r[499], 1e-12);
  EXPECT_EQ(memorisation(X, P, 6).ratio, m.ratio);  // deterministic
}

TEST(Memorisation, BadInputIsRefused) {
  expect_error([] { memorisation(Matrix::Zero(2, 3), Matrix::Zero(3, 10), 0); }, "dimension");
  expect_error([] { memorisation(Matrix::Zero(2, 3), Matrix::Zero(2, 3), 0); }, "at least 4");
}

}  // namespace
}  // namespace difflab
