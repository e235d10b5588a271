// Learning mixture means with the DDPM objective (docs/applications.md (c)): the exact
// gradient against finite differences of the loss, the student score against the exact mixture
// score, and the sqrt(d/n) rate of GD and EM (log-log slope -1/2 over repeated seeds).
#include "difflab/apps/gmm_learning.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/expect_error.hpp"

namespace difflab::apps {
namespace {

TEST(GmmLearning, GradientMatchesFiniteDifferencesOfTheLoss) {
  GmmLearnOptions o;
  o.d = 4;
  o.K = 3;
  o.n = 40;
  o.radius = 1.5;
  const Matrix truth = gmm_true_means(o);
  const Matrix X0 = gmm_data(o, truth);
  Matrix Z(o.d, o.n);
  CounterRng(5).fill_normal(Z, RngUse::kUser, 0, 0);
  Matrix mu = truth;
  mu(0, 1) += 0.3;
  mu(2, 0) -= 0.2;
  for (double t : {0.1, 1.0}) {
    const Matrix g = gmm_dsm_gradient(mu, X0, Z, t);
    const double h = 1e-6;
    for (Index j = 0; j < o.K; ++j)
      for (Index i = 0; i < o.d; ++i) {
        Matrix p = mu, m = mu;
        p(i, j) += h;
        m(i, j) -= h;
        const double fd = (gmm_dsm_loss(p, X0, Z, t) - gmm_dsm_loss(m, X0, Z, t)) / (2 * h);
        EXPECT_NEAR(g(i, j), fd, 1e-5 * std::max(1.0, std::abs(fd))) << t << " " << i << " " << j;
      }
  }
}

TEST(GmmLearning, LossAtTheTrueMeansIsTheDsmMinimumInExpectation) {
  // DSM identity: E||s(x_t) + z/sigma||^2 = E||s - grad log q_t||^2 + C, so at the true means
  // (s = exact score) the loss is C = E||z/sigma||^2 - E||grad log q_t||^2 < d / sigma^2, and
  // any other means give a larger expected loss. Check the ordering with shared (x0, z):
  // the difference of empirical losses has SE far below the gap for a 1.0 shift.
  GmmLearnOptions o;
  o.d = 3;
  o.n = 20000;
  const Matrix truth = gmm_true_means(o);
  const Matrix X0 = gmm_data(o, truth);
  Matrix Z(o.d, o.n);
  CounterRng(6).fill_normal(Z, RngUse::kUser, 0, 0);
  const double t = 0.5;
  Matrix off = truth;
  off.col(0).array() += 1.0;
  const double sigma2 = -std::expm1(-2 * t);
  EXPECT_LT(gmm_dsm_loss(truth, X0, Z, t), gmm_dsm_loss(off, X0, Z, t));
  EXPECT_LT(gmm_dsm_loss(truth, X0, Z, t), o.d / sigma2);
}

// Least-squares slope of log err against log n.
double slope(const std::vector<double>& n, const std::vector<double>& err) {
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n.size(); ++i) mx += std::log(n[i]), my += std::log(err[i]);
  mx /= double(n.size());
  my /= double(n.size());
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < n.size(); ++i) {
    sxy += (std::log(n[i]) - mx) * (std::log(err[i]) - my);
    sxx += (std::log(n[i]) - mx) * (std::log(n[i]) - mx);
  }
  return sxy / sxx;
}

TEST(GmmLearning, ErrorDecaysLikeSqrtDOverN) {
  // Parametric rate: the MLE (EM fixed point) and the DSM minimiser both have error
  // ~ c sqrt(d K / n), so the log-log slope of the error against n is -1/2. Per seed the slope is
  // a noisy estimate (sd ~0.13 here); the tolerance is 4 standard errors of the mean slope over
  // the seeds, the SE estimated from the seeds' spread: 16 seeds for the cheap EM; GD (the
  // expensive part) runs on the first 4 seeds, and its SE is floored at EM's per-seed sd / 2
  // (GD's error contains EM's sampling error plus its own DSM noise, so it is not less noisy),
  // since an SE estimated from 4 values alone is itself too noisy to be a tolerance.
  const std::vector<double> ns = {250, 1000, 4000};
  const int em_seeds = 16, gd_seeds = 4;
  std::vector<double> gd_slopes, em_slopes;
  for (int s = 1; s <= em_seeds; ++s) {
    std::vector<double> gd_err, em_err;
    for (double n : ns) {
      GmmLearnOptions o;
      o.d = 5;
      o.n = static_cast<Index>(n);
      o.seed = static_cast<std::uint64_t>(s);
      o.steps_large = 40;
      o.steps_small = 40;
      o.em_iterations = 50;
      const Matrix truth = gmm_true_means(o);
      const Matrix X0 = gmm_data(o, truth);
      const Matrix init = gmm_initial_means(o, truth);
      if (s <= gd_seeds) gd_err.push_back(gmm_mean_error(gmm_learn_gd(X0, init, o), truth));
      em_err.push_back(gmm_mean_error(gmm_learn_em(X0, init, o.em_iterations), truth));
    }
    if (s <= gd_seeds) gd_slopes.push_back(slope(ns, gd_err));
    em_slopes.push_back(slope(ns, em_err));
  }
  const auto mean_sd = [](const std::vector<double>& v) {
    double m = 0, s2 = 0;
    for (double x : v) m += x;
    m /= double(v.size());
    for (double x : v) s2 += (x - m) * (x - m);
    return std::pair<double, double>{m, std::sqrt(s2 / double(v.size() - 1))};
  };
  const auto [em_mean, em_sd] = mean_sd(em_slopes);
  const auto [gd_mean, gd_sd] = mean_sd(gd_slopes);
  EXPECT_NEAR(em_mean, -0.5, 4 * em_sd / std::sqrt(double(em_seeds))) << "em sd " << em_sd;
  EXPECT_NEAR(gd_mean, -0.5, 4 * std::max(gd_sd, em_sd) / std::sqrt(double(gd_seeds)))
      << "gd sd " << gd_sd;
}

TEST(GmmLearning, OptionsAreValidated) {
  GmmLearnOptions o;
  o.K = 9;
  expect_error([&] { o.validate(); }, "option 'k'");
  o = GmmLearnOptions{};
  o.init = "kmeans";
  expect_error([&] { o.validate(); }, "option 'init'");
  o = GmmLearnOptions{};
  o.n = 1;
  expect_error([&] { o.validate(); }, "option 'n'");
}

}  // namespace
}  // namespace difflab::apps
