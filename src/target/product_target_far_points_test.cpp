// Product targets at finite points beyond ~1e154, where (x - m)^2 overflows: the Gaussian and
// mixture factors' scores follow their closed forms, and a quantity double precision cannot
// hold (log q below -DBL_MAX, a quadrature far outside its range) is refused with an error
// instead of a NaN.
#include <gtest/gtest.h>

#include <cmath>

#include "core/expect_error.hpp"
#include "difflab/target/product_target.hpp"

namespace difflab {
namespace {

// alpha = 0.8, sigma^2 = 0.36 (OU at t = log 1.25).
constexpr double kFarAlpha = 0.8, kFarSigma2 = 0.36;

std::shared_ptr<Target> far_product(const nlohmann::json& factor) {
  return make_target({{"type", "product"}, {"factors", {factor}}}, "far");
}

TEST(ProductTargetFarPoints, GaussianFactorScoreIsTheClosedFormBeyondTheSquareRange) {
  const auto target = far_product({{"type", "gaussian"}, {"mean", 0.5}, {"std", 2.0}});
  const double c = kFarAlpha * kFarAlpha * 4.0 + kFarSigma2;  // variance of q_t
  for (const double x : {1e160, -3e200, 1e300}) {
    Matrix X(1, 1);
    X(0, 0) = x;
    Matrix score(1, 1);
    target->noised_score(kFarAlpha, kFarSigma2, X, score);
    const double exact = -(x - kFarAlpha * 0.5) / c;
    EXPECT_NEAR(score(0, 0) / exact, 1.0, 1e-15) << x;
  }
}

TEST(ProductTargetFarPoints, MixtureFactorScoreFollowsTheWidestComponent) {
  // Far out, the component of largest variance c_k = alpha^2 s_k^2 + sigma^2 dominates: the
  // others' weights carry an extra factor exp(-x^2 (1/c_i - 1/c_k) / 2) = 0 in double.
  const auto target = far_product(
      {{"type", "mixture"}, {"weights", {0.7, 0.3}}, {"means", {-1.0, 2.0}}, {"stds", {0.5, 1.5}}});
  const double c_wide = kFarAlpha * kFarAlpha * 2.25 + kFarSigma2;
  for (const double x : {2e154, -1e180, 1e250}) {
    Matrix X(1, 1);
    X(0, 0) = x;
    Matrix score(1, 1);
    target->noised_score(kFarAlpha, kFarSigma2, X, score);
    EXPECT_NEAR(score(0, 0) / (-(x - kFarAlpha * 2.0) / c_wide), 1.0, 1e-15) << x;
  }
  // Equal widths: the weights depend on x linearly in the exponent, (m_k - m_i) x / c, and the
  // component whose mean lies towards x wins; the score is still -(x - alpha m_k) / c.
  const auto equal = far_product(
      {{"type", "mixture"}, {"weights", {0.5, 0.5}}, {"means", {-1.0, 1.0}}, {"stds", {1.0, 1.0}}});
  const double c = kFarAlpha * kFarAlpha + kFarSigma2;
  Matrix X(1, 2);
  X << 1e200, -1e200;
  Matrix score(1, 2);
  equal->noised_score(kFarAlpha, kFarSigma2, X, score);
  EXPECT_NEAR(score(0, 0) / (-(1e200 - kFarAlpha) / c), 1.0, 1e-15);
  EXPECT_NEAR(score(0, 1) / (-(-1e200 + kFarAlpha) / c), 1.0, 1e-15);
}

TEST(ProductTargetFarPoints, MixtureLogDensityIsContinuousAcrossTheFarPointSwitch) {
  // The far-point formula is exact algebra on the same quantities: on both sides of the switch
  // (|x - alpha m| = 1e150) log q agrees with -(x - alpha m_k)^2 / (2 c_k) to rounding.
  const auto target = far_product(
      {{"type", "mixture"}, {"weights", {0.7, 0.3}}, {"means", {-1.0, 2.0}}, {"stds", {0.5, 1.5}}});
  const double c_wide = kFarAlpha * kFarAlpha * 2.25 + kFarSigma2;
  for (const double x : {0.99e150, 1.01e150}) {
    Matrix X(1, 1);
    X(0, 0) = x;
    Vector lq(1);
    target->noised_log_density(kFarAlpha, kFarSigma2, X, lq);
    const double d = x - kFarAlpha * 2.0;
    EXPECT_NEAR(lq(0) / (-0.5 * d * d / c_wide), 1.0, 1e-14) << x;
  }
}

TEST(ProductTargetFarPoints, UnrepresentableValuesAreRefusedNotNaN) {
  const auto gaussian = far_product({{"type", "gaussian"}, {"mean", 0.0}, {"std", 1.0}});
  Matrix X(1, 1);
  X(0, 0) = 1e160;  // log q = -(1e160)^2 / 2 is below -DBL_MAX
  Vector lq(1);
  expect_error([&] { gaussian->noised_log_density(kFarAlpha, kFarSigma2, X, lq); },
               "product target: the log density at point 1 is not representable");
  // The logistic factor's quadrature has no far-tail form: refused, not NaN.
  const auto logistic = far_product({{"type", "logistic"}, {"loc", 0.0}, {"scale", 1.0}});
  X(0, 0) = 1e100;
  Matrix score(1, 1);
  try {
    logistic->noised_score(kFarAlpha, kFarSigma2, X, score);
    EXPECT_TRUE(std::isfinite(score(0, 0))) << "a NaN score with no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not representable"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace difflab
