// SK Gibbs measure: exact enumeration against closed forms, Glauber against exact enumeration,
// and the stochastic-localization sampler against the replica-symmetric values and against
// Glauber on the same instance (docs/applications.md (a) "Reference quantities").
//
// Fluctuation scale used for the tolerances (docs/applications.md (a), specific heat): under the
// Gibbs measure Var((1/2)<x, W x>)/n -> 1/2, so one sample's energy density e = (1/(2n))<x,W x>
// has sd ~ 1/sqrt(2n) and the mean of S independent samples has SE 1/sqrt(2 n S). Across
// instances the quenched mean <e> itself fluctuates by O(1/n) (log Z has O(1) fluctuations at
// high temperature), and finite-n corrections are O(1/n): we allow 2/n for both.
#include "difflab/apps/sk_model.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "difflab/apps/glauber.hpp"
#include "difflab/apps/goe.hpp"
#include "difflab/core/parallel.hpp"

namespace difflab::apps {
namespace {

TEST(SkModel, ExactEnumerationAtBetaZeroIsTheUniformLaw) {
  // Uniform x: <e> = tr(W)/(2n); Var(e) = sum_{i<j} W_ij^2 / n^2; n <R12^2> = (1/n) tr(I) = 1.
  const Index n = 10;
  const Matrix W = sample_goe(n, CounterRng(1));
  const SkExact ex = sk_exact(W, 0.0);
  double off = 0;
  for (Index i = 0; i < n; ++i)
    for (Index j = i + 1; j < n; ++j) off += W(i, j) * W(i, j);
  EXPECT_NEAR(ex.mean_energy, W.trace() / (2.0 * n), 1e-12);
  EXPECT_NEAR(ex.energy_sd, std::sqrt(off) / n, 1e-12);
  EXPECT_NEAR(ex.n_overlap2, 1.0, 1e-12);
}

TEST(SkModel, ExactEnumerationOfTwoSpins) {
  // n = 2 by hand: e(x) = (W11 + W22 + 2 W12 x1 x2)/4 takes a = (W11+W22)/4 + W12/2 on the two
  // aligned states and b = a - W12 on the two anti-aligned ones; weights exp(2 beta e).
  Matrix W(2, 2);
  W << 0.3, -0.8, -0.8, 0.1;
  const double beta = 0.7;
  const double a = (0.3 + 0.1) / 4 - 0.4, b = a + 0.8;
  const double wa = std::exp(2 * beta * a), wb = std::exp(2 * beta * b);
  const double mean = (wa * a + wb * b) / (wa + wb);
  const double c12 = (wa - wb) / (wa + wb);  // <x1 x2>
  const SkExact ex = sk_exact(W, beta);
  EXPECT_NEAR(ex.mean_energy, mean, 1e-14);
  EXPECT_NEAR(ex.n_overlap2, (2.0 + 2.0 * c12 * c12) / 2.0, 1e-14);
}

TEST(SkModel, GlauberMatchesExactEnumeration) {
  // 400 independent chains of 60 sweeps at n = 12: their final states are (up to a vanishing
  // burn-in bias at this size) independent Gibbs samples, so the mean energy has SE
  // sd_exact / sqrt(400).
  const Index n = 12;
  const double beta = 0.8;
  const Matrix W = sample_goe(n, CounterRng(7));
  const SkExact ex = sk_exact(W, beta);
  const Matrix X = glauber_chains(W, beta, 400, 60, CounterRng(8));
  const double mean = sk_energy_density(W, X).mean();
  EXPECT_NEAR(mean, ex.mean_energy, 4 * ex.energy_sd / std::sqrt(400.0));
  // A wrong sign of the coupling would move the mean by about 2 beta Var, far outside.
  const SkExact wrong = sk_exact(W, -beta);
  EXPECT_GT(std::abs(wrong.mean_energy - ex.mean_energy), 8 * ex.energy_sd / std::sqrt(400.0));
}

TEST(SkModel, SlSamplerAtBetaZeroIsExact) {
  // beta = 0: the AMP mean is tanh(y) exactly, so SL samples the uniform law; compare with the
  // exact uniform-law mean and sd of e computed in closed form.
  const Index n = 60;
  const Matrix W = sample_goe(n, CounterRng(2));
  SlOptions o;
  o.samples = 64;
  o.T = 4;
  o.delta = 0.2;
  const SlResult r = sl_sample(W, 0.0, Vector::Zero(n), o, CounterRng(3));
  double off = 0;
  for (Index i = 0; i < n; ++i)
    for (Index j = i + 1; j < n; ++j) off += W(i, j) * W(i, j);
  const double sd = std::sqrt(off) / n;
  EXPECT_NEAR(sk_energy_density(W, r.X).mean(), W.trace() / (2.0 * n), 4 * sd / 8.0);
  EXPECT_NEAR(n_mean_pair_overlap2(r.X), 1.0, 4 * std::sqrt(2.0 / (64 * 63 / 2)));
}

// One instance, shared by the next tests: n = 200, beta = 0.6, 32 samples.
struct SkRun {
  Matrix W;
  SlResult res;
  static const SkRun& get() {
    static const SkRun run = [] {
      SkRun r;
      r.W = sample_goe(200, CounterRng(21));
      SlOptions o;
      o.samples = 32;
      o.T = 6;
      o.delta = 0.1;
      o.amp.amp_iterations = 15;
      r.res = sl_sample(r.W, 0.6, Vector::Zero(200), o, CounterRng(22));
      return r;
    }();
    return run;
  }
};

TEST(SkModel, SlSamplerEnergyNearBetaOverTwo) {
  const SkRun& r = SkRun::get();
  const double n = 200, S = 32, beta = 0.6;
  const double tol = 4 / std::sqrt(2 * n * S) + 2 / n;
  EXPECT_NEAR(sk_energy_density(r.W, r.res.X).mean(), beta / 2, tol);
}

TEST(SkModel, SlSamplerOverlapVariance) {
  // n E[R12^2] -> 1/(1 - beta^2) = 1.5625. With sqrt(n) R_ab ~ N(0, v), n R_ab^2 has variance
  // 2 v^2, and pairs sharing a sample are uncorrelated to leading order (E[(x_a^T C x_a)^2] ≈
  // (tr C^2)^2), so the mean over P = 496 pairs has SE ≈ v sqrt(2 / P) = 0.099; plus O(1/sqrt n)
  // finite-size corrections of the overlap law, bounded by v / sqrt(n) = 0.11.
  const SkRun& r = SkRun::get();
  const double v = 1 / (1 - 0.36);
  const double tol = 4 * v * std::sqrt(2.0 / 496) + v / std::sqrt(200.0);
  EXPECT_NEAR(n_mean_pair_overlap2(r.res.X), v, tol);
}

TEST(SkModel, SlSamplerAgreesWithGlauberOnTheSameInstance) {
  // Same instance: no disorder term; both means have SE ≈ 1/sqrt(2 n S) with S = 32.
  const SkRun& r = SkRun::get();
  const Matrix G = glauber_chains(r.W, 0.6, 32, 200, CounterRng(23));
  const double se = std::sqrt(2.0 / (2 * 200.0 * 32));
  EXPECT_NEAR(sk_energy_density(r.W, r.res.X).mean(), sk_energy_density(r.W, G).mean(),
              4 * se + 1 / 200.0);
}

TEST(SkModel, SlSamplerAgainstExactEnumerationAtSmallN) {
  // Ground truth by enumeration at n = 16. SE of the mean of S = 256 samples is sd_exact / 16.
  // The SL sampler is only asymptotically exact: its AMP mean carries a finite-n error, and we
  // allow a 1/n bias for it (an assumption, not derived; measured bias -0.02 at this instance).
  const Index n = 16;
  const double beta = 0.6;
  const Matrix W = sample_goe(n, CounterRng(21));
  const SkExact ex = sk_exact(W, beta);
  SlOptions o;
  o.samples = 256;
  o.T = 8;
  o.delta = 0.1;
  o.amp.amp_iterations = 15;
  const SlResult r = sl_sample(W, beta, Vector::Zero(n), o, CounterRng(22));
  EXPECT_NEAR(sk_energy_density(W, r.X).mean(), ex.mean_energy, 4 * ex.energy_sd / 16.0 + 1.0 / n);
}

TEST(SkModel, SamplesAreBitIdenticalForAnyThreadCount) {
  const Matrix W = sample_goe(40, CounterRng(4));
  SlOptions o;
  o.samples = 5;
  o.T = 2;
  o.delta = 0.25;
  const int before = thread_count();
  set_threads(1);
  const SlResult a = sl_sample(W, 0.5, Vector::Zero(40), o, CounterRng(5));
  const Matrix ga = glauber_chains(W, 0.5, 5, 3, CounterRng(6));
  set_threads(2);
  const SlResult b = sl_sample(W, 0.5, Vector::Zero(40), o, CounterRng(5));
  const Matrix gb = glauber_chains(W, 0.5, 5, 3, CounterRng(6));
  set_threads(before);
  EXPECT_TRUE(a.X == b.X);
  EXPECT_TRUE(a.final_mean == b.final_mean);
  EXPECT_TRUE(ga == gb);
}

TEST(SkModel, GoeConvention) {
  // W_ij ~ N(0, 1/n) off the diagonal, N(0, 2/n) on it (docs/applications.md section 0): the sums
  // of squares over n(n-1)/2 off-diagonal and n diagonal entries, scaled, are chi-square means 1
  // with relative SE sqrt(2/count).
  const Index n = 300;
  const Matrix W = sample_goe(n, CounterRng(9));
  EXPECT_TRUE(W.isApprox(W.transpose(), 0));
  double off = 0;
  for (Index i = 0; i < n; ++i)
    for (Index j = i + 1; j < n; ++j) off += W(i, j) * W(i, j) * n;
  const double m_off = n * (n - 1) / 2.0;
  EXPECT_NEAR(off / m_off, 1.0, 4 * std::sqrt(2 / m_off));
  const double diag = W.diagonal().squaredNorm() * n / 2.0;
  EXPECT_NEAR(diag / n, 1.0, 4 * std::sqrt(2.0 / n));
}

}  // namespace
}  // namespace difflab::apps
