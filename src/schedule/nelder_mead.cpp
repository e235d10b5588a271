#include "difflab/schedule/nelder_mead.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

struct NmSimplex {
  std::vector<Vector> x;
  std::vector<double> f;
  // Vertex indices by increasing value (ties by index, so the order is deterministic).
  std::vector<std::size_t> order() const {
    std::vector<std::size_t> idx(x.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(),
                     [&](std::size_t a, std::size_t b) { return f[a] < f[b]; });
    return idx;
  }
};

}  // namespace

NelderMeadResult nelder_mead_minimize(
    const std::function<double(const Vector&)>& f_raw, const Vector& x0, const NelderMeadOptions& o,
    const std::function<void(const NelderMeadIteration&)>& on_iteration) {
  const Index n = x0.size();
  require(n >= 1, "nelder-mead: at least one variable");
  require(o.max_evaluations > n, "nelder-mead: max_evaluations must exceed the ", n,
          " evaluations of the initial simplex");
  NelderMeadResult r;
  const auto f = [&](const Vector& x) {
    ++r.evaluations;
    const double v = f_raw(x);
    return std::isfinite(v) ? v : std::numeric_limits<double>::infinity();
  };
  const double dn = static_cast<double>(n);
  const double expand = 1 + 2 / dn, contract = 0.75 - 0.5 / dn, shrink = 1 - 1 / dn;
  NmSimplex s;
  s.x.push_back(x0);
  s.f.push_back(f(x0));
  require(std::isfinite(s.f[0]), "nelder-mead: the objective is not finite at the start");
  for (Index i = 0; i < n; ++i) {
    Vector v = x0;
    v(i) += o.initial_step;
    s.f.push_back(f(v));
    s.x.push_back(std::move(v));
  }
  double best = s.f[s.order().front()];
  r.stop = "max_evaluations";
  while (r.evaluations < o.max_evaluations) {
    const auto idx = s.order();
    const std::size_t lo = idx.front(), hi = idx.back(), second = idx[idx.size() - 2];
    if (s.f[hi] - s.f[lo] <= o.value_tol * std::max(1.0, std::abs(s.f[lo]))) {
      r.stop = "value_tol";
      break;
    }
    ++r.iterations;
    Vector centroid = Vector::Zero(n);
    for (std::size_t i = 0; i < s.x.size(); ++i)
      if (i != hi) centroid += s.x[i];
    centroid /= dn;
    const Vector xr = centroid + (centroid - s.x[hi]);
    const double fr = f(xr);
    if (fr < s.f[lo]) {
      const Vector xe = centroid + expand * (xr - centroid);
      const double fe = f(xe);
      if (fe < fr)
        s.x[hi] = xe, s.f[hi] = fe;
      else
        s.x[hi] = xr, s.f[hi] = fr;
    } else if (fr < s.f[second]) {
      s.x[hi] = xr, s.f[hi] = fr;
    } else {
      // Contraction: outside when the reflection beat the worst vertex, inside otherwise.
      const bool outside = fr < s.f[hi];
      const Vector xc = outside ? Vector(centroid + contract * (xr - centroid))
                                : Vector(centroid + contract * (s.x[hi] - centroid));
      const double fc = f(xc);
      if (fc < (outside ? fr : s.f[hi])) {
        s.x[hi] = xc, s.f[hi] = fc;
      } else {
        for (std::size_t i = 0; i < s.x.size(); ++i) {
          if (i == lo) continue;
          s.x[i] = s.x[lo] + shrink * (s.x[i] - s.x[lo]);
          s.f[i] = f(s.x[i]);
        }
      }
    }
    const double now = s.f[s.order().front()];
    if (now < best) {
      best = now;
      if (on_iteration) on_iteration({r.iterations, r.evaluations, best});
    }
  }
  const std::size_t lo = s.order().front();
  r.x = s.x[lo];
  r.value = s.f[lo];
  return r;
}

}  // namespace difflab
