// Tests of the Langevin MCMC samplers (ula, mala, annealed-langevin) against analytic truth:
// the closed-form stationary law of ULA on a Gaussian target (an AR(1) / linear recursion,
// derived below), MALA's exact invariance, the per-level step rule of annealed Langevin with
// the noise switched off, and the mode-weight experiment of Song & Ermon 2019 (Fig. 3) in
// miniature.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "difflab/core/dense_decompositions.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/annealed_langevin.hpp"
#include "difflab/sampler/mala.hpp"
#include "difflab/sampler/unadjusted_langevin.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

// Noise switched off: the samplers become deterministic recursions with a closed form.
class ZeroNoise final : public NoiseSource {
 public:
  void normal(MatrixRef Z, std::uint64_t, std::uint64_t, RngUse) const override { Z.setZero(); }
  double uniform(std::uint64_t, std::uint64_t, RngUse) const override { return 0.5; }
};

// A score model without a log-density (MALA must refuse it).
class NoDensityScore final : public ScoreModel {
 public:
  NoDensityScore() : ScoreModel(std::make_shared<OrnsteinUhlenbeck>()) {}
  Index dim() const override { return 1; }
  std::string name() const override { return "no-density"; }
  nlohmann::json to_json() const override { return {{"type", "no-density"}}; }

 protected:
  void evaluate(double, ConstMatrixRef X, MatrixRef out) const override { out = -X; }
};

// ULA and MALA sample q_delta: a grid ending at 0 makes that the target itself.
TimeGrid target_grid() { return TimeGrid({1.0, 0.0}, "to-target"); }

Vector sample_mean(const Matrix& X) { return X.rowwise().mean(); }
Matrix sample_cov(const Matrix& X) {
  const Matrix C = X.colwise() - sample_mean(X);
  return C * C.transpose() / static_cast<double>(X.cols() - 1);
}

// --- ULA on a Gaussian: the stationary law in closed form ---------------------------------
//
// Target N(mu, s^2), score -(y - mu)/s^2. One ULA step is
//   Y' = Y - (h/s^2)(Y - mu) + sqrt(2h) xi = a Y + (1 - a) mu + sqrt(2h) xi,  a = 1 - h/s^2,
// an AR(1) recursion. For |a| < 1 (h < 2 s^2): the mean m_k = mu + a^k (m_0 - mu) -> mu and the
// variance v_{k+1} = a^2 v_k + 2h -> v* = 2h/(1 - a^2). With 1 - a^2 = (h/s^2)(2 - h/s^2):
//   v* = 2 s^2 / (2 - h/s^2) = s^2 / (1 - h/(2 s^2)) > s^2:
// ULA is biased upwards by a factor 1/(1 - h/(2 s^2)). Starting from the point m_0 with v_0 = 0,
// v_k = v* (1 - a^{2k}).
TEST(UnadjustedLangevin, GaussianOneDimHasTheBiasedAr1StationaryVariance) {
  const double mu = 1.5, s2 = 0.8, h = 0.4, x0 = 3.0;
  const int K = 60;
  const Index n = 10000;
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  auto target =
      std::make_shared<GaussianTarget>(Vector::Constant(1, mu), Matrix::Constant(1, 1, s2));
  ExactScore score(target, process);
  SamplerOptions options;
  options.langevin_step = h;
  options.langevin_steps = K;
  Matrix X = Matrix::Constant(1, n, x0);
  const SamplerSummary summary =
      UnadjustedLangevin().sample(score, target_grid(), X, options, CounterNoise(42));
  const double a = 1 - h / s2;
  const double v_star = s2 / (1 - h / (2 * s2));
  const double v_K = v_star * (1 - std::pow(a, 2 * K));
  const double m_K = mu + std::pow(a, K) * (x0 - mu);
  // Standard errors of the sample mean and variance of n i.i.d. N(m_K, v_K) draws.
  const double se_mean = std::sqrt(v_K / n);
  const double se_var = v_K * std::sqrt(2.0 / (n - 1));
  EXPECT_NEAR(sample_mean(X)(0), m_K, 5 * se_mean);
  const double var = sample_cov(X)(0, 0);
  EXPECT_NEAR(var, v_K, 5 * se_var);
  EXPECT_GT(std::abs(var - s2), 10 * se_var) << "the ULA bias should be visible at h = " << h;
  EXPECT_EQ(summary.nfe, K);
  EXPECT_EQ(summary.steps, static_cast<std::size_t>(K));
  EXPECT_LT(summary.acceptance_rate, 0);  // not a Metropolis sampler
}

// 2-d, non-diagonal Sigma: Y' = A Y + (I - A) mu + sqrt(2h) xi with A = I - h Sigma^{-1}
// (symmetric). The stationary covariance solves the discrete Lyapunov equation
// V = A V A^T + 2h I, i.e. vec(V) = (I - A kron A)^{-1} vec(2h I), solved here directly (no
// eigendecomposition, so independent of the 1-d formula applied per eigenvalue).
Matrix ula_stationary_cov(const Matrix& Sigma, double h) {
  const Index d = Sigma.rows();
  const Matrix A = Matrix::Identity(d, d) - h * Sigma.inverse();
  Matrix K(d * d, d * d);
  for (Index i = 0; i < d; ++i)
    for (Index j = 0; j < d; ++j) K.block(i * d, j * d, d, d) = A(i, j) * A;
  const Matrix rhs = 2 * h * Matrix::Identity(d, d);
  const Vector vecV = (Matrix::Identity(d * d, d * d) - K)
                          .partialPivLu()
                          .solve(Eigen::Map<const Vector>(rhs.data(), d * d));
  return Eigen::Map<const Matrix>(vecV.data(), d, d);
}

struct Gaussian2 {
  Vector mu{Vector(2)};
  Matrix Sigma{Matrix(2, 2)};
  Gaussian2() {
    mu << -1.0, 2.0;
    Sigma << 1.0, 0.6, 0.6, 0.8;  // eigenvalues 0.9 -/+ sqrt(0.37): 0.292, 1.508
  }
};

// Checks every entry of the sample covariance against V within 5 standard errors; for Gaussian
// data Var(X_i X_j) = V_ii V_jj + V_ij^2, so SE_ij = sqrt((V_ii V_jj + V_ij^2) / n).
void expect_cov_near(const Matrix& X, const Matrix& V) {
  const Matrix C = sample_cov(X);
  const double n = static_cast<double>(X.cols());
  for (Index i = 0; i < V.rows(); ++i)
    for (Index j = 0; j < V.cols(); ++j) {
      const double se = std::sqrt((V(i, i) * V(j, j) + V(i, j) * V(i, j)) / n);
      EXPECT_NEAR(C(i, j), V(i, j), 5 * se) << "entry (" << i << ", " << j << ")";
    }
}

TEST(UnadjustedLangevin, GaussianTwoDimNonDiagonalHasTheLyapunovStationaryCovariance) {
  const Gaussian2 g;
  const double h = 0.2;  // < 2 lambda_min = 0.58
  const Index n = 10000;
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  auto target = std::make_shared<GaussianTarget>(g.mu, g.Sigma);
  ExactScore score(target, process);
  SamplerOptions options;
  options.langevin_step = h;
  options.langevin_steps = 100;  // |A| <= 1 - h/1.508 = 0.867; 0.867^200 ~ 4e-13
  Matrix X = g.mu.replicate(1, n);
  UnadjustedLangevin().sample(score, target_grid(), X, options, CounterNoise(7));
  const Matrix V = ula_stationary_cov(g.Sigma, h);
  // Cross-check of the Lyapunov solution: A commutes with Sigma, so in Sigma's eigenbasis each
  // coordinate is the 1-d AR(1) above, with variance lambda / (1 - h / (2 lambda)).
  const SymmetricEigen eig = symmetric_eigen(g.Sigma);
  ASSERT_TRUE(eig.ok);
  const Matrix Vd = eig.vectors.transpose() * V * eig.vectors;
  for (Index i = 0; i < 2; ++i) {
    const double lambda = eig.values(i);
    EXPECT_NEAR(Vd(i, i), lambda / (1 - h / (2 * lambda)), 1e-12);
  }
  EXPECT_NEAR(Vd(0, 1), 0.0, 1e-12);
  expect_cov_near(X, V);
  // The bias is visible: V(1,1) - Sigma(1,1) ~ 0.133, about 10 standard errors of the sample
  // variance at n = 10000; the sample variance must exceed Sigma(1,1) by more than 4 SE.
  const double se11 = V(1, 1) * std::sqrt(2.0 / (n - 1));
  EXPECT_GT(V(1, 1) - g.Sigma(1, 1), 9 * se11);
  EXPECT_GT(sample_cov(X)(1, 1) - g.Sigma(1, 1), 4 * se11);
  for (Index i = 0; i < 2; ++i) EXPECT_NEAR(sample_mean(X)(i), g.mu(i), 5 * std::sqrt(V(i, i) / n));
}

// --- MALA: exactly invariant, so no bias -----------------------------------------------------
TEST(Mala, GaussianOneDimIsUnbiased) {
  const double mu = 1.5, s2 = 0.8, h = 0.4;  // the step at which ULA's variance is 1.0667
  const Index n = 10000;
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  auto target =
      std::make_shared<GaussianTarget>(Vector::Constant(1, mu), Matrix::Constant(1, 1, s2));
  ExactScore score(target, process);
  SamplerOptions options;
  options.langevin_step = h;
  options.langevin_steps = 100;
  Matrix X = Matrix::Constant(1, n, 3.0);  // started away from the target
  const SamplerSummary summary = Mala().sample(score, target_grid(), X, options, CounterNoise(3));
  const double se_var = s2 * std::sqrt(2.0 / (n - 1));
  EXPECT_NEAR(sample_cov(X)(0, 0), s2, 5 * se_var);
  EXPECT_NEAR(sample_mean(X)(0), mu, 5 * std::sqrt(s2 / n));
  EXPECT_GT(summary.acceptance_rate, 0.0);
  EXPECT_LT(summary.acceptance_rate, 1.0);
  EXPECT_EQ(summary.nfe, options.langevin_steps + 1);
  EXPECT_EQ(summary.steps, 100u);
  EXPECT_EQ(summary.to_json().at("acceptance_rate"), summary.acceptance_rate);
}

TEST(Mala, GaussianTwoDimNonDiagonalIsUnbiased) {
  const Gaussian2 g;
  const double h = 0.2;
  const Index n = 6000;
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  auto target = std::make_shared<GaussianTarget>(g.mu, g.Sigma);
  ExactScore score(target, process);
  SamplerOptions options;
  options.langevin_step = h;
  options.langevin_steps = 100;
  Matrix X = g.mu.replicate(1, n);
  const SamplerSummary summary = Mala().sample(score, target_grid(), X, options, CounterNoise(5));
  expect_cov_near(X, g.Sigma);
  EXPECT_GT(summary.acceptance_rate, 0.0);
  EXPECT_LT(summary.acceptance_rate, 1.0);
}

TEST(Mala, RefusesAScoreWithoutLogDensity) {
  NoDensityScore score;
  Matrix X = Matrix::Zero(1, 4);
  try {
    Mala().sample(score, target_grid(), X, SamplerOptions{}, CounterNoise(1));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has no log-density"), std::string::npos) << e.what();
  }
}

// --- Annealed Langevin: the step rules, with the noise off -----------------------------------
//
// Target N(0, 1) under OU: q_t = N(0, 1) for every t, score -x. Without noise each Langevin step
// multiplies by (1 - alpha_i), so after the run x = x_0 prod_i (1 - alpha_i)^M.
TEST(AnnealedLangevin, StepRulesWithoutNoise) {
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  auto target = std::make_shared<GaussianTarget>(Vector::Zero(1), Matrix::Identity(1, 1));
  ExactScore score(target, process);
  const std::vector<double> times{2.0, 0.5, 0.1, 0.02};
  const TimeGrid grid(times, "levels");
  const int M = 3;
  const double eps = 0.01;
  SamplerOptions options;
  options.langevin_step = eps;
  options.langevin_steps = M;
  // "se19": alpha_i = eps sigma_i^2 / sigma_L^2, sigma^2(t) = 1 - e^{-2t}, sigma_L at t = 0.02.
  {
    double expected = 1.0;
    const double s2_last = 1 - std::exp(-2 * 0.02);
    for (double t : times) expected *= std::pow(1 - eps * (1 - std::exp(-2 * t)) / s2_last, M);
    Matrix X = Matrix::Ones(1, 3);
    const SamplerSummary s = AnnealedLangevin().sample(score, grid, X, options, ZeroNoise());
    EXPECT_NEAR(X(0, 2), expected, 1e-14);
    EXPECT_EQ(s.nfe, 4 * M);
    EXPECT_EQ(s.steps, static_cast<std::size_t>(4 * M));
  }
  // "constant": alpha_i = eps.
  {
    options.annealed_step_rule = "constant";
    Matrix X = Matrix::Ones(1, 3);
    AnnealedLangevin().sample(score, grid, X, options, ZeroNoise());
    EXPECT_NEAR(X(0, 0), std::pow(1 - eps, 4 * M), 1e-14);
  }
}

// A level at t = 0 has sigma = 0: step 0 under "se19" (skipped, no evaluations), eps under
// "constant". The callback reports each grid step once per block, after its lower level.
TEST(AnnealedLangevin, LevelAtTimeZeroAndCallback) {
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  auto target = std::make_shared<GaussianTarget>(Vector::Zero(1), Matrix::Identity(1, 1));
  ExactScore score(target, process);
  const TimeGrid grid({1.0, 0.3, 0.0}, "to-zero");
  SamplerOptions options;
  options.langevin_steps = 5;
  std::vector<StepInfo> calls;
  options.on_step = [&](const StepInfo& info, Index, ConstMatrixRef) { calls.push_back(info); };
  Matrix X = Matrix::Ones(1, 2);
  SamplerSummary s = AnnealedLangevin().sample(score, grid, X, options, CounterNoise(1));
  EXPECT_EQ(s.nfe, 2 * 5);  // levels t = 1 and 0.3
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].step, 0u);
  EXPECT_EQ(calls[0].t_from, 1.0);
  EXPECT_EQ(calls[0].t_to, 0.3);
  EXPECT_EQ(calls[1].t_to, 0.0);
  options.annealed_step_rule = "constant";
  s = AnnealedLangevin().sample(score, grid, X, options, CounterNoise(1));
  EXPECT_EQ(s.nfe, 3 * 5);
}

TEST(AnnealedLangevin, RejectsUnknownStepRule) {
  SamplerOptions options;
  options.annealed_step_rule = "song";
  EXPECT_THROW(options.validate(), Error);
}

TEST(UnadjustedLangevin, CallbackEveryIterationAtDelta) {
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  auto target = std::make_shared<GaussianTarget>(Vector::Zero(1), Matrix::Identity(1, 1));
  ExactScore score(target, process);
  SamplerOptions options;
  options.langevin_steps = 4;
  std::vector<StepInfo> calls;
  options.on_step = [&](const StepInfo& info, Index, ConstMatrixRef) { calls.push_back(info); };
  Matrix X = Matrix::Zero(1, 3);
  UnadjustedLangevin().sample(score, TimeGrid({1.0, 0.25}, "g"), X, options, CounterNoise(1));
  ASSERT_EQ(calls.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(calls[i].step, i);
    EXPECT_EQ(calls[i].t_from, 0.25);
    EXPECT_EQ(calls[i].t_to, 0.25);
  }
}

// --- Song & Ermon 2019, Fig. 3 in miniature ---------------------------------------------------
//
// Target q = 0.2 N(-5, 1) + 0.8 N(5, 1); particles start uniform on [-8, 8]. Under OU each
// component stays unit-variance: q_t = 0.2 N(-5 a, 1) + 0.8 N(5 a, 1), a = e^{-t}.
//  - ULA on q_delta cannot cross the barrier between the modes (log q drops by ~12 between them,
//    so crossings take ~e^{12} time units): a particle stays on the side where it started. The
//    barrier x* solves x = 5 tanh(5x + log(2)) (the score of q is zero there): x* ~ -0.144,
//    so the left fraction is P(U < x*) = (8 + x*)/16 ~ 0.491.
//  - annealed Langevin starts on nearly N(0, 1) (t = 3) and follows q_t as the modes separate,
//    so the left fraction is the left weight 0.2.
// Tolerances: 4 binomial standard errors sqrt(p(1 - p)/n) plus a stated margin: 0.02 for ULA
// (particles that start near x* can go either way in the first steps) and 0.03 for annealed
// Langevin (finitely many levels and steps per level, discretisation bias; over 10 noise seeds
// this setting gave a mean left fraction of 0.218, a bias of about 0.02).
TEST(AnnealedLangevin, RecoversModeWeightsWhereUlaDoesNot) {
  GaussianMixtureTarget::Component left, right;
  left.mean = Vector::Constant(1, -5.0);
  left.variances = Vector::Ones(1);
  right.mean = Vector::Constant(1, 5.0);
  right.variances = Vector::Ones(1);
  auto target = std::make_shared<GaussianMixtureTarget>(
      std::vector<double>{0.2, 0.8}, std::vector<GaussianMixtureTarget::Component>{left, right});
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  ExactScore score(target, process);
  // Levels geometric in t from 3 down to delta with sigma^2(delta) = 0.05.
  const int levels = 10;
  const double T = 3.0, delta = -0.5 * std::log(0.95);
  std::vector<double> times;
  for (int i = 0; i < levels; ++i)
    times.push_back(T * std::pow(delta / T, static_cast<double>(i) / (levels - 1)));
  const TimeGrid grid(times, "geometric");
  const Index n = 1000;
  Matrix X0(1, n);
  const CounterRng init(99);
  for (Index j = 0; j < n; ++j)
    X0(0, j) = -8.0 + 16.0 * init.stream(RngUse::kInitial, static_cast<std::uint64_t>(j)).uniform();
  auto left_fraction = [](const Matrix& X) { return (X.array() < 0).cast<double>().mean(); };
  const double nn = static_cast<double>(n);

  // Annealed: eps = 0.02, first step 0.02 * 0.9975 / 0.05 ~ 0.4, 60 steps per level.
  SamplerOptions annealed_options;
  annealed_options.langevin_step = 0.02;
  annealed_options.langevin_steps = 60;
  Matrix Xa = X0;
  AnnealedLangevin().sample(score, grid, Xa, annealed_options, CounterNoise(11));
  const double tol_annealed = 4 * std::sqrt(0.2 * 0.8 / nn) + 0.03;
  EXPECT_NEAR(left_fraction(Xa), 0.2, tol_annealed);

  // ULA on q_delta with the same number of evaluations (time 600 * 0.05 = 30, far more than
  // the O(1) mixing time within a mode).
  SamplerOptions ula_options;
  ula_options.langevin_step = 0.05;
  ula_options.langevin_steps = levels * 60;
  Matrix Xu = X0;
  UnadjustedLangevin().sample(score, grid, Xu, ula_options, CounterNoise(11));
  const double x_star = -0.144;
  const double tol_ula = 4 * std::sqrt(0.25 / nn) + 0.02;
  EXPECT_NEAR(left_fraction(Xu), (8 + x_star) / 16, tol_ula);
  // Sharper: ULA keeps each particle on the side of x* where it started, so its left fraction
  // is the initial fraction left of x* up to the few particles starting next to the barrier.
  EXPECT_NEAR(left_fraction(Xu), (X0.array() < x_star).cast<double>().mean(), 0.02);
}

// --- Reproducibility: same bits for any thread count and block size ---------------------------
TEST(LangevinSamplers, BitIdenticalAcrossThreadsAndBlockSizes) {
  GaussianMixtureTarget::Component a, b;
  a.mean = Vector::Constant(2, -1.0);
  a.variances = Vector::Constant(2, 0.5);
  b.mean = Vector::Constant(2, 1.5);
  b.variances = Vector::Constant(2, 0.3);
  auto target = std::make_shared<GaussianMixtureTarget>(
      std::vector<double>{0.4, 0.6}, std::vector<GaussianMixtureTarget::Component>{a, b});
  auto process = std::make_shared<OrnsteinUhlenbeck>();
  ExactScore score(target, process);
  const TimeGrid grid({1.0, 0.4, 0.1, 0.01}, "levels");
  const Index n = 300;
  Matrix X0(2, n);
  CounterRng(4).fill_normal(X0, RngUse::kInitial, 0, 0);
  const int before = thread_count();
  std::vector<std::unique_ptr<Sampler>> samplers;
  samplers.push_back(std::make_unique<UnadjustedLangevin>());
  samplers.push_back(std::make_unique<Mala>());
  samplers.push_back(std::make_unique<AnnealedLangevin>());
  for (const auto& sampler : samplers) {
    SamplerOptions options;
    options.langevin_steps = 6;
    options.langevin_step = 0.1;
    Matrix reference = X0;
    set_threads(1);
    options.block_size = 256;
    const double rate =
        sampler->sample(score, grid, reference, options, CounterNoise(8)).acceptance_rate;
    for (int threads : {1, 2}) {
      for (Index block : {1, 7, 256}) {
        set_threads(threads);
        options.block_size = block;
        Matrix X = X0;
        const SamplerSummary s = sampler->sample(score, grid, X, options, CounterNoise(8));
        EXPECT_TRUE(X == reference)
            << sampler->name() << " threads=" << threads << " block=" << block;
        EXPECT_EQ(s.acceptance_rate, rate);
      }
    }
    EXPECT_GT((reference - X0).norm(), 0.1) << sampler->name() << " did not move";
  }
  set_threads(before);
}

}  // namespace
}  // namespace difflab
