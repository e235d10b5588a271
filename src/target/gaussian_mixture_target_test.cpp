// Gaussian mixture target (isotropic, diagonal and full covariances) against an independent
// per-particle computation of q_t = sum_i w_i N(alpha mu_i, alpha^2 Sigma_i + sigma^2 I)
// (docs/theory.md 5.1), finite differences of its log-density, and Monte Carlo moments of q_t.
#include "difflab/target/gaussian_mixture_target.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "difflab/core/error.hpp"
#include "difflab/process/forward_process.hpp"
#include "score_finite_difference_check.hpp"

namespace difflab {
namespace {

using Component = GaussianMixtureTarget::Component;

Component diagonal_component(std::vector<double> mean, std::vector<double> var) {
  Component c;
  c.mean = Eigen::Map<Vector>(mean.data(), static_cast<Index>(mean.size()));
  c.variances = Eigen::Map<Vector>(var.data(), static_cast<Index>(var.size()));
  c.diagonal = true;
  return c;
}

Component full_component(std::vector<double> mean, const Matrix& cov) {
  Component c;
  c.mean = Eigen::Map<Vector>(mean.data(), static_cast<Index>(mean.size()));
  c.cov = cov;
  c.diagonal = false;
  return c;
}

// Three mixtures of three components in d = 3: isotropic, diagonal and full (one component of
// the full mixture is diagonal, to exercise the mixed path).
std::vector<GaussianMixtureTarget> mixtures() {
  const std::vector<double> w{0.2, 0.5, 0.3};
  std::vector<GaussianMixtureTarget> out;
  out.emplace_back(w, std::vector<Component>{diagonal_component({-2, 0, 1}, {0.5, 0.5, 0.5}),
                                             diagonal_component({1, 1, -1}, {0.2, 0.2, 0.2}),
                                             diagonal_component({0, -1.5, 2}, {1.5, 1.5, 1.5})});
  out.emplace_back(w, std::vector<Component>{diagonal_component({-2, 0, 1}, {0.5, 0.1, 2.0}),
                                             diagonal_component({1, 1, -1}, {0.2, 1.0, 0.7}),
                                             diagonal_component({0, -1.5, 2}, {1.5, 0.3, 0.4})});
  Matrix A(3, 3), B(3, 3);
  A << 1.0, 0.4, 0.1, 0.4, 0.5, -0.2, 0.1, -0.2, 0.8;
  B << 0.3, -0.1, 0.0, -0.1, 0.6, 0.25, 0.0, 0.25, 1.2;
  out.emplace_back(w, std::vector<Component>{full_component({-2, 0, 1}, A),
                                             diagonal_component({1, 1, -1}, {0.2, 1.0, 0.7}),
                                             full_component({0, -1.5, 2}, B)});
  return out;
}

// Naive reference: per particle, per component, C_i = alpha^2 Sigma_i + sigma^2 I factorised
// here; responsibilities by log-sum-exp; score sum_i r_i (-C_i^{-1}(x - alpha mu_i)).
void naive(const GaussianMixtureTarget& g, double alpha, double sigma2, const Vector& x,
           double& log_q, Vector& score) {
  const Index K = g.components(), d = g.dim();
  std::vector<double> logs(static_cast<std::size_t>(K));
  std::vector<Vector> scores(static_cast<std::size_t>(K));
  double mx = -1e300;
  for (Index i = 0; i < K; ++i) {
    const Matrix C = alpha * alpha * g.covariance(i) + sigma2 * Matrix::Identity(d, d);
    const Eigen::LLT<Matrix> llt(C);
    const Vector r = x - alpha * g.mean(i);
    const double logdet = 2 * llt.matrixL().toDenseMatrix().diagonal().array().log().sum();
    logs[static_cast<std::size_t>(i)] =
        std::log(g.weights()(i)) - 0.5 * (static_cast<double>(d) * std::log(2 * std::numbers::pi) +
                                          logdet + r.dot(llt.solve(r)));
    scores[static_cast<std::size_t>(i)] = -llt.solve(r);
    mx = std::max(mx, logs[static_cast<std::size_t>(i)]);
  }
  double z = 0;
  for (double l : logs) z += std::exp(l - mx);
  log_q = mx + std::log(z);
  score = Vector::Zero(d);
  for (Index i = 0; i < K; ++i)
    score +=
        std::exp(logs[static_cast<std::size_t>(i)] - log_q) * scores[static_cast<std::size_t>(i)];
}

TEST(GaussianMixtureTarget, ScoreIsTheResponsibilityWeightedSumOfComponentScores) {
  const CounterRng rng(4);
  for (const auto& g : mixtures()) {
    const Matrix X = 1.3 * g.sample(25, rng);
    for (const auto& [alpha, sigma2] : {std::pair{1.0, 0.0}, {0.95, 0.0975}, {0.2, 0.96}}) {
      Vector lq(X.cols());
      Matrix S(g.dim(), X.cols());
      g.noised_log_density(alpha, sigma2, X, lq);
      g.noised_score(alpha, sigma2, X, S);
      for (Index j = 0; j < X.cols(); ++j) {
        double l;
        Vector s;
        naive(g, alpha, sigma2, X.col(j), l, s);
        EXPECT_NEAR(lq(j), l, 1e-11 * (1 + std::abs(l)));
        EXPECT_LT((S.col(j) - s).norm(), 1e-10 * (1 + s.norm()));
      }
    }
  }
}

TEST(GaussianMixtureTarget, ScoreMatchesFiniteDifferencesUnderOuAndVp) {
  const OrnsteinUhlenbeck ou;
  const LinearVP vp;
  for (const auto& g : mixtures()) {
    for (double t : {1e-4, 0.1, 1.0, 5.0})
      expect_score_matches_finite_differences(g, ou, t, 1e-4, 10);
    for (double t : {1e-4, 0.1, 0.6, 1.0})
      expect_score_matches_finite_differences(g, vp, t, 1e-4, 10);
  }
}

// Exact samples through sample_marginal: mean sum_i w_i alpha mu_i and covariance
// sum_i w_i (C_i + alpha^2 mu_i mu_i^T) - mean mean^T, within 5 standard errors.
TEST(GaussianMixtureTarget, MarginalSamplesHaveTheMomentsOfQt) {
  const OrnsteinUhlenbeck ou;
  const CounterRng rng(12);
  const Index n = 20000;
  for (const auto& g : mixtures()) {
    for (double t : {0.0, 0.4}) {
      const double a = ou.alpha(t), s2 = ou.sigma2(t);
      Vector mean = Vector::Zero(3);
      Matrix second = Matrix::Zero(3, 3);
      for (Index i = 0; i < g.components(); ++i) {
        const Vector m = a * g.mean(i);
        mean += g.weights()(i) * m;
        second += g.weights()(i) *
                  (a * a * g.covariance(i) + s2 * Matrix::Identity(3, 3) + m * m.transpose());
      }
      const Matrix cov = second - mean * mean.transpose();
      const Matrix C = ou.sample_marginal(g.sample(n, rng), t, rng).colwise() - mean;
      for (Index i = 0; i < 3; ++i) {
        EXPECT_NEAR(C.row(i).mean(), 0.0, 5 * std::sqrt(cov(i, i) / n));
        for (Index k = 0; k <= i; ++k) {
          const Eigen::ArrayXd prod = C.row(i).array() * C.row(k).array();
          const double se = std::sqrt((prod - prod.mean()).square().mean() / n);
          EXPECT_NEAR(prod.mean(), cov(i, k), 5 * se) << "t=" << t << " entry " << i << "," << k;
        }
      }
    }
  }
}

TEST(GaussianMixtureTarget, SummarySecondMoment) {
  const auto g = mixtures()[2];
  double m2 = 0;
  for (Index i = 0; i < 3; ++i)
    m2 += g.weights()(i) * (g.mean(i).squaredNorm() + g.covariance(i).trace());
  EXPECT_NEAR(g.summary().second_moment, m2, 1e-13);
  EXPECT_TRUE(g.summary().kl_to_standard_normal.has_value());  // Monte Carlo (target_quantities)
}

}  // namespace
}  // namespace difflab
