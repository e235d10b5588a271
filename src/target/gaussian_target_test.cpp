// Gaussian target against the closed forms of docs/theory.md 5.1: q_t = N(alpha mu, alpha^2 Sigma +
// sigma^2 I), its log-density and score, KL(N(mu, Sigma) || N(0, I)), the second moment, and
// Monte Carlo moments of exact samples pushed through the forward process.
#include "difflab/target/gaussian_target.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "difflab/core/error.hpp"
#include "difflab/process/forward_process.hpp"
#include "score_finite_difference_check.hpp"

namespace difflab {
namespace {

Matrix full_cov() {
  Matrix S(3, 3);
  S << 2.0, 0.5, -0.3, 0.5, 1.0, 0.2, -0.3, 0.2, 0.6;
  return S;
}
Vector mean3() {
  Vector m(3);
  m << 1.0, -2.0, 0.5;
  return m;
}

// log N(x; m, C) written out with a Cholesky factor: -(d log 2 pi + log det C + r^T C^{-1} r)/2.
double log_normal(const Vector& x, const Vector& m, const Matrix& C) {
  const Eigen::LLT<Matrix> llt(C);
  const Vector r = x - m;
  const double logdet = 2 * llt.matrixL().toDenseMatrix().diagonal().array().log().sum();
  return -0.5 * (static_cast<double>(x.size()) * std::log(2 * std::numbers::pi) + logdet +
                 r.dot(llt.solve(r)));
}

TEST(GaussianTarget, NoisedLogDensityAndScoreMatchTheClosedForm) {
  const GaussianTarget full(mean3(), full_cov());
  Vector var(3);
  var << 0.3, 1.7, 4.0;
  const GaussianTarget diag = GaussianTarget::diagonal(mean3(), var);
  const GaussianTarget iso = GaussianTarget::diagonal(mean3(), Vector::Constant(3, 0.8));
  const CounterRng rng(1);
  const Matrix X = 1.5 * full.sample(6, rng);
  for (const GaussianTarget* g : {&full, &diag, &iso}) {
    for (const auto& [alpha, sigma2] : {std::pair{1.0, 0.0}, {0.9, 0.19}, {0.05, 0.9975}}) {
      const Matrix C = alpha * alpha * g->covariance() + sigma2 * Matrix::Identity(3, 3);
      Vector lq(X.cols());
      Matrix S(3, X.cols());
      g->noised_log_density(alpha, sigma2, X, lq);
      g->noised_score(alpha, sigma2, X, S);
      for (Index j = 0; j < X.cols(); ++j) {
        const double expected = log_normal(X.col(j), alpha * g->mean(), C);
        EXPECT_NEAR(lq(j), expected, 1e-12 * (1 + std::abs(expected)));
        const Vector s = -C.ldlt().solve(X.col(j) - alpha * g->mean());
        EXPECT_LT((S.col(j) - s).norm(), 1e-12 * (1 + s.norm()));
      }
    }
  }
}

TEST(GaussianTarget, SummaryMatchesHandComputedValues) {
  Matrix S(2, 2);
  S << 2.0, 0.5, 0.5, 1.0;
  Vector m(2);
  m << 1.0, -2.0;
  const TargetSummary s = GaussianTarget(m, S).summary();
  // m2 = ||mu||^2 + tr Sigma = 5 + 3.
  EXPECT_NEAR(s.second_moment, 8.0, 1e-14);
  // KL = (tr Sigma + ||mu||^2 - d - log det Sigma)/2 = (3 + 5 - 2 - log 1.75)/2.
  ASSERT_TRUE(s.kl_to_standard_normal.has_value());
  EXPECT_NEAR(*s.kl_to_standard_normal, 0.5 * (6 - std::log(1.75)), 1e-14);
  // Eigenvalues (3 -+ sqrt 2)/2: Lipschitz max(1, 1/lambda_min), concavity 1/lambda_max.
  const double lmin = (3 - std::sqrt(2.0)) / 2, lmax = (3 + std::sqrt(2.0)) / 2;
  EXPECT_NEAR(*s.score_lipschitz, 1 / lmin, 1e-13);
  EXPECT_NEAR(*s.strong_log_concavity, 1 / lmax, 1e-13);
  // A covariance above the identity: the Lipschitz constant is 1 (reached as t -> infinity).
  EXPECT_DOUBLE_EQ(*GaussianTarget::diagonal(m, Vector::Constant(2, 3.0)).summary().score_lipschitz,
                   1.0);
}

TEST(GaussianTarget, ScoreMatchesFiniteDifferencesUnderOuAndVp) {
  const GaussianTarget full(mean3(), full_cov());
  const GaussianTarget diag = GaussianTarget::diagonal(mean3(), full_cov().diagonal());
  const OrnsteinUhlenbeck ou;
  const LinearVP vp;
  for (const GaussianTarget* g : {&full, &diag}) {
    for (double t : {1e-4, 0.1, 1.0, 5.0})
      expect_score_matches_finite_differences(*g, ou, t, 1e-3 * std::min(1.0, ou.sigma(t) + 0.5),
                                              10);
    for (double t : {1e-4, 0.1, 0.6, 1.0})
      expect_score_matches_finite_differences(*g, vp, t, 1e-3 * std::min(1.0, vp.sigma(t) + 0.5),
                                              10);
  }
}

// Exact samples through sample_marginal: mean alpha mu and covariance alpha^2 Sigma + sigma^2 I
// within 5 standard errors (from the sample's fourth moments).
TEST(GaussianTarget, MarginalSamplesHaveTheMomentsOfQt) {
  const GaussianTarget g(mean3(), full_cov());
  const OrnsteinUhlenbeck ou;
  const LinearVP vp;
  const CounterRng rng(8);
  const Index n = 20000;
  for (const auto& [process, t] :
       {std::pair<const ForwardProcess*, double>{&ou, 0.0}, {&ou, 0.3}, {&vp, 0.2}}) {
    const double a = process->alpha(t), s2 = process->sigma2(t);
    const Vector mean = a * g.mean();
    const Matrix cov = a * a * g.covariance() + s2 * Matrix::Identity(3, 3);
    const Matrix C = process->sample_marginal(g.sample(n, rng), t, rng).colwise() - mean;
    for (Index i = 0; i < 3; ++i) {
      EXPECT_NEAR(C.row(i).mean(), 0.0, 5 * std::sqrt(cov(i, i) / n));
      for (Index k = 0; k <= i; ++k) {
        const Eigen::ArrayXd prod = C.row(i).array() * C.row(k).array();
        const double se = std::sqrt((prod - prod.mean()).square().mean() / n);
        EXPECT_NEAR(prod.mean(), cov(i, k), 5 * se) << process->name() << " t=" << t;
      }
    }
  }
}

TEST(GaussianTarget, RejectsInvalidCovariances) {
  Matrix notpsd(2, 2);
  notpsd << 1.0, 2.0, 2.0, 1.0;
  Matrix asym(2, 2);
  asym << 1.0, 0.1, 0.0, 1.0;
  auto message = [](auto&& make) {
    try {
      make();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(
      message([&] { GaussianTarget(Vector::Zero(2), notpsd, "g"); }).find("not positive definite"),
      std::string::npos);
  EXPECT_NE(message([&] { GaussianTarget(Vector::Zero(2), asym, "g"); }).find("not symmetric"),
            std::string::npos);
  EXPECT_NE(message([&] { GaussianTarget(Vector::Zero(3), asym, "g"); }).find("dimension 3"),
            std::string::npos);
  EXPECT_NE(message([&] {
              GaussianTarget::diagonal(Vector::Zero(2), Vector::Constant(2, -1.0));
            }).find("must be positive"),
            std::string::npos);
}

TEST(NoiseLevel, ANoiseLevelThatDefinesNoLawIsRefused) {
  EXPECT_NO_THROW(require_noise_level(1.0, 0.0, "score"));
  EXPECT_NO_THROW(require_noise_level(0.5, 0.75, "score"));
  EXPECT_THROW(require_noise_level(1.0, -1e-3, "score"), Error);
  EXPECT_THROW(require_noise_level(std::nan(""), 0.5, "score"), Error);
  EXPECT_THROW(require_noise_level(1.0, INFINITY, "score"), Error);
}

TEST(NoiseLevel, ATimeBeforeZeroOrNotFiniteIsRefused) {
  EXPECT_NO_THROW(require_forward_time(0.0, "score"));
  EXPECT_THROW(require_forward_time(-1e-9, "score"), Error);
  EXPECT_THROW(require_forward_time(std::nan(""), "score"), Error);
  EXPECT_THROW(require_forward_time(INFINITY, "score"), Error);
}

}  // namespace
}  // namespace difflab
