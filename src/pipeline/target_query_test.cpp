#include "difflab/pipeline/target_query.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/expect_error.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/target/empirical_target.hpp"

namespace difflab {
namespace {

const nlohmann::json kQueryTarget = {{"type", "gaussian"}, {"mean", {1.0, -0.5}}, {"var", 2.0}};

TEST(TargetQuery, SamplesOfQtHaveTheExactMarginalMoments) {
  // Under OU, X_t = e^{-t} X_0 + sqrt(1 - e^{-2t}) Z: mean e^{-t} m, variance e^{-2t} 2 + 1 -
  // e^{-2t} per coordinate (README "The model").
  const auto target = make_target(kQueryTarget);
  const auto ou = make_process("ou");
  const double t = 0.7;
  const Index n = 200000;
  const Matrix X = sample_qt(*target, *ou, t, n, 5);
  const double a = std::exp(-t), var = a * a * 2.0 + 1.0 - a * a;
  const Vector mean = X.rowwise().mean();
  EXPECT_NEAR(mean(0), a * 1.0, 4 * std::sqrt(var / n));
  EXPECT_NEAR(mean(1), a * -0.5, 4 * std::sqrt(var / n));
  EXPECT_NEAR((X.colwise() - mean).squaredNorm() / (2.0 * n), var, 0.02 * var);
  // t = 0: the target's own samples, bit for bit.
  EXPECT_EQ(sample_qt(*target, *ou, 0.0, 7, 5), target->sample(7, CounterRng(5)));
}

TEST(TargetQuery, LogDensityAndScoreStackedAgainstTheGaussianClosedForm) {
  const auto target = make_target(kQueryTarget);
  const auto ou = make_process("ou");
  const double t = 0.3, a = std::exp(-t), var = a * a * 2.0 + 1.0 - a * a;
  Matrix X(2, 3);
  X << 0.1, 1.0, -2.0, 0.4, 0.0, 3.0;
  const Matrix out = log_qt_and_score(*target, *ou, t, X);
  ASSERT_EQ(out.rows(), 3);
  for (Index j = 0; j < 3; ++j) {
    const Vector r = X.col(j) - a * Vector{{1.0, -0.5}};
    EXPECT_NEAR(out(0, j), -r.squaredNorm() / (2 * var) - std::log(2 * M_PI * var), 1e-12);
    EXPECT_NEAR(out(1, j), -r(0) / var, 1e-12);
    EXPECT_NEAR(out(2, j), -r(1) / var, 1e-12);
  }
}

// On the linear path x_t = (1 - t) x_0 + t z the flow-matching velocity E[z - x_0 | x] of the
// Gaussian N(m, 2 I) is, per coordinate with a = 1 - t and v = 2 a^2 + t^2,
// E[z | x] - E[x_0 | x] = t r / v - (m + 2 a r / v), r = x - a m (Gaussian conditioning).
TEST(TargetQuery, FlowVelocityOnTheLinearPathAgainstTheGaussianClosedForm) {
  const auto target = make_target(kQueryTarget);
  const auto linear = make_process("linear");
  const double t = 0.6, a = 1 - t, var = 2.0 * a * a + t * t;
  Matrix X(2, 3);
  X << 0.1, 1.0, -2.0, 0.4, 0.0, 3.0;
  const Matrix out = log_qt_and_score(*target, *linear, t, X, Prediction::kFlow);
  const Vector m{{1.0, -0.5}};
  for (Index j = 0; j < 3; ++j)
    for (Index i = 0; i < 2; ++i) {
      const double r = X(i, j) - a * m(i);
      EXPECT_NEAR(out(1 + i, j), t * r / var - (m(i) + 2.0 * a * r / var), 1e-12);
    }
}

TEST(TargetQuery, TimeOutsideTheProcessIsRefused) {
  const auto target = make_target(kQueryTarget);
  const auto ou = make_process("ou");
  expect_error([&] { sample_qt(*target, *ou, -0.1, 3, 0); }, "t must lie in [0, ");
  expect_error([&] { sample_qt(*target, *ou, 0.5, 0, 0); }, "sample must be >= 1");
  expect_error([&] { log_qt_and_score(*target, *ou, NAN, Matrix::Zero(2, 1)); }, "t must lie");
}

TEST(TargetQuery, KnnTruncationReportIsTheTargetsBoundAtAlphaAndSigma) {
  const auto ou = make_process("ou");
  Matrix X(2, 2);
  X << 0.1, 1.0, -2.0, 0.4;
  EXPECT_TRUE(knn_truncation_report(*make_target(kQueryTarget), *ou, 0.3, X).is_null());
  const auto data = make_target(nlohmann::json::parse(
      R"({"type": "empirical", "samples": [[0, 0], [1, 1], [2, 0], [5, 5]], "knn": 2})"));
  EXPECT_TRUE(knn_truncation_report(*data, *ou, 0.0, X).is_null());  // no score at t = 0
  const nlohmann::json r = knn_truncation_report(*data, *ou, 0.3, X);
  const KnnTruncationBound b = dynamic_cast<const EmpiricalTarget&>(*data).knn_truncation_bound(
      ou->alpha(0.3), ou->sigma2(0.3), X);
  EXPECT_EQ(r["knn"], 2);
  EXPECT_EQ(r["max_neglected_mass"].get<double>(), b.max_neglected_mass());
  EXPECT_EQ(r["max_score_error"].get<double>(), b.max_score_error());
  EXPECT_EQ(r["score_error"][1].get<double>(), b.score_error(1));
  EXPECT_GT(b.max_neglected_mass(), 0.0);
}

}  // namespace
}  // namespace difflab
