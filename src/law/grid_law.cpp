#include "difflab/law/grid_law.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>

#include "cubic_interpolation.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/law/grid_distances.hpp"
#include "difflab/target/product_target.hpp"
#include "one_step_probe.hpp"

namespace difflab {

namespace {

const std::string kGridLawName = "exact grid law";

// Grid extent of coordinate i: where the reference density exceeds 1e-18 of its peak, joined
// with [-9, 9] (N(0, 1) and q_T), plus a quarter of the width on each side for output laws a
// little wider than the target (a perturbed score, coarse steps). The reference is
// Law(alpha X + sigma Z): the target (1, 0) when it has a density, else q_delta.
std::pair<double, double> coordinate_range(const Target& target, Index i, const Matrix& draws,
                                           double alpha, double sigma2) {
  const Vector row = draws.row(i).transpose();
  const double mean = row.mean();
  const double sd = std::sqrt(std::max((row.array() - mean).square().mean(), 1e-12));
  const double scan_lo = row.minCoeff() - 10 * sd, scan_hi = row.maxCoeff() + 10 * sd;
  const Index scan = 20001;
  Vector y = Vector::LinSpaced(scan, scan_lo, scan_hi);
  const Vector logq = coordinate_log_density(target, i, alpha, sigma2, y);
  const double peak = logq.maxCoeff();
  require(std::isfinite(peak), kGridLawName, ": the target's density of coordinate ", i,
          " is not finite");
  double lo = -9, hi = 9;
  for (Index j = 0; j < scan; ++j) {
    if (logq(j) >= peak - 41.45) {  // e^{-41.45} = 1e-18
      lo = std::min(lo, y(j));
      hi = std::max(hi, y(j));
    }
  }
  const double margin = 0.25 * (hi - lo);
  return {lo - margin, hi + margin};
}

// Density of F(X) for X ~ p on the same grid, F increasing (values at the nodes):
//   p_out(y) = p(x) / F'(x),  F(x) = y,
// with F inverted by Newton's method on its cubic interpolant.
Vector transport(const GridDensity& in, const Vector& F, Index coordinate) {
  const Index n = in.nodes();
  for (Index j = 0; j + 1 < n; ++j)
    require(F(j + 1) > F(j), kGridLawName, ": the sampler's map of coordinate ", coordinate,
            " is not increasing near x = ", in.node(j),
            " (steps too large?), so its density cannot be transported");
  Vector out = Vector::Zero(n);
  Index j = 0;
  for (Index m = 0; m < n; ++m) {
    const double y = in.node(m);
    if (y < F(0) || y > F(n - 1)) continue;
    while (j + 2 < n && F(j + 1) < y) ++j;
    double u = (y - F(j)) / (F(j + 1) - F(j));
    for (int it = 0; it < 30; ++it) {
      const law_detail::Cubic c = law_detail::cubic_stencil(j, u, n);
      const double step = (law_detail::cubic_value(F, c) - y) / law_detail::cubic_slope(F, c);
      u = std::clamp(u - step, 0.0, 1.0);
      if (std::abs(step) < 1e-14) break;
    }
    const law_detail::Cubic c = law_detail::cubic_stencil(j, u, n);
    const double slope = law_detail::cubic_slope(F, c) / in.h;
    require(slope > 0, kGridLawName, ": the sampler's map of coordinate ", coordinate,
            " is not increasing near x = ", in.node(j));
    out(m) = std::max(law_detail::cubic_value(in.density, c), 0.0) / slope;
  }
  return out;
}

// p_out(y) = int p(x) N(y; F(x), V) dx by the trapezoidal rule over the nodes (the kernel is
// resolved: sqrt(V) >= 2 h). Each node's Gaussian is cut at 8.5 standard deviations
// (e^{-36} ~ 2e-16 relative) and evaluated by the exact two-term recurrence
//   g(y + h) = g(y) r(y),  r(y + h) = r(y) e^{-h^2/V},  r(y) = e^{-((y - mu) h + h^2 / 2) / V},
// which avoids an exp per term; it runs outward from the node nearest the mean, so rounding
// grows only over the ~8.5 sqrt(V)/h terms of each side.
Vector chapman_kolmogorov(const GridDensity& in, const Vector& F, double V) {
  const Index n = in.nodes();
  const double h = in.h;
  const double norm = 1 / std::sqrt(2 * std::numbers::pi * V);
  const double c = std::exp(-h * h / V);
  const auto half = static_cast<Index>(std::ceil(8.5 * std::sqrt(V) / h));
  Vector out = Vector::Zero(n);
  for (Index i = 0; i < n; ++i) {
    const double weight = (i == 0 || i == n - 1) ? h / 2 : h;
    const double mass = weight * in.density(i);
    if (mass == 0) continue;
    const double mu = F(i);
    const auto centre = static_cast<Index>(std::llround((mu - in.lo) / h));
    const Index first = std::max<Index>(0, centre - half), last = std::min(n - 1, centre + half);
    if (first > last) continue;
    const Index start = std::clamp(centre, first, last);
    const double y0 = in.node(start);
    const double g0 = mass * norm * std::exp(-(y0 - mu) * (y0 - mu) / (2 * V));
    // Upward from start.
    double g = g0, r = std::exp(-((y0 - mu) * h + h * h / 2) / V);
    for (Index m = start; m <= last; ++m) {
      out(m) += g;
      g *= r;
      r *= c;
    }
    // Downward from start - 1: g(y - h) = g(y) r'(y), r'(y) = e^{((y - mu) h - h^2/2) / V}.
    g = g0;
    r = std::exp(((y0 - mu) * h - h * h / 2) / V);
    for (Index m = start - 1; m >= first; --m) {
      g *= r;
      r *= c;
      out(m) += g;
    }
  }
  return out;
}

// Row i holds coordinate i's nodes.
Matrix node_matrix(const std::vector<GridDensity>& grids) {
  const Index d = static_cast<Index>(grids.size());
  const Index n = grids.front().nodes();
  Matrix X(d, n);
  for (Index i = 0; i < d; ++i)
    for (Index j = 0; j < n; ++j) X(i, j) = grids[static_cast<std::size_t>(i)].node(j);
  return X;
}

}  // namespace

double GridDensity::mass() const {
  const Index n = nodes();
  if (n == 0) return 0;
  return h * (density.sum() - (density(0) + density(n - 1)) / 2);
}

void GridLawOptions::validate() const {
  require(nodes >= 16, kGridLawName, ": nodes must be >= 16, got ", nodes);
  require(max_nodes >= nodes, kGridLawName, ": max_nodes must be >= nodes");
  require(std::isfinite(tolerance) && tolerance > 0, kGridLawName, ": tolerance must be > 0");
  require(composition_checks >= 1, kGridLawName, ": at least one composition check is needed");
  require(max_mass_lost >= 0 && max_mass_lost < 1, kGridLawName,
          ": max_mass_lost must be in [0, 1)");
}

Vector coordinate_log_density(const Target& target, Index i, double alpha, double sigma2,
                              const Vector& y) {
  if (const auto* product = dynamic_cast<const ProductTarget*>(&target)) {
    Vector logq;
    product->factor(i).noised(alpha, sigma2, y, &logq, nullptr);
    return logq;
  }
  require(target.dim() == 1, kGridLawName, ": the target has dimension ", target.dim(),
          "; grid laws need a one-dimensional target or a product target");
  Vector out(y.size());
  target.noised_log_density(alpha, sigma2, y.transpose(), out);
  return out;
}

GridLaw grid_output_law(const Sampler& sampler, const ScoreModel& score, const TimeGrid& grid,
                        const SamplerOptions& options, const Target& target,
                        const GridLawOptions& law_options) {
  law_options.validate();
  const Index d = target.dim();
  require(score.dim() == d, kGridLawName, ": the score has dimension ", score.dim(),
          " but the target ", d);
  require(d == 1 || dynamic_cast<const ProductTarget*>(&target) != nullptr, kGridLawName,
          ": the target has dimension ", d,
          "; grid laws need a one-dimensional target or a product target");
  const law_detail::ProbeChecks checks{law_options.tolerance, true, kGridLawName};
  const CounterRng rng(law_options.check_seed);
  law_detail::ProbeRandomness randomness(rng, d);
  // A deterministic sampler of any kind is a flow map; a stochastic one needs a Gaussian kernel
  // per step, so it must be one-step.
  const bool deterministic = !sampler.traits().stochastic;
  if (!deterministic) {
    law_detail::require_one_step_sampler(sampler, kGridLawName);
    law_detail::require_additive_noise(sampler, kGridLawName);
  }

  // Kernel widths of the stochastic steps decide the node spacing.
  std::vector<Vector> variance;
  double smallest_sd = std::numeric_limits<double>::infinity();
  if (!deterministic) {
    law_detail::check_one_step_composition(sampler, score, grid, options,
                                           law_options.composition_checks, rng, checks);
    for (std::size_t k = 0; k < grid.steps(); ++k) {
      const law_detail::OneStepProbe probe = law_detail::probe_one_step(
          sampler, score, grid, k, options, Matrix(d, 0), randomness, checks);
      variance.push_back(probe.noise_variance());
      for (Index i = 0; i < d; ++i)
        if (variance.back()(i) > 0)
          smallest_sd = std::min(smallest_sd, std::sqrt(variance.back()(i)));
    }
  }

  // Grids: one node count for all coordinates, each coordinate its own extent. A target without
  // a density (an empirical measure) is compared with q_delta alone (docs/theory.md 10.4).
  const ForwardProcess& process = score.process();
  const bool q0 = target.has_density();
  const double ad = q0 ? 1.0 : process.alpha(grid.delta());
  const double sd2 = q0 ? 0.0 : process.sigma2(grid.delta());
  require(q0 || sd2 > 0, kGridLawName, ": the target (", target.type(),
          ") has no density, so the output law is compared with q_delta only, which needs early "
          "stopping: delta > 0");
  const Matrix draws = target.sample(4000, CounterRng(law_options.check_seed));
  std::vector<std::pair<double, double>> ranges;
  double widest = 0;
  for (Index i = 0; i < d; ++i) {
    ranges.push_back(coordinate_range(target, i, draws, ad, sd2));
    widest = std::max(widest, ranges.back().second - ranges.back().first);
  }
  Index nodes = law_options.nodes;
  if (std::isfinite(smallest_sd)) {
    const double needed = std::ceil(widest / (smallest_sd / 2)) + 1;
    require(needed <= static_cast<double>(law_options.max_nodes), kGridLawName,
            ": the smallest step's noise (sd ", smallest_sd, ") needs ", needed,
            " grid nodes, more than max_nodes = ", law_options.max_nodes,
            " (use a larger delta or fewer steps near it)");
    nodes = std::max(nodes, static_cast<Index>(needed));
  }
  std::vector<GridDensity> law(static_cast<std::size_t>(d));
  for (Index i = 0; i < d; ++i) {
    GridDensity& g = law[static_cast<std::size_t>(i)];
    g.lo = ranges[static_cast<std::size_t>(i)].first;
    g.h = (ranges[static_cast<std::size_t>(i)].second - g.lo) / static_cast<double>(nodes - 1);
    Vector y(nodes);
    for (Index j = 0; j < nodes; ++j) y(j) = g.node(j);
    if (law_options.start_from_q_T) {
      g.density =
          coordinate_log_density(target, i, process.alpha(grid.T()), process.sigma2(grid.T()), y)
              .array()
              .exp();
    } else {
      g.density = (-0.5 * y.array().square()).exp() / std::sqrt(2 * std::numbers::pi);
    }
  }

  GridLaw out;
  score.reset_evaluations();
  if (deterministic) {
    // The whole flow map at once, then one change of variables; a few extra particles check
    // that it acts coordinate by coordinate.
    out.method = "flow-map";
    const Matrix X0 = node_matrix(law);
    Matrix X = X0;
    SamplerOptions run_options = options;
    run_options.on_step = nullptr;
    sampler.sample(score, grid, X, run_options, law_detail::NoNoise(kGridLawName));
    out.nfe = static_cast<double>(score.evaluations()) / static_cast<double>(nodes);
    // A coordinate-wise flow map leaves the other coordinates' images alone when some change
    // (one_step_probe's bit masks: every pair of coordinates is separated by one of them).
    const std::vector<Vector> masks = law_detail::coordinate_masks(d);
    if (!masks.empty()) {
      const Vector& r = randomness.points().col(1);
      const Vector& other = randomness.points().col(3);
      const Index M = static_cast<Index>(masks.size());
      Matrix probe(d, 1 + 2 * M);
      probe.col(0) = r;
      for (Index b = 0; b < M; ++b) {
        const Vector& mask = masks[static_cast<std::size_t>(b)];
        probe.col(1 + 2 * b) = r + mask.cwiseProduct(other - r);
        probe.col(2 + 2 * b) = other + mask.cwiseProduct(r - other);
      }
      sampler.sample(score, grid, probe, run_options, law_detail::NoNoise(kGridLawName));
      const double scale = std::max(1.0, probe.cwiseAbs().maxCoeff());
      double coupling = 0;
      for (Index b = 0; b < M; ++b) {
        const Vector& mask = masks[static_cast<std::size_t>(b)];
        const Vector keep = Vector::Ones(d) - mask;
        coupling = std::max(
            {coupling, keep.cwiseProduct(probe.col(1 + 2 * b) - probe.col(0)).cwiseAbs().maxCoeff(),
             mask.cwiseProduct(probe.col(2 + 2 * b) - probe.col(0)).cwiseAbs().maxCoeff()});
      }
      require(coupling <= law_options.tolerance * scale, kGridLawName, ": sampler '",
              sampler.name(), "' with score '", score.name(),
              "' does not act coordinate by coordinate (a score that couples coordinates?), so "
              "the per-coordinate law does not apply");
    }
    parallel_blocks(d, 1, [&](Index begin, Index count) {
      for (Index i = begin; i < begin + count; ++i) {
        GridDensity& g = law[static_cast<std::size_t>(i)];
        g.density = transport(g, X.row(i).transpose(), i);
      }
    });
  } else {
    out.method = "chapman-kolmogorov";
    for (std::size_t k = 0; k < grid.steps(); ++k) {
      const law_detail::OneStepProbe probe = law_detail::probe_one_step(
          sampler, score, grid, k, options, node_matrix(law), randomness, checks);
      parallel_blocks(d, 1, [&](Index begin, Index count) {
        for (Index i = begin; i < begin + count; ++i) {
          GridDensity& g = law[static_cast<std::size_t>(i)];
          const Vector F = probe.image.row(i).transpose();
          const double V = variance[k](i);
          g.density = V > 0 ? chapman_kolmogorov(g, F, V) : transport(g, F, i);
        }
      });
    }
    // NFE of one run: the probes evaluate the score on nodes + a fixed number of extra
    // particles per step, so count one run on the grid directly.
    Matrix x = Matrix::Zero(d, 1);
    score.reset_evaluations();
    sampler.sample(score, grid, x, options, law_detail::CheckRunNoise(rng, 0));
    out.nfe = static_cast<double>(score.evaluations());
  }
  std::size_t worst = 0;
  for (std::size_t i = 0; i < law.size(); ++i) {
    const double lost = 1 - law[i].mass();
    // The largest share lost, or the first NaN (kept: it is refused below).
    if (!std::isnan(out.mass_lost) && !(lost <= out.mass_lost)) out.mass_lost = lost, worst = i;
  }
  if (!(out.mass_lost <= law_options.max_mass_lost)) {
    const GridDensity& g = law[worst];
    std::ostringstream region;
    region << "[" << g.lo << ", " << g.node(g.nodes() - 1) << "] of coordinate " << worst;
    require_mass_on_grid(out.mass_lost, law_options.max_mass_lost, kGridLawName, region.str());
  }
  out.coordinates = std::move(law);
  return out;
}

}  // namespace difflab
