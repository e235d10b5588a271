#pragma once
// Log-log slope fits: ordinary least squares of log y on log x, y ~ C x^slope, with a
// confidence interval for the slope from the residual standard error and Student's t quantile
// with n - 2 degrees of freedom (the textbook interval for a regression coefficient under
// independent Gaussian residuals; e.g. Weisberg, Applied Linear Regression, section 2.6).
#include <nlohmann/json.hpp>
#include <string>
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

// The slope's interval widened for a numerical error on each y, e.g. a grid law's grid_error
// (docs/theory.md, section 14.3): the true value of point i lies in [y_i - err_i, y_i + err_i].
// The least-squares slope is linear in log y, b = sum_i w_i log y_i with
// w_i = (log x_i - mean log x) / Sxx, so over the box log y_i + [log(1 - r_i), log(1 + r_i)],
// r_i = err_i / y_i, its extremes are at corners: every point at the end of its error that
// steepens (flattens) the slope. In closed form the slope moves up by at most
//   shift_hi = sum_{w_i > 0} w_i log(1 + r_i) + sum_{w_i < 0} |w_i| (-log(1 - r_i))
// and down by at most shift_lo (the same with the two logs exchanged); the widened interval is
// [ci_lo - shift_lo, ci_hi + shift_hi], the statistical interval (from the reported values'
// residuals) pushed out by the worst case of the errors. A point with err_i >= y_i (or a
// non-finite err_i) has no log within its error: it is listed in `undefined` and the widened
// interval and shifts are NaN (null in JSON).
struct ErrorWidenedSlope {
  double shift_lo = 0, shift_hi = 0;   // how far the errors alone move the slope down / up
  double ci_lo = 0, ci_hi = 0;         // the fit's interval widened by the shifts
  std::vector<double> relative;        // err_i / y_i per point
  std::vector<std::size_t> undefined;  // points with err_i >= y_i: log y undefined within err
  // {"ci_with_grid_error", "grid_error_slope_shift", "grid_error_max_relative"} and, when a
  // point's error exceeds kLargeRelativeError of its value or is undefined, "grid_error_note".
  nlohmann::json to_json() const;
};

// The relative error above which a note names the point: grid_tol's default (law_report.hpp),
// so a converged law under the default tolerance never triggers it.
inline constexpr double kLargeRelativeError = 0.1;

// Widens `fit` (fit_loglog_slope(x, y)) for errors err (>= 0, one per point).
ErrorWidenedSlope widen_for_y_error(const SlopeFit& fit, const std::vector<double>& x,
                                    const std::vector<double>& y, const std::vector<double>& err);

// Student's t distribution with nu > 0 degrees of freedom: CDF and quantile (p in (0, 1)).
double student_t_cdf(double t, double nu);
double student_t_quantile(double p, double nu);

}  // namespace difflab
