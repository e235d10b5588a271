// l2_score_error against closed forms of E_{q_t} ||s - grad log q_t||^2.
#include "difflab/score/score_error.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/score/gaussian_mean_score.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

// Target N(mu, I), model -x + alpha theta: s - grad log q_t = alpha (theta - mu) at every x,
// so the error is alpha^2 ||theta - mu||^2 exactly and the estimate has no spread.
TEST(L2ScoreError, ConstantErrorOfAWrongMeanIsExact) {
  Vector mu(2), theta(2);
  mu << 1.0, -2.0;
  theta << 0.0, 0.5;
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  GaussianTarget target(mu, Matrix::Identity(2, 2));
  GaussianMeanScore model(theta, process);
  for (double t : {0.0, 0.4, 2.0}) {
    const ScoreErrorEstimate e = l2_score_error(model, target, t, 300, 9);
    const double expected = std::exp(-2.0 * t) * (theta - mu).squaredNorm();
    EXPECT_NEAR(e.mean_squared, expected, 1e-12 * (1 + expected));
    EXPECT_NEAR(e.rms, std::sqrt(expected), 1e-12);
    EXPECT_LE(e.standard_error, 1e-12);
    EXPECT_EQ(e.samples, 300);
  }
}

// Target N(0, c I) in d dimensions, model -x (theta = 0): q_t = N(0, v I) with
// v = alpha^2 c + sigma^2, so s - grad log q_t = -x (1 - 1/v) and
// E||.||^2 = (1 - 1/v)^2 E||X||^2 = d v (1 - 1/v)^2 = d (v - 1)^2 / v.
TEST(L2ScoreError, MatchesClosedFormForAScaledGaussian) {
  const Index d = 3;
  const double c = 2.5;
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  GaussianTarget target(Vector::Zero(d), c * Matrix::Identity(d, d));
  GaussianMeanScore model(Vector::Zero(d), process);
  for (double t : {0.0, 0.3, 1.0}) {
    const double a = std::exp(-t);
    const double v = a * a * c + (1 - a * a);
    const double expected = static_cast<double>(d) * (v - 1) * (v - 1) / v;
    const ScoreErrorEstimate e = l2_score_error(model, target, t, 20000, 4);
    EXPECT_NEAR(e.mean_squared, expected, 5.0 * e.standard_error) << "t=" << t;
    // The 95% CI is mean -/+ 1.96 SE, and the rms CI its square root.
    EXPECT_NEAR(e.squared_ci_high - e.mean_squared, 1.959963984540054 * e.standard_error, 1e-12);
    EXPECT_NEAR(e.rms_ci_high, std::sqrt(e.squared_ci_high), 1e-15);
  }
}

TEST(L2ScoreError, ExactScoreHasZeroError) {
  auto process = std::make_shared<LinearVP>();
  auto target = std::make_shared<GaussianTarget>(Vector::Ones(2), 0.5 * Matrix::Identity(2, 2));
  ExactScore exact(target, process);
  const ScoreErrorEstimate e = l2_score_error(exact, *target, 0.3, 100, 1);
  EXPECT_EQ(e.mean_squared, 0.0);
  EXPECT_EQ(exact.evaluations(), 100u);
}

TEST(L2ScoreError, SameForAnyThreadCount) {
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  GaussianTarget target(Vector::Zero(2), 3.0 * Matrix::Identity(2, 2));
  GaussianMeanScore model(Vector::Ones(2), process);
  const int before = thread_count();
  set_threads(1);
  const ScoreErrorEstimate one = l2_score_error(model, target, 0.5, 1000, 8);
  set_threads(2);
  const ScoreErrorEstimate two = l2_score_error(model, target, 0.5, 1000, 8);
  set_threads(before);
  EXPECT_EQ(one.mean_squared, two.mean_squared);
  EXPECT_EQ(one.standard_error, two.standard_error);
}

TEST(L2ScoreError, RejectsBadInput) {
  auto process = std::make_shared<LinearVP>();
  GaussianTarget target(Vector::Zero(2), Matrix::Identity(2, 2));
  GaussianMeanScore model(Vector::Zero(3), process);
  GaussianMeanScore model2(Vector::Zero(2), process);
  EXPECT_THROW(l2_score_error(model, target, 0.5, 10, 1), Error);   // dimension
  EXPECT_THROW(l2_score_error(model2, target, 0.5, 1, 1), Error);   // n < 2
  EXPECT_THROW(l2_score_error(model2, target, 2.0, 10, 1), Error);  // t > t_max = 1
  EXPECT_THROW(l2_score_error(model2, target, -0.1, 10, 1), Error);
}

}  // namespace
}  // namespace difflab
