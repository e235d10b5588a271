// GaussianMeanScore against analytic truth: s_theta(t, x) = -x + alpha(t) theta is the exact
// score of N(theta, I) under any VP process (q_t = N(alpha theta, I)), so it must equal
// ExactScore of that target, and for OU alpha = e^{-t} (Bruno et al. §3.1, docs/theory.md 4.3).
#include "difflab/score/gaussian_mean_score.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "core/expect_error.hpp"
#include "difflab/core/error.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

Matrix some_points(Index d, Index n) {
  Matrix X(d, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < d; ++i) X(i, j) = std::cos(0.9 * static_cast<double>(j) - 1.1 * i) * 3.0;
  return X;
}

TEST(GaussianMeanScore, EqualsExactScoreOfUnitGaussianAtTheta) {
  Vector theta(2);
  theta << -1.23486883, -0.89244735;  // the mean of Bruno et al.'s demo (docs/theory.md 4.3)
  auto target = std::make_shared<GaussianTarget>(theta, Matrix::Identity(2, 2));
  const Matrix X = some_points(2, 8);
  for (const char* name : {"ou", "vp-linear", "vp-cosine"}) {
    std::shared_ptr<const ForwardProcess> process = make_process(std::string(name));
    GaussianMeanScore model(theta, process);
    ExactScore exact(target, process);
    for (double t : {0.0, 1e-4, 0.3, 0.9}) {
      const Matrix diff = model.score(t, X) - exact.score(t, X);
      EXPECT_LT(diff.cwiseAbs().maxCoeff(), 1e-12) << name << " t=" << t;
    }
  }
}

TEST(GaussianMeanScore, IsMinusXPlusExpMinusTThetaForOu) {
  Vector theta(3);
  theta << 0.5, 2.0, -1.0;
  GaussianMeanScore model(theta, std::make_shared<OrnsteinUhlenbeck>());
  const Matrix X = some_points(3, 4);
  for (double t : {0.0, 0.5, 2.0}) {
    const Matrix expected = (-X).colwise() + std::exp(-t) * theta;
    EXPECT_LT((model.score(t, X) - expected).cwiseAbs().maxCoeff(), 1e-15);
  }
}

TEST(GaussianMeanScore, SetThetaChangesTheModel) {
  GaussianMeanScore model(Vector::Zero(2), std::make_shared<OrnsteinUhlenbeck>());
  const Matrix X = some_points(2, 3);
  EXPECT_LT((model.score(1.0, X) + X).cwiseAbs().maxCoeff(), 1e-15);
  model.set_theta(Vector::Ones(2));
  const Matrix expected = (-X).array() + std::exp(-1.0);
  EXPECT_LT((model.score(1.0, X) - expected).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_EQ(model.theta(), Vector::Ones(2));
}

TEST(GaussianMeanScore, CountsParticleEvaluations) {
  GaussianMeanScore model(Vector::Ones(2), std::make_shared<OrnsteinUhlenbeck>());
  model.score(0.1, some_points(2, 5));
  model.score(0.2, some_points(2, 1));
  EXPECT_EQ(model.evaluations(), 6u);
}

TEST(GaussianMeanScore, ToJson) {
  Vector theta(2);
  theta << 1.5, -2.0;
  GaussianMeanScore model(theta, std::make_shared<OrnsteinUhlenbeck>());
  EXPECT_EQ(model.to_json(), (nlohmann::json{{"type", "gaussian-mean"}, {"theta", {1.5, -2.0}}}));
}

TEST(GaussianMeanScore, RejectsBadInput) {
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  expect_error([&] { GaussianMeanScore(Vector(), process); }, "theta is empty");
  Vector bad(2);
  bad << 1.0, NAN;
  expect_error([&] { GaussianMeanScore(bad, process); }, "non-finite");
  expect_error([&] { GaussianMeanScore(Vector::Ones(2), nullptr); }, "no forward process");
  GaussianMeanScore model(Vector::Ones(2), process);
  expect_error([&] { model.set_theta(Vector::Ones(3)); }, "new theta has dimension 3");
  expect_error([&] { model.score(0.5, some_points(3, 2)); },
               "points have dimension 3 but theta has dimension 2");
}

}  // namespace
}  // namespace difflab
