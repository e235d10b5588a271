#include "difflab/metrics/knn_entropy.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "difflab/core/error.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/metrics/kl_to_target.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

double entropy_standard_error(const Estimate& e) {
  return (e.ci_hi - e.ci_lo) / (2 * kNormalQuantile975);
}

TEST(KnnEntropy, DigammaOfIntegers) {
  EXPECT_NEAR(digamma_integer(1), -0.57721566490153286, 1e-15);
  EXPECT_NEAR(digamma_integer(2), 1 - 0.57721566490153286, 1e-15);
  // psi(n) = log n - 1/(2n) - 1/(12 n^2) + O(n^-4).
  EXPECT_NEAR(digamma_integer(1000), std::log(1000.0) - 0.0005 - 1.0 / 12e6, 1e-13);
}

// H(N(0, diag(1, 4))) = 1/2 log((2 pi e)^2 * 4). Tolerance: 4.5 standard errors plus 0.03 nats
// of finite-n bias (n = 3000, d = 2, k = 5).
TEST(KnnEntropy, MatchesGaussianEntropy) {
  Vector var(2);
  var << 1, 4;
  const auto P = GaussianTarget::diagonal(Vector::Zero(2), var);
  const double truth = 0.5 * std::log(std::pow(2 * std::numbers::pi * std::numbers::e, 2) * 4.0);
  const Estimate e = knn_entropy(P.sample(3000, CounterRng(8)));
  EXPECT_NEAR(e.value, truth, 4.5 * entropy_standard_error(e) + 0.03) << "truth " << truth;
  EXPECT_EQ(e.n_p, 3000);
}

// KL(N(0, I_2) || N(m, s^2 I_2)) from samples and the target's density.
TEST(KlToTarget, MatchesGaussianClosedForm) {
  Vector m(2);
  m << 0.6, -0.4;
  const double s = 1.4;
  const double truth = 0.5 * (2 / (s * s) + m.squaredNorm() / (s * s) - 2 + 4 * std::log(s));
  const auto P = GaussianTarget::diagonal(Vector::Zero(2), Vector::Ones(2));
  const auto Q = GaussianTarget::diagonal(m, Vector::Constant(2, s * s));
  const Estimate e = kl_to_target(P.sample(3000, CounterRng(9)), Q);
  EXPECT_NEAR(e.value, truth, 4.5 * entropy_standard_error(e) + 0.03) << "truth " << truth;
  // Samples of the target itself: about zero.
  const Estimate zero = kl_to_target(Q.sample(3000, CounterRng(10)), Q);
  EXPECT_NEAR(zero.value, 0.0, 4.5 * entropy_standard_error(zero) + 0.03);
}

TEST(KlToTarget, BadInputIsAClearError) {
  const auto Q = GaussianTarget::diagonal(Vector::Zero(2), Vector::Ones(2));
  EXPECT_THROW(kl_to_target(Matrix(3, 50), Q), Error);  // dimension mismatch
  EXPECT_THROW(kl_to_target(Matrix(2, 0), Q), Error);
  Matrix X = Q.sample(50, CounterRng(1));
  X(1, 2) = NAN;
  EXPECT_THROW(kl_to_target(X, Q), Error);
  EXPECT_THROW(knn_entropy(Q.sample(50, CounterRng(1)), {.k = 0}), Error);
}

}  // namespace
}  // namespace difflab
