#include "difflab/metrics/gaussian_distances.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"

namespace difflab {
namespace {

Vector vec(std::initializer_list<double> v) {
  Vector out(static_cast<Index>(v.size()));
  Index i = 0;
  for (double x : v) out(i++) = x;
  return out;
}
Matrix mat2(double a, double b, double c, double d) {
  Matrix m(2, 2);
  m << a, b, c, d;
  return m;
}
Matrix scalar(double v) { return Matrix::Constant(1, 1, v); }

class ThreadGuard {
 public:
  ThreadGuard() : saved_(thread_count()) {}
  ~ThreadGuard() { set_threads(saved_); }

 private:
  int saved_;
};

// docs/theory.md 5.6: N(0.3, 0.7^2) vs N(-0.5, 1.4^2).
TEST(GaussianDistances, TheoryTestVector1D) {
  const Vector m0 = vec({0.3}), m1 = vec({-0.5});
  const Matrix S0 = scalar(0.49), S1 = scalar(1.96);
  EXPECT_NEAR(gaussian_kl(m0, S0, m1, S1), 0.4814124867, 1e-9);
  EXPECT_NEAR(gaussian_w2(m0, S0, m1, S1), 1.0630145813, 1e-9);
  EXPECT_NEAR(gaussian_tv_1d(0.3, 0.7, -0.5, 1.4), 0.4090085202, 1e-9);
  const GaussianTv tv = gaussian_tv(m0, S0, m1, S1);
  EXPECT_TRUE(tv.tv.is_exact());
  EXPECT_NEAR(tv.tv.value, 0.4090085202, 1e-9);
  EXPECT_NEAR(tv.bounds.lower_bc, 0.1621179147, 1e-9);
  EXPECT_NEAR(tv.bounds.upper_bc, 0.5458512720, 1e-9);
  EXPECT_NEAR(tv.bounds.pinsker, 0.4906182257, 1e-9);
  EXPECT_NEAR(tv.bounds.bretagnolle_huber, std::sqrt(1.0 - std::exp(-0.4814124867)), 1e-9);
  EXPECT_LE(tv.bounds.lower(), tv.tv.value);
  EXPECT_GE(tv.bounds.upper(), tv.tv.value);
  // The diagonal forms agree with the full ones.
  EXPECT_NEAR(diagonal_gaussian_kl(m0, vec({0.49}), m1, vec({1.96})), 0.4814124867, 1e-9);
  EXPECT_NEAR(diagonal_gaussian_w2(m0, vec({0.49}), m1, vec({1.96})), 1.0630145813, 1e-9);
  EXPECT_NEAR(1.0 - diagonal_gaussian_bhattacharyya(m0, vec({0.49}), m1, vec({1.96})), 0.1621179147,
              1e-9);
  EXPECT_NEAR(diagonal_gaussian_tv(m0, vec({0.49}), m1, vec({1.96})).tv.value, 0.4090085202, 1e-9);
}

TEST(GaussianDistances, TheoryExtraTvValues) {
  EXPECT_NEAR(gaussian_tv_1d(0, 1, 0, 1.1), 0.0460896644, 1e-9);
  EXPECT_NEAR(gaussian_tv_1d(2, 0.5, -1, 3), 0.7973847875, 1e-9);  // N(2, 0.25) vs N(-1, 9)
  EXPECT_NEAR(gaussian_tv_1d(-1, 3, 2, 0.5), 0.7973847875, 1e-9);  // symmetric
  const Matrix S = mat2(1, 0.4, 0.4, 2);
  const GaussianTv tv = gaussian_tv(vec({0, 0}), S, vec({0.8, -0.3}), S);
  EXPECT_TRUE(tv.tv.is_exact());
  EXPECT_NEAR(tv.tv.value, 0.3549735061, 1e-9);
  // Equal variances in 1-D: 2 Phi(|dm| / (2 s)) - 1.
  EXPECT_NEAR(gaussian_tv_1d(0, 2, 1, 2), 2.0 * 0.5 * std::erfc(-0.25 / std::numbers::sqrt2) - 1,
              1e-14);
}

TEST(GaussianDistances, IdenticalLawsAreAtDistanceZero) {
  const Vector m = vec({0.2, -1});
  const Matrix S = mat2(2, 0.5, 0.5, 1);
  EXPECT_NEAR(gaussian_kl(m, S, m, S), 0.0, 1e-14);
  EXPECT_NEAR(gaussian_w2(m, S, m, S), 0.0, 1e-7);  // sqrt of roundoff
  EXPECT_NEAR(gaussian_bhattacharyya(m, S, m, S), 1.0, 1e-14);
  EXPECT_NEAR(gaussian_hellinger(m, S, m, S), 0.0, 1e-7);
  EXPECT_EQ(gaussian_tv(m, S, m, S).tv.value, 0.0);
}

// Independent derivation: for commuting (here diagonal) covariances every quantity factorises
// over coordinates; check the full-matrix code on a rotated pair against the sums.
TEST(GaussianDistances, RotatedDiagonalPairMatchesCoordinateSums) {
  const double c = std::cos(0.7), s = std::sin(0.7);
  const Matrix U = mat2(c, -s, s, c);
  const Vector a = vec({0.5, 2.0}), b = vec({1.5, 0.3});
  const Vector m0e = vec({0.1, 0.4}), m1e = vec({-0.6, 1.0});  // eigenbasis coordinates
  const Matrix S0 = U * a.asDiagonal() * U.transpose(), S1 = U * b.asDiagonal() * U.transpose();
  const Vector m0 = U * m0e, m1 = U * m1e;
  double kl = 0, w2sq = 0, log_bc = 0;
  for (int i = 0; i < 2; ++i) {
    const double dm = m0e(i) - m1e(i);
    kl += 0.5 * (a(i) / b(i) - 1 - std::log(a(i) / b(i)) + dm * dm / b(i));
    w2sq += dm * dm + std::pow(std::sqrt(a(i)) - std::sqrt(b(i)), 2);
    log_bc +=
        0.5 * std::log(2 * std::sqrt(a(i) * b(i)) / (a(i) + b(i))) - dm * dm / (4 * (a(i) + b(i)));
  }
  EXPECT_NEAR(gaussian_kl(m0, S0, m1, S1), kl, 1e-12);
  EXPECT_NEAR(gaussian_kl(m1, S1, m0, S0), diagonal_gaussian_kl(m1e, b, m0e, a), 1e-12);
  EXPECT_NEAR(gaussian_w2(m0, S0, m1, S1), std::sqrt(w2sq), 1e-12);
  EXPECT_NEAR(gaussian_bhattacharyya(m0, S0, m1, S1), std::exp(log_bc), 1e-12);
  EXPECT_NEAR(diagonal_gaussian_kl(m0e, a, m1e, b), kl, 1e-13);
  EXPECT_NEAR(diagonal_gaussian_w2(m0e, a, m1e, b), std::sqrt(w2sq), 1e-13);
  EXPECT_NEAR(diagonal_gaussian_hellinger(m0e, a, m1e, b), std::sqrt(1 - std::exp(log_bc)), 1e-13);
  const TvBounds fb = gaussian_tv_bounds(m0, S0, m1, S1);
  const TvBounds db = diagonal_gaussian_tv_bounds(m0e, a, m1e, b);
  EXPECT_NEAR(fb.upper(), db.upper(), 1e-12);
  EXPECT_NEAR(fb.lower(), db.lower(), 1e-12);
}

// W2 with a singular (PSD) covariance: a point mass vs N(0, s^2): W2 = s.
TEST(GaussianDistances, W2AcceptsSingularCovariance) {
  EXPECT_NEAR(
      gaussian_w2(vec({0, 0}), Matrix::Zero(2, 2), vec({0, 0}), 4.0 * Matrix::Identity(2, 2)),
      std::sqrt(8.0), 1e-12);
  EXPECT_NEAR(diagonal_gaussian_w2(vec({1}), vec({0}), vec({0}), vec({4})), std::sqrt(5.0), 1e-14);
}

// 1/2 int |p - q| over R^2 by the midpoint rule (h = 0.01 on [-9, 9]^2, tails < 1e-12).
double tv_by_quadrature(const Vector& m0, const Matrix& S0, const Vector& m1, const Matrix& S1,
                        double h) {
  const Matrix P0 = S0.inverse(), P1 = S1.inverse();
  const double c0 = 1.0 / (2 * std::numbers::pi * std::sqrt(S0.determinant()));
  const double c1 = 1.0 / (2 * std::numbers::pi * std::sqrt(S1.determinant()));
  const double L = 9.0;
  const int steps = static_cast<int>(std::lround(2 * L / h));
  double sum = 0;
  for (int i = 0; i < steps; ++i) {
    const double x = -L + (i + 0.5) * h;
    for (int j = 0; j < steps; ++j) {
      const double y = -L + (j + 0.5) * h;
      const double u0 = x - m0(0), v0 = y - m0(1), u1 = x - m1(0), v1 = y - m1(1);
      const double q0 = P0(0, 0) * u0 * u0 + 2 * P0(0, 1) * u0 * v0 + P0(1, 1) * v0 * v0;
      const double q1 = P1(0, 0) * u1 * u1 + 2 * P1(0, 1) * u1 * v1 + P1(1, 1) * v1 * v1;
      sum += std::abs(c0 * std::exp(-0.5 * q0) - c1 * std::exp(-0.5 * q1));
    }
  }
  return 0.5 * sum * h * h;
}

TEST(GaussianDistances, MonteCarloTvCoversQuadratureIn2D) {
  const Vector m0 = vec({0, 0}), m1 = vec({0.5, -0.2});
  const Matrix S0 = mat2(1, 0.3, 0.3, 0.8), S1 = mat2(1.5, -0.2, -0.2, 0.6);
  const double truth = tv_by_quadrature(m0, S0, m1, S1, 0.01);
  // The quadrature itself is converged far below the Monte Carlo error.
  ASSERT_NEAR(truth, tv_by_quadrature(m0, S0, m1, S1, 0.02), 2e-5);
  GaussianTvOptions opt;
  opt.samples = 100000;
  opt.seed = 7;
  const GaussianTv tv = gaussian_tv(m0, S0, m1, S1, opt);
  EXPECT_FALSE(tv.tv.is_exact());
  EXPECT_EQ(tv.tv.n_p, 100000);
  EXPECT_LE(tv.tv.ci_lo, truth);
  EXPECT_GE(tv.tv.ci_hi, truth);
  EXPECT_LT(tv.tv.ci_hi - tv.tv.ci_lo, 0.01);  // the interval is informative
  EXPECT_LE(tv.bounds.lower(), truth);
  EXPECT_GE(tv.bounds.upper(), truth);
}

// N(0, diag(1, 1)) vs N(0, diag(1, 2)): the first coordinate is shared, so TV equals the 1-D TV
// of N(0, 1) vs N(0, 2) (docs/theory.md 5.4 two-root formula), a truth for the d > 1 MC path.
TEST(GaussianDistances, MonteCarloTvOfProductLawMatchesOneDimensionalFormula) {
  const double truth = gaussian_tv_1d(0, 1, 0, std::sqrt(2.0));
  GaussianTvOptions opt;
  opt.samples = 50000;
  opt.seed = 3;
  const GaussianTv full =
      gaussian_tv(vec({0, 0}), Matrix::Identity(2, 2), vec({0, 0}), mat2(1, 0, 0, 2), opt);
  const GaussianTv diag =
      diagonal_gaussian_tv(vec({0, 0}), vec({1, 1}), vec({0, 0}), vec({1, 2}), opt);
  for (const GaussianTv* tv : {&full, &diag}) {
    const double se = (tv->tv.ci_hi - tv->tv.ci_lo) / (2 * kNormalQuantile975);
    EXPECT_NEAR(tv->tv.value, truth, 4.5 * se);
  }
  // Same draws, same arithmetic up to rounding: the two paths agree closely.
  EXPECT_NEAR(full.tv.value, diag.tv.value, 1e-10);
}

TEST(GaussianDistances, MonteCarloTvIsDeterministicForAnyThreadCount) {
  ThreadGuard guard;
  const Vector m0 = vec({0, 0}), m1 = vec({0.5, -0.2});
  const Matrix S0 = mat2(1, 0.3, 0.3, 0.8), S1 = mat2(1.5, -0.2, -0.2, 0.6);
  GaussianTvOptions opt;
  opt.samples = 3000;
  opt.seed = 11;
  set_threads(1);
  const double one = gaussian_tv(m0, S0, m1, S1, opt).tv.value;
  set_threads(2);
  const double two = gaussian_tv(m0, S0, m1, S1, opt).tv.value;
  EXPECT_EQ(one, two);
  opt.seed = 12;
  EXPECT_NE(gaussian_tv(m0, S0, m1, S1, opt).tv.value, one);
}

TEST(GaussianDistances, EstimateSerialisesToJson) {
  const GaussianTv tv = gaussian_tv(vec({0}), scalar(1), vec({1}), scalar(1));
  const auto j = tv.to_json();
  EXPECT_EQ(j["tv"]["method"], "gaussian_tv_1d_exact");
  EXPECT_DOUBLE_EQ(j["tv"]["value"].get<double>(), tv.tv.value);
  EXPECT_DOUBLE_EQ(j["bounds"]["pinsker"].get<double>(), std::sqrt(0.25));
}

TEST(GaussianDistances, BadInputIsAClearError) {
  const Vector m1 = vec({0}), m2 = vec({0, 0});
  const Matrix I1 = scalar(1), I2 = Matrix::Identity(2, 2);
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([&] { gaussian_kl(m1, I1, m2, I2); }).find("dimension mismatch"),
            std::string::npos);
  EXPECT_NE(message([&] { gaussian_w2(m2, I1, m2, I2); }).find("S0 is 1 x 1"), std::string::npos);
  EXPECT_NE(message([&] { gaussian_kl(vec({NAN}), I1, m1, I1); }).find("m0 entry 0 is not finite"),
            std::string::npos);
  const Matrix indefinite = mat2(1, 2, 2, 1);
  EXPECT_NE(
      message([&] { gaussian_kl(m2, I2, m2, indefinite); }).find("S1 is not positive definite"),
      std::string::npos);
  EXPECT_NE(
      message([&] { gaussian_w2(m2, indefinite, m2, I2); }).find("not positive semi-definite"),
      std::string::npos);
  EXPECT_NE(message([&] { gaussian_tv(m2, mat2(1, 0.5, 0, 1), m2, I2); }).find("not symmetric"),
            std::string::npos);
  EXPECT_NE(message([&] {
              gaussian_bhattacharyya(Vector(), Matrix(), Vector(), Matrix());
            }).find("m0 is empty"),
            std::string::npos);
  EXPECT_THROW(gaussian_tv_1d(0, 0, 0, 1), Error);
  EXPECT_THROW(diagonal_gaussian_kl(m2, vec({1, -1}), m2, vec({1, 1})), Error);
  EXPECT_THROW(diagonal_gaussian_w2(m2, vec({1}), m2, vec({1, 1})), Error);
  GaussianTvOptions bad;
  bad.samples = 1;
  EXPECT_THROW(gaussian_tv(m2, I2, m2, 2 * I2, bad), Error);
}

}  // namespace
}  // namespace difflab
