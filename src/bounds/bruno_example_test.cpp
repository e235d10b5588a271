#include "difflab/bounds/bruno_example.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/core/error.hpp"
#include "difflab/schedule/grids.hpp"

namespace difflab {
namespace {

// docs/theory.md 4.3: the notebook's mean.
Vector notebook_mu() {
  Vector mu(2);
  mu << -1.23486883, -0.89244735;
  return mu;
}

BoundInputs example(const std::string& sampler, int K) {
  BoundInputs in;
  in.mu = notebook_mu();
  in.theta_hat = notebook_mu();
  in.T = 2;
  in.steps = K;
  in.sampler = sampler;
  return in;
}

TEST(BrunoExample, ExactW2ReproducesVectorB) {
  // docs/theory.md 5.6 vector B: d = 2, theta_hat = mu, T = 2, gamma = T/K, full noise at the end.
  struct Row {
    int K;
    double em_w2, em_v, ei_w2, ei_v;
  };
  for (const Row& row : {Row{10, 0.12411081, 1.10983009, 0.16607353, 1.24729459},
                         Row{100, 0.03553564, 1.00992335, 0.03028122, 1.02006299},
                         Row{1000, 0.02860635, 1.00098274, 0.02782889, 1.00196760}}) {
    const BoundResult em = bound_bruno_example(example("em", row.K));
    const BoundResult ei = bound_bruno_example(example("ei", row.K));
    EXPECT_NEAR(em.details.at("exact_w2"), row.em_w2, 1e-8) << "K = " << row.K;
    EXPECT_NEAR(em.details.at("variance"), row.em_v, 1e-8) << "K = " << row.K;
    EXPECT_NEAR(ei.details.at("exact_w2"), row.ei_w2, 1e-8) << "K = " << row.K;
    EXPECT_NEAR(ei.details.at("variance"), row.ei_v, 1e-8) << "K = " << row.K;
  }
}

TEST(BrunoExample, PartsAndTriangleInequality) {
  Vector theta = notebook_mu();
  theta(0) += 0.3;
  theta(1) -= 0.4;  // ||theta - mu|| = 0.5
  for (const std::string sampler : {"em", "ei"}) {
    BoundInputs in = example(sampler, 50);
    in.theta_hat = theta;
    const BoundResult r = bound_bruno_example(in);
    const double T = 2;
    EXPECT_NEAR(r.terms.at("optimisation"), 0.5, 1e-8);
    EXPECT_NEAR(r.terms.at("initialisation"), notebook_mu().norm() * std::exp(-2 * T), 1e-15);
    // Discretisation: W2 to the continuous-time output N(theta (1 - e^{-2T}), I).
    const IsotropicGaussianLaw law = bruno_example_law(theta, uniform_grid(T, 0, 50), sampler);
    const Vector m_cont = theta * (1 - std::exp(-2 * T));
    const double s = std::sqrt(law.variance) - 1;
    EXPECT_NEAR(r.terms.at("discretisation"),
                std::sqrt((law.mean - m_cont).squaredNorm() + 2 * s * s), 1e-14);
    EXPECT_NEAR(
        r.value,
        r.terms.at("optimisation") + r.terms.at("initialisation") + r.terms.at("discretisation"),
        1e-14);
    EXPECT_LE(r.details.at("exact_w2"), r.value);
    EXPECT_TRUE(r.constant_is_explicit);
    EXPECT_EQ(r.metric, "W2");
    // An exact decomposition, not a paper's bound: never certified as one.
    EXPECT_EQ(r.kind, "exact_decomposition");
    EXPECT_FALSE(r.certified());
    // identity_covariance unset counts as not verified, like every other bound.
    EXPECT_FALSE(r.assumptions.at("identity_covariance"));
  }
}

TEST(BrunoExample, DiscretisationVanishesWithTheStep) {
  // gamma = 2e-5: EM's variance fixed point 1/(1 - gamma/2) and the mean error are O(gamma).
  const BoundResult r = bound_bruno_example(example("em", 100000));
  EXPECT_LT(r.terms.at("discretisation"), 1e-4);
  EXPECT_NEAR(r.details.at("exact_w2"), notebook_mu().norm() * std::exp(-4.0), 1e-4);
}

TEST(BrunoExample, LastStepWithoutNoise) {
  // EM: the last step adds variance 2 gamma; dropping it leaves the mean unchanged.
  const TimeGrid g = uniform_grid(2, 0, 10);
  const IsotropicGaussianLaw full = bruno_example_law(notebook_mu(), g, "em", true);
  const IsotropicGaussianLaw bare = bruno_example_law(notebook_mu(), g, "em", false);
  EXPECT_NEAR(full.variance - bare.variance, 2 * 0.2, 1e-14);
  EXPECT_NEAR((full.mean - bare.mean).norm(), 0, 1e-15);
  // EI: the last step adds e^{2 gamma} - 1.
  const IsotropicGaussianLaw ei_full = bruno_example_law(notebook_mu(), g, "ei", true);
  const IsotropicGaussianLaw ei_bare = bruno_example_law(notebook_mu(), g, "ei", false);
  EXPECT_NEAR(ei_full.variance - ei_bare.variance, std::exp(0.4) - 1, 1e-14);
}

TEST(BrunoExample, LossClosedForms) {
  // docs/theory.md 4.3: c_{2,0} = 0.1204630231 and U* = 0.4908421806 for d = 2.
  EXPECT_NEAR(bruno_loss_curvature(2, 0), 0.1204630231, 1e-10);
  EXPECT_NEAR(bruno_loss_minimum(2, 2, 0), 0.4908421806, 1e-10);
  // By hand: c = ((1 - e^{-4})/2 - (1 - e^{-8})/4) / 2 for T = 2, eps = 0.
  EXPECT_NEAR(bruno_loss_curvature(2, 0), ((1 - std::exp(-4.0)) / 2 - (1 - std::exp(-8.0)) / 4) / 2,
              1e-15);
  // With eps > 0: ((e^{-1} - e^{-3})/2 - (e^{-2} - e^{-6})/4) / 1 for eps = 0.5, T = 1.5.
  EXPECT_NEAR(bruno_loss_curvature(1.5, 0.5),
              (std::exp(-1.0) - std::exp(-3.0)) / 2 - (std::exp(-2.0) - std::exp(-6.0)) / 4, 1e-15);
  const Vector mu = notebook_mu();
  EXPECT_NEAR(bruno_loss(mu, mu, 2, 0), bruno_loss_minimum(2, 2, 0), 1e-14);
  Vector theta(2);
  theta << 0.5, -0.25;
  EXPECT_NEAR(bruno_loss(theta, mu, 2, 0) - bruno_loss_minimum(2, 2, 0),
              bruno_loss_curvature(2, 0) * (theta - mu).squaredNorm(), 1e-14);
  // The notebook's epoch-0 loss at theta ~ 0 is ~0.770 (docs/theory.md 4.3).
  EXPECT_NEAR(bruno_loss(Vector::Zero(2), mu, 2, 0), 0.770, 1e-3);
  expect_error([] { bruno_loss_curvature(1, 1); }, "need 0 <= eps < T");
}

TEST(BrunoExample, SgldMeanMatchesTheNotebookTrajectory) {
  // docs/theory.md 4.3: lambda = 1e-4, 391 steps per epoch, theta_0 = 0; predicted E theta after
  // epoch 0 is [-0.011578, -0.008368] and after epoch 2 [-0.034410, -0.024868].
  const double c = bruno_loss_curvature(2, 0);
  const Vector mu = notebook_mu();
  const Vector e0 = bruno_sgld_mean(Vector::Zero(2), mu, 1e-4, c, 391);
  EXPECT_NEAR(e0(0), -0.011578, 1e-6);
  EXPECT_NEAR(e0(1), -0.008368, 1e-6);
  const Vector e2 = bruno_sgld_mean(Vector::Zero(2), mu, 1e-4, c, 3 * 391);
  EXPECT_NEAR(e2(0), -0.034410, 1e-6);
  EXPECT_NEAR(e2(1), -0.024868, 1e-6);
}

TEST(BrunoExample, BadInput) {
  BoundInputs in = example("em", 10);
  in.theta_hat.reset();
  expect_error([&] { bound_bruno_example(in); }, "needs theta_hat");
  in = example("em", 10);
  in.delta = 0.1;
  expect_error([&] { bound_bruno_example(in); }, "delta must be 0");
  in = example("rk4", 10);
  expect_error([&] { bound_bruno_example(in); }, "sampler must be 'em' or 'ei'");
  in = example("em", 10);
  in.theta_hat = Vector::Zero(3);
  expect_error([&] { bound_bruno_example(in); }, "theta_hat has 3");
}

}  // namespace
}  // namespace difflab
