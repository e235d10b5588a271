#include "difflab/metrics/mode_weights.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "difflab/core/error.hpp"
#include "difflab/core/rng.hpp"

namespace difflab {
namespace {

GaussianMixtureTarget three_modes() {
  std::vector<GaussianMixtureTarget::Component> c;
  for (const double x : {-6.0, 0.0, 6.0}) {
    GaussianMixtureTarget::Component k;
    k.mean = Vector::Constant(2, x);
    k.variances = Vector::Ones(2);
    c.push_back(k);
  }
  return GaussianMixtureTarget({0.2, 0.5, 0.3}, c);
}

// Wilson (1927) interval for 8 successes in 10 trials at z = 1.96: [0.4902, 0.9433] (the
// textbook example, e.g. Newcombe 1998, Table I: 0.4902-0.9433).
TEST(ModeWeights, WilsonIntervalMatchesPublishedValue) {
  double lo = 0, hi = 0;
  wilson_interval(8, 10, lo, hi);
  EXPECT_NEAR(lo, 0.4902, 1e-4);
  EXPECT_NEAR(hi, 0.9433, 1e-4);
  wilson_interval(0, 10, lo, hi);
  EXPECT_EQ(lo, 0.0);
  EXPECT_NEAR(hi, 0.2775, 1e-4);  // Newcombe 1998, Table I, 0/10
}

// Exact samples: each fraction within 4.5 binomial standard errors of its weight (modes 6
// standard deviations apart: the misassigned mass, < Phi(-3 sqrt 2) ~ 1e-9, is negligible).
TEST(ModeWeights, ExactSamplesRecoverTheWeights) {
  const auto target = three_modes();
  const Index n = 20000;
  const Matrix X = target.sample(n, CounterRng(5));
  const ModeWeights mw = mode_weights(target, X, 9);
  ASSERT_EQ(mw.fractions.size(), 3);
  EXPECT_NEAR(mw.fractions.sum(), 1.0, 1e-12);
  for (Index k = 0; k < 3; ++k) {
    const double w = target.weights()(k);
    EXPECT_NEAR(mw.fractions(k), w, 4.5 * std::sqrt(w * (1 - w) / n)) << k;
    EXPECT_LE(mw.ci_lo(k), mw.fractions(k));
    EXPECT_GE(mw.ci_hi(k), mw.fractions(k));
  }
  // TV(f, w) is of order sqrt(K / n) ~ 0.01 here.
  EXPECT_LT(mw.weight_error.value, 0.03);
  EXPECT_LE(mw.weight_error.ci_lo, mw.weight_error.ci_hi);
  // Bit-identical for the same seed.
  EXPECT_EQ(mode_weights(target, X, 9).weight_error.ci_hi, mw.weight_error.ci_hi);
}

// All samples on the first mode: f = (1, 0, 0), TV = (1/2)(0.8 + 0.5 + 0.3) = 0.8, and every
// bootstrap replicate is the same.
TEST(ModeWeights, AllMassOnOneMode) {
  const auto target = three_modes();
  const Matrix X = Matrix::Constant(2, 100, -6.0);
  const ModeWeights mw = mode_weights(target, X, 1);
  EXPECT_EQ(mw.fractions(0), 1.0);
  EXPECT_EQ(mw.fractions(1), 0.0);
  EXPECT_NEAR(mw.weight_error.value, 0.8, 1e-15);
  EXPECT_NEAR(mw.weight_error.ci_lo, 0.8, 1e-15);
  EXPECT_NEAR(mw.weight_error.ci_hi, 0.8, 1e-15);
  const nlohmann::json j = mw.to_json();
  EXPECT_EQ(j["fractions"].size(), 3u);
  EXPECT_NEAR(j["value"].get<double>(), 0.8, 1e-15);
}

TEST(ModeWeights, RejectsBadInput) {
  const auto target = three_modes();
  EXPECT_THROW(mode_weights(target, Matrix::Zero(3, 10), 0), Error);
  EXPECT_THROW(mode_weights(target, Matrix::Zero(2, 0), 0), Error);
  Matrix X = Matrix::Zero(2, 5);
  X(1, 2) = std::nan("");
  EXPECT_THROW(mode_weights(target, X, 0), Error);
  EXPECT_THROW(mode_weights(target, Matrix::Zero(2, 5), 0, 1), Error);
}

}  // namespace
}  // namespace difflab
