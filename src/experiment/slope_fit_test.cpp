#include "difflab/experiment/slope_fit.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/expect_error.hpp"
#include "difflab/core/rng.hpp"

namespace difflab {
namespace {

TEST(SlopeFit, StudentTQuantilesMatchTheTables) {
  // Two-sided 95% critical values t_{0.975, nu} (e.g. NIST/SEMATECH e-Handbook, table 1.4.2.7.4),
  // and closed forms: nu = 1 is Cauchy, t = tan(pi (p - 1/2)); nu = 2 has
  // t = (2p - 1) sqrt(2 / (4p(1 - p))).
  EXPECT_NEAR(student_t_quantile(0.975, 1), std::tan(M_PI * 0.475), 1e-9);
  EXPECT_NEAR(student_t_quantile(0.975, 2), 0.95 * std::sqrt(2 / (4 * 0.975 * 0.025)), 1e-9);
  EXPECT_NEAR(student_t_quantile(0.975, 5), 2.571, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 10), 2.228, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 30), 2.042, 5e-4);
  EXPECT_NEAR(student_t_quantile(0.95, 4), 2.132, 5e-4);
  // nu -> infinity: the normal quantile 1.959964.
  EXPECT_NEAR(student_t_quantile(0.975, 1e7), 1.959964, 1e-5);
  EXPECT_NEAR(student_t_quantile(0.025, 10), -student_t_quantile(0.975, 10), 1e-12);
  // Cauchy CDF 1/2 + atan(t)/pi.
  EXPECT_NEAR(student_t_cdf(1.0, 1), 0.75, 1e-12);
  EXPECT_NEAR(student_t_cdf(-3.0, 1), 0.5 + std::atan(-3.0) / M_PI, 1e-12);
}

TEST(SlopeFit, ExactPowerLawIsRecoveredExactly) {
  const std::vector<double> x = {10, 20, 40, 80};
  std::vector<double> y;
  for (double v : x) y.push_back(3.0 * std::pow(v, -2.0));
  const SlopeFit f = fit_loglog_slope(x, y);
  EXPECT_NEAR(f.slope, -2.0, 1e-12);
  EXPECT_NEAR(f.intercept, std::log(3.0), 1e-12);
  EXPECT_NEAR(f.r2, 1.0, 1e-12);
  EXPECT_LT(f.slope_se, 1e-12);
  EXPECT_EQ(f.n, 4u);
}

TEST(SlopeFit, HandComputedThreePointExample) {
  // log x = (0, 1, 2) (x = e^k), log y = (0, 1, 3): Sxx = 2, Sxy = 3 -> slope 1.5, intercept
  // 4/3 - 1.5 = -1/6; residuals (1/6, -1/3, 1/6): RSS = 1/6, s^2 = RSS / 1, se = sqrt(1/12);
  // t_{0.975, 1} = tan(0.475 pi).
  const std::vector<double> x = {1, std::exp(1.0), std::exp(2.0)};
  const std::vector<double> y = {1, std::exp(1.0), std::exp(3.0)};
  const SlopeFit f = fit_loglog_slope(x, y);
  EXPECT_NEAR(f.slope, 1.5, 1e-12);
  EXPECT_NEAR(f.intercept, -1.0 / 6, 1e-12);
  EXPECT_NEAR(f.slope_se, std::sqrt(1.0 / 12), 1e-12);
  EXPECT_NEAR(f.ci_hi - f.slope, std::tan(0.475 * M_PI) * std::sqrt(1.0 / 12), 1e-8);
  EXPECT_NEAR(f.r2, 1 - (1.0 / 6) / (14.0 / 3), 1e-12);
}

TEST(SlopeFit, ConfidenceIntervalCoversTheTrueSlopeAtItsLevel) {
  // y = 2 x^{-2} e^{sigma Z}: Gaussian residuals on the log scale, the interval's model. Over R
  // replicates the coverage is Binomial(R, 0.95)/R, standard error sqrt(0.95 * 0.05 / R).
  const std::vector<double> x = {10, 14, 20, 28, 40, 57, 80, 113};
  const double sigma = 0.1, slope = -2;
  const int R = 1000;
  int covered = 0;
  double mean_slope = 0;
  for (int r = 0; r < R; ++r) {
    RngStream rng(11, RngUse::kUser, static_cast<std::uint64_t>(r), 0);
    std::vector<double> y;
    for (double v : x) y.push_back(2 * std::pow(v, slope) * std::exp(sigma * rng.normal()));
    const SlopeFit f = fit_loglog_slope(x, y);
    covered += f.ci_lo <= slope && slope <= f.ci_hi;
    mean_slope += f.slope / R;
  }
  const double se_cover = std::sqrt(0.95 * 0.05 / R);
  EXPECT_NEAR(covered / static_cast<double>(R), 0.95, 4 * se_cover);
  // The estimator is unbiased with sd sigma / sqrt(Sxx) (Sxx of log x).
  double mu = 0, sxx = 0;
  for (double v : x) mu += std::log(v) / x.size();
  for (double v : x) sxx += (std::log(v) - mu) * (std::log(v) - mu);
  EXPECT_NEAR(mean_slope, slope, 4 * sigma / std::sqrt(sxx) / std::sqrt(R));
}

TEST(SlopeFit, TwoPointsHaveNoInterval) {
  const SlopeFit f = fit_loglog_slope({1, 2}, {1, 4});
  EXPECT_NEAR(f.slope, 2.0, 1e-12);
  EXPECT_TRUE(std::isinf(f.ci_lo) && std::isinf(f.ci_hi));
  EXPECT_TRUE(f.to_json()["ci"][0].is_null());
}

TEST(SlopeFit, BadInputIsAnError) {
  expect_error([] { fit_loglog_slope({1}, {1}); }, "at least 2 points");
  expect_error([] { fit_loglog_slope({1, 2}, {1}); }, "2 x values but 1 y values");
  expect_error([] { fit_loglog_slope({1, 2}, {1, -1}); }, "y[1] = -1");
  expect_error([] { fit_loglog_slope({0, 2}, {1, 1}); }, "x[0] = 0");
  expect_error([] { fit_loglog_slope({2, 2}, {1, 3}); }, "all x values are equal");
}

}  // namespace
}  // namespace difflab
