// Tests of PerturbedScore against analytic truth: the perturbation is exactly eps_sc u or
// eps_sc B (x - m_t) / sqrt(tr(B C_t B^T)) (normalisation recomputed here from the target's
// moments), and its L2(q_t) size, estimated by Monte Carlo, is eps_sc.
#include "difflab/score/perturbed_score.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "core/expect_error.hpp"
#include "difflab/core/error.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

// A non-diagonal 3-d Gaussian N(mu, Sigma).
std::shared_ptr<const GaussianTarget> gaussian3() {
  Vector mu(3);
  mu << 0.5, -1.0, 2.0;
  Matrix cov(3, 3);
  cov << 1.0, 0.3, -0.2,  //
      0.3, 0.8, 0.1,      //
      -0.2, 0.1, 0.5;
  return std::make_shared<GaussianTarget>(mu, cov);
}

// A 2-d two-component mixture, one full and one diagonal covariance.
std::shared_ptr<const GaussianMixtureTarget> mixture2() {
  GaussianMixtureTarget::Component a, b;
  a.mean = Vector(2);
  a.mean << -2.0, 1.0;
  a.cov = Matrix(2, 2);
  a.cov << 0.5, 0.2, 0.2, 0.4;
  a.diagonal = false;
  b.mean = Vector(2);
  b.mean << 3.0, 0.5;
  b.variances = Vector(2);
  b.variances << 0.3, 1.2;
  b.diagonal = true;
  return std::make_shared<GaussianMixtureTarget>(
      std::vector<double>{0.3, 0.7}, std::vector<GaussianMixtureTarget::Component>{a, b});
}

Matrix perturbed_some_points(Index d, Index n) {
  Matrix X(d, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < d; ++i) X(i, j) = std::sin(1.3 * static_cast<double>(j) + 0.7 * i) * 2.0;
  return X;
}

TEST(PerturbedScore, ConstantDirectionIsExactlyEpsTimesUnitDirection) {
  auto target = mixture2();
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  Vector dir(2);
  dir << 3.0, -4.0;  // norm 5
  const double eps = 0.25;
  auto s = std::make_unique<PerturbedScore>(target, process, eps, dir);
  EXPECT_NEAR(s->direction().norm(), 1.0, 1e-15);
  const Matrix X = perturbed_some_points(2, 9);
  for (double t : {0.0, 0.05, 0.7, 4.0}) {
    const Matrix diff = s->score(t, X) - target->score_qt(*process, t, X);
    for (Index j = 0; j < X.cols(); ++j) {
      EXPECT_NEAR(diff(0, j), eps * 0.6, 1e-12);
      EXPECT_NEAR(diff(1, j), -eps * 0.8, 1e-12);
    }
  }
}

TEST(PerturbedScore, ConstantDirectionRealisedErrorIsEpsExactly) {
  // ||s - grad log q_t|| = eps at every x, so the MC estimate has zero spread.
  auto target = mixture2();
  auto process = std::make_shared<LinearVP>();
  const double eps = 0.4;
  auto s = std::make_unique<PerturbedScore>(target, process, eps, 11);
  for (double t : {0.0, 0.01, 0.3, 1.0}) {
    const ScoreErrorEstimate e = s->realised_l2_error(t, 500, 3);
    EXPECT_NEAR(e.rms, eps, 1e-12) << "t=" << t;
    EXPECT_LE(e.standard_error, 1e-12);
    EXPECT_LE(e.rms_ci_low, eps + 1e-12);
    EXPECT_GE(e.rms_ci_high, eps - 1e-12);
  }
}

TEST(PerturbedScore, RandomDirectionIsAUnitVectorFixedBySeed) {
  auto target = gaussian3();
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  auto a = std::make_unique<PerturbedScore>(target, process, 0.1, 5);
  auto b = std::make_unique<PerturbedScore>(target, process, 0.1, 5);
  auto c = std::make_unique<PerturbedScore>(target, process, 0.1, 6);
  EXPECT_NEAR(a->direction().norm(), 1.0, 1e-15);
  EXPECT_EQ(a->direction(), b->direction());
  EXPECT_GT((a->direction() - c->direction()).norm(), 1e-3);
  // It is the normalised N(0, I) draw of stream (seed, kPerturbation, 0, 0).
  Vector z(3);
  CounterRng(5).stream(RngUse::kPerturbation, 0, 0).fill_normal(z.data(), 3);
  EXPECT_LT((a->direction() - z.normalized()).norm(), 1e-15);
}

// Linear map on a Gaussian target: the perturbation is eps B (x - m_t) / sqrt(tr(B C_t B^T))
// with m_t = alpha mu and C_t = alpha^2 Sigma + sigma^2 I computed here.
TEST(PerturbedScore, LinearMapMatchesItsFormulaOnAGaussianTarget) {
  auto target = gaussian3();
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  Matrix B(3, 3);
  B << 1.0, -0.5, 0.0,  //
      0.2, 0.3, 1.0,    //
      0.0, 0.7, -0.4;
  const double eps = 0.3;
  auto s = PerturbedScore::linear_map(target, process, eps, B);
  const Matrix X = perturbed_some_points(3, 6);
  for (double t : {0.0, 0.2, 1.5}) {
    const double a = std::exp(-t), s2 = 1.0 - std::exp(-2.0 * t);
    const Matrix Ct = a * a * target->covariance() + s2 * Matrix::Identity(3, 3);
    const double norm = std::sqrt((B * Ct * B.transpose()).trace());
    const Matrix expected = eps * B * (X.colwise() - a * target->mean()) / norm;
    const Matrix diff = s->score(t, X) - target->score_qt(*process, t, X);
    EXPECT_LT((diff - expected).cwiseAbs().maxCoeff(), 1e-12) << "t=" << t;
  }
}

// The Monte Carlo size of the linear-map perturbation is eps within 5 standard errors (a 95% CI
// would fail for 1 seed in 20; 5 SE makes a false failure negligible), at several t, for the
// Gaussian and the mixture target (whose covariance is the law-of-total-covariance one).
TEST(PerturbedScore, LinearMapRealisedErrorMatchesEps) {
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  const double eps = 0.5;
  std::vector<std::shared_ptr<const Target>> targets{gaussian3(), mixture2()};
  for (const auto& target : targets) {
    auto s = PerturbedScore::random_linear_map(target, process, eps, 21);
    for (double t : {0.0, 0.1, 0.8, 3.0}) {
      const ScoreErrorEstimate e = s->realised_l2_error(t, 20000, 17);
      EXPECT_GT(e.standard_error, 0.0);
      EXPECT_NEAR(e.mean_squared, eps * eps, 5.0 * e.standard_error)
          << target->type() << " t=" << t;
      EXPECT_LE(e.rms_ci_low, e.rms);
      EXPECT_GE(e.rms_ci_high, e.rms);
      EXPECT_NEAR(e.rms * e.rms, e.mean_squared, 1e-12);
    }
  }
}

TEST(PerturbedScore, CountsParticleEvaluations) {
  auto s =
      std::make_unique<PerturbedScore>(gaussian3(), std::make_shared<OrnsteinUhlenbeck>(), 0.1, 1);
  EXPECT_EQ(s->evaluations(), 0u);
  s->score(0.5, perturbed_some_points(3, 7));
  s->score(0.1, perturbed_some_points(3, 4));
  EXPECT_EQ(s->evaluations(), 11u);
  s->reset_evaluations();
  EXPECT_EQ(s->evaluations(), 0u);
}

TEST(PerturbedScore, ZeroEpsIsTheExactScore) {
  auto target = gaussian3();
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  auto s = PerturbedScore::random_linear_map(target, process, 0.0, 2);
  const Matrix X = perturbed_some_points(3, 5);
  EXPECT_LT((s->score(0.4, X) - target->score_qt(*process, 0.4, X)).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(PerturbedScore, ToJsonNamesThePerturbation) {
  Vector dir(3);
  dir << 0.0, 2.0, 0.0;
  auto s = std::make_unique<PerturbedScore>(gaussian3(), std::make_shared<OrnsteinUhlenbeck>(), 0.2,
                                            dir);
  const nlohmann::json j = s->to_json();
  EXPECT_EQ(j.at("type"), "perturbed");
  EXPECT_EQ(j.at("perturbation"), "constant-direction");
  EXPECT_DOUBLE_EQ(j.at("eps_sc").get<double>(), 0.2);
  EXPECT_EQ(j.at("direction"), (nlohmann::json{0.0, 1.0, 0.0}));
  auto l = PerturbedScore::linear_map(gaussian3(), std::make_shared<OrnsteinUhlenbeck>(), 0.2,
                                      Matrix::Identity(3, 3));
  EXPECT_EQ(l->to_json().at("perturbation"), "linear-map");
  EXPECT_EQ(l->to_json().at("matrix").size(), 3u);
}

// Expects a difflab::Error whose message contains `part`.

TEST(PerturbedScore, RejectsBadInput) {
  auto target = gaussian3();
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  const Vector unit = Vector::Unit(3, 0);
  expect_error([&] { PerturbedScore(target, process, -0.1, unit); }, "eps_sc");
  expect_error([&] { PerturbedScore(target, process, NAN, unit); }, "eps_sc");
  expect_error([&] { PerturbedScore(target, process, 0.1, Vector::Ones(2)); },
               "direction has dimension 2");
  expect_error([&] { PerturbedScore(target, process, 0.1, Vector::Zero(3)); }, "zero vector");
  expect_error([&] { PerturbedScore::linear_map(target, process, 0.1, Matrix::Identity(2, 3)); },
               "linear map is 2 x 3");
  expect_error([&] { PerturbedScore::linear_map(target, process, 0.1, Matrix::Zero(3, 3)); },
               "zero matrix");
  expect_error([&] { PerturbedScore(nullptr, process, 0.1, unit); }, "no target");
  expect_error([&] { PerturbedScore(target, nullptr, 0.1, unit); }, "no forward process");
  auto s = std::make_unique<PerturbedScore>(target, process, 0.1, unit);
  expect_error([&] { s->score(0.5, perturbed_some_points(2, 3)); }, "dimension");
}

}  // namespace
}  // namespace difflab
