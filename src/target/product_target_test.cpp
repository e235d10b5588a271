// Product target: exact scores against finite differences of the noised log-density, Monte Carlo
// moments of q_t, Tweedie's identity, normalisation, sampling and the summary. The factors' own
// accuracy against brute-force quadrature is in law1d_test.cpp.
#include "difflab/target/product_target.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "difflab/core/error.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/target/law1d_closed_form.hpp"
#include "difflab/target/law1d_quadrature.hpp"
#include "score_finite_difference_check.hpp"

namespace difflab {
namespace {

constexpr double kProductPi = std::numbers::pi;

// One factor of every kind; the mixture is bimodal (not log-concave) and the grid has kinks and
// a jump at the end of its support.
std::shared_ptr<Target> five_factor_product() {
  const nlohmann::json spec = {
      {"type", "product"},
      {"factors",
       {{{"type", "laplace"}, {"loc", 0.5}, {"scale", 0.7}},
        {{"type", "logistic"}, {"loc", -0.3}, {"scale", 0.5}},
        {{"type", "mixture"},
         {"weights", {0.35, 0.65}},
         {"means", {-1.2, 1.0}},
         {"stds", {0.3, 0.5}}},
        {{"type", "gaussian"}, {"mean", 0.2}, {"std", 1.3}},
        {{"type", "grid"}, {"x", {-1.0, -0.2, 0.4, 1.5}}, {"density", {0.0, 2.0, 0.5, 1.0}}}}}};
  return make_target(spec, "test");
}

TEST(ProductTarget, ScoreMatchesFiniteDifferencesUnderOuAndVp) {
  const auto target = five_factor_product();
  const OrnsteinUhlenbeck ou;
  const LinearVP vp;
  for (double t : {1e-4, 0.02, 0.3, 1.0, 5.0})
    expect_score_matches_finite_differences(*target, ou, t, 1e-3 * std::min(1.0, ou.sigma(t)));
  for (double t : {1e-4, 0.05, 0.5, 1.0})
    expect_score_matches_finite_differences(*target, vp, t, 1e-3 * std::min(1.0, vp.sigma(t)));
}

TEST(ProductTarget, LogDensityIsTheSumOfTheFactors) {
  const auto target = five_factor_product();
  const auto& product = dynamic_cast<const ProductTarget&>(*target);
  const CounterRng rng(5);
  const Matrix X = target->sample(7, rng);
  const double alpha = 0.8, sigma2 = 0.36;
  Vector total(X.cols());
  target->noised_log_density(alpha, sigma2, X, total);
  for (Index j = 0; j < X.cols(); ++j) {
    double sum = 0;
    for (Index i = 0; i < target->dim(); ++i)
      sum += product.factor(i).noised_log_density(alpha, sigma2, X(i, j));
    EXPECT_NEAR(total(j), sum, 1e-13 * (1 + std::abs(sum)));
  }
}

// Monte Carlo: exact samples pushed through ForwardProcess::sample_marginal have the mean
// alpha E[X_0] and the diagonal covariance alpha^2 Var X_0 + sigma^2 I of q_t, within 5 standard
// errors (computed from the sample's fourth moments).
TEST(ProductTarget, MarginalSamplesHaveTheMomentsOfQt) {
  const auto target = five_factor_product();
  const auto& product = dynamic_cast<const ProductTarget&>(*target);
  const OrnsteinUhlenbeck ou;
  const CounterRng rng(17);
  const Index n = 20000, d = target->dim();
  for (double t : {0.05, 0.7}) {
    const double a = ou.alpha(t), s2 = ou.sigma2(t);
    const Matrix Xt = ou.sample_marginal(target->sample(n, rng), t, rng);
    Vector mean(d);
    Matrix cov = Matrix::Zero(d, d);
    for (Index i = 0; i < d; ++i) {
      const Law1D& f = product.factor(i);
      mean(i) = a * f.mean();
      cov(i, i) = a * a * (f.second_moment() - f.mean() * f.mean()) + s2;
    }
    const Matrix C = Xt.colwise() - mean;
    for (Index i = 0; i < d; ++i) {
      EXPECT_NEAR(C.row(i).mean(), 0.0, 5 * std::sqrt(cov(i, i) / n)) << "t=" << t;
      for (Index k = 0; k <= i; ++k) {
        const Eigen::ArrayXd prod = C.row(i).array() * C.row(k).array();
        const double m = prod.mean();
        const double se = std::sqrt((prod - m).square().mean() / n);
        EXPECT_NEAR(m, cov(i, k), 5 * se) << "t=" << t << " entry " << i << "," << k;
      }
    }
  }
}

// Tweedie (docs/theory.md 1.2): D(x) = (x + sigma^2 score(x)) / alpha = E[X_0 | X_t = x], so
// D(X_t) - X_0 has mean zero and is uncorrelated with any function of X_t (here 1 and X_t).
TEST(ProductTarget, TweedieDenoiserIsTheConditionalMean) {
  const auto target = five_factor_product();
  const OrnsteinUhlenbeck ou;
  const CounterRng rng(23);
  const Index n = 10000;
  for (double t : {0.02, 0.4}) {
    const double a = ou.alpha(t), s2 = ou.sigma2(t);
    const Matrix X0 = target->sample(n, rng);
    const Matrix Xt = ou.sample_marginal(X0, t, rng);
    const Matrix R = (Xt + s2 * target->score_qt(ou, t, Xt)) / a - X0;
    for (Index i = 0; i < target->dim(); ++i) {
      for (const Eigen::ArrayXd& f :
           {Eigen::ArrayXd::Ones(n).eval(), Xt.row(i).transpose().array().eval()}) {
        const Eigen::ArrayXd v = R.row(i).transpose().array() * f;
        const double se = std::sqrt((v - v.mean()).square().mean() / n);
        EXPECT_NEAR(v.mean(), 0.0, 5 * se) << "t=" << t << " coordinate " << i;
      }
    }
  }
}

TEST(ProductTarget, TwoDimensionalNoisedDensityIntegratesToOne) {
  // Tensor Simpson over [-12, 12]^2 for a Laplace x mixture product at an OU time.
  const nlohmann::json spec = {{"type", "product"},
                               {"factors",
                                {{{"type", "laplace"}, {"loc", 0.5}, {"scale", 0.7}},
                                 {{"type", "mixture"},
                                  {"weights", {0.35, 0.65}},
                                  {"means", {-1.2, 1.0}},
                                  {"stds", {0.3, 0.5}}}}}};
  const auto target = make_target(spec);
  const OrnsteinUhlenbeck ou;
  const double t = 0.1;
  const int m = 1200;
  const double L = 12, h = 2 * L / m;
  Matrix X(2, (m + 1) * (m + 1));
  Vector w(X.cols());
  for (int i = 0; i <= m; ++i)
    for (int j = 0; j <= m; ++j) {
      const Index c = i * (m + 1) + j;
      X(0, c) = -L + i * h;
      X(1, c) = -L + j * h;
      auto simpson = [&](int k) { return (k == 0 || k == m) ? 1.0 : (k % 2 ? 4.0 : 2.0); };
      w(c) = simpson(i) * simpson(j) * h * h / 9;
    }
  const Vector lq = target->log_qt(ou, t, X);
  EXPECT_NEAR(w.dot(lq.array().exp().matrix()), 1.0, 1e-7);
}

TEST(ProductTarget, SamplingDependsOnlyOnTheParticleIndex) {
  const auto target = five_factor_product();
  const CounterRng rng(99);
  const Matrix all = target->sample(10, rng);
  const Matrix tail = target->sample(4, rng, 6);
  EXPECT_EQ((all.rightCols(4) - tail).cwiseAbs().maxCoeff(), 0.0);
  EXPECT_GT((target->sample(10, CounterRng(100)) - all).cwiseAbs().minCoeff(), 0.0);
}

TEST(ProductTarget, SummaryAddsTheFactors) {
  const nlohmann::json spec = {{"type", "product"},
                               {"factors",
                                {{{"type", "logistic"}, {"loc", 1.0}, {"scale", 0.25}},
                                 {{"type", "gaussian"}, {"mean", -1.0}, {"std", 2.0}}}}};
  const TargetSummary s = make_target(spec)->summary();
  // E X^2: logistic 1 + pi^2 s^2 / 3; Gaussian 1 + 4.
  const double m2_logistic = 1 + kProductPi * kProductPi / 48, m2_gauss = 5.0;
  EXPECT_NEAR(s.second_moment, m2_logistic + m2_gauss, 1e-14);
  // KL(p || N(0,1)) = -H + log sqrt(2 pi) + E X^2 / 2 with H = log s + 2 (logistic) and
  // KL(N(m, v) || N(0,1)) = (v + m^2 - 1 - log v) / 2 (docs/theory.md 5.1).
  const double kl_logistic =
      -(std::log(0.25) + 2) + 0.5 * std::log(2 * kProductPi) + 0.5 * m2_logistic;
  const double kl_gauss = 0.5 * (4 + 1 - 1 - std::log(4.0));
  ASSERT_TRUE(s.kl_to_standard_normal.has_value());
  EXPECT_NEAR(*s.kl_to_standard_normal, kl_logistic + kl_gauss, 1e-13);
  // Lipschitz: the larger of 1/(2 s^2) = 8 (logistic) and max(1, 1/4) (Gaussian).
  ASSERT_TRUE(s.score_lipschitz.has_value());
  EXPECT_DOUBLE_EQ(*s.score_lipschitz, 8.0);
  // A Laplace factor (kink) makes the Lipschitz constant unbounded: left empty.
  const TargetSummary s2 =
      make_target(
          {{"type", "product"}, {"dim", 3}, {"factor", {{"type", "laplace"}, {"scale", 2.0}}}})
          ->summary();
  EXPECT_FALSE(s2.score_lipschitz.has_value());
  EXPECT_NEAR(s2.second_moment, 3 * 8.0, 1e-14);
  EXPECT_NEAR(*s2.kl_to_standard_normal,
              3 * (-(1 + std::log(4.0)) + 0.5 * std::log(2 * kProductPi) + 4.0), 1e-13);
}

TEST(ProductTarget, RejectsInputOfTheWrongDimension) {
  const auto target = five_factor_product();
  EXPECT_THROW(target->score(Matrix::Zero(4, 3)), Error);
  EXPECT_THROW(target->log_density(Matrix::Zero(6, 3)), Error);
}

}  // namespace
}  // namespace difflab
