#include "difflab/law/grid_distances.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>

#include "cubic_interpolation.hpp"
#include "difflab/core/error.hpp"
#include "difflab/metrics/gaussian_distances.hpp"

namespace difflab {

namespace {

// Trapezoidal integral of f over nodes spaced h.
double trapezoid(const Vector& f, double h) {
  const Index n = f.size();
  return h * (f.sum() - (f(0) + f(n - 1)) / 2);
}

// KL(a || b) = int a log(a / b); +inf when a puts > 1e-12 mass where b underflows.
double kl(const Vector& a, const Vector& log_a, const Vector& b, const Vector& log_b, double h) {
  Vector integrand = Vector::Zero(a.size());
  Vector stranded = Vector::Zero(a.size());
  for (Index j = 0; j < a.size(); ++j) {
    if (a(j) <= 0) continue;
    if (b(j) <= 0) {
      stranded(j) = a(j);
      continue;
    }
    integrand(j) = a(j) * (log_a(j) - log_b(j));
  }
  if (trapezoid(stranded, h) > 1e-12) return std::numeric_limits<double>::infinity();
  return trapezoid(integrand, h);
}

// The CDF at the nodes, integrating the density's cubic interpolant cell by cell (fourth order
// in h), normalised to end at 1; `slope` receives the density divided by the same mass.
Vector cdf(const Vector& f, double h, Vector& slope) {
  const Index n = f.size();
  Vector F(n);
  F(0) = 0;
  for (Index j = 0; j + 1 < n; ++j)
    F(j + 1) = F(j) + h * std::max(law_detail::cubic_cell_integral(f, j, n), 0.0);
  require(F(n - 1) > 0, "grid distances: a density with no mass");
  slope = f / F(n - 1);
  return F / F(n - 1);
}

// The quantile of u for the CDF C interpolated between nodes by the cubic Hermite polynomial
// with the density as its slope (fourth order), by safeguarded Newton on the cell that brackets
// u; j is a cursor that only moves forward (u increasing).
double quantile(const Vector& C, const Vector& density, double lo, double h, double u, Index& j) {
  const Index n = C.size();
  while (j + 2 < n && C(j + 1) < u) ++j;
  const double c0 = C(j), c1 = C(j + 1), m0 = h * density(j), m1 = h * density(j + 1);
  if (c1 <= c0) return lo + h * static_cast<double>(j);
  double a = 0, b = 1, t = std::clamp((u - c0) / (c1 - c0), 0.0, 1.0);
  for (int it = 0; it < 60; ++it) {
    const double t2 = t * t, t3 = t2 * t;
    const double value = (2 * t3 - 3 * t2 + 1) * c0 + (t3 - 2 * t2 + t) * m0 +
                         (-2 * t3 + 3 * t2) * c1 + (t3 - t2) * m1 - u;
    const double deriv = (6 * t2 - 6 * t) * c0 + (3 * t2 - 4 * t + 1) * m0 +
                         (-6 * t2 + 6 * t) * c1 + (3 * t2 - 2 * t) * m1;
    if (value > 0) {
      b = t;
    } else {
      a = t;
    }
    double next = deriv > 0 ? t - value / deriv : 0.5 * (a + b);
    if (!(next > a && next < b)) next = 0.5 * (a + b);
    if (std::abs(next - t) < 1e-15) {
      t = next;
      break;
    }
    t = next;
  }
  return lo + h * (static_cast<double>(j) + t);
}

}  // namespace

void require_mass_on_grid(double mass_lost, double limit, const std::string& law_name,
                          const std::string& region) {
  if (std::isfinite(mass_lost) && mass_lost <= limit) return;
  std::ostringstream share;
  share << std::setprecision(3) << mass_lost << " of the output law's mass leaves the grid "
        << region << " (at most " << limit << " is allowed)";
  fail(law_name, ": ", share.str(),
       ", so its distances to the target would be wrong; the sampler's output lies far from the "
       "target (a diverging or untrained score, or steps too large?)");
}

GridDistances grid_distances(const GridDensity& p, const Vector& log_q) {
  const Index n = p.nodes();
  require(n >= 4 && log_q.size() == n, "grid distances: ", n, " density nodes but ", log_q.size(),
          " reference values");
  const Vector& pd = p.density;
  const Vector q = log_q.array().exp();
  Vector log_p(n);
  for (Index j = 0; j < n; ++j)
    log_p(j) = pd(j) > 0 ? std::log(pd(j)) : -std::numeric_limits<double>::infinity();

  GridDistances out;
  out.tv = 0.5 * trapezoid((pd - q).cwiseAbs(), p.h);
  out.tv_lower = out.tv_upper = *out.tv;
  out.kl_target_output = kl(q, log_q, pd, log_p, p.h);
  out.kl_output_target = kl(pd, log_p, q, log_q, p.h);
  out.bhattacharyya = trapezoid(pd.cwiseProduct(q).cwiseSqrt(), p.h);

  // W2^2 = int_0^1 (P^{-1}(u) - Q^{-1}(u))^2 du (docs/theory.md 5.4, one dimension). In u the
  // integral is well conditioned even where one density nearly vanishes (a gap between modes:
  // there the transport map x -> Q^{-1}(P(x)) is numerically undetermined). Between consecutive
  // breakpoints of the two CDFs both quantile functions are smooth (inverses of cubic Hermite
  // pieces), so 3-point Gauss-Legendre per piece keeps the fourth order of the CDFs.
  Vector p_slope, q_slope;
  const Vector P = cdf(pd.cwiseMax(0.0), p.h, p_slope);
  const Vector Q = cdf(q, p.h, q_slope);
  std::vector<double> u(P.data(), P.data() + n);
  u.insert(u.end(), Q.data(), Q.data() + n);
  std::sort(u.begin(), u.end());
  u.erase(std::unique(u.begin(), u.end()), u.end());
  const double gl_x[3] = {0.5 - 0.5 * std::sqrt(0.6), 0.5, 0.5 + 0.5 * std::sqrt(0.6)};
  const double gl_w[3] = {5.0 / 18, 8.0 / 18, 5.0 / 18};
  Index jp = 0, jq = 0;
  double w2sq = 0;
  for (std::size_t m = 0; m + 1 < u.size(); ++m) {
    const double a = u[m], len = u[m + 1] - u[m];
    for (int g = 0; g < 3; ++g) {
      const double v = a + gl_x[g] * len;
      const double diff =
          quantile(P, p_slope, p.lo, p.h, v, jp) - quantile(Q, q_slope, p.lo, p.h, v, jq);
      w2sq += gl_w[g] * len * diff * diff;
    }
  }
  out.w2 = std::sqrt(w2sq);
  return out;
}

GridDistances combine_product(const std::vector<GridDistances>& coordinates) {
  require(!coordinates.empty(), "grid distances: no coordinates to combine");
  if (coordinates.size() == 1) return coordinates.front();
  GridDistances out;
  double w2sq = 0;
  for (const GridDistances& c : coordinates) {
    out.kl_target_output += c.kl_target_output;
    out.kl_output_target += c.kl_output_target;
    w2sq += c.w2 * c.w2;
    out.bhattacharyya *= c.bhattacharyya;
  }
  out.w2 = std::sqrt(w2sq);
  // TV is symmetric, so the smaller KL gives the sharper Pinsker / Bretagnolle-Huber bound.
  const TvBounds bounds =
      tv_bounds(std::clamp(out.bhattacharyya, 0.0, 1.0),
                std::max(0.0, std::min(out.kl_target_output, out.kl_output_target)));
  out.tv_lower = bounds.lower();
  out.tv_upper = bounds.upper();
  return out;
}

GridDistances grid_law_distances(const GridLaw& law, const Target& target, double alpha,
                                 double sigma2) {
  std::vector<GridDistances> per;
  for (std::size_t i = 0; i < law.coordinates.size(); ++i) {
    const GridDensity& g = law.coordinates[i];
    Vector y(g.nodes());
    for (Index j = 0; j < g.nodes(); ++j) y(j) = g.node(j);
    per.push_back(
        grid_distances(g, coordinate_log_density(target, static_cast<Index>(i), alpha, sigma2, y)));
  }
  return combine_product(per);
}

}  // namespace difflab
