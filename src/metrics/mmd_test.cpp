#include "difflab/metrics/mmd.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"

namespace difflab {
namespace {

// Columns ~ N(mean, diag(sd^2)).
Matrix gaussian_samples(const Vector& mean, const Vector& sd, Index n, std::uint64_t seed) {
  Matrix Z(mean.size(), n);
  CounterRng(seed).fill_normal(Z, RngUse::kUser, 0, 0);
  return (sd.asDiagonal() * Z).colwise() + mean;
}

double mmd_standard_error(const Estimate& e) {
  return (e.ci_hi - e.ci_lo) / (2 * kNormalQuantile975);
}

// E exp(-|X - Y|^2 / (2 h^2)) for independent X ~ N(a, diag(A)), Y ~ N(b, diag(B)): X - Y is
// N(a - b, diag(A + B)), and the Gaussian integral gives
// prod_i (1 + (A_i + B_i)/h^2)^{-1/2} exp(-(a_i - b_i)^2 / (2 (h^2 + A_i + B_i))).
double expected_rbf(const Vector& a, const Vector& A, const Vector& b, const Vector& B, double h) {
  double out = 1;
  for (Index i = 0; i < a.size(); ++i) {
    const double s = A(i) + B(i), dm = a(i) - b(i);
    out *= std::exp(-dm * dm / (2 * (h * h + s))) / std::sqrt(1 + s / (h * h));
  }
  return out;
}

TEST(Mmd, MatchesGaussianClosedFormWithinCi) {
  Vector a(2), b(2), sa(2), sb(2);
  a << 0, 0;
  b << 0.6, -0.3;
  sa << 1, 0.8;
  sb << 1.2, 0.8;
  const double h = 1.0;
  const Vector A = sa.cwiseAbs2(), B = sb.cwiseAbs2();
  const double truth =
      expected_rbf(a, A, a, A, h) + expected_rbf(b, B, b, B, h) - 2 * expected_rbf(a, A, b, B, h);
  const Estimate e =
      mmd2(gaussian_samples(a, sa, 400, 1), gaussian_samples(b, sb, 500, 2), {.bandwidths = {h}});
  EXPECT_NEAR(e.value, truth, 4.5 * mmd_standard_error(e));
  EXPECT_GT(e.ci_lo, 0.0);  // a real difference is detected
  EXPECT_EQ(e.n_p, 400);
  EXPECT_EQ(e.n_q, 500);
}

// Unbiased: for P = Q the mean over independent seeds is 0 within its standard error, and the
// (jackknife) standard error reported is not smaller than the actual spread.
TEST(Mmd, ZeroInExpectationForIdenticalLaws) {
  const Vector mean = Vector::Zero(2), sd = Vector::Ones(2);
  const int R = 20;
  double sum = 0, sum_sq = 0, se_sq = 0;
  for (int r = 0; r < R; ++r) {
    const Estimate e = mmd2(gaussian_samples(mean, sd, 150, 100 + r),
                            gaussian_samples(mean, sd, 150, 200 + r), {.bandwidths = {1.0}});
    sum += e.value;
    sum_sq += e.value * e.value;
    se_sq += mmd_standard_error(e) * mmd_standard_error(e);
  }
  const double avg = sum / R;
  const double rms_se = std::sqrt(se_sq / R);
  const double spread = std::sqrt((sum_sq - R * avg * avg) / (R - 1));
  EXPECT_LE(std::abs(avg), 4.0 * rms_se / std::sqrt(static_cast<double>(R)));
  EXPECT_LE(spread, 2.0 * rms_se);
}

TEST(Mmd, MedianHeuristicIsThePairwiseMedian) {
  Matrix X(2, 5), Y(2, 6);
  CounterRng(3).fill_normal(X, RngUse::kUser, 0, 0);
  CounterRng(4).fill_normal(Y, RngUse::kUser, 0, 0);
  Matrix Z(2, 11);
  Z << X, Y;
  std::vector<double> dist;  // 55 pairs: an odd count, so the median is unambiguous
  for (Index i = 0; i < 11; ++i)
    for (Index j = i + 1; j < 11; ++j) dist.push_back((Z.col(i) - Z.col(j)).norm());
  std::sort(dist.begin(), dist.end());
  EXPECT_DOUBLE_EQ(median_heuristic_bandwidth(X, Y), dist[27]);
  // mmd2 with the heuristic equals mmd2 with that bandwidth given.
  EXPECT_NEAR(mmd2(X, Y).value, mmd2(X, Y, {.bandwidths = {dist[27]}}).value, 1e-12);
}

TEST(Mmd, SameResultForAnyThreadCount) {
  const int saved = thread_count();
  const Matrix X = gaussian_samples(Vector::Zero(3), Vector::Ones(3), 600, 5);
  const Matrix Y = gaussian_samples(Vector::Ones(3), Vector::Ones(3), 500, 6);
  set_threads(1);
  const Estimate a = mmd2(X, Y, {.bandwidths = {0.5, 2.0}});
  set_threads(2);
  const Estimate b = mmd2(X, Y, {.bandwidths = {0.5, 2.0}});
  set_threads(saved);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.ci_hi, b.ci_hi);
}

TEST(Mmd, BadInputIsAClearError) {
  const Matrix X = gaussian_samples(Vector::Zero(2), Vector::Ones(2), 10, 1);
  EXPECT_THROW(mmd2(X, Matrix(3, 10)), Error);
  EXPECT_THROW(mmd2(X, X.leftCols(2)), Error);  // fewer than 3 particles
  EXPECT_THROW(mmd2(X, X, {.bandwidths = {-1.0}}), Error);
  Matrix bad = X;
  bad(1, 1) = NAN;
  EXPECT_THROW(mmd2(bad, X), Error);
  const Matrix same = Matrix::Ones(2, 10);
  EXPECT_THROW(mmd2(same, same), Error);  // median distance 0
}

}  // namespace
}  // namespace difflab
