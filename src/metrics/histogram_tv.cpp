#include "difflab/metrics/histogram_tv.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/metrics/sample_checks.hpp"

namespace difflab {

namespace {

constexpr const char* kFn = "histogram_tv";

// Quantile with linear interpolation between order statistics (Hyndman-Fan type 7).
double sample_quantile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1.0) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

struct Grid {
  std::vector<double> lower, upper;
  std::vector<Index> bins;
  Index cells = 1;  // product of bins; index `cells` is the outside cell

  Index cell(const double* x) const {
    Index c = 0, stride = 1;
    for (std::size_t a = 0; a < bins.size(); ++a) {
      if (!(x[a] >= lower[a] && x[a] <= upper[a])) return cells;
      const double u = (x[a] - lower[a]) / (upper[a] - lower[a]);
      const Index b = std::min(bins[a] - 1, static_cast<Index>(u * static_cast<double>(bins[a])));
      c += b * stride;
      stride *= bins[a];
    }
    return c;
  }
};

Grid make_histogram_grid(const Matrix& X, const Matrix& Y, const HistogramTvOptions& o) {
  const Index d = X.rows();
  Grid g;
  for (Index a = 0; a < d; ++a) {
    double lo, hi;
    if (o.lower.size() > 0) {
      lo = o.lower(a);
      hi = o.upper(a);
    } else {
      lo = std::min(X.row(a).minCoeff(), Y.row(a).minCoeff());
      hi = std::max(X.row(a).maxCoeff(), Y.row(a).maxCoeff());
      if (hi == lo) hi = lo + 1.0;  // all points equal on this axis: one bin holds them
    }
    Index b;
    if (!o.bins.empty()) {
      b = o.bins[static_cast<std::size_t>(a)];
    } else {
      std::vector<double> pooled;
      pooled.reserve(static_cast<std::size_t>(X.cols() + Y.cols()));
      for (Index j = 0; j < X.cols(); ++j) pooled.push_back(X(a, j));
      for (Index j = 0; j < Y.cols(); ++j) pooled.push_back(Y(a, j));
      const double iqr = sample_quantile(pooled, 0.75) - sample_quantile(pooled, 0.25);
      require(iqr > 0, kFn, ": axis ", a,
              ": interquartile range is 0, Freedman-Diaconis cannot choose bins; give bins");
      const double width = 2.0 * iqr * std::cbrt(1.0 / static_cast<double>(pooled.size()));
      const double count = std::ceil((hi - lo) / width);
      require(count <= static_cast<double>(o.max_bins_per_axis), kFn, ": axis ", a,
              ": Freedman-Diaconis asks for ", count,
              " bins (more than max_bins_per_axis = ", o.max_bins_per_axis, "); give bins");
      b = std::max<Index>(1, static_cast<Index>(count));
    }
    g.lower.push_back(lo);
    g.upper.push_back(hi);
    g.bins.push_back(b);
    g.cells *= b;
  }
  return g;
}

double tv_of_counts(const std::vector<double>& cx, double n, const std::vector<double>& cy,
                    double m) {
  double s = 0;
  for (std::size_t c = 0; c < cx.size(); ++c) s += std::abs(cx[c] / n - cy[c] / m);
  return 0.5 * s;
}

}  // namespace

void HistogramTvOptions::validate() const {
  for (Index b : bins) require(b >= 1, kFn, ": bins must be >= 1, got ", b);
  require(lower.size() == upper.size(), kFn, ": lower has ", lower.size(), " entries, upper ",
          upper.size());
  for (Index a = 0; a < lower.size(); ++a)
    require(std::isfinite(lower(a)) && std::isfinite(upper(a)) && lower(a) < upper(a), kFn,
            ": axis ", a, ": range [", lower(a), ", ", upper(a), "] is not a finite interval");
  require(bootstrap >= 2, kFn, ": bootstrap must be >= 2, got ", bootstrap);
  require(max_bins_per_axis >= 1, kFn, ": max_bins_per_axis must be >= 1");
}

Estimate histogram_tv(const Matrix& X, const Matrix& Y, const HistogramTvOptions& options) {
  options.validate();
  check_sample_pair(X, Y, kFn);
  const Index d = X.rows(), n = X.cols(), m = Y.cols();
  require(d == 1 || d == 2, kFn, ": only dimensions 1 and 2 are supported, got ", d);
  require(options.bins.empty() || static_cast<Index>(options.bins.size()) == d, kFn, ": ",
          options.bins.size(), " bin counts for dimension ", d);
  require(options.lower.size() == 0 || options.lower.size() == d, kFn, ": range has ",
          options.lower.size(), " axes for dimension ", d);
  const Grid grid = make_histogram_grid(X, Y, options);
  require(grid.cells <= 100000000, kFn, ": ", grid.cells, " cells is too many");

  std::vector<Index> cell_x(static_cast<std::size_t>(n)), cell_y(static_cast<std::size_t>(m));
  for (Index j = 0; j < n; ++j) cell_x[static_cast<std::size_t>(j)] = grid.cell(X.col(j).data());
  for (Index j = 0; j < m; ++j) cell_y[static_cast<std::size_t>(j)] = grid.cell(Y.col(j).data());
  const auto total = static_cast<std::size_t>(grid.cells + 1);
  std::vector<double> cx(total, 0.0), cy(total, 0.0);
  for (Index c : cell_x) cx[static_cast<std::size_t>(c)] += 1;
  for (Index c : cell_y) cy[static_cast<std::size_t>(c)] += 1;
  const double N = static_cast<double>(n), M = static_cast<double>(m);
  const double value = tv_of_counts(cx, N, cy, M);

  const CounterRng rng(options.seed);
  double s = 0, s2 = 0;
  for (Index b = 0; b < options.bootstrap; ++b) {
    std::fill(cx.begin(), cx.end(), 0.0);
    std::fill(cy.begin(), cy.end(), 0.0);
    RngStream sx = rng.stream(RngUse::kMonteCarlo, static_cast<std::uint64_t>(b), 0);
    for (Index k = 0; k < n; ++k)
      cx[static_cast<std::size_t>(cell_x[static_cast<std::size_t>(
          std::min<Index>(n - 1, static_cast<Index>(sx.uniform() * N)))])] += 1;
    RngStream sy = rng.stream(RngUse::kMonteCarlo, static_cast<std::uint64_t>(b), 1);
    for (Index k = 0; k < m; ++k)
      cy[static_cast<std::size_t>(cell_y[static_cast<std::size_t>(
          std::min<Index>(m - 1, static_cast<Index>(sy.uniform() * M)))])] += 1;
    const double t = tv_of_counts(cx, N, cy, M);
    s += t;
    s2 += t * t;
  }
  const double B = static_cast<double>(options.bootstrap);
  const double mean = s / B;
  const double sd = std::sqrt(std::max(0.0, (s2 - B * mean * mean) / (B - 1.0)));
  std::ostringstream method;
  method << "histogram_tv(bins=" << grid.bins[0];
  if (d == 2) method << 'x' << grid.bins[1];
  method << (options.bins.empty() ? ",freedman_diaconis)" : ")");
  Estimate e = Estimate::normal_ci(value, sd, n, m, method.str());
  e.ci_lo = std::max(0.0, e.ci_lo);
  e.ci_hi = std::min(1.0, e.ci_hi);
  return e;
}

}  // namespace difflab
