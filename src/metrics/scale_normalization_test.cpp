// Sliced W2 and the energy distance of samples beyond ~1e154 (or below ~1e-154), where squared
// differences overflow (underflow): both metrics are homogeneous of degree 1, so scaling the
// samples by a power of two (exact) must scale value and interval by exactly that power.
#include "difflab/metrics/scale_normalization.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/expect_error.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/metrics/energy_distance.hpp"
#include "difflab/metrics/sliced_w2.hpp"

namespace difflab {
namespace {

Matrix normal_sample(Index d, Index n, std::uint64_t seed, double shift) {
  const CounterRng rng(seed);
  Matrix X(d, n);
  for (Index j = 0; j < n; ++j) {
    RngStream s = rng.stream(RngUse::kMonteCarlo, static_cast<std::uint64_t>(j), 0);
    s.fill_normal(X.col(j).data(), d);
  }
  return X.array() + shift;
}

void expect_scaled(const Estimate& base, const Estimate& scaled, double c) {
  EXPECT_EQ(scaled.value, base.value * c);
  EXPECT_EQ(scaled.ci_lo, base.ci_lo * c);
  EXPECT_EQ(scaled.ci_hi, base.ci_hi * c);
  EXPECT_TRUE(std::isfinite(scaled.value));
}

TEST(ScaleNormalization, SlicedW2IsHomogeneousFarBeyondTheSquareRange) {
  const Matrix X = normal_sample(3, 300, 1, 0.0), Y = normal_sample(3, 250, 2, 0.4);
  const Estimate base = sliced_w2(X, Y);
  for (const int e : {600, 1000, -600, -1000}) {
    const double c = std::ldexp(1.0, e);
    expect_scaled(base, sliced_w2(X * c, Y * c), c);
  }
}

TEST(ScaleNormalization, EnergyDistanceIsHomogeneousFarBeyondTheSquareRange) {
  const Matrix X = normal_sample(2, 120, 3, 0.0), Y = normal_sample(2, 100, 4, 0.5);
  const Estimate base = energy_distance(X, Y);
  for (const int e : {600, 1000, -600}) {
    const double c = std::ldexp(1.0, e);
    expect_scaled(base, energy_distance(X * c, Y * c), c);
  }
}

TEST(ScaleNormalization, OrdinarySamplesAreNotRescaled) {
  Matrix X = Matrix::Constant(2, 3, 1e100), Y = Matrix::Constant(2, 3, -1e-100);
  EXPECT_EQ(sample_pair_scale(X, Y), 1.0);
  X(0, 0) = 1e160;
  EXPECT_EQ(sample_pair_scale(X, Y), std::ldexp(1.0, 531));  // 1e160 = 1.46 * 2^531
}

TEST(ScaleNormalization, ADistanceBeyondTheDoubleRangeIsRefused) {
  // Two point masses 1.5e308 apart in each of 4 coordinates: SW2 = 1.5e308 * E|theta_1| * ...
  // is finite, but the energy distance 2|x - y| = 2 * 3e308 is not.
  const Matrix X = Matrix::Constant(4, 3, 1.5e308), Y = Matrix::Constant(4, 3, -1.5e308);
  expect_error([&] { energy_distance(X, Y); }, "energy_distance: the distance between the samples");
}

}  // namespace
}  // namespace difflab
