// Tests of the Gaussian-mean example of Bruno et al. (docs/theory.md 4.3) against closed forms:
// the mean SGLD trajectory, the epoch-0 loss, the exact output laws (re-derived independently
// by linear response of the samplers and by Monte Carlo), the auxiliary score error, and the
// notebook table of docs/theory.md 4.3.
#include "difflab/train/gaussian_mean_example.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/expect_error.hpp"
#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/euler_maruyama.hpp"
#include "difflab/sampler/exponential_integrator.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/gaussian_mean_score.hpp"

namespace difflab {
namespace {

GaussianMeanExampleOptions small_sgld(double lr, Index samples, Index batch, int epochs) {
  GaussianMeanExampleOptions o;
  o.samples = samples;
  o.batch = batch;
  o.epochs = epochs;
  o.optimizer = gaussian_mean_optimizer_preset("sgld");
  o.optimizer.lr = lr;
  o.optimizer.inverse_temperature = 1e6;  // some Langevin noise: it has mean zero
  o.sampler_points = 51;
  o.aux_particles = 2000;
  return o;
}

TEST(GaussianMeanExample, MeanTrajectoryFollowsTheSgldRecursion) {
  // docs/theory.md 4.3: E theta_n - mu = (1 - 2 lambda c)^n (theta_0 - mu). Why it is exact here:
  // given the past, a minibatch gradient is (1/B) sum_j 2 sigma e^{-tau} (e^{-2tau} Z_j +
  // sigma e^{-tau} (theta_n - X_j)); tau, Z are fresh, so its conditional mean is
  // 2 c (theta_n - Xbar_batch), linear in theta_n. The batch is chosen by a permutation
  // independent of the data values, so E Xbar_batch = mu, and the Langevin noise has mean 0:
  // E theta_{n+1} = E theta_n - 2 lambda c (E theta_n - mu) exactly, for every epoch (reuse of
  // the data correlates theta_n with X but not the expectation of this linear recursion).
  // Tolerance: the S seeds are independent runs, so the seed average of each coordinate is
  // within 5 standard errors, SE = (sample SD across seeds) / sqrt(S), of E theta_n.
  GaussianMeanExampleOptions o = small_sgld(0.1, 400, 20, 6);  // 20 steps per epoch
  const Vector mu = o.resolved_mu();
  const double c = bruno_loss_curvature(o.T, o.eps);
  const int S = 24;
  std::vector<std::vector<Vector>> runs;
  for (int s = 0; s < S; ++s) {
    o.seed = 1000 + static_cast<std::uint64_t>(s);
    runs.push_back(train_gaussian_mean(o).theta_history);
  }
  for (int e = 0; e < o.epochs; ++e) {
    const Vector want = bruno_sgld_mean(Vector::Zero(2), mu, 0.1, c, 20LL * (e + 1));
    for (Index i = 0; i < 2; ++i) {
      double mean = 0, sq = 0;
      for (const auto& r : runs) mean += r[static_cast<std::size_t>(e)](i);
      mean /= S;
      for (const auto& r : runs) sq += std::pow(r[static_cast<std::size_t>(e)](i) - mean, 2);
      const double se = std::sqrt(sq / (S - 1) / S);
      EXPECT_GT(se, 0);
      EXPECT_NEAR(mean, want(i), 5 * se) << "epoch " << e << " coordinate " << i;
    }
  }
  // The trajectory is not trivially at mu: after epoch 0 the predicted mean is still far from it.
  const Vector first = bruno_sgld_mean(Vector::Zero(2), mu, 0.1, c, 20);
  EXPECT_GT((first - mu).norm(), 0.5 * mu.norm());
  // The library's own recursion gives the same numbers (formula wiring).
  const auto predicted = gaussian_mean_expected_theta(o);
  ASSERT_EQ(predicted.size(), 6u);
  for (int e = 0; e < 6; ++e)
    EXPECT_LT((predicted[static_cast<std::size_t>(e)] -
               bruno_sgld_mean(Vector::Zero(2), mu, 0.1, c, 20LL * (e + 1)))
                  .norm(),
              1e-13);
}

// E over tau ~ Unif[0, T] of f(tau) by the midpoint rule (smooth integrand, error ~1e-9).
template <typename F>
double mean_over_tau(double T, F f) {
  const int n = 20000;
  double s = 0;
  for (int i = 0; i < n; ++i) s += f((i + 0.5) * T / n);
  return s / n;
}

TEST(GaussianMeanExample, EpochZeroMeanLossMatchesTheClosedForm) {
  // Each sample of epoch 0 is used once, at the theta_b of its batch b, and is independent of
  // theta_b, so E[loss of a sample in batch b] = E U(theta_b) = U(E theta_b) + c tr Cov(theta_b)
  // (U quadratic, bruno_loss). With lr 1e-3 Cov(theta_b) is O(lr^2 b / B) ~ 1e-7: negligible
  // beside the Monte Carlo SE (~4e-3). The epoch mean of M independent per-sample losses has
  // SE sqrt(Var(L)/M); Var(L) at theta: given tau, r ~ N(a, e^{-2tau} I) with
  // a = sigma e^{-tau} (theta - mu) (Var r = e^{-4tau} + sigma^2 e^{-2tau} = e^{-2tau}), so
  // ||r||^2 has mean |a|^2 + d s2 and variance 2 d s2^2 + 4 s2 |a|^2 (s2 = e^{-2tau}); add the
  // variance over tau of the conditional mean.
  const Index M = 100000;
  GaussianMeanExampleOptions o = small_sgld(1e-3, M, 1000, 1);
  o.seed = 7;
  const Vector mu = o.resolved_mu();
  const double c = bruno_loss_curvature(o.T, o.eps);
  const GaussianMeanTraining tr = train_gaussian_mean(o);
  ASSERT_EQ(tr.steps_per_epoch, 100);
  double want = 0;
  for (int b = 0; b < 100; ++b)
    want += bruno_loss(bruno_sgld_mean(Vector::Zero(2), mu, 1e-3, c, b), mu, o.T, o.eps) / 100;
  // |theta - mu|^2 at theta ~ 0 (theta moves < 3% of the way here; the SE needs no more).
  const double a2 = mu.squaredNorm();
  const double d = 2;
  auto cond_mean = [&](double t) {
    const double s2 = std::exp(-2 * t), sig2 = -std::expm1(-2 * t);
    return sig2 * s2 * a2 + d * s2;
  };
  const double m1 = mean_over_tau(o.T, cond_mean);
  const double var = mean_over_tau(o.T,
                                   [&](double t) {
                                     const double s2 = std::exp(-2 * t), sig2 = -std::expm1(-2 * t);
                                     const double cm = cond_mean(t);
                                     return 2 * d * s2 * s2 + 4 * s2 * sig2 * s2 * a2 + cm * cm;
                                   }) -
                     m1 * m1;
  // Cross-check of the quadrature against the closed form U(0).
  EXPECT_NEAR(m1, bruno_loss(Vector::Zero(2), mu, o.T, o.eps), 1e-8);
  const double se = std::sqrt(var / static_cast<double>(M));
  EXPECT_NEAR(tr.loss_history[0], want, 5 * se);
  EXPECT_LT(5 * se, 0.05 * want);  // the check is sharp enough to see a wrong loss scale
}

TEST(GaussianMeanExample, ReportMatchesIndependentLawsMonteCarloAndBounds) {
  GaussianMeanExampleOptions o = small_sgld(0.05, 500, 50, 3);
  o.d = 3;  // default mu tiles the authors' two entries
  o.seed = 11;
  const GaussianMeanExampleReport rep = run_gaussian_mean_example(o);
  const Vector mu = rep.mu;
  EXPECT_EQ(mu(0), -1.23486883);
  EXPECT_EQ(mu(1), -0.89244735);
  EXPECT_EQ(mu(2), -1.23486883);
  ASSERT_EQ(rep.theta_history.size(), 3u);
  ASSERT_EQ(rep.loss_history.size(), 3u);
  EXPECT_EQ(rep.theta, rep.theta_history.back());

  // Exact laws by linear response of the actual samplers (law/affine_gaussian_law.hpp), with
  // the trained theta: an evaluation independent of bruno_example_law's hand recursion.
  auto process = make_process("ou");
  const GaussianMeanScore score(rep.theta, process);
  const TimeGrid grid = uniform_grid(o.T, 0, o.sampler_points - 1);
  SamplerOptions so;
  so.denoise_last_step = !o.noise_on_last_step;
  const GaussianLaw init{Vector::Zero(3), Matrix::Identity(3, 3)};
  const GaussianLaw em = affine_gaussian_law(EulerMaruyama(), score, grid, so, init);
  const GaussianLaw ei = affine_gaussian_law(ExponentialIntegrator(), score, grid, so, init);
  auto w2_of = [&](const GaussianLaw& law) {  // commuting covariances (docs/theory.md 5.4)
    double s = (law.mean - mu).squaredNorm();
    for (Index i = 0; i < 3; ++i) s += std::pow(std::sqrt(law.cov(i, i)) - 1, 2);
    return std::sqrt(s);
  };
  EXPECT_NEAR((em.cov - em.cov(0, 0) * Matrix::Identity(3, 3)).norm(), 0, 1e-12);
  EXPECT_NEAR((rep.law_em.mean - em.mean).norm(), 0, 1e-12);
  EXPECT_NEAR(rep.law_em.variance, em.cov(0, 0), 1e-12);
  EXPECT_NEAR(rep.w2_em, w2_of(em), 1e-12);
  EXPECT_NEAR((rep.law_ei.mean - ei.mean).norm(), 0, 1e-12);
  EXPECT_NEAR(rep.law_ei.variance, ei.cov(0, 0), 1e-12);
  EXPECT_NEAR(rep.w2_ei, w2_of(ei), 1e-12);

  // Monte Carlo of the EM sampler itself: coordinate means and the pooled variance within 5 SE.
  const Index n = 20000;
  Matrix X(3, n);
  CounterRng(99).fill_normal(X, RngUse::kInitial, 0, 0);
  EulerMaruyama().sample(score, grid, X, so, CounterNoise(99));
  const Vector m = X.rowwise().mean();
  const double v = rep.law_em.variance;
  for (Index i = 0; i < 3; ++i) EXPECT_NEAR(m(i), rep.law_em.mean(i), 5 * std::sqrt(v / n));
  const double pooled = (X.colwise() - rep.law_em.mean).squaredNorm() / (3.0 * n);
  EXPECT_NEAR(pooled, v, 5 * v * std::sqrt(2.0 / (3.0 * n)));

  // Bound terms (bounds/bruno_example.hpp): optimisation ||theta - mu||, initialisation
  // ||mu|| e^{-2T}; the sum bounds the exact W2 (triangle inequality).
  EXPECT_NEAR(rep.bound_em.terms.at("optimisation"), (rep.theta - mu).norm(), 1e-14);
  EXPECT_NEAR(rep.bound_em.terms.at("initialisation"), mu.norm() * std::exp(-4.0), 1e-14);
  EXPECT_GE(rep.bound_em.value, rep.w2_em);
  EXPECT_GE(rep.bound_ei.value, rep.w2_ei);
  EXPECT_NEAR(rep.bound_em.details.at("exact_w2"), rep.w2_em, 1e-14);

  // Score error along the EM iterates: closed form sum_k h e^{-2 t_k} |mu - theta|^2 with
  // h = T/50, t_k = T - k h, k = 0..49, written out here; Monte Carlo agrees within rounding
  // (the per-particle value does not depend on the path) or 5 SE.
  double closed = 0;
  for (int k = 0; k < 50; ++k) closed += (2.0 / 50) * std::exp(-2 * (2.0 - k * 2.0 / 50));
  closed *= (mu - rep.theta).squaredNorm();
  EXPECT_NEAR(rep.aux_score_error_closed_form, closed, 1e-12 * closed);
  EXPECT_NEAR(rep.aux_score_error_monte_carlo, closed,
              1e-9 * closed + 5 * rep.aux_score_error_monte_carlo_se);
  EXPECT_GT(closed, 0);

  const nlohmann::json j = rep.to_json();
  for (const char* key : {"theta", "theta_history", "loss_history", "mu", "w2_em", "w2_ei",
                          "bound_terms", "aux_score_error", "bound_em", "bound_ei"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["theta_history"].size(), 3u);
  EXPECT_EQ(j["bound_terms"]["em"].size(), 3u);
  EXPECT_EQ(j["options"]["optimizer"]["kind"], "sgld");
}

TEST(GaussianMeanExample, AuthorsTableFromTheRecursion) {
  // docs/theory.md 4.3: authors' settings (M = 50000, batch 128 -> 391 steps per epoch, SGLD
  // lambda = 1e-4, T = 2, eps = 0, theta_0 = 0), predicted E theta after epochs 0, 2, 160.
  const GaussianMeanExampleOptions o;  // the defaults are the authors' settings
  EXPECT_EQ(o.optimizer.kind, "sgld");
  EXPECT_EQ(o.optimizer.lr, 1e-4);
  EXPECT_EQ(o.optimizer.inverse_temperature, 1e14);
  EXPECT_EQ(o.samples, 50000);
  EXPECT_EQ(o.batch, 128);
  EXPECT_EQ(o.epochs, 200);
  EXPECT_EQ(o.sampler_points, 1000);
  EXPECT_FALSE(o.noise_on_last_step);
  const auto pred = gaussian_mean_expected_theta(o);
  ASSERT_EQ(pred.size(), 200u);
  const Vector mu = bruno_authors_mu();
  const double c = bruno_loss_curvature(2, 0);
  EXPECT_NEAR(c, 0.1204630231, 1e-10);  // docs/theory.md 4.3
  const double table[3][3] = {
      {0, -0.011578, -0.008368}, {2, -0.034410, -0.024868}, {160, -0.963888, -0.696608}};
  for (const auto& row : table) {
    const auto e = static_cast<std::size_t>(row[0]);
    const Vector closed = bruno_sgld_mean(Vector::Zero(2), mu, 1e-4, c, 391LL * (row[0] + 1));
    EXPECT_LT((pred[e] - closed).norm(), 1e-12) << "epoch " << e;
    EXPECT_NEAR(pred[e](0), row[1], 5e-7) << "epoch " << e;  // table has 6 decimals
    EXPECT_NEAR(pred[e](1), row[2], 5e-7) << "epoch " << e;
  }
  // Optimizers whose mean dynamics are not linear get no prediction.
  GaussianMeanExampleOptions adam = o;
  adam.optimizer = gaussian_mean_optimizer_preset("adam");
  EXPECT_TRUE(gaussian_mean_expected_theta(adam).empty());
}

TEST(GaussianMeanExample, AdamAndTuslaReachTheSampleMean) {
  // The empirical loss is minimised at the data mean Xbar (given the data, the conditional mean
  // gradient is 2 c (theta - Xbar)); M |Xbar - mu|^2 ~ chi^2_2, so |Xbar - mu| <= 5 sqrt(d / M)
  // = 0.158 except with probability e^{-25}. The optimizer's own fluctuation around Xbar is
  // small with batch 500: near the optimum r has variance e^{-2tau} per coordinate, so a
  // per-sample gradient coordinate has variance 4 E[sigma^2 e^{-4tau}] = 4 (E e^{-4tau} -
  // E e^{-6tau}) = 4 (0.125 - 0.083) = 0.167, the batch mean 3.3e-4; with step lr_eff <= 0.1
  // (tusla's tamed step) the stationary variance is ~ lr_eff 3.3e-4 / (4 c) = 7e-5, SD 0.008.
  // Adam's rate decays to 0. Tolerance 0.158 + 5 * 0.008 * sqrt(2) ~ 0.22 -> 0.25.
  for (const char* kind : {"adam", "tusla"}) {
    GaussianMeanExampleOptions o;
    o.samples = 2000;
    o.batch = 500;
    o.epochs = 200;  // 800 steps
    o.optimizer = gaussian_mean_optimizer_preset(kind);
    o.optimizer.lr = std::string(kind) == "adam" ? 0.02 : 0.1;
    if (std::string(kind) == "adam") {
      o.optimizer.decay = "cosine";
      o.optimizer.decay_steps = 800;
    }
    o.seed = 5;
    const GaussianMeanTraining tr = train_gaussian_mean(o);
    EXPECT_LT((tr.theta_history.back() - o.resolved_mu()).norm(), 0.25) << kind;
    // ... and they did move: from |theta_0 - mu| = |mu| = 1.52.
    EXPECT_GT(o.resolved_mu().norm(), 1.5);
  }
}

TEST(GaussianMeanExample, DeterministicForASeed) {
  GaussianMeanExampleOptions o = small_sgld(0.05, 300, 32, 2);
  o.seed = 3;
  const auto a = train_gaussian_mean(o), b = train_gaussian_mean(o);
  EXPECT_TRUE((a.theta_history.back().array() == b.theta_history.back().array()).all());
  o.seed = 4;
  const auto c = train_gaussian_mean(o);
  EXPECT_NE(a.theta_history.back()(0), c.theta_history.back()(0));
  EXPECT_EQ(a.steps_per_epoch, 10);  // ceil(300 / 32)
}

TEST(GaussianMeanExampleOptions, ValidationAndJson) {
  auto bad = [](auto mutate, const std::string& needle) {
    GaussianMeanExampleOptions o;
    mutate(o);
    expect_error([&] { o.validate(); }, needle);
  };
  bad([](GaussianMeanExampleOptions& o) { o.d = 0; }, "d must be >= 1");
  bad([](GaussianMeanExampleOptions& o) { o.mu = Vector::Zero(3); }, "mu has 3 entries but d = 2");
  bad([](GaussianMeanExampleOptions& o) { o.samples = 0; }, "samples");
  bad([](GaussianMeanExampleOptions& o) { o.batch = 60000; }, "batch must be in [1, samples");
  bad([](GaussianMeanExampleOptions& o) { o.epochs = 0; }, "epochs");
  bad([](GaussianMeanExampleOptions& o) { o.optimizer.lr = -1; }, "optimizer.lr");
  bad([](GaussianMeanExampleOptions& o) { o.T = 0; }, "T must be > 0");
  bad([](GaussianMeanExampleOptions& o) { o.eps = 2; }, "eps must be in [0, T");
  bad([](GaussianMeanExampleOptions& o) { o.sampler_points = 1; }, "sampler_points");
  bad([](GaussianMeanExampleOptions& o) { o.aux_particles = 1; }, "aux_particles");
  expect_error([] { gaussian_mean_optimizer_preset("theopoula"); },
               "unknown optimizer preset 'theopoula' (valid: sgld, adam, tusla)");

  using nlohmann::json;
  const auto o = GaussianMeanExampleOptions::from_json(
      json{{"mu", {1.0, 2.0, 3.0}}, {"optimizer", "adam"}, {"epochs", 100}, {"seed", 9}});
  EXPECT_EQ(o.d, 3);
  EXPECT_EQ(o.optimizer.kind, "adam");
  EXPECT_EQ(o.optimizer.lr, 5e-5);
  EXPECT_EQ(o.epochs, 100);
  EXPECT_EQ(GaussianMeanExampleOptions::from_json(o.to_json()).to_json(), o.to_json());
  const auto p = GaussianMeanExampleOptions::from_json(
      json{{"optimizer", {{"kind", "tusla"}, {"lr", 0.01}}}, {"noise_on_last_step", true}});
  EXPECT_EQ(p.optimizer.kind, "tusla");
  EXPECT_TRUE(p.noise_on_last_step);
  expect_error(
      [] {
        GaussianMeanExampleOptions::from_json(json{{"epoch", 3}});
      },
      "unknown key \"epoch\"");
  expect_error(
      [] {
        GaussianMeanExampleOptions::from_json(json{{"optimizer", "lbfgs"}});
      },
      "unknown optimizer preset 'lbfgs'");
  expect_error(
      [] {
        GaussianMeanExampleOptions::from_json(json{{"optimizer", {{"kind", "lbfgs"}}}});
      },
      "unknown optimizer 'lbfgs' (valid: sgd, adam, adamw, sgld, tusla)");
  expect_error(
      [] {
        GaussianMeanExampleOptions::from_json(json{{"d", 3}, {"mu", {1.0}}});
      },
      "mu has 1 entries but d = 3");
  expect_error(
      [] {
        GaussianMeanExampleOptions::from_json(json{{"noise_on_last_step", 1}});
      },
      "noise_on_last_step");
}

}  // namespace
}  // namespace difflab
