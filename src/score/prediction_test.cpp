// Prediction and time conversions against analytic truth: for a Gaussian target N(m, v I) the
// posterior mean E[X_0 | X_t = x] = m + alpha v (x - alpha m) / (alpha^2 v + sigma^2) is known in
// closed form, so the exact noise, data and velocity predictions are too, and each converted by
// prediction_to_score must be the exact score (docs/theory.md 11.4, Tweedie 1.2).
#include "difflab/score/prediction.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "core/expect_error.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {
namespace {

Matrix prediction_test_points(Index d, Index n) {
  Matrix X(d, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < d; ++i) X(i, j) = 2.5 * std::sin(1.3 * static_cast<double>(j) + 0.7 * i);
  return X;
}

TEST(Prediction, ExactPredictionsOfAGaussianConvertToItsExactScore) {
  Vector m(2);
  m << 0.7, -1.2;
  const double v = 0.4;
  auto target = std::make_shared<GaussianTarget>(m, v * Matrix::Identity(2, 2));
  const Matrix X = prediction_test_points(2, 7);
  for (const char* name : {"ou", "vp-linear", "vp-cosine"}) {
    std::shared_ptr<const ForwardProcess> process = make_process(std::string(name));
    ExactScore exact(target, process);
    for (double t : {1e-3, 0.1, 0.5, 0.9}) {
      const double a = process->alpha(t), s2 = process->sigma2(t), s = std::sqrt(s2);
      const Matrix x0 =
          (v * a / (a * a * v + s2) * (X.colwise() - a * m)).colwise() + m;  // E[X_0 | x]
      const Matrix z = (X - a * x0) / s;                                     // E[Z | x]
      const Matrix vel = a * z - s * x0;
      const Matrix truth = exact.score(t, X);
      for (auto [p, F] : {std::pair{Prediction::kData, x0}, std::pair{Prediction::kNoise, z},
                          std::pair{Prediction::kVelocity, vel}}) {
        Matrix S = F;
        prediction_to_score(p, *process, t, X, S);
        EXPECT_LT((S - truth).cwiseAbs().maxCoeff(), 1e-9 * (1.0 + truth.cwiseAbs().maxCoeff()))
            << name << " t=" << t << " " << prediction_name(p);
      }
    }
  }
}

// The flow prediction F = E[dX_t/dt | x] = alpha' E[X_0 | x] + sigma' E[Z | x], with alpha' and
// sigma' by central differences of the process (not the g^2 and f of the conversion), on the
// linear path (F = E[Z - X_0 | x]) and on two variance-preserving processes.
TEST(Prediction, FlowPredictionOfAGaussianConvertsToItsExactScore) {
  Vector m(2);
  m << 0.7, -1.2;
  const double v = 0.4;
  auto target = std::make_shared<GaussianTarget>(m, v * Matrix::Identity(2, 2));
  const Matrix X = prediction_test_points(2, 7);
  for (const char* name : {"linear", "ou", "vp-cosine"}) {
    std::shared_ptr<const ForwardProcess> process = make_process(std::string(name));
    ExactScore exact(target, process);
    for (double t : {1e-2, 0.1, 0.5, 0.9}) {
      const double a = process->alpha(t), s2 = process->sigma2(t), s = std::sqrt(s2);
      const double h = 1e-4 * t;  // truncation O((h/t)^2) near t = 0, where sigma ~ sqrt(t)
      const double da = (process->alpha(t + h) - process->alpha(t - h)) / (2 * h);
      const double ds = (process->sigma(t + h) - process->sigma(t - h)) / (2 * h);
      const Matrix x0 = (v * a / (a * a * v + s2) * (X.colwise() - a * m)).colwise() + m;
      const Matrix z = (X - a * x0) / s;
      Matrix S = da * x0 + ds * z;
      prediction_to_score(Prediction::kFlow, *process, t, X, S);
      const Matrix truth = exact.score(t, X);
      EXPECT_LT((S - truth).cwiseAbs().maxCoeff(), 1e-7 * (1.0 + truth.cwiseAbs().maxCoeff()))
          << name << " t=" << t;
    }
  }
  // The Salimans-Ho velocity presumes alpha^2 + sigma^2 = 1: refused on the linear path, with
  // the prediction to use instead.
  Matrix F = X;
  expect_error(
      [&] { prediction_to_score(Prediction::kVelocity, *make_process("linear"), 0.5, X, F); },
      "prediction 'flow'");
}

TEST(Prediction, ScoreToPredictionAndBackRoundTrips) {
  const Matrix X = prediction_test_points(3, 5);
  const Matrix S0 = prediction_test_points(3, 5).array().cos().matrix();
  auto process = make_process("vp-linear");
  for (const auto& name : prediction_names()) {
    const Prediction p = parse_prediction(name);
    EXPECT_EQ(prediction_name(p), name);
    for (double t : {1e-3, 0.3, 0.95}) {
      Matrix S = S0;
      score_to_prediction(p, *process, t, X, S);
      if (p != Prediction::kScore) {
        EXPECT_GT((S - S0).cwiseAbs().maxCoeff(), 1e-3);
      }
      prediction_to_score(p, *process, t, X, S);
      EXPECT_LT((S - S0).cwiseAbs().maxCoeff(), 1e-10) << name << " t=" << t;
    }
  }
}

TEST(Prediction, ScoreIsPassedThroughBitForBit) {
  const Matrix X = prediction_test_points(2, 3);
  Matrix S = X.array().exp().matrix();
  const Matrix before = S;
  prediction_to_score(Prediction::kScore, OrnsteinUhlenbeck(), 0.0, X, S);
  EXPECT_TRUE((S.array() == before.array()).all());
}

TEST(Prediction, TimeConventionsMatchTheirFormulasAndRoundTrip) {
  OrnsteinUhlenbeck ou;
  for (double t : {1e-4, 0.05, 1.0, 4.0}) {
    // OU: alpha = e^{-t}, sigma^2 = 1 - e^{-2t}.
    const double sigma_ve = std::sqrt(std::expm1(2 * t));  // sigma / alpha
    EXPECT_NEAR(model_time(TimeConvention::kSigma, ou, t), sigma_ve, 1e-12 * sigma_ve);
    EXPECT_NEAR(model_time(TimeConvention::kLogSnr, ou, t), -std::log(sigma_ve), 1e-11);
    EXPECT_EQ(model_time(TimeConvention::kT, ou, t), t);
  }
  for (const char* name : {"ou", "vp-linear", "vp-cosine"}) {
    auto process = make_process(std::string(name));
    for (const auto& c : time_convention_names())
      for (double t : {1e-3, 0.2, 0.8}) {
        const TimeConvention tc = parse_time_convention(c);
        EXPECT_NEAR(forward_time(tc, *process, model_time(tc, *process, t)), t, 1e-9 * (1 + t))
            << name << " " << c;
      }
  }
}

TEST(Prediction, RefusesUnknownNamesAndZeroNoise) {
  expect_error([] { parse_prediction("eps"); }, "valid: score, noise, data, velocity");
  expect_error([] { parse_time_convention("step"); }, "valid: t, sigma, logsnr");
  OrnsteinUhlenbeck ou;
  expect_error([&] { prediction_coefficients(Prediction::kNoise, ou, 0.0); }, "sigma(t) > 0");
  expect_error([&] { model_time(TimeConvention::kSigma, ou, 0.0); }, "t = 0");
  expect_error([&] { forward_time(TimeConvention::kSigma, ou, -1.0); }, "sigma must be > 0");
}

}  // namespace
}  // namespace difflab
