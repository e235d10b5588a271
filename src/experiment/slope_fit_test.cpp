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

// y = 3 x^-2 at x = 10, 20, 40, 80 (log x - mean = (-1.5, -0.5, 0.5, 1.5) log 2, Sxx = 5 log^2 2,
// so the slope weights are w = (-0.3, -0.1, 0.1, 0.3) / log 2) with relative errors r.
std::vector<double> power_law_x() { return {10, 20, 40, 80}; }
std::vector<double> power_law_y() {
  std::vector<double> y;
  for (double v : power_law_x()) y.push_back(3 * std::pow(v, -2.0));
  return y;
}

TEST(SlopeFit, GridErrorWidensTheIntervalByTheWorstCornerInClosedForm) {
  const std::vector<double> x = power_law_x(), y = power_law_y(), r = {0.05, 0.02, 0.01, 0.04};
  std::vector<double> err;
  for (std::size_t i = 0; i < y.size(); ++i) err.push_back(r[i] * y[i]);
  const SlopeFit f = fit_loglog_slope(x, y);
  const ErrorWidenedSlope w = widen_for_y_error(f, x, y, err);
  // Steepest upward: the points left of the mean down (-log(1 - r)), right of it up (log(1 + r)).
  const double l2 = std::log(2.0);
  const double up = (0.3 * -std::log(1 - 0.05) + 0.1 * -std::log(1 - 0.02) + 0.1 * std::log(1.01) +
                     0.3 * std::log(1.04)) /
                    l2;
  const double down = (0.3 * std::log(1.05) + 0.1 * std::log(1.02) + 0.1 * -std::log(1 - 0.01) +
                       0.3 * -std::log(1 - 0.04)) /
                      l2;
  EXPECT_NEAR(w.shift_hi, up, 1e-12);
  EXPECT_NEAR(w.shift_lo, down, 1e-12);
  EXPECT_NEAR(w.ci_hi - w.ci_lo, (f.ci_hi - f.ci_lo) + up + down, 1e-12);
  EXPECT_LT(w.ci_lo, -2 - 0.9 * down);
  EXPECT_GT(w.ci_hi, -2 + 0.9 * up);
  // The closed form is the refit with every point at the corner that steepens (flattens).
  std::vector<double> y_up = y, y_down = y;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const bool right = i >= 2;
    y_up[i] = y[i] + (right ? err[i] : -err[i]);
    y_down[i] = y[i] + (right ? -err[i] : err[i]);
  }
  EXPECT_NEAR(fit_loglog_slope(x, y_up).slope - f.slope, up, 1e-12);
  EXPECT_NEAR(f.slope - fit_loglog_slope(x, y_down).slope, down, 1e-12);
  EXPECT_TRUE(w.undefined.empty());
  const nlohmann::json j = w.to_json();
  EXPECT_NEAR(j["grid_error_max_relative"].get<double>(), 0.05, 1e-15);
  EXPECT_FALSE(j.contains("grid_error_note"));
  EXPECT_NEAR(j["ci_with_grid_error"][1].get<double>(), w.ci_hi, 0);
}

TEST(SlopeFit, ZeroGridErrorGivesTheStatisticalIntervalExactly) {
  // Noisy y so that the statistical interval has width.
  const std::vector<double> x = {10, 20, 40, 80, 160}, y = {0.03, 0.0081, 0.0018, 0.0005, 0.00011};
  const SlopeFit f = fit_loglog_slope(x, y);
  const ErrorWidenedSlope w = widen_for_y_error(f, x, y, std::vector<double>(x.size(), 0.0));
  EXPECT_GT(f.ci_hi - f.ci_lo, 0.01);
  EXPECT_EQ(w.ci_lo, f.ci_lo);
  EXPECT_EQ(w.ci_hi, f.ci_hi);
  EXPECT_EQ(w.shift_lo, 0);
  EXPECT_EQ(w.shift_hi, 0);
}

TEST(SlopeFit, GridErrorAtLeastTheValueIsFlaggedAndLeavesNoInterval) {
  const std::vector<double> x = power_law_x(), y = power_law_y();
  const std::vector<double> err = {0.01 * y[0], 0.2 * y[1], y[2], 0};
  const SlopeFit f = fit_loglog_slope(x, y);
  const ErrorWidenedSlope w = widen_for_y_error(f, x, y, err);
  EXPECT_EQ(w.undefined, std::vector<std::size_t>{2});
  EXPECT_TRUE(std::isnan(w.ci_lo) && std::isnan(w.ci_hi));
  const nlohmann::json j = w.to_json();
  EXPECT_TRUE(j["ci_with_grid_error"][0].is_null() && j["ci_with_grid_error"][1].is_null());
  const std::string note = j["grid_error_note"];
  EXPECT_NE(note.find("point 1: grid error 0.2 of its value;"), std::string::npos) << note;
  EXPECT_NE(note.find("point 2: grid error 1 of its value (log undefined"), std::string::npos)
      << note;
  EXPECT_NE(note.find("no interval with the grid error"), std::string::npos);
  EXPECT_EQ(note.find("point 0"), std::string::npos);
  expect_error([&] { widen_for_y_error(f, x, y, {0, 0, -1e-3, 0}); }, "error[2] = -0.001");
}

}  // namespace
}  // namespace difflab
