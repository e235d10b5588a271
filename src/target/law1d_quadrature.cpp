#include "difflab/target/law1d_quadrature.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "difflab/core/error.hpp"
#include "law1d_numerics.hpp"

namespace difflab {

using law1d_detail::kLogSqrt2Pi;
using law1d_detail::kNegInf;

namespace {

// Contributions below e^{-kCut} of the largest integrand value are dropped (relative 3e-20).
constexpr double kCut = 45.0;
constexpr int kMaxPanels = 100000;

// Running sums of the smoothed density g(u) = int p(x) N(u; x, k^2) dx and of its derivative
// g'(u) = int p(x) (x - u)/k^2 N(u; x, k^2) dx, both scaled by e^{-H} (H = largest log integrand)
// and without the common factor 1/(sqrt(2 pi) k).
struct Sums {
  double mass = 0;
  double first = 0;
};

// Adds the integrals over [x0, x1] (either orientation) by composite Gauss-Legendre panels
// marched from x0, where h(x) = log_p(x) - (x - u)^2/(2k^2) is non-increasing from x0 towards x1
// (x0 maximises the concave h of the piece). width(x) is the widest panel that resolves the
// integrand at x; a panel shorter than a quarter of that (clipped by x1) uses 8 points.
template <class LogP, class Width>
void march(const LogP& log_p, const Width& width, double u, double k, double H, double x0,
           double x1, Sums& sums) {
  const auto& g20 = law1d_detail::gauss_legendre20();
  const auto& g8 = law1d_detail::gauss_legendre8();
  const double dir = x1 > x0 ? 1.0 : -1.0;
  const double inv_k2 = 1.0 / (k * k);
  auto add = [&](const auto& rule, double a, double b) {
    const double c = 0.5 * (a + b), r = 0.5 * std::abs(b - a);
    for (std::size_t q = 0; q < rule.x.size(); ++q) {
      const double x = c + r * rule.x[q];
      const double d = x - u;
      const double lp = log_p(x);
      if (lp == kNegInf) continue;
      const double f = r * rule.w[q] * std::exp(lp - 0.5 * d * d * inv_k2 - H);
      sums.mass += f;
      sums.first += f * d * inv_k2;
    }
  };
  double x = x0;
  for (int panel = 0; panel < kMaxPanels && x != x1; ++panel) {
    const double d = x - u;
    if (log_p(x) - 0.5 * d * d * inv_k2 < H - kCut) break;
    const double w = width(x);
    double xe = x + dir * w;
    if ((xe - x1) * dir >= 0) xe = x1;
    if (std::abs(xe - x) < 0.25 * w)
      add(g8, x, xe);
    else
      add(g20, x, xe);
    x = xe;
  }
}

// Maximiser of the strictly concave h on [lo, hi] given its derivative dh (decreasing, with
// dh(lo) > 0 > dh(hi)) and second derivative: Newton safeguarded by bisection. The quadrature
// only needs the maximiser to a small fraction of the integrand's width 1/sqrt(-h''), so the
// iteration stops once a step is below 1e-8 of that width.
template <class DH>
double concave_argmax(const DH& dh, double lo, double hi, double x) {
  for (int it = 0; it < 300; ++it) {
    double d1, d2;
    dh(x, d1, d2);
    if (d1 > 0)
      lo = x;
    else if (d1 < 0)
      hi = x;
    else
      return x;
    double next = x - d1 / d2;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (std::abs(next - x) <= 1e-8 / std::sqrt(-d2) || hi - lo <= 1e-15 * std::abs(x)) return next;
    x = next;
  }
  return x;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Logistic

Logistic1D::Logistic1D(double loc, double scale, const std::string& where) : loc_(loc), s_(scale) {
  require(std::isfinite(loc), where, ": loc is not finite");
  require(std::isfinite(scale) && scale > 0, where, ": scale must be positive, got ", scale);
}

nlohmann::json Logistic1D::to_json() const {
  return {{"type", "logistic"}, {"loc", loc_}, {"scale", s_}};
}

double Logistic1D::sample(RngStream& stream) const {
  const double u = stream.uniform();
  return loc_ + s_ * (std::log(u) - std::log1p(-u));
}

double Logistic1D::second_moment() const {
  return loc_ * loc_ + s_ * s_ * std::numbers::pi * std::numbers::pi / 3.0;
}

double Logistic1D::entropy() const { return std::log(s_) + 2.0; }

std::optional<double> Logistic1D::score_lipschitz() const { return std::max(1.0, 0.5 / (s_ * s_)); }

void Logistic1D::noised(double alpha, double sigma2, const Vector& y, Vector* log_q,
                        Vector* score) const {
  check_noise(alpha, sigma2);
  if (log_q) log_q->resize(y.size());
  if (score) score->resize(y.size());
  const double s = s_, loc = loc_, log_s = std::log(s), log_alpha = std::log(alpha);
  // log p, (log p)' = -tanh(z/2)/s and (log p)'' = -sech^2(z/2)/(2 s^2), z = (x - loc)/s, in
  // forms that neither overflow nor cancel in the tails.
  auto log_p = [&](double x) {
    const double z = std::abs(x - loc) / s;
    return -z - 2.0 * std::log1p(std::exp(-z)) - log_s;
  };
  auto dlog_p = [&](double x) { return -std::tanh(0.5 * (x - loc) / s) / s; };
  auto d2log_p = [&](double x) {
    const double e = std::exp(-std::abs(x - loc) / s);
    return -2.0 * e / ((1 + e) * (1 + e) * s * s);
  };
  if (sigma2 == 0) {
    for (Index j = 0; j < y.size(); ++j) {
      const double x = y(j) / alpha;
      if (log_q) (*log_q)(j) = log_p(x) - log_alpha;
      if (score) (*score)(j) = dlog_p(x) / alpha;
    }
    return;
  }
  const double k = std::sqrt(sigma2) / alpha, inv_k2 = 1.0 / (k * k);
  // Posterior variance of a Gaussian with the logistic's variance pi^2 s^2 / 3: a starting point.
  const double v = s * s * std::numbers::pi * std::numbers::pi / 3.0;
  const double pole = std::numbers::pi * s;  // distance of the density's poles from the real axis
  for (Index j = 0; j < y.size(); ++j) {
    const double u = y(j) / alpha;
    auto dh = [&](double x, double& d1, double& d2) {
      d1 = dlog_p(x) - (x - u) * inv_k2;
      d2 = d2log_p(x) - inv_k2;
    };
    // |(log p)'| < 1/s, so the maximiser of h lies within k^2/s of u.
    const double reach = k * k / s;
    const double guess = std::clamp((u * v + loc * k * k) / (v + k * k), u - reach, u + reach);
    const double xs = concave_argmax(dh, u - reach, u + reach, guess);
    const double H = log_p(xs) - 0.5 * (xs - u) * (xs - u) * inv_k2;
    auto width = [&](double x) {
      double d1, d2;
      dh(x, d1, d2);
      double w = 4.0 / std::sqrt(-d2);
      if (d1 != 0) w = std::min(w, 20.0 / std::abs(d1));
      return std::min(w, std::max(1.5 * pole, 0.5 * std::abs(x - loc)));
    };
    Sums sums;
    march(log_p, width, u, k, H, xs, std::numeric_limits<double>::infinity(), sums);
    march(log_p, width, u, k, H, xs, -std::numeric_limits<double>::infinity(), sums);
    if (log_q) (*log_q)(j) = H + std::log(sums.mass) - kLogSqrt2Pi - std::log(k) - log_alpha;
    if (score) (*score)(j) = sums.first / sums.mass / alpha;
  }
}

// ---------------------------------------------------------------------------------------------
// Grid

Grid1D::Grid1D(std::vector<double> x, std::vector<double> density, const std::string& where)
    : x_(std::move(x)), input_density_(std::move(density)) {
  require(x_.size() >= 2, where, ": x needs at least 2 points, got ", x_.size());
  require(input_density_.size() == x_.size(), where, ": x has ", x_.size(),
          " points but density has ", input_density_.size());
  for (std::size_t i = 0; i < x_.size(); ++i) {
    require(std::isfinite(x_[i]), where, ": x entry ", i, " is not finite");
    require(std::isfinite(input_density_[i]), where, ": density entry ", i, " is not finite");
    require(input_density_[i] >= 0, where, ": density entry ", i, " is negative (",
            input_density_[i], ")");
    if (i > 0)
      require(x_[i] > x_[i - 1], where, ": x must be strictly increasing, but x[", i, "] = ", x_[i],
              " <= x[", i - 1, "] = ", x_[i - 1]);
  }
  // Exact integral of the piecewise-linear interpolant (trapezoid rule).
  double total = 0;
  for (std::size_t i = 0; i + 1 < x_.size(); ++i)
    total += 0.5 * (input_density_[i] + input_density_[i + 1]) * (x_[i + 1] - x_[i]);
  require(total > 0 && std::isfinite(total), where,
          ": density must be positive somewhere (its integral is ", total, ")");
  double pmax = 0;
  for (double d : input_density_) {
    p_.push_back(d / total);
    pmax = std::max(pmax, d / total);
  }
  log_pmax_ = std::log(pmax);
  cdf_.push_back(0.0);
  const auto& g8 = law1d_detail::gauss_legendre8();
  for (std::size_t i = 0; i + 1 < x_.size(); ++i) {
    const double h = x_[i + 1] - x_[i];
    cdf_.push_back(cdf_.back() + 0.5 * (p_[i] + p_[i + 1]) * h);
    // Moments: 8-point Gauss-Legendre is exact for the cubic x^2 p(x) on a segment.
    for (std::size_t q = 0; q < g8.x.size(); ++q) {
      const double t = 0.5 * (1 + g8.x[q]);
      const double xq = x_[i] + t * h, pq = p_[i] + t * (p_[i + 1] - p_[i]);
      mean_ += 0.5 * h * g8.w[q] * xq * pq;
      second_moment_ += 0.5 * h * g8.w[q] * xq * xq * pq;
    }
  }
}

nlohmann::json Grid1D::to_json() const {
  return {{"type", "grid"}, {"x", x_}, {"density", input_density_}};
}

double Grid1D::density(double x) const {
  if (!(x >= x_.front() && x <= x_.back())) return 0.0;
  std::size_t i = static_cast<std::size_t>(std::upper_bound(x_.begin(), x_.end(), x) - x_.begin());
  i = std::min(std::max<std::size_t>(i, 1), x_.size() - 1) - 1;
  const double t = (x - x_[i]) / (x_[i + 1] - x_[i]);
  return std::max(0.0, p_[i] + t * (p_[i + 1] - p_[i]));
}

double Grid1D::sample(RngStream& stream) const {
  // Inverse CDF: on segment i the CDF is cdf_i + p_i t + c t^2 / 2 (c the slope); the root is
  // taken in the form 2r / (p_i + sqrt(p_i^2 + 2 c r)), which does not cancel.
  const double u = stream.uniform() * cdf_.back();
  std::size_t i =
      static_cast<std::size_t>(std::upper_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  i = std::min(std::max<std::size_t>(i, 1), x_.size() - 1) - 1;
  const double h = x_[i + 1] - x_[i], c = (p_[i + 1] - p_[i]) / h;
  const double r = u - cdf_[i];
  const double den = p_[i] + std::sqrt(std::max(0.0, p_[i] * p_[i] + 2 * c * r));
  const double t = den > 0 ? 2 * r / den : 0.0;
  return x_[i] + std::clamp(t, 0.0, h);
}

double Grid1D::entropy() const {
  // -int p log p on each linear piece in closed form: int t log t dt = t^2 log t / 2 - t^2 / 4;
  // nearly flat pieces use the expansion of the mean of t log t over [m - d, m + d]:
  // m log m + d^2 / (6 m) + d^4 / (60 m^3).
  auto F = [](double t) { return t > 0 ? 0.5 * t * t * std::log(t) - 0.25 * t * t : 0.0; };
  double h = 0;
  for (std::size_t i = 0; i + 1 < x_.size(); ++i) {
    const double a = p_[i], b = p_[i + 1], w = x_[i + 1] - x_[i];
    const double m = 0.5 * (a + b), d = 0.5 * (b - a);
    if (m == 0) continue;
    if (std::abs(d) > 1e-3 * m)
      h -= w * (F(b) - F(a)) / (b - a);
    else
      h -= w * (m * std::log(m) + d * d / (6 * m) + d * d * d * d / (60 * m * m * m));
  }
  return h;
}

void Grid1D::noised(double alpha, double sigma2, const Vector& y, Vector* log_q,
                    Vector* score) const {
  check_noise(alpha, sigma2);
  if (log_q) log_q->resize(y.size());
  if (score) score->resize(y.size());
  const double log_alpha = std::log(alpha);
  const std::size_t m = x_.size() - 1;  // segments
  auto segment_of = [&](double u) {
    std::size_t i =
        static_cast<std::size_t>(std::upper_bound(x_.begin(), x_.end(), u) - x_.begin());
    return std::min(std::max<std::size_t>(i, 1), m) - 1;
  };
  if (sigma2 == 0) {
    // The law itself; outside the support (and where p = 0) log q = -inf and the score is set to
    // 0. At a grid point the slope of the segment to its right is used.
    for (Index j = 0; j < y.size(); ++j) {
      const double x = y(j) / alpha, p = density(x);
      if (log_q) (*log_q)(j) = (p > 0 ? std::log(p) : kNegInf) - log_alpha;
      if (score) {
        const std::size_t i = segment_of(x);
        (*score)(j) = p > 0 ? (p_[i + 1] - p_[i]) / (x_[i + 1] - x_[i]) / p / alpha : 0.0;
      }
    }
    return;
  }
  const double k = std::sqrt(sigma2) / alpha, inv_k2 = 1.0 / (k * k);
  struct Piece {
    std::size_t i;
    double xs, hs;
  };
  std::vector<Piece> pieces;
  for (Index j = 0; j < y.size(); ++j) {
    const double u = y(j) / alpha;
    double H = kNegInf;
    pieces.clear();
    // The largest log integrand on segment i: log p is the log of a linear function there, so
    // h = log p - (x - u)^2 / (2k^2) is strictly concave and has one maximiser.
    auto visit = [&](std::size_t i) {
      const double a = x_[i], b = x_[i + 1], pa = p_[i], pb = p_[i + 1];
      if (pa == 0 && pb == 0) return;
      const double c = (pb - pa) / (b - a);
      auto p_at = [&](double x) {
        return std::max(0.0, x - a < b - x ? pa + c * (x - a) : pb - c * (b - x));
      };
      auto dh = [&](double x, double& d1, double& d2) {
        const double p = p_at(x);
        d1 = c / p - (x - u) * inv_k2;
        d2 = -(c / p) * (c / p) - inv_k2;
      };
      double d1a, d1b, d2;
      dh(a, d1a, d2);
      dh(b, d1b, d2);
      double xs;
      if (pa > 0 && d1a <= 0)
        xs = a;
      else if (pb > 0 && d1b >= 0)
        xs = b;
      else
        xs = concave_argmax(dh, a, b, std::clamp(u, a, b));
      const double p = p_at(xs);
      const double hs = (p > 0 ? std::log(p) : kNegInf) - 0.5 * (xs - u) * (xs - u) * inv_k2;
      H = std::max(H, hs);
      pieces.push_back({i, xs, hs});
    };
    // Segments are visited outwards from the one nearest u, until the bound log p_max -
    // dist(u, segment)^2 / (2k^2) shows the rest negligible.
    auto negligible = [&](std::size_t i) {
      const double dist = std::max({0.0, x_[i] - u, u - x_[i + 1]});
      return log_pmax_ - 0.5 * dist * dist * inv_k2 < H - kCut;
    };
    const std::size_t j0 = segment_of(std::clamp(u, x_.front(), x_.back()));
    visit(j0);
    for (std::size_t i = j0; i-- > 0;) {
      if (negligible(i)) break;
      visit(i);
    }
    for (std::size_t i = j0 + 1; i < m; ++i) {
      if (negligible(i)) break;
      visit(i);
    }
    Sums sums;
    for (const Piece& pc : pieces) {
      if (pc.hs < H - kCut) continue;
      const double a = x_[pc.i], b = x_[pc.i + 1], pa = p_[pc.i], pb = p_[pc.i + 1];
      const double c = (pb - pa) / (b - a);
      auto log_p = [&](double x) {
        const double p = x - a < b - x ? pa + c * (x - a) : pb - c * (b - x);
        return p > 0 ? std::log(p) : kNegInf;
      };
      // The linear factor is integrated exactly; panels only resolve the Gaussian factor.
      auto width = [&](double x) {
        const double g = std::abs(x - u) * inv_k2;
        return g > 0 ? std::min(4 * k, 20.0 / g) : 4 * k;
      };
      march(log_p, width, u, k, H, pc.xs, b, sums);
      march(log_p, width, u, k, H, pc.xs, a, sums);
    }
    if (log_q) (*log_q)(j) = H + std::log(sums.mass) - kLogSqrt2Pi - std::log(k) - log_alpha;
    if (score) (*score)(j) = sums.first / sums.mass / alpha;
  }
}

}  // namespace difflab
