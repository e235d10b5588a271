// Tests of the optimizers against hand-computed updates (the arithmetic is written out), the
// learning-rate schedule, clipping, EMA, bit-identical resume, the SGLD noise variance, and
// convergence on a strongly convex quadratic.
#include "difflab/train/optimizer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "core/expect_error.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/train/gradient_clipping.hpp"
#include "difflab/train/learning_rate_schedule.hpp"

namespace difflab {
namespace {

constexpr std::uint64_t kNoiseBase = std::uint64_t{1} << 62;  // documented in optimizer.hpp

// The documented noise of parameter block b (1024 entries) at optimizer step `step`.
Vector expected_noise(std::uint64_t seed, std::uint64_t block, std::int64_t step, Index count) {
  Vector xi(count);
  RngStream s(seed, RngUse::kTraining, kNoiseBase + block, static_cast<std::uint64_t>(step));
  s.fill_normal(xi.data(), count);
  return xi;
}

Vector vec(std::initializer_list<double> v) {
  Vector out(static_cast<Index>(v.size()));
  Index i = 0;
  for (double x : v) out(i++) = x;
  return out;
}

void expect_vec_near(const Vector& got, const Vector& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (Index i = 0; i < got.size(); ++i) EXPECT_NEAR(got(i), want(i), tol) << "entry " << i;
}

TEST(Optimizer, SgdMomentumFirstThreeSteps) {
  OptimizerOptions o;
  o.kind = "sgd";
  o.lr = 0.1;
  o.momentum = 0.9;
  auto opt = make_optimizer(o, 2);
  Vector p = vec({1.0, -2.0});
  // f(p) = |p|^2 / 2, gradient = p.
  opt->step(p, Vector(p));  // b = (1, -2); p = p - 0.1 b
  expect_vec_near(p, vec({1.0 - 0.1 * 1.0, -2.0 - 0.1 * -2.0}), 1e-15);
  opt->step(p, Vector(p));  // b = 0.9 (1, -2) + (0.9, -1.8) = (1.8, -3.6)
  expect_vec_near(p, vec({0.9 - 0.1 * 1.8, -1.8 - 0.1 * -3.6}), 1e-15);
  opt->step(p, Vector(p));  // b = 0.9 (1.8, -3.6) + (0.72, -1.44) = (2.34, -4.68)
  expect_vec_near(p, vec({0.72 - 0.1 * 2.34, -1.44 - 0.1 * -4.68}), 1e-15);
  EXPECT_EQ(opt->steps_taken(), 3);
}

TEST(Optimizer, AdamFirstThreeSteps) {
  OptimizerOptions o;
  o.kind = "adam";
  o.lr = 0.01;
  auto opt = make_optimizer(o, 1);
  Vector p = vec({1.0});
  const double g[3] = {0.5, -0.2, 0.1};
  double m = 0, v = 0, want = 1.0;
  for (int t = 1; t <= 3; ++t) {
    opt->step(p, vec({g[t - 1]}));
    // Kingma & Ba, Algorithm 1, written out with b1 = 0.9, b2 = 0.999, eps = 1e-8.
    m = 0.9 * m + 0.1 * g[t - 1];
    v = 0.999 * v + 0.001 * g[t - 1] * g[t - 1];
    want -= 0.01 * (m / (1 - std::pow(0.9, t))) / (std::sqrt(v / (1 - std::pow(0.999, t))) + 1e-8);
    EXPECT_NEAR(p(0), want, 1e-15) << "step " << t;
  }
  // Step 1 by hand: m_hat = 0.5, v_hat = 0.25, so p = 1 - 0.01 * 0.5 / (0.5 + 1e-8).
  // Step 2 by hand: m = 0.9 * 0.05 - 0.02 = 0.025, v = 0.999 * 2.5e-4 + 0.001 * 0.04.
  const double p1 = 1 - 0.01 * 0.5 / (0.5 + 1e-8);
  const double p2 = p1 - 0.01 * (0.025 / 0.19) /
                             (std::sqrt((0.999 * 2.5e-4 + 0.001 * 0.04) / (1 - 0.998001)) + 1e-8);
  const double m3 = 0.9 * 0.025 + 0.1 * 0.1;
  const double v3 = 0.999 * (0.999 * 2.5e-4 + 0.001 * 0.04) + 0.001 * 0.01;
  const double p3 = p2 - 0.01 * (m3 / (1 - 0.729)) / (std::sqrt(v3 / (1 - 0.997002999)) + 1e-8);
  EXPECT_NEAR(p(0), p3, 1e-14);
  auto buffers = opt->state_buffers();
  ASSERT_EQ(buffers.size(), 2u);
  EXPECT_NEAR(buffers[0](0), m3, 1e-16);
  EXPECT_NEAR(buffers[1](0), v3, 1e-18);
}

TEST(Optimizer, AdamCoupledVersusAdamWDecoupledWeightDecay) {
  OptimizerOptions o;
  o.lr = 0.01;
  o.weight_decay = 0.1;
  o.kind = "adam";
  auto adam = make_optimizer(o, 1);
  o.kind = "adamw";
  auto adamw = make_optimizer(o, 1);
  Vector pa = vec({1.0}), pw = vec({1.0});
  adam->step(pa, vec({0.5}));
  adamw->step(pw, vec({0.5}));
  // adam: g' = 0.5 + 0.1 * 1 = 0.6, m_hat = 0.6, v_hat = 0.36.
  EXPECT_NEAR(pa(0), 1 - 0.01 * 0.6 / (0.6 + 1e-8), 1e-15);
  // adamw: p = (1 - 0.01 * 0.1) * 1, then the Adam step on g = 0.5.
  EXPECT_NEAR(pw(0), (1 - 0.01 * 0.1) * 1 - 0.01 * 0.5 / (0.5 + 1e-8), 1e-15);
  // Second adamw step with g = 0.5 again: m_hat = 0.5, v_hat = 0.25 (constant gradient).
  const double pw1 = pw(0);
  adamw->step(pw, vec({0.5}));
  EXPECT_NEAR(pw(0), (1 - 0.001) * pw1 - 0.01 * 0.5 / (0.5 + 1e-8), 1e-15);
}

TEST(Optimizer, SgldFirstTwoStepsUseTheKeyedNoise) {
  OptimizerOptions o;
  o.kind = "sgld";
  o.lr = 0.01;
  o.inverse_temperature = 50;
  o.seed = 17;
  const Index n = 1500;  // two noise blocks: [0, 1024) and [1024, 1500)
  auto opt = make_optimizer(o, n);
  Vector p = Vector::LinSpaced(n, -1, 1);
  const Vector p0 = p;
  const double scale = std::sqrt(2 * 0.01 / 50.0);  // sqrt(2 lr / beta) = 0.02
  EXPECT_DOUBLE_EQ(scale, 0.02);
  opt->step(p, Vector(2 * p0));  // gradient of |p|^2
  const Vector a0 = expected_noise(17, 0, 0, 1024), a1 = expected_noise(17, 1, 0, n - 1024);
  for (Index i : {Index{0}, Index{5}, Index{1023}}) {
    EXPECT_NEAR(p(i), p0(i) - 0.01 * 2 * p0(i) + 0.02 * a0(i), 1e-15);
  }
  for (Index i : {Index{1024}, Index{1100}, Index{1499}}) {
    EXPECT_NEAR(p(i), p0(i) - 0.01 * 2 * p0(i) + 0.02 * a1(i - 1024), 1e-15);
  }
  const Vector p1 = p;
  opt->step(p, Vector(2 * p1));
  const Vector b0 = expected_noise(17, 0, 1, 1024);
  EXPECT_NEAR(p(3), p1(3) - 0.01 * 2 * p1(3) + 0.02 * b0(3), 1e-15);
  // Different steps draw different noise.
  EXPECT_NE(a0(3), b0(3));
}

TEST(Optimizer, TuslaFirstTwoSteps) {
  OptimizerOptions o;
  o.kind = "tusla";
  o.lr = 0.01;
  o.weight_decay = 0.1;  // eta
  o.tusla_r = 0.5;       // |theta|^{2r} = |theta|
  o.inverse_temperature = 1e6;
  o.seed = 3;
  auto opt = make_optimizer(o, 2);
  Vector p = vec({3.0, 4.0});  // |p| = 5
  opt->step(p, vec({1.0, 2.0}));
  const double s = std::sqrt(2 * 0.01 / 1e6);
  const Vector xi0 = expected_noise(3, 0, 0, 2);
  // H = (g + 0.1 * 5 * theta) / (1 + sqrt(0.01) * 5) = ((1, 2) + (1.5, 2)) / 1.5.
  const Vector want1 = vec(
      {3.0 - 0.01 * (1.0 + 1.5) / 1.5 + s * xi0(0), 4.0 - 0.01 * (2.0 + 2.0) / 1.5 + s * xi0(1)});
  expect_vec_near(p, want1, 4e-15);
  // Second step with g = 0: H = 0.1 |p| p / (1 + 0.1 |p|).
  const Vector q = p;
  const double nq = q.norm();
  opt->step(p, vec({0.0, 0.0}));
  const Vector xi1 = expected_noise(3, 0, 1, 2);
  for (Index i = 0; i < 2; ++i)
    EXPECT_NEAR(p(i), q(i) - 0.01 * (0.1 * nq * q(i)) / (1 + 0.1 * nq) + s * xi1(i), 4e-15);
}

TEST(Optimizer, TuslaWithRZeroIsSgldWithTamedStep) {
  // r = 0: |theta|^0 = 1, so the step is lr (g + eta theta) / (1 + sqrt(lr)).
  OptimizerOptions o;
  o.kind = "tusla";
  o.lr = 0.04;
  o.tusla_r = 0;
  o.weight_decay = 0.5;
  o.inverse_temperature = 1e6;
  auto opt = make_optimizer(o, 1);
  Vector p = vec({2.0});
  opt->step(p, vec({1.0}));
  const double xi = expected_noise(0, 0, 0, 1)(0);
  EXPECT_NEAR(p(0), 2.0 - 0.04 * (1.0 + 0.5 * 2.0) / (1 + 0.2) + std::sqrt(0.08 / 1e6) * xi, 1e-15);
}

TEST(Optimizer, TuslaTamesASuperlinearGradientWhereSgdDiverges) {
  // f(x) = x^4 / 4, gradient x^3, from x_0 = 10 with lr 0.1. SGD: x_1 = 10 - 0.1 * 1000 = -90,
  // x_2 = -90 + 0.1 * 729000 = 72810, ... (|x_{n+1}| ~ 0.1 |x_n|^3): it blows up. TUSLA with
  // r = 1 divides the step by 1 + sqrt(0.1) x^2, so |lr x^3 / (1 + sqrt(lr) x^2)| < sqrt(lr) |x|
  // < 2 |x|: the iterate never grows, and near 0 it follows x' = x - 0.1 x^3, x_n ~ 1/sqrt(0.2 n).
  OptimizerOptions o;
  o.kind = "sgd";
  o.lr = 0.1;
  auto sgd = make_optimizer(o, 1);
  Vector x = vec({10.0});
  sgd->step(x, vec({1000.0}));
  EXPECT_NEAR(x(0), -90.0, 1e-12);
  sgd->step(x, vec({x(0) * x(0) * x(0)}));
  EXPECT_NEAR(x(0), 72810.0, 1e-8);
  o.kind = "tusla";
  o.tusla_r = 1;
  o.inverse_temperature = 1e14;  // noise std sqrt(2e-15): negligible
  auto tusla = make_optimizer(o, 1);
  Vector y = vec({10.0});
  double largest = 10;
  for (int n = 0; n < 1000; ++n) {
    tusla->step(y, vec({y(0) * y(0) * y(0)}));
    largest = std::max(largest, std::abs(y(0)));
  }
  EXPECT_EQ(largest, 10.0);
  EXPECT_LT(std::abs(y(0)), 0.2);  // 1/sqrt(0.2 * 1000) = 0.07, plus the slower start
}

TEST(LearningRateSchedule, WarmupCosineAndExponential) {
  OptimizerOptions o;
  o.lr = 0.1;
  o.warmup_steps = 4;
  for (int s = 0; s < 4; ++s)
    EXPECT_NEAR(scheduled_learning_rate(o, s), 0.1 * (s + 1) / 4.0, 1e-17) << s;
  EXPECT_EQ(scheduled_learning_rate(o, 4), 0.1);
  EXPECT_EQ(scheduled_learning_rate(o, 1000), 0.1);
  o.decay = "cosine";
  o.decay_steps = 10;
  o.final_lr_fraction = 0.1;
  EXPECT_NEAR(scheduled_learning_rate(o, 4), 0.1, 1e-17);  // k = 0
  // k = 5: 0.1 (0.1 + 0.9 (1 + cos(pi/2)) / 2) = 0.1 * 0.55
  EXPECT_NEAR(scheduled_learning_rate(o, 9), 0.1 * 0.55, 1e-16);
  // k = 2.5 / 10 of the way: 0.1 (0.1 + 0.9 (1 + cos(pi/5)) / 2)
  EXPECT_NEAR(scheduled_learning_rate(o, 6),
              0.1 * (0.1 + 0.9 * (1 + std::cos(std::numbers::pi / 5)) / 2), 1e-16);
  EXPECT_NEAR(scheduled_learning_rate(o, 14), 0.01, 1e-17);  // k = D: the floor
  EXPECT_NEAR(scheduled_learning_rate(o, 100), 0.01, 1e-17);
  o.decay = "exponential";
  EXPECT_NEAR(scheduled_learning_rate(o, 14), 0.1 * std::exp(-1.0), 1e-17);
  EXPECT_NEAR(scheduled_learning_rate(o, 24), 0.1 * std::exp(-2.0), 1e-17);
  // The optimizer uses the schedule: with warm-up the first SGD step is lr / 4.
  o.kind = "sgd";
  o.decay = "none";
  auto opt = make_optimizer(o, 1);
  EXPECT_NEAR(opt->current_lr(), 0.025, 1e-17);
  Vector p = vec({1.0});
  opt->step(p, vec({2.0}));
  EXPECT_NEAR(p(0), 1.0 - 0.025 * 2.0, 1e-16);
  EXPECT_NEAR(opt->current_lr(), 0.05, 1e-17);
}

TEST(GradientClipping, ClipsToTheBallAndLeavesSmallGradientsUntouched) {
  Vector g = vec({3.0, 4.0});
  EXPECT_EQ(clip_gradient_norm(g, 1.0), 5.0);
  expect_vec_near(g, vec({0.6, 0.8}), 1e-15);
  Vector small = vec({0.3, 0.4});
  EXPECT_NEAR(clip_gradient_norm(small, 1.0), 0.5, 1e-16);
  EXPECT_EQ(small(0), 0.3);
  EXPECT_EQ(small(1), 0.4);
  // Through the optimizer: SGD lr 0.1 with clip_norm 1 on gradient (3, 4).
  OptimizerOptions o;
  o.kind = "sgd";
  o.lr = 0.1;
  o.clip_norm = 1.0;
  auto opt = make_optimizer(o, 2);
  Vector p = vec({0.0, 0.0});
  opt->step(p, vec({3.0, 4.0}));
  expect_vec_near(p, vec({-0.06, -0.08}), 1e-15);
  expect_error(
      [] {
        Vector x = vec({1.0});
        clip_gradient_norm(x, 0.0);
      },
      "max_norm");
}

TEST(Ema, UpdatesAsDecayTimesOldPlusRest) {
  ExponentialMovingAverage ema(0.9, vec({1.0}));
  ema.update(vec({2.0}));
  EXPECT_NEAR(ema.value()(0), 0.9 * 1.0 + 0.1 * 2.0, 1e-16);  // 1.1
  ema.update(vec({3.0}));
  EXPECT_NEAR(ema.value()(0), 0.9 * 1.1 + 0.1 * 3.0, 1e-15);  // 1.29
  ema.set_value(vec({5.0}));
  EXPECT_EQ(ema.value()(0), 5.0);
  ExponentialMovingAverage off(0.0, vec({1.0}));
  off.update(vec({7.0}));
  EXPECT_EQ(off.value()(0), 7.0);
  expect_error([] { ExponentialMovingAverage e(1.0, vec({1.0})); }, "decay");
  expect_error([&] { ema.update(vec({1.0, 2.0})); }, "entries");
  expect_error([&] { ema.set_value(vec({1.0, 2.0})); }, "entries");
  expect_error([&] { ema.update(1.0, vec({1.0})); }, "decay");
}

// The trainer's warm-up update, in place over blocks (src/train/parameter_sweep.hpp): the bits of
// the whole-vector expression, on a vector longer than one block and not a whole number of them.
TEST(Ema, UpdateWithAStepsDecayEqualsTheWholeVectorExpression) {
  const Vector start = Vector::LinSpaced(2500, -3.0, 2.0).array().sin();
  const Vector params = Vector::LinSpaced(2500, 1.0, 7.0).array().cos();
  ExponentialMovingAverage ema(0.999, start);
  const double decay = 3.0 / 12.0;  // (1 + k)/(10 + k) at k = 2
  ema.update(decay, params);
  const Vector expected = decay * start + (1.0 - decay) * params;
  EXPECT_TRUE(ema.value() == expected);
  EXPECT_EQ(ema.decay(), 0.999);
}

// A deterministic noisy gradient of f = 0.5 sum a_i (p_i - c_i)^2 that depends on the step.
Vector test_gradient(const Vector& p, int step) {
  Vector g(p.size());
  for (Index i = 0; i < p.size(); ++i)
    g(i) = (1.0 + static_cast<double>(i % 3)) * (p(i) - 0.5 * static_cast<double>(i % 5)) +
           0.3 * std::sin(1.7 * step + static_cast<double>(i));
  return g;
}

TEST(Optimizer, ResumeFromStateIsBitIdentical) {
  for (const char* kind : {"sgd", "adam", "adamw", "sgld", "tusla"}) {
    OptimizerOptions o;
    o.kind = kind;
    o.lr = 0.05;
    o.momentum = 0.8;
    o.weight_decay = 0.01;
    o.inverse_temperature = 1e3;
    o.warmup_steps = 3;
    o.decay = "cosine";
    o.decay_steps = 20;
    o.final_lr_fraction = 0.2;
    o.clip_norm = 5.0;
    o.seed = 99;
    const Index n = 1100;  // two noise blocks
    const int total = 20, split = 7;
    Vector a = Vector::Constant(n, 2.0);
    auto full = make_optimizer(o, n);
    for (int s = 0; s < total; ++s) full->step(a, test_gradient(a, s));

    Vector b = Vector::Constant(n, 2.0);
    auto first = make_optimizer(o, n);
    for (int s = 0; s < split; ++s) first->step(b, test_gradient(b, s));
    const auto buffers = first->state_buffers();
    const std::int64_t taken = first->steps_taken();
    first.reset();
    auto resumed = make_optimizer(o, n);
    resumed->load_state(taken, buffers);
    EXPECT_EQ(resumed->steps_taken(), split);
    for (int s = split; s < total; ++s) resumed->step(b, test_gradient(b, s));
    EXPECT_TRUE((a.array() == b.array()).all()) << kind << ": resumed run differs";
    const auto fa = full->state_buffers(), fb = resumed->state_buffers();
    ASSERT_EQ(fa.size(), fb.size());
    for (std::size_t i = 0; i < fa.size(); ++i)
      EXPECT_TRUE((fa[i].array() == fb[i].array()).all()) << kind << " buffer " << i;
  }
}

TEST(Optimizer, LoadStateRejectsMismatchedBuffers) {
  OptimizerOptions o;
  o.kind = "adam";
  auto opt = make_optimizer(o, 3);
  expect_error([&] { opt->load_state(2, {Vector::Zero(3)}); }, "expects 2 buffers, got 1");
  expect_error(
      [&] {
        opt->load_state(2, {Vector::Zero(3), Vector::Zero(4)});
      },
      "buffer 1 has 4 entries, expected 3");
  expect_error([&] { opt->load_state(-1, {Vector::Zero(3), Vector::Zero(3)}); }, "steps_taken");
  Vector bad = Vector::Zero(3);
  bad(1) = std::nan("");
  expect_error([&] { opt->load_state(0, {Vector::Zero(3), bad}); }, "non-finite");
}

TEST(Optimizer, SgldNoiseVarianceIsTwoLrOverBeta) {
  // With zero gradient each SGLD step adds sqrt(2 lr / beta) xi: the increments are i.i.d.
  // N(0, 2 lr / beta) across entries, blocks and steps.
  OptimizerOptions o;
  o.kind = "sgld";
  o.lr = 0.01;
  o.inverse_temperature = 2.0;  // variance 2 * 0.01 / 2 = 0.01
  o.seed = 5;
  const Index n = 4000;
  const int steps = 5;
  auto opt = make_optimizer(o, n);
  Vector p = Vector::Zero(n);
  std::vector<double> inc;
  inc.reserve(static_cast<std::size_t>(n) * steps);
  Vector prev = p, prev_inc;
  double cross = 0;  // sum of products of consecutive steps' increments (independence)
  for (int s = 0; s < steps; ++s) {
    opt->step(p, Vector::Zero(n));
    const Vector d = p - prev;
    if (s > 0) cross += d.dot(prev_inc);
    prev_inc = d;
    prev = p;
    for (Index i = 0; i < n; ++i) inc.push_back(d(i));
  }
  const double N = static_cast<double>(inc.size());
  double mean = 0, sq = 0;
  for (double x : inc) mean += x;
  mean /= N;
  for (double x : inc) sq += (x - mean) * (x - mean);
  const double var = sq / (N - 1);
  const double sigma2 = 2 * 0.01 / 2.0;
  // SE of the mean: sigma / sqrt(N); SE of the sample variance of normals: sigma^2 sqrt(2/(N-1)).
  EXPECT_NEAR(mean, 0.0, 5 * std::sqrt(sigma2 / N));
  EXPECT_NEAR(var, sigma2, 5 * sigma2 * std::sqrt(2 / (N - 1)));
  // Consecutive steps are independent: E[d_s d_{s+1}] = 0, SE sigma^2 / sqrt(n (steps - 1)).
  const double pairs = static_cast<double>(n) * (steps - 1);
  EXPECT_NEAR(cross / pairs, 0.0, 5 * sigma2 / std::sqrt(pairs));
}

TEST(Optimizer, ConvergesOnAStronglyConvexQuadratic) {
  // f(p) = 0.5 (p1 - 1)^2 + 2 (p2 + 2)^2, minimiser c = (1, -2), Hessian diag(1, 4).
  const Vector c = vec({1.0, -2.0});
  auto grad = [&](const Vector& p) { return vec({p(0) - 1.0, 4.0 * (p(1) + 2.0)}); };
  struct Case {
    const char* kind;
    double lr;
    int steps;
    double tol;
  };
  // sgd/sgld/tusla contract by at least max|1 - lr a| < 1 per step (momentum 0.5 for sgd:
  // spectral radius < 1 as lr a < 2(1 + 0.5)); after the given steps the deterministic error is
  // far below tol. sgld/tusla add noise of std sqrt(2 lr / beta) = 1.4e-7 with beta = 1e13: the
  // stationary std per coordinate is <= 1/sqrt(beta a (1 - lr a / 2)) < 1e-6. Adam with a cosine
  // decay to 0 stops moving as the rate vanishes; tol 1e-3 is a loose statement of "reaches c".
  for (const Case& k :
       {Case{"sgd", 0.1, 400, 1e-9}, Case{"sgld", 0.1, 400, 1e-5}, Case{"tusla", 0.1, 600, 1e-5},
        Case{"adam", 0.05, 3000, 1e-3}, Case{"adamw", 0.05, 3000, 1e-3}}) {
    OptimizerOptions o;
    o.kind = k.kind;
    o.lr = k.lr;
    o.momentum = 0.5;
    o.inverse_temperature = 1e13;
    if (std::string(k.kind).rfind("adam", 0) == 0) {
      o.decay = "cosine";
      o.decay_steps = k.steps;
    }
    auto opt = make_optimizer(o, 2);
    Vector p = vec({-3.0, 5.0});
    for (int s = 0; s < k.steps; ++s) opt->step(p, grad(p));
    EXPECT_LT((p - c).norm(), k.tol) << k.kind;
  }
}

TEST(OptimizerOptions, BadOptionsNameTheField) {
  auto bad = [](auto mutate, const std::string& needle) {
    OptimizerOptions o;
    mutate(o);
    expect_error([&] { o.validate(); }, needle);
    expect_error([&] { make_optimizer(o, 3); }, needle);
  };
  bad([](OptimizerOptions& o) { o.kind = "rmsprop"; },
      "unknown optimizer 'rmsprop' (valid: sgd, adam, adamw, sgld, tusla)");
  bad([](OptimizerOptions& o) { o.lr = 0; }, "optimizer.lr");
  bad([](OptimizerOptions& o) { o.lr = std::nan(""); }, "optimizer.lr");
  bad([](OptimizerOptions& o) { o.momentum = 1; }, "optimizer.momentum");
  bad([](OptimizerOptions& o) { o.beta1 = -0.1; }, "optimizer.beta1");
  bad([](OptimizerOptions& o) { o.beta2 = 1; }, "optimizer.beta2");
  bad([](OptimizerOptions& o) { o.eps = 0; }, "optimizer.eps");
  bad([](OptimizerOptions& o) { o.weight_decay = -1; }, "optimizer.weight_decay");
  bad([](OptimizerOptions& o) { o.inverse_temperature = 0; }, "optimizer.inverse_temperature");
  bad([](OptimizerOptions& o) { o.tusla_r = -0.5; }, "optimizer.tusla_r");
  bad([](OptimizerOptions& o) { o.warmup_steps = -1; }, "optimizer.warmup_steps");
  bad([](OptimizerOptions& o) { o.decay = "linear"; }, "unknown decay 'linear'");
  bad([](OptimizerOptions& o) { o.decay = "cosine"; }, "optimizer.decay_steps must be > 0");
  bad([](OptimizerOptions& o) { o.final_lr_fraction = 1.5; }, "optimizer.final_lr_fraction");
  bad([](OptimizerOptions& o) { o.clip_norm = -1; }, "optimizer.clip_norm");
  expect_error([] { make_optimizer(OptimizerOptions{}, 0); }, "number of parameters");
  auto opt = make_optimizer(OptimizerOptions{}, 2);
  Vector p = Vector::Zero(2);
  expect_error([&] { opt->step(p, Vector::Zero(3)); }, "gradient has 3 entries, expected 2");
  Vector g = Vector::Zero(2);
  g(0) = std::numeric_limits<double>::infinity();
  expect_error([&] { opt->step(p, g); }, "non-finite entry at step 0");
}

TEST(OptimizerOptions, JsonRoundTripAndErrors) {
  OptimizerOptions o;
  o.kind = "tusla";
  o.lr = 1e-4;
  o.inverse_temperature = 1e14;
  o.tusla_r = 1.5;
  o.warmup_steps = 10;
  o.decay = "exponential";
  o.decay_steps = 100;
  o.clip_norm = 2;
  o.seed = 12345678901234567ull;
  const OptimizerOptions r = OptimizerOptions::from_json(o.to_json());
  EXPECT_EQ(r.to_json(), o.to_json());
  EXPECT_EQ(r.seed, 12345678901234567ull);
  EXPECT_EQ(OptimizerOptions::from_json(nlohmann::json::object()).to_json(),
            OptimizerOptions{}.to_json());
  expect_error(
      [] {
        OptimizerOptions::from_json({{"kind", "lbfgs"}});
      },
      "unknown optimizer 'lbfgs' (valid: sgd, adam, adamw, sgld, tusla)");
  expect_error([] { OptimizerOptions::from_json({{"lrr", 0.1}}); }, "unknown key \"lrr\"");
  expect_error([] { OptimizerOptions::from_json({{"lr", "fast"}}); }, "lr");
  expect_error([] { OptimizerOptions::from_json({{"lr", -1.0}}); }, "optimizer.lr");
  expect_error([] { OptimizerOptions::from_json({{"seed", -3}}); }, "seed");
  expect_error([] { OptimizerOptions::from_json({{"warmup_steps", 1.5}}); }, "warmup_steps");
}

}  // namespace
}  // namespace difflab
