// DSM minibatches: uniform and importance time sampling give the same objective (the importance
// weight makes the estimator unbiased for the uniform-time average), and the weightings are the
// stated functions of t.
#include "difflab/train/dsm_loss.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/expect_error.hpp"

namespace difflab {
namespace {

// Mean and standard error of w(t) f(t) over a batch with lambda = 1 (weighting "uniform").
std::pair<double, double> weighted_mean(const DsmBatch& b, double (*f)(double)) {
  const Index n = b.t.size();
  Vector v(n);
  for (Index j = 0; j < n; ++j) v(j) = b.weight(j) * f(b.t(j));
  const double mean = v.mean();
  const double sd = std::sqrt((v.array() - mean).square().sum() / static_cast<double>(n - 1));
  return {mean, sd / std::sqrt(static_cast<double>(n))};
}

TEST(DsmBatch, ImportanceSamplingIsUnbiasedForTheUniformTimeAverage) {
  const auto ou = make_process("ou");
  const Matrix data = Matrix::Zero(1, 3);
  DsmOptions o;
  o.weighting = "uniform";
  o.delta = 1e-2;
  o.T = 3.0;
  // f(t) = sigma_t^2 = 1 - e^{-2t}: (1/(T - delta)) int f = 1 - (e^{-2 delta} - e^{-2T}) / (2 (T -
  // delta)).
  const auto f = [](double t) { return -std::expm1(-2 * t); };
  const double exact = 1.0 - (std::exp(-2 * o.delta) - std::exp(-2 * o.T)) / (2 * (o.T - o.delta));
  for (const std::string sampling : {"uniform", "importance"}) {
    o.time_sampling = sampling;
    const DsmBatch b = draw_dsm_batch(data, 40000, o, *ou, 2, 0);
    EXPECT_TRUE((b.t.array() >= o.delta).all() && (b.t.array() <= o.T).all());
    const auto [mean, se] = weighted_mean(b, f);
    EXPECT_NEAR(mean, exact, 5 * se) << sampling;
  }
  // Importance sampling puts more draws below t = 0.1 than uniform time (which puts 3%).
  o.time_sampling = "importance";
  const DsmBatch b = draw_dsm_batch(data, 4000, o, *ou, 2, 0);
  EXPECT_GT((b.t.array() < 0.1).cast<double>().mean(), 0.2);
}

TEST(DsmBatch, WeightingsAreTheStatedFunctionsOfTime) {
  const auto vp = make_process("vp-linear");
  const Matrix data = Matrix::Ones(2, 4);
  DsmOptions o;
  o.T = 1.0;
  for (const std::string w : {"sigma2", "likelihood", "uniform"}) {
    o.weighting = w;
    const DsmBatch b = draw_dsm_batch(data, 50, o, *vp, 1, 3);
    for (Index j = 0; j < 50; ++j) {
      const double t = b.t(j);
      const double expected = w == "sigma2" ? vp->sigma2(t) : w == "likelihood" ? vp->beta(t) : 1.0;
      EXPECT_DOUBLE_EQ(b.weight(j), expected) << w;
    }
  }
  // Same (seed, step), same batch; another step, another batch.
  const DsmBatch a = draw_dsm_batch(data, 50, o, *vp, 1, 3),
                 c = draw_dsm_batch(data, 50, o, *vp, 1, 4);
  EXPECT_TRUE(a.t == draw_dsm_batch(data, 50, o, *vp, 1, 3).t);
  EXPECT_FALSE(a.t == c.t);
  o.weighting = "snr";
  expect_error([&] { o.validate(*vp); }, "unknown weighting 'snr'");
  o.weighting = "sigma2";
  o.T = 2.0;
  expect_error([&] { o.validate(*vp); }, "exceeds the largest time");
}

}  // namespace
}  // namespace difflab
