#include "difflab/metrics/knn_kl.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

double kl_standard_error(const Estimate& e) {
  return (e.ci_hi - e.ci_lo) / (2 * kNormalQuantile975);
}

// KL(N(0, I_d) || N(m, s^2 I_d)) = 1/2 [d/s^2 + |m|^2/s^2 - d + 2 d log s].
double kl_standard_to_isotropic(const Vector& m, double s) {
  const double d = static_cast<double>(m.size());
  return 0.5 * (d / (s * s) + m.squaredNorm() / (s * s) - d + 2 * d * std::log(s));
}

// Stated tolerance: 4.5 standard errors (half-sampling) plus a bias allowance of 0.03 nats for
// the finite-n bias of the kNN estimator at n = m = 2000, d = 2, k = 5.
TEST(KnnKl, MatchesGaussianClosedForm) {
  Vector m(2);
  m << 0.6, -0.4;
  const double s = 1.4;
  const double truth = kl_standard_to_isotropic(m, s);
  const auto P = GaussianTarget::diagonal(Vector::Zero(2), Vector::Ones(2));
  const auto Q = GaussianTarget::diagonal(m, Vector::Constant(2, s * s));
  const Matrix X = P.sample(2000, CounterRng(1)), Y = Q.sample(2000, CounterRng(2));
  const Estimate e = knn_kl(X, Y);
  EXPECT_NEAR(e.value, truth, 4.5 * kl_standard_error(e) + 0.03) << "truth " << truth;
  EXPECT_EQ(e.n_p, 2000);
  EXPECT_EQ(e.n_q, 2000);
  EXPECT_GT(kl_standard_error(e), 0.0);
  // Same law: about zero.
  const Estimate zero = knn_kl(X, P.sample(2000, CounterRng(3)));
  EXPECT_NEAR(zero.value, 0.0, 4.5 * kl_standard_error(zero) + 0.03);
}

TEST(KnnKl, DeterministicForSeedAndThreadCount) {
  const int saved = thread_count();
  const auto P = GaussianTarget::diagonal(Vector::Zero(3), Vector::Ones(3));
  const Matrix X = P.sample(700, CounterRng(4)), Y = P.sample(600, CounterRng(5)).array() * 1.2;
  set_threads(1);
  const Estimate a = knn_kl(X, Y, {.k = 3, .replicates = 6, .seed = 2});
  set_threads(2);
  const Estimate b = knn_kl(X, Y, {.k = 3, .replicates = 6, .seed = 2});
  set_threads(saved);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.ci_lo, b.ci_lo);
}

TEST(KnnKl, BadInputIsAClearError) {
  Matrix X(2, 50), Y(2, 50);
  CounterRng(1).fill_normal(X, RngUse::kUser, 0, 0);
  CounterRng(2).fill_normal(Y, RngUse::kUser, 0, 0);
  EXPECT_THROW(knn_kl(X, Matrix(3, 50)), Error);
  EXPECT_THROW(knn_kl(X, Matrix(2, 0)), Error);
  EXPECT_THROW(knn_kl(X.leftCols(5), Y), Error);  // too few for k = 5 on half samples
  EXPECT_THROW(knn_kl(X, Y, {.k = 0}), Error);
  Matrix dup = X;
  dup.col(7) = dup.col(3);
  EXPECT_THROW(knn_kl(dup, Y, {.k = 1}), Error);
  Matrix bad = X;
  bad(0, 0) = NAN;
  EXPECT_THROW(knn_kl(bad, Y), Error);
}

}  // namespace
}  // namespace difflab
