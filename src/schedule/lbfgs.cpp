#include "difflab/schedule/lbfgs.hpp"

#include <cmath>
#include <deque>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

struct LbfgsPair {
  Vector s, y;
  double rho;
};

// The two-loop recursion: -H grad with H the L-BFGS inverse-Hessian estimate (Nocedal and
// Wright Algorithm 7.4, with H_0 = (s.y / y.y) I from their eq. (7.20)).
Vector lbfgs_direction(const std::deque<LbfgsPair>& pairs, const Vector& grad) {
  Vector q = grad;
  std::vector<double> a(pairs.size());
  for (std::size_t i = pairs.size(); i-- > 0;) {
    a[i] = pairs[i].rho * pairs[i].s.dot(q);
    q -= a[i] * pairs[i].y;
  }
  if (!pairs.empty()) {
    const LbfgsPair& last = pairs.back();
    q *= last.s.dot(last.y) / last.y.squaredNorm();
  }
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const double b = pairs[i].rho * pairs[i].y.dot(q);
    q += (a[i] - b) * pairs[i].s;
  }
  return -q;
}

}  // namespace

LbfgsResult lbfgs_minimize(const SmoothObjective& f, Vector x, const LbfgsOptions& o,
                           const std::function<void(const LbfgsIteration&)>& on_iteration) {
  require(o.memory >= 1 && o.max_iterations >= 0 && o.max_backtracks >= 1,
          "lbfgs: memory, max_iterations and max_backtracks must be positive");
  Vector g(x.size());
  double fx = f(x, g);
  require(std::isfinite(fx) && g.allFinite(), "lbfgs: the objective is not finite at the start");
  LbfgsResult r;
  r.evaluations = 1;
  std::deque<LbfgsPair> pairs;
  const auto scale = [](double v) { return std::max(1.0, std::abs(v)); };
  r.stop = "max_iterations";
  for (int it = 1; it <= o.max_iterations; ++it) {
    if (g.norm() <= o.gradient_tol * scale(fx)) {
      r.stop = "gradient_tol";
      break;
    }
    Vector p = lbfgs_direction(pairs, g);
    double slope = g.dot(p);
    if (!(slope < 0)) {  // not a descent direction (rounding): restart from steepest descent
      pairs.clear();
      p = -g;
      slope = -g.squaredNorm();
    }
    // The first step of steepest descent is scaled to a unit move; later ones try the full
    // quasi-Newton step.
    double step = pairs.empty() ? std::min(1.0, 1.0 / p.norm()) : 1.0;
    Vector x_new, g_new(x.size());
    double f_new = 0;
    bool accepted = false;
    for (int b = 0; b < o.max_backtracks; ++b, step *= 0.5) {
      x_new = x + step * p;
      f_new = f(x_new, g_new);
      ++r.evaluations;
      if (std::isfinite(f_new) && g_new.allFinite() && f_new <= fx + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
    }
    if (!accepted) {
      r.stop = "line_search";
      break;
    }
    LbfgsPair pair{x_new - x, g_new - g, 0};
    const double sy = pair.s.dot(pair.y);
    if (sy > 1e-12 * pair.s.norm() * pair.y.norm()) {
      pair.rho = 1 / sy;
      pairs.push_back(std::move(pair));
      if (static_cast<int>(pairs.size()) > o.memory) pairs.pop_front();
    }
    const double decrease = fx - f_new;
    x = std::move(x_new);
    g = g_new;
    fx = f_new;
    r.iterations = it;
    if (on_iteration) on_iteration({it, r.evaluations, fx, g.norm()});
    if (decrease <= o.value_tol * scale(fx)) {
      r.stop = "value_tol";
      break;
    }
  }
  r.x = std::move(x);
  r.value = fx;
  return r;
}

}  // namespace difflab
