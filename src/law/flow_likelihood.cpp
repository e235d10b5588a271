#include "difflab/law/flow_likelihood.hpp"

#include <cmath>
#include <numbers>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/metrics/estimate.hpp"
#include "difflab/schedule/grids.hpp"

namespace difflab {

void FlowLikelihoodOptions::validate() const {
  require(steps >= 1, "flow likelihood: steps must be >= 1, got ", steps);
  require(std::isfinite(T) && T >= 0,
          "flow likelihood: T must be finite and >= 0 (0 = default), got ", T);
  require(std::isfinite(delta) && delta >= 0,
          "flow likelihood: delta must be finite and >= 0, got ", delta);
  require(T == 0 || delta < T, "flow likelihood: need delta < T, got delta=", delta, ", T=", T);
  require(grid != "file", "flow likelihood: grid 'file' is not supported; give a grid name");
  require(probes >= 1, "flow likelihood: probes must be >= 1, got ", probes);
  require(std::isfinite(fd_step) && fd_step > 0,
          "flow likelihood: fd_step must be positive and finite, got ", fd_step);
  require(block_size >= 1, "flow likelihood: block_size must be >= 1, got ", block_size);
}

std::string to_string(DivergenceMethod method) {
  switch (method) {
    case DivergenceMethod::kAuto:
      return "auto";
    case DivergenceMethod::kExact:
      return "exact";
    case DivergenceMethod::kHutchinson:
      return "hutchinson";
  }
  return "?";
}

std::string to_string(ProbeKind probe) {
  return probe == ProbeKind::kRademacher ? "rademacher" : "gaussian";
}

DivergenceMethod divergence_method_from_string(const std::string& name) {
  if (name == "auto") return DivergenceMethod::kAuto;
  if (name == "exact") return DivergenceMethod::kExact;
  if (name == "hutchinson") return DivergenceMethod::kHutchinson;
  fail("unknown divergence method '", name, "' (valid: auto, exact, hutchinson)");
}

ProbeKind probe_kind_from_string(const std::string& name) {
  if (name == "rademacher") return ProbeKind::kRademacher;
  if (name == "gaussian") return ProbeKind::kGaussian;
  fail("unknown probe kind '", name, "' (valid: rademacher, gaussian)");
}

nlohmann::json FlowLikelihoodResult::to_json() const {
  return {{"mean_log_likelihood", mean},
          {"nll", nll},
          {"standard_error", standard_error},
          {"nll_ci", {nll_ci_lo, nll_ci_hi}},
          {"bits_per_dim", bits_per_dim},
          {"d", dim},
          {"n", n},
          {"nfe", nfe},
          {"method", method},
          {"divergence", divergence},
          {"steps", steps},
          {"probes", probes},
          {"T", T},
          {"delta", delta},
          {"prior", prior}};
}

namespace {

// Everything a block's integration needs.
struct FlowSetup {
  const ScoreModel* score;
  std::vector<double> times;  // ascending: delta = times[0] < ... < times[N] = T
  bool exact;
  int probes;
  ProbeKind probe;
  double h;  // central-difference step
  FlowPrior prior;
  CounterRng rng;
};

// sum_i a(i, j) b(i, j) in a fixed order (a plain loop: no vectorised reduction whose order
// depends on where the column sits in memory; core/columnwise.hpp).
double column_dot(const Matrix& a, const Matrix& b, Index j) {
  double s = 0;
  for (Index i = 0; i < a.rows(); ++i) s += a(i, j) * b(i, j);
  return s;
}

// One RK4 stage: V = f x - (g^2/2) s(t, x), D = d f - (g^2/2) div s(t, x) at the columns of Xs.
// E holds the step's probes (d x count*probes, probe p of particle j in column p*count + j).
void stage(const FlowSetup& fs, double t, const Matrix& Xs, const Matrix& E, Matrix& V, Vector& D,
           Matrix& Xp, Matrix& Sp, Matrix& Sm) {
  const ScoreModel& score = *fs.score;
  const ForwardProcess& process = score.process();
  const Index d = Xs.rows(), count = Xs.cols();
  const double f = process.drift_coefficient(t);
  const double half_g2 = 0.5 * process.diffusion_squared(t);
  score.score(t, Xs, V);  // V = s for now
  V = f * Xs - half_g2 * V;
  Vector div = Vector::Zero(count);
  if (fs.exact) {
    for (Index i = 0; i < d; ++i) {
      Xp = Xs;
      Xp.row(i).array() += fs.h;
      const RowVector upper = Xp.row(i);
      score.score(t, Xp, Sp);
      Xp = Xs;
      Xp.row(i).array() -= fs.h;
      const RowVector lower = Xp.row(i);
      score.score(t, Xp, Sm);
      // Divided by the exact distance of the two points (not 2h, which rounding perturbs).
      for (Index j = 0; j < count; ++j) div(j) += (Sp(i, j) - Sm(i, j)) / (upper(j) - lower(j));
    }
  } else {
    for (int p = 0; p < fs.probes; ++p) {
      const auto probe = E.middleCols(static_cast<Index>(p) * count, count);
      Xp = Xs + fs.h * probe;
      score.score(t, Xp, Sp);
      Xp = Xs - fs.h * probe;
      score.score(t, Xp, Sm);
      Sp -= Sm;
      const Matrix P = probe;
      for (Index j = 0; j < count; ++j) div(j) += column_dot(P, Sp, j) / (2 * fs.h);
    }
    div /= static_cast<double>(fs.probes);
  }
  D = static_cast<double>(d) * f - half_g2 * div.array();
}

// Integrates the particles first..first+count-1 (columns of X) from delta to T; returns their
// log-likelihoods in `out`.
void integrate_block(const FlowSetup& fs, Matrix X, std::uint64_t first, Eigen::Ref<Vector> out) {
  const Index d = X.rows(), count = X.cols();
  Matrix V1(d, count), V2(d, count), V3(d, count), V4(d, count), Xs(d, count);
  Matrix Xp(d, count), Sp(d, count), Sm(d, count);
  Vector D1(count), D2(count), D3(count), D4(count);
  Vector ell = Vector::Zero(count);
  Matrix E;
  if (!fs.exact) E.resize(d, count * fs.probes);
  for (std::size_t k = 0; k + 1 < fs.times.size(); ++k) {
    if (!fs.exact) {
      for (Index j = 0; j < count; ++j) {
        RngStream stream = fs.rng.stream(RngUse::kMonteCarlo, first + static_cast<std::uint64_t>(j),
                                         static_cast<std::uint64_t>(k));
        for (int p = 0; p < fs.probes; ++p) {
          const Index col = static_cast<Index>(p) * count + j;
          if (fs.probe == ProbeKind::kGaussian) {
            stream.fill_normal(E.col(col).data(), d);
          } else {
            for (Index i = 0; i < d; ++i) E(i, col) = (stream.bits() & 1U) ? 1.0 : -1.0;
          }
        }
      }
    }
    const double ta = fs.times[k], tb = fs.times[k + 1];
    const double h = tb - ta, tm = 0.5 * (ta + tb);
    stage(fs, ta, X, E, V1, D1, Xp, Sp, Sm);
    Xs = X + (0.5 * h) * V1;
    stage(fs, tm, Xs, E, V2, D2, Xp, Sp, Sm);
    Xs = X + (0.5 * h) * V2;
    stage(fs, tm, Xs, E, V3, D3, Xp, Sp, Sm);
    Xs = X + h * V3;
    stage(fs, tb, Xs, E, V4, D4, Xp, Sp, Sm);
    X += (h / 6.0) * (V1 + 2.0 * V2 + 2.0 * V3 + V4);
    ell += (h / 6.0) * (D1 + 2.0 * D2 + 2.0 * D3 + D4);
  }
  Vector prior(count);
  if (fs.prior == FlowPrior::kModelDensity) {
    fs.score->log_density(fs.times.back(), X, prior);
  } else {
    const double log_norm = -0.5 * static_cast<double>(d) * std::log(2 * std::numbers::pi);
    for (Index j = 0; j < count; ++j) prior(j) = log_norm - 0.5 * column_dot(X, X, j);
  }
  out = prior + ell;
}

}  // namespace

FlowLikelihoodResult flow_log_likelihood(const ScoreModel& score, const Matrix& X,
                                         const FlowLikelihoodOptions& options) {
  options.validate();
  const Index d = X.rows(), n = X.cols();
  require(n >= 1, "flow likelihood: no points");
  require(d == score.dim(), "flow likelihood: points have dimension ", d, " but score model '",
          score.name(), "' has dimension ", score.dim());
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < d; ++i)
      require(std::isfinite(X(i, j)), "flow likelihood: point ", j, " has a non-finite entry (",
              X(i, j), ") at coordinate ", i);
  require(options.prior != FlowPrior::kModelDensity || score.has_log_density(),
          "flow likelihood: prior 'model density' needs a score model with a log-density; '",
          score.name(), "' has none");
  const ForwardProcess& process = score.process();
  const double T =
      options.T > 0 ? options.T : (std::isfinite(process.t_max()) ? process.t_max() : 10.0);
  require(T <= process.t_max(), "flow likelihood: T=", T, " exceeds t_max=", process.t_max(),
          " of process ", process.name());
  require(options.delta < T, "flow likelihood: need delta < T, got delta=", options.delta,
          ", T=", T);
  const TimeGrid grid = make_grid(options.grid, process, T, options.delta, options.steps);

  FlowSetup fs{&score,        {},
               false,         options.probes,
               options.probe, options.fd_step,
               options.prior, CounterRng(options.seed)};
  fs.times.assign(grid.times().rbegin(), grid.times().rend());
  fs.exact = options.divergence == DivergenceMethod::kExact ||
             (options.divergence == DivergenceMethod::kAuto && d <= kFlowExactDivergenceMaxDim);

  FlowLikelihoodResult r;
  r.log_likelihood.resize(n);
  const std::uint64_t before = score.evaluations();
  parallel_blocks(n, options.block_size, [&](Index begin, Index count) {
    integrate_block(fs, X.middleCols(begin, count), static_cast<std::uint64_t>(begin),
                    r.log_likelihood.segment(begin, count));
  });
  const std::uint64_t used = score.evaluations() - before;
  for (Index j = 0; j < n; ++j)
    require(std::isfinite(r.log_likelihood(j)), "flow likelihood: point ", j,
            " has a non-finite log-likelihood (the score was not finite along its ODE path; try "
            "more steps or a larger delta)");

  const double nd = static_cast<double>(n);
  double sum = 0;
  for (Index j = 0; j < n; ++j) sum += r.log_likelihood(j);
  r.mean = sum / nd;
  double ss = 0;
  for (Index j = 0; j < n; ++j)
    ss += (r.log_likelihood(j) - r.mean) * (r.log_likelihood(j) - r.mean);
  r.standard_error = n > 1 ? std::sqrt(ss / (nd - 1) / nd) : 0.0;
  r.nll = -r.mean;
  r.nll_ci_lo = r.nll - kNormalQuantile975 * r.standard_error;
  r.nll_ci_hi = r.nll + kNormalQuantile975 * r.standard_error;
  r.bits_per_dim = r.nll / (static_cast<double>(d) * std::numbers::ln2);
  r.dim = d;
  r.n = n;
  r.nfe = static_cast<double>(used) / nd;
  r.divergence = fs.exact ? "exact" : "hutchinson";
  r.steps = options.steps;
  r.probes = fs.exact ? 0 : options.probes;
  r.T = T;
  r.delta = options.delta;
  r.prior = options.prior == FlowPrior::kModelDensity ? "model_density" : "standard_normal";
  r.method = "pf-ode rk4 (" + options.grid + " grid), " +
             (fs.exact ? std::string("exact divergence (central differences)")
                       : "hutchinson divergence (" + std::to_string(options.probes) + " " +
                             to_string(options.probe) + " probe(s) per step)");
  return r;
}

}  // namespace difflab
