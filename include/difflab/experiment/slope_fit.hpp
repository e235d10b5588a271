#pragma once
// Log-log slope fits: ordinary least squares of log y on log x, y ~ C x^slope, with a
// confidence interval for the slope from the residual standard error and Student's t quantile
// with n - 2 degrees of freedom (the textbook interval for a regression coefficient under
// independent Gaussian residuals; e.g. Weisberg, Applied Linear Regression, section 2.6).
#include <nlohmann/json.hpp>
#include <vector>

namespace difflab {

struct SlopeFit {
  double slope = 0, intercept = 0;  // log y = intercept + slope * log x
  double slope_se = 0;              // standard error of the slope (NaN for n = 2)
  double ci_lo = 0, ci_hi = 0;      // confidence interval of the slope (infinite for n = 2)
  double level = 0.95;              // confidence level of [ci_lo, ci_hi]
  double r2 = 0;                    // coefficient of determination on the log scale
  std::size_t n = 0;                // points used
  nlohmann::json to_json() const;   // non-finite numbers become null
};

// Fits log y = a + b log x. Needs at least two points with distinct x; every x and y must be
// finite and positive (throws difflab::Error naming the offending point otherwise).
SlopeFit fit_loglog_slope(const std::vector<double>& x, const std::vector<double>& y,
                          double level = 0.95);

// Student's t distribution with nu > 0 degrees of freedom: CDF and quantile (p in (0, 1)).
double student_t_cdf(double t, double nu);
double student_t_quantile(double p, double nu);

}  // namespace difflab
