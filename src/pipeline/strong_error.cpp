#include "difflab/pipeline/strong_error.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "difflab/core/error.hpp"
#include "difflab/sampler/brownian_noise.hpp"
#include "difflab/schedule/grids.hpp"

namespace difflab {

namespace {

// The 97.5% standard normal quantile: the intervals are mean +- z sd / sqrt(n) (header).
constexpr double kZ975 = 1.959963984540054;
constexpr Index kMinParticles = 30;

// The grid of `spec` with `steps` steps.
RunSetup strong_run(RunSpec spec, std::int64_t steps) {
  spec.steps = steps;
  spec.sampler_options.noise = "brownian";
  return build_run(spec);
}

StrongErrorPoint compare_runs(std::int64_t N, const Matrix& coarse, const Matrix& fine) {
  const Index n = coarse.cols();
  // Per-particle quantities, then serial sums in particle order (a fixed reduction order).
  Vector gap(n), moment(n), coarse_moment(n), fine_moment(n);
  for (Index j = 0; j < n; ++j) {
    gap(j) = (coarse.col(j) - fine.col(j)).norm();
    coarse_moment(j) = coarse.col(j).squaredNorm();
    fine_moment(j) = fine.col(j).squaredNorm();
    moment(j) = coarse_moment(j) - fine_moment(j);
  }
  const auto mean_sd = [n](const Vector& v, double& mean, double& sd) {
    double s = 0;
    for (Index j = 0; j < n; ++j) s += v(j);
    mean = s / static_cast<double>(n);
    double ss = 0;
    for (Index j = 0; j < n; ++j) ss += (v(j) - mean) * (v(j) - mean);
    sd = std::sqrt(ss / static_cast<double>(n - 1));
  };
  StrongErrorPoint p;
  p.steps = N;
  const double root_n = std::sqrt(static_cast<double>(n));
  double sd = 0;
  mean_sd(gap, p.gap, sd);
  p.gap_lo = std::max(0.0, p.gap - kZ975 * sd / root_n);
  p.gap_hi = p.gap + kZ975 * sd / root_n;
  double sq = 0;
  for (Index j = 0; j < n; ++j) sq += gap(j) * gap(j);
  p.gap_rms = std::sqrt(sq / static_cast<double>(n));
  p.gap_max = gap.maxCoeff();
  mean_sd(moment, p.moment_change, p.moment_change_sd);
  p.moment_lo = p.moment_change - kZ975 * p.moment_change_sd / root_n;
  p.moment_hi = p.moment_change + kZ975 * p.moment_change_sd / root_n;
  // Two independent runs: Var(mean_a - mean_b) = (Var a + Var b) / n, reported as the sd per
  // particle pair that the coupled sd above is compared with.
  double m_a = 0, sd_a = 0, m_b = 0, sd_b = 0;
  mean_sd(coarse_moment, m_a, sd_a);
  mean_sd(fine_moment, m_b, sd_b);
  p.moment_change_sd_independent = std::sqrt(sd_a * sd_a + sd_b * sd_b);
  return p;
}

}  // namespace

// The coarse grid's times must be every other time of the fine grid, or the two runs do not
// share their Brownian increments step for step (the path is shared, but a coarse step would
// straddle fine steps that are not its halves only in name). Times are compared to 1e-12 of T:
// named grids built from a map of k / N agree to rounding there.
void require_nested_grids(const TimeGrid& coarse, const TimeGrid& fine, const std::string& grid) {
  require(fine.steps() == 2 * coarse.steps(), "strong error: grid '", grid, "' has ", fine.steps(),
          " fine steps for ", coarse.steps(),
          " coarse ones; the fine grid needs twice "
          "as many");
  const double tol = 1e-12 * std::max(1.0, coarse.t(0));
  for (std::size_t k = 0; k <= coarse.steps(); ++k) {
    if (std::abs(coarse.t(k) - fine.t(2 * k)) <= tol) continue;
    std::ostringstream m;
    m.precision(10);
    m << "strong error: grid '" << grid << "' with " << coarse.steps() << " and " << fine.steps()
      << " steps is not nested (coarse t_" << k << " = " << coarse.t(k) << ", fine t_" << 2 * k
      << " = " << fine.t(2 * k)
      << "): the coarse times must be every other fine time; use a grid that nests (uniform, "
         "logsnr, karras, ...)";
    fail(m.str());
  }
}

const OptionSchema<StrongErrorOptions>& strong_error_schema() {
  using S = StrongErrorOptions;
  static const OptionSchema<S> schema = OptionSchema<S>().numbers(
      "coarse_steps", &S::coarse_steps,
      "Coarse step counts N, increasing; each run is compared with the run of 2N steps on the "
      "nested grid, both on one Brownian path per particle",
      1.0, 1e6);
  return schema;
}

// The samples are finite (strong_error refuses others), so every number here is.
nlohmann::json StrongErrorPoint::to_json() const {
  return {{"steps", steps},
          {"fine_steps", 2 * steps},
          {"gap", gap},
          {"gap_ci", {gap_lo, gap_hi}},
          {"gap_rms", gap_rms},
          {"gap_max", gap_max},
          {"moment_change", moment_change},
          {"moment_change_ci", {moment_lo, moment_hi}},
          {"moment_change_sd", moment_change_sd},
          {"moment_change_sd_independent", moment_change_sd_independent}};
}

nlohmann::json StrongErrorResult::to_json() const {
  nlohmann::json j;
  j["sampler"] = sampler;
  j["particles"] = particles;
  j["noise"] = "brownian";
  j["gap"] = "E|X_N - X_2N| per particle (Euclidean), 95% normal interval";
  j["moment_change"] = "E|X_N|^2 - E|X_2N|^2 from the coupled pairs, 95% normal interval";
  j["points"] = nlohmann::json::array();
  for (const auto& p : points) j["points"].push_back(p.to_json());
  // The slope's interval is infinite with two points (slope_fit.hpp): null, as in fit.to_json().
  const auto number_or_null = [](double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
  };
  nlohmann::json f = fit.to_json();
  f["strong_order"] = -fit.slope;
  f["strong_order_ci"] = {number_or_null(-fit.ci_hi), number_or_null(-fit.ci_lo)};
  j["fit"] = f;
  j["run"] = run;
  return j;
}

StrongErrorResult strong_error(const RunSpec& spec, const StrongErrorOptions& options) {
  strong_error_schema().validate(options, "strong error");
  const std::vector<double>& levels = options.coarse_steps;
  require(levels.size() >= 2, "strong error: coarse_steps needs at least two step counts, got ",
          levels.size());
  for (std::size_t i = 0; i < levels.size(); ++i) {
    require(levels[i] == std::floor(levels[i]), "strong error: coarse_steps must be integers, got ",
            levels[i]);
    require(i == 0 || levels[i] > levels[i - 1],
            "strong error: coarse_steps must be increasing, got ", levels[i - 1], " then ",
            levels[i]);
  }
  require(spec.grid != "file",
          "strong error: grid 'file' has one step count; name a grid that nests (uniform, "
          "logsnr, karras, ...)");
  require(spec.n >= kMinParticles || !spec.init.empty(),
          "strong error: n must be >= ", kMinParticles, " for the normal intervals, got ", spec.n);
  const SamplerTraits traits = make_sampler(spec.sampler, spec.sampler_options)->traits();
  require(!traits.stochastic || traits.brownian, "strong error: sampler ", spec.sampler,
          " draws no Brownian increments over the grid (a Langevin chain's normals are "
          "iterations at a fixed time), so its runs with N and 2N steps share no path");
  StrongErrorResult r;
  r.sampler = spec.sampler;
  std::vector<double> x, y;
  for (const double level : levels) {
    const auto N = static_cast<std::int64_t>(level);
    RunSetup coarse = strong_run(spec, N);
    RunSetup fine = strong_run(spec, 2 * N);
    require(coarse.initial.cols() >= kMinParticles, "strong error: needs >= ", kMinParticles,
            " particles, the initial points have ", coarse.initial.cols());
    require_nested_grids(*coarse.grid, *fine.grid, spec.grid);
    if (r.run.is_null()) r.run = coarse.describe();
    Matrix Xc = coarse.initial, Xf = fine.initial;
    const std::uint64_t seed = spec.seed;
    coarse.sampler->sample(*coarse.score, *coarse.grid, Xc, coarse.spec.sampler_options,
                           *make_noise(coarse.spec.sampler_options, seed));
    fine.sampler->sample(*fine.score, *fine.grid, Xf, fine.spec.sampler_options,
                         *make_noise(fine.spec.sampler_options, seed));
    require(Xc.allFinite() && Xf.allFinite(), "strong error: the run with ",
            Xc.allFinite() ? 2 * N : N, " steps gave non-finite samples (the sampler diverged)");
    r.points.push_back(compare_runs(N, Xc, Xf));
    r.particles = Xc.cols();
    x.push_back(static_cast<double>(N));
    y.push_back(r.points.back().gap);
  }
  for (std::size_t i = 0; i < y.size(); ++i)
    require(y[i] > 0, "strong error: the gap at N = ", x[i],
            " is exactly 0 (the sampler is exact on these grids), so there is no order to fit");
  r.fit = fit_loglog_slope(x, y);
  return r;
}

}  // namespace difflab
