// CallbackScore: a function that returns the exact score gives the exact score's samples bit for
// bit; a function that returns the exact noise prediction of a Gaussian gives its exact score
// (docs/theory.md 11.4); the function runs once per step per block; bad returns are refused
// with the time.
#include "difflab/score/callback_score.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>

#include "core/expect_error.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

std::shared_ptr<const Target> callback_test_mixture() {
  GaussianMixtureTarget::Component a, b;
  a.mean = Vector::Constant(2, -1.5);
  a.variances = Vector::Constant(2, 0.3);
  b.mean = Vector::Constant(2, 2.0);
  b.variances = Vector::Constant(2, 0.5);
  return std::make_shared<GaussianMixtureTarget>(
      std::vector<double>{0.3, 0.7}, std::vector<GaussianMixtureTarget::Component>{a, b});
}

Matrix callback_test_points(Index d, Index n) {
  Matrix X(d, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < d; ++i) X(i, j) = 2.0 * std::cos(0.37 * static_cast<double>(j) + i);
  return X;
}

TEST(CallbackScore, ExactScoreThroughACallbackGivesBitIdenticalSamples) {
  auto target = callback_test_mixture();
  std::shared_ptr<const ForwardProcess> process = make_process("ou");
  ExactScore exact(target, process);
  CallbackScore through(2, process, [&](double t, ConstMatrixRef X, MatrixRef out) {
    target->noised_score(process->alpha(t), process->sigma2(t), X, out);
  });
  const TimeGrid grid = make_grid("benton", *process, 4.0, 1e-3, 40);
  for (const char* name : {"ei", "dpmpp-2m", "heun"}) {
    const auto sampler = make_sampler(name);
    SamplerOptions o;
    o.block_size = 37;
    Matrix X1 = callback_test_points(2, 300), X2 = X1;
    sampler->sample(exact, grid, X1, o, CounterNoise(11));
    sampler->sample(through, grid, X2, o, CounterNoise(11));
    EXPECT_TRUE((X1.array() == X2.array()).all()) << name;
  }
}

TEST(CallbackScore, NoisePredictionInSigmaTimeGivesTheExactScore) {
  Vector m(1);
  m << 0.5;
  const double v = 2.0;
  auto target = std::make_shared<GaussianTarget>(m, v * Matrix::Identity(1, 1));
  std::shared_ptr<const ForwardProcess> process = make_process("vp-linear");
  ExactScore exact(target, process);
  CallbackScoreOptions opt;
  opt.prediction = Prediction::kNoise;
  opt.time = TimeConvention::kSigma;
  // The model reads sigma_VE = sigma/alpha, so alpha = 1/sqrt(1 + sigma_VE^2): the exact noise
  // prediction E[Z | x] = sigma (x - alpha m) / (alpha^2 v + sigma^2) of N(m, v).
  CallbackScore model(
      1, process,
      [&](double sve, ConstMatrixRef X, MatrixRef out) {
        const double a = 1.0 / std::sqrt(1.0 + sve * sve), s = sve * a;
        out = s * (X.array() - a * m(0)).matrix() / (a * a * v + s * s);
      },
      opt);
  const Matrix X = callback_test_points(1, 9);
  for (double t : {0.01, 0.3, 0.9})
    EXPECT_LT((model.score(t, X) - exact.score(t, X)).cwiseAbs().maxCoeff(), 1e-9) << t;
  EXPECT_EQ(model.to_json()["prediction"], "noise");
  EXPECT_EQ(model.to_json()["time"], "sigma");
}

TEST(CallbackScore, RunsOncePerStepPerBlock) {
  std::shared_ptr<const ForwardProcess> process = make_process("ou");
  std::atomic<int> calls{0};
  CallbackScore model(3, process, [&](double, ConstMatrixRef X, MatrixRef out) {
    ++calls;
    out = -X;
  });
  const TimeGrid grid = make_grid("uniform", *process, 2.0, 1e-2, 10);
  SamplerOptions o;
  o.block_size = 64;
  Matrix X = callback_test_points(3, 200);  // 4 blocks
  make_sampler("ei")->sample(model, grid, X, o, CounterNoise(1));
  EXPECT_EQ(calls.load(), 10 * 4);
}

TEST(CallbackScore, ASamplerNamesTheStepOfAFailure) {
  std::shared_ptr<const ForwardProcess> process = make_process("ou");
  const TimeGrid grid = make_grid("uniform", *process, 2.0, 0.2, 9);  // t_k = 2 - 0.2 k
  // Fails from t < 1.1 on: the first evaluation there is at the start of step 5 (t = 1.0).
  CallbackScore model(1, process, [](double t, ConstMatrixRef X, MatrixRef out) {
    if (t < 1.1) throw std::runtime_error("diverged");
    out = -X;
  });
  Matrix X = callback_test_points(1, 10);
  expect_error([&] { make_sampler("ei")->sample(model, grid, X, {}, CounterNoise(1)); },
               "ei: step 5 of 9 (from t = 1");
  expect_error([&] { make_sampler("ei")->sample(model, grid, X, {}, CounterNoise(1)); },
               "callable at t = 1");
}

TEST(CallbackScore, RefusesNonFiniteValuesAndReportsExceptionsWithTheTime) {
  std::shared_ptr<const ForwardProcess> process = make_process("ou");
  const Matrix X = callback_test_points(2, 4);
  CallbackScore nan_model(2, process, [](double, ConstMatrixRef Xb, MatrixRef out) {
    out = Xb;
    out(1, 2) = std::numeric_limits<double>::quiet_NaN();
  });
  expect_error([&] { nan_model.score(0.5, X); }, "callable at t = 0.5: returned a non-finite");
  CallbackScoreOptions opt;
  opt.time = TimeConvention::kLogSnr;
  opt.label = "net";
  CallbackScore raising(
      2, process,
      [](double, ConstMatrixRef, MatrixRef) { throw std::runtime_error("out of memory"); }, opt);
  expect_error([&] { raising.score(0.25, X); }, "net at t = 0.25 (logsnr = ");
  expect_error([&] { raising.score(0.25, X); }, "out of memory");
  expect_error([&] { raising.score(0.0, X); }, "sigma(t) > 0");
  expect_error([&] { nan_model.score(0.5, callback_test_points(3, 2)); }, "dimension 2");
  expect_error([&] { CallbackScore(0, process, [](double, ConstMatrixRef, MatrixRef) {}); },
               "dimension must be >= 1");
  expect_error([&] { CallbackScore(2, process, ScoreCallback{}); }, "no function given");
}

}  // namespace
}  // namespace difflab
