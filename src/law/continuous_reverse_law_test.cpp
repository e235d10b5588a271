#include "difflab/law/continuous_reverse_law.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {
namespace {

// docs/theory.md 5.6: target N(1, 2), T = 3, no early stop: mean 0.9950547537,
// variance 1.9999755445.
TEST(ContinuousReverseLaw, TestVectorOneDimension) {
  const GaussianTarget target =
      GaussianTarget::diagonal(Vector::Constant(1, 1.0), Vector::Constant(1, 2.0));
  const GaussianLaw law = continuous_reverse_sde_law(target, 3.0, 0.0);
  EXPECT_NEAR(law.mean(0), 0.9950547537, 1e-9);
  EXPECT_NEAR(law.cov(0, 0), 1.9999755445, 1e-9);
}

// delta = 0 reduces to Var = lambda + (1 - lambda) lambda^2 / (e^{2T} + lambda - 1)^2 and
// Mean = mu (1 - lambda / (e^{2T} + lambda - 1)) (docs/theory.md 5.3).
TEST(ContinuousReverseLaw, NoEarlyStopClosedForm) {
  const double l = 0.3, mu = -1.7, T = 1.3;
  const GaussianTarget target =
      GaussianTarget::diagonal(Vector::Constant(1, mu), Vector::Constant(1, l));
  const GaussianLaw law = continuous_reverse_sde_law(target, T, 0.0);
  const double D = std::exp(2 * T) + l - 1;
  EXPECT_NEAR(law.cov(0, 0), l + (1 - l) * l * l / (D * D), 1e-13);
  EXPECT_NEAR(law.mean(0), mu * (1 - l / D), 1e-13);
}

// Started from q_T the reverse SDE would be exact; from N(0, I) with T -> infinity the law tends
// to q_delta = N(e^{-delta} mu, e^{-2 delta} Sigma + 1 - e^{-2 delta}) in every eigen-coordinate,
// also for a full covariance (rotation by the eigenvectors).
TEST(ContinuousReverseLaw, LargeHorizonGivesEarlyStoppedTarget) {
  Matrix cov(2, 2);
  cov << 2.0, 0.6, 0.6, 0.5;
  Vector mu(2);
  mu << 0.4, -1.0;
  const GaussianTarget target(mu, cov);
  const double delta = 0.05;
  const GaussianLaw law = continuous_reverse_sde_law(target, 30.0, delta);
  const Matrix expected_cov =
      std::exp(-2 * delta) * cov + (1 - std::exp(-2 * delta)) * Matrix::Identity(2, 2);
  EXPECT_LT((law.cov - expected_cov).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((law.mean - std::exp(-delta) * mu).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(ContinuousReverseLaw, RejectsBadTimes) {
  const GaussianTarget target = GaussianTarget::diagonal(Vector::Zero(1), Vector::Ones(1));
  EXPECT_THROW(continuous_reverse_sde_law(target, 1.0, 1.0), Error);
  EXPECT_THROW(continuous_reverse_sde_law(target, 1.0, -0.1), Error);
}

}  // namespace
}  // namespace difflab
