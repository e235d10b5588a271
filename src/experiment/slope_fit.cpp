#include "difflab/experiment/slope_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

// Continued fraction of the regularized incomplete beta function I_x(a, b), evaluated by the
// modified Lentz method (the even/odd coefficients of DLMF 8.17.22).
double beta_continued_fraction(double a, double b, double x) {
  constexpr double tiny = 1e-300;
  constexpr double eps = 1e-16;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::abs(d) < tiny) d = tiny;
  d = 1 / d;
  double f = d;
  for (int m = 1; m <= 10000; ++m) {
    const double m2 = 2.0 * m;
    // Even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)).
    double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (std::abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= d * c;
    // Odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
    num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (std::abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    f *= delta;
    if (std::abs(delta - 1) < eps) break;
  }
  return f;
}

// I_x(a, b), using the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where the fraction converges fast.
double regularized_beta(double x, double a, double b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double log_front =
      a * std::log(x) + b * std::log1p(-x) - (std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b));
  if (x < (a + 1) / (a + b + 2)) return std::exp(log_front) * beta_continued_fraction(a, b, x) / a;
  return 1 - std::exp(log_front) * beta_continued_fraction(b, a, 1 - x) / b;
}

// The note on points with large or undefined relative errors, empty when there are none.
std::string relative_error_note(const std::vector<double>& relative) {
  std::ostringstream out;
  out.precision(3);
  for (std::size_t i = 0; i < relative.size(); ++i) {
    const double r = relative[i];
    if (r <= kLargeRelativeError) continue;
    out << (out.tellp() > 0 ? "; " : "") << "point " << i << ": grid error " << r << " of its value"
        << (r >= 1 || !std::isfinite(r) ? " (log undefined within it)" : "");
  }
  if (out.tellp() == 0) return "";
  const bool undefined =
      std::any_of(relative.begin(), relative.end(), [](double r) { return !(r < 1); });
  return out.str() + (undefined ? "; no interval with the grid error" : "");
}

}  // namespace

ErrorWidenedSlope widen_for_y_error(const SlopeFit& fit, const std::vector<double>& x,
                                    const std::vector<double>& y, const std::vector<double>& err) {
  require(x.size() == y.size() && y.size() == err.size(), "slope fit: ", x.size(), " x values, ",
          y.size(), " y values and ", err.size(), " errors");
  const std::size_t n = x.size();
  double mu = 0, suu = 0;
  for (double v : x) mu += std::log(v) / static_cast<double>(n);
  for (double v : x) suu += (std::log(v) - mu) * (std::log(v) - mu);
  ErrorWidenedSlope w;
  for (std::size_t i = 0; i < n; ++i) {
    require(!(err[i] < 0), "slope fit: error[", i, "] = ", err[i], " is negative");
    const double r = err[i] / y[i];
    w.relative.push_back(r);
    if (!(r < 1)) {
      w.undefined.push_back(i);
      continue;
    }
    // log(1 + r) raises log y_i, -log(1 - r) lowers it; weight w_i's sign says which steepens.
    const double wi = (std::log(x[i]) - mu) / suu, up = std::log1p(r), down = -std::log1p(-r);
    w.shift_hi += wi > 0 ? wi * up : -wi * down;
    w.shift_lo += wi > 0 ? wi * down : -wi * up;
  }
  if (!w.undefined.empty()) w.shift_lo = w.shift_hi = std::numeric_limits<double>::quiet_NaN();
  w.ci_lo = fit.ci_lo - w.shift_lo;
  w.ci_hi = fit.ci_hi + w.shift_hi;
  return w;
}

nlohmann::json ErrorWidenedSlope::to_json() const {
  const auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  nlohmann::json j{{"ci_with_grid_error", {num(ci_lo), num(ci_hi)}},
                   {"grid_error_slope_shift", {num(shift_lo), num(shift_hi)}},
                   {"grid_error_max_relative", nullptr}};
  double max_relative = 0;
  for (double r : relative)
    max_relative =
        std::max(max_relative, std::isfinite(r) ? r : std::numeric_limits<double>::infinity());
  j["grid_error_max_relative"] = num(max_relative);
  const std::string note = relative_error_note(relative);
  if (!note.empty()) j["grid_error_note"] = note;
  return j;
}

double student_t_cdf(double t, double nu) {
  require(nu > 0 && std::isfinite(nu), "student_t_cdf: degrees of freedom must be > 0, got ", nu);
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  // P(|T| > |t|) = I_{nu / (nu + t^2)}(nu / 2, 1 / 2) (DLMF 8.17.2 with the t density).
  const double tail = 0.5 * regularized_beta(nu / (nu + t * t), 0.5 * nu, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

double student_t_quantile(double p, double nu) {
  require(p > 0 && p < 1, "student_t_quantile: p must lie in (0, 1), got ", p);
  if (p < 0.5) return -student_t_quantile(1 - p, nu);
  double lo = 0, hi = 1;
  while (student_t_cdf(hi, nu) < p) hi *= 2;
  // Bisection: the CDF is monotone, and 200 halvings reach double precision from any bracket.
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (student_t_cdf(mid, nu) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

SlopeFit fit_loglog_slope(const std::vector<double>& x, const std::vector<double>& y,
                          double level) {
  require(x.size() == y.size(), "slope fit: ", x.size(), " x values but ", y.size(), " y values");
  require(x.size() >= 2, "slope fit: needs at least 2 points, got ", x.size());
  require(level > 0 && level < 1, "slope fit: confidence level must lie in (0, 1), got ", level);
  const std::size_t n = x.size();
  std::vector<double> u(n), v(n);
  double mu = 0, mv = 0;
  for (std::size_t i = 0; i < n; ++i) {
    require(std::isfinite(x[i]) && x[i] > 0, "slope fit: x[", i, "] = ", x[i],
            " is not a finite positive number (log-log fit)");
    require(std::isfinite(y[i]) && y[i] > 0, "slope fit: y[", i, "] = ", y[i],
            " is not a finite positive number (log-log fit)");
    u[i] = std::log(x[i]);
    v[i] = std::log(y[i]);
    mu += u[i];
    mv += v[i];
  }
  mu /= static_cast<double>(n);
  mv /= static_cast<double>(n);
  double suu = 0, suv = 0, svv = 0;
  for (std::size_t i = 0; i < n; ++i) {
    suu += (u[i] - mu) * (u[i] - mu);
    suv += (u[i] - mu) * (v[i] - mv);
    svv += (v[i] - mv) * (v[i] - mv);
  }
  require(suu > 0, "slope fit: all x values are equal");
  SlopeFit f;
  f.n = n;
  f.level = level;
  f.slope = suv / suu;
  f.intercept = mv - f.slope * mu;
  double rss = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = v[i] - f.intercept - f.slope * u[i];
    rss += r * r;
  }
  f.r2 = svv > 0 ? 1 - rss / svv : 1.0;
  if (n > 2) {
    // se(b) = s / sqrt(Sxx), s^2 = RSS / (n - 2); interval b +- t_{(1+level)/2, n-2} se(b).
    const double dof = static_cast<double>(n - 2);
    f.slope_se = std::sqrt(rss / dof / suu);
    const double q = student_t_quantile(0.5 * (1 + level), dof);
    f.ci_lo = f.slope - q * f.slope_se;
    f.ci_hi = f.slope + q * f.slope_se;
  } else {
    // Two points fit exactly: no residual degrees of freedom, so no interval.
    f.slope_se = std::numeric_limits<double>::quiet_NaN();
    f.ci_lo = -std::numeric_limits<double>::infinity();
    f.ci_hi = std::numeric_limits<double>::infinity();
  }
  return f;
}

nlohmann::json SlopeFit::to_json() const {
  const auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  return {{"slope", num(slope)},
          {"intercept", num(intercept)},
          {"slope_se", num(slope_se)},
          {"ci", {num(ci_lo), num(ci_hi)}},
          {"level", level},
          {"r2", num(r2)},
          {"n", n}};
}

}  // namespace difflab
