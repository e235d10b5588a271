#include "difflab/pipeline/grid_optimize.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <memory>
#include <sstream>

#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/law/gaussian_grid_objective.hpp"
#include "difflab/pipeline/law_report.hpp"
#include "difflab/schedule/ays_klub.hpp"
#include "difflab/schedule/grid_parametrization.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/schedule/lbfgs.hpp"
#include "difflab/schedule/nelder_mead.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {

namespace {

// The law_report key each metric is read from (pipeline/law_report.hpp).
std::string gopt_metric_key(const std::string& metric) {
  if (metric == "kl") return "kl_target_output";
  return metric;  // w2, tv
}

// The value of one run's metric on any grid, by the route the run allows (grid_optimize.hpp).
class GridObjective {
 public:
  GridObjective(const RunSpec& spec, const GridOptimizeOptions& o) : options_(o) {
    RunSpec s = spec;
    s.grid = "uniform";
    s.grid_file.clear();
    run_ = build_run(s, RunUse::kExactLaw, false);
    gaussian_ = dynamic_cast<const GaussianTarget*>(run_.target.get());
    require(!(gaussian_ != nullptr && o.metric == "tv"),
            "grid optimize: metric 'tv' has no closed form for Gaussian targets (law_report "
            "estimates it by Monte Carlo); use kl or w2");
    const auto& names = gaussian_grid_samplers();
    // The recursion's coefficients take sigma^2 = 1 - alpha^2 (gaussian_grid_objective.hpp).
    analytic_ = gaussian_ != nullptr && spec.score == "exact" && !spec.score_object &&
                run_.process->variance_preserving() &&
                std::find(names.begin(), names.end(), spec.sampler) != names.end();
    if (gaussian_ != nullptr) {
      problem_.process = run_.process.get();
      problem_.lambda = gaussian_->eigenvalues();
      // A diagonal target keeps no eigenvector matrix (its basis is the axes').
      problem_.mu = gaussian_->is_diagonal()
                        ? gaussian_->mean()
                        : Vector(gaussian_->eigenvectors().transpose() * gaussian_->mean());
      problem_.sampler = spec.sampler;
      problem_.start_exact = spec.start == "exact";
      problem_.denoise_last_step = spec.sampler_options.denoise_last_step;
      problem_.metric = o.metric;
    }
    law_options_.grid_nodes = o.grid_nodes;
    law_options_.grid_tol = 0;  // a fixed mesh: the objective must not jump with refinements
    law_options_.seed = spec.seed;
  }

  bool analytic() const { return analytic_; }
  const GaussianTarget* gaussian() const { return gaussian_; }
  const ForwardProcess& process() const { return *run_.process; }

  double value(const std::vector<double>& times, std::vector<double>* grad = nullptr) {
    if (analytic_) return gaussian_grid_objective(problem_, times, grad);
    return law_value(law(times));
  }

  // law_report on `times` (the same mesh as the objective).
  nlohmann::json law(const std::vector<double>& times) {
    run_.grid = std::make_unique<TimeGrid>(times, "optimized");
    return law_report(run_, law_options_);
  }

  double law_value(const nlohmann::json& law) const {
    const std::string key = gopt_metric_key(options_.metric);
    require(law.contains(key), "grid optimize: the exact law of this run (",
            law.value("method", ""), ") gives no '", key, "'; choose another metric (kl, w2, tv)");
    return json_util::get_extended(law, key, "grid optimize");
  }

 private:
  GridOptimizeOptions options_;
  RunSetup run_;
  const GaussianTarget* gaussian_ = nullptr;
  bool analytic_ = false;
  GaussianGridProblem problem_;
  LawReportOptions law_options_;
};

std::string gopt_number(double v) {
  std::ostringstream out;
  out << std::setprecision(6) << v;
  return out.str();
}

// Every named grid of the registry at (T, delta, steps), and the KLUB grid (ays_grid);
// each with its value or the reason it does not exist.
std::vector<NamedGridValue> gopt_named_grids(const RunSpec& spec, GridObjective& objective) {
  std::vector<NamedGridValue> out;
  const int N = static_cast<int>(spec.steps);
  for (const GridInfo& g : list_grids()) {
    if (g.name == "file") continue;
    NamedGridValue v{g.name, 0, "", {}};
    try {
      v.times = make_grid(g.name, objective.process(), spec.T, spec.delta, N).times();
    } catch (const Error& e) {
      v.error = e.what();
    }
    if (v.error.empty()) {
      // A law that refuses one grid (mass leaving the mesh, say) may accept the others.
      try {
        v.value = objective.value(v.times);
      } catch (const Error& e) {
        v.error = e.what();
      }
    }
    out.push_back(std::move(v));
  }
  // The KLUB grid; its value is the run's metric on it, like every other grid's.
  NamedGridValue ays{"ays", 0, "", {}};
  try {
    ays.times = ays_grid(spec).times;
    ays.value = objective.value(ays.times);
  } catch (const Error& e) {
    ays.error = e.what();
  }
  out.push_back(std::move(ays));
  return out;
}

// L-BFGS on the Gaussian recursion with its adjoint gradient, in the log-step parametrisation.
void gopt_lbfgs(const RunSpec& spec, const GridOptimizeOptions& o, GridObjective& objective,
                GridOptimizeResult& r) {
  const double T = spec.T, delta = spec.delta;
  const SmoothObjective f = [&](const Vector& z, Vector& g) {
    std::vector<double> grad_t;
    const std::vector<double> times = grid_times_from_log_steps(T, delta, z);
    if (!times_strictly_decrease(times)) return std::numeric_limits<double>::infinity();
    const double v = objective.value(times, &grad_t);
    g = log_step_gradient(T, delta, z, grad_t);
    return v;
  };
  LbfgsOptions lo;
  lo.max_iterations = static_cast<int>(o.max_iterations);
  const LbfgsResult res =
      lbfgs_minimize(f, log_steps_from_grid_times(r.times), lo, [&](const LbfgsIteration& it) {
        if (o.on_progress)
          o.on_progress("iteration " + std::to_string(it.iteration) + ": " + o.metric + " " +
                        gopt_number(it.value) + ", |gradient| " + gopt_number(it.gradient_norm) +
                        ", evaluations " + std::to_string(it.evaluations));
      });
  r.method = "Gaussian recursion per eigen-coordinate, adjoint gradient, L-BFGS";
  r.iterations = res.iterations;
  r.evaluations = res.evaluations;
  r.stop = res.stop;
  r.times = grid_times_from_log_steps(T, delta, res.x);
  r.value = res.value;
}

// Nelder-Mead on law_report's value; a grid the law refuses counts as +infinity.
void gopt_nelder_mead(const RunSpec& spec, const GridOptimizeOptions& o, GridObjective& objective,
                      GridOptimizeResult& r) {
  const double T = spec.T, delta = spec.delta;
  const auto f = [&](const Vector& z) {
    const std::vector<double> times = grid_times_from_log_steps(T, delta, z);
    if (!times_strictly_decrease(times)) return std::numeric_limits<double>::infinity();
    try {
      return objective.value(times);
    } catch (const Error&) {
      return std::numeric_limits<double>::infinity();
    }
  };
  NelderMeadOptions no;
  no.max_evaluations = static_cast<Index>(o.max_evaluations);
  const NelderMeadResult res = nelder_mead_minimize(
      f, log_steps_from_grid_times(r.times), no, [&](const NelderMeadIteration& it) {
        if (o.on_progress)
          o.on_progress("iteration " + std::to_string(it.iteration) + ": " + o.metric + " " +
                        gopt_number(it.best) + ", evaluations " + std::to_string(it.evaluations));
      });
  r.method = "exact law (law_report) on a fixed mesh, Nelder-Mead";
  r.iterations = res.iterations;
  r.evaluations = res.evaluations;
  r.stop = res.stop;
  r.times = grid_times_from_log_steps(T, delta, res.x);
  r.value = res.value;
}

}  // namespace

const OptionSchema<GridOptimizeOptions>& grid_optimize_schema() {
  using G = GridOptimizeOptions;
  static const OptionSchema<G> schema =
      OptionSchema<G>()
          .choice("metric", &G::metric,
                  "Error minimised: kl = KL(target || output), w2, tv (as difflab law reports)",
                  [] {
                    return std::vector<std::string>{"kl", "w2", "tv"};
                  })
          .integer("max_iterations", &G::max_iterations, 0, 1e6,
                   "L-BFGS iterations (Gaussian target, exact score, ei or ddim)")
          .integer("max_evaluations", &G::max_evaluations, 2, 1e8,
                   "Nelder-Mead budget of exact-law evaluations (every other run)")
          .integer("grid_nodes", &G::grid_nodes, 0, 400001,
                   "Grid laws: nodes per axis while optimising and in the final law (0 = default)");
  return schema;
}

nlohmann::json AysGridResult::to_json() const {
  return {{"times", times},
          {"klub", klub},
          {"start", start},
          {"start_klub", start_klub},
          {"evaluations", evaluations},
          {"method", method}};
}

namespace {

// Samples of the Monte Carlo Fisher information (schedule/ays_klub.hpp). The pairs are the same
// at every t, so the estimate's error is mostly a smooth factor common to all t, which scales
// the KLUB without moving its minimiser; 4096 keeps a GMM in d = 32 under a second.
constexpr Index kAysMonteCarloSamples = 4096;

// The run's target and process (the sampler and the score do not enter the bound), checked.
RunSetup ays_run(const RunSpec& spec) {
  spec.validate("ays grid");
  RunSpec s = spec;
  s.grid = "uniform";
  s.grid_file.clear();
  s.score = "exact";
  s.score_object = nullptr;
  s.sampler = "em";  // any sampler builds on any process; the bound does not depend on it
  RunSetup run = build_run(s, RunUse::kSample, false);
  require(run.process->variance_preserving(),
          "ays grid: needs a variance-preserving process (the KLUB of ei's steps)");
  require(run.target != nullptr, "ays grid: needs a target");
  if (dynamic_cast<const GaussianTarget*>(run.target.get()) == nullptr) {
    require(spec.delta > 0,
            "ays grid: the Fisher information of a non-Gaussian target is tabulated over "
            "log t and needs delta > 0");
  }
  return run;
}

}  // namespace

void check_ays_grid(const RunSpec& spec) { ays_run(spec); }

AysGridResult ays_grid(const RunSpec& spec) {
  const RunSetup run = ays_run(spec);
  AysGridResult r;
  NoisedFisherInformation fisher;
  if (const auto* g = dynamic_cast<const GaussianTarget*>(run.target.get())) {
    fisher = gaussian_noised_fisher_information(*run.process, g->eigenvalues());
    r.method = "Gaussian target: Fisher information in closed form";
  } else if (run.target->dim() == 1 && run.target->has_density()) {
    fisher = tabulated_noised_fisher_information_1d(*run.process, *run.target, spec.delta, spec.T);
    r.method = "1-D target: Fisher information by quadrature of its noised density and score";
  } else {
    fisher = monte_carlo_noised_fisher_information(*run.process, *run.target, spec.delta, spec.T,
                                                   kAysMonteCarloSamples, spec.seed);
    r.method = "Fisher information by Monte Carlo: " + std::to_string(kAysMonteCarloSamples) +
               " exact samples with the exact noised score, the same at every t";
  }
  const int N = static_cast<int>(spec.steps);
  const TimeGrid* from = nullptr;
  std::vector<TimeGrid> named;
  for (const GridInfo& g : list_grids()) {
    if (g.name == "file") continue;
    try {
      named.push_back(make_grid(g.name, *run.process, spec.T, spec.delta, N));
    } catch (const Error&) {  // a grid that does not exist here (benton, odd N)
    }
  }
  r.start_klub = std::numeric_limits<double>::infinity();
  for (const auto& g : named) {
    const double b = klub(*run.process, fisher, g.times());
    if (b < r.start_klub) r.start_klub = b, from = &g, r.start = g.name();
  }
  require(from != nullptr, "ays grid: no named grid exists for T = ", spec.T,
          ", delta = ", spec.delta, ", steps = ", spec.steps);
  r.times =
      ays_klub_grid(*run.process, fisher, TimeGrid(from->times(), "x"), &r.evaluations).times();
  r.klub = klub(*run.process, fisher, r.times);
  return r;
}

GridOptimizeResult grid_optimize(const RunSpec& spec, const GridOptimizeOptions& options) {
  grid_optimize_schema().validate(options, "grid optimize");
  spec.validate("grid optimize");
  require(spec.init.empty(), "grid optimize: init: an exact law needs a Gaussian initial law");
  GridObjective objective(spec, options);
  GridOptimizeResult r;
  r.metric = options.metric;
  r.metric_key = gopt_metric_key(options.metric);
  r.named = gopt_named_grids(spec, objective);
  const NamedGridValue* best = nullptr;
  for (const auto& v : r.named)
    if (v.error.empty() && std::isfinite(v.value) && (best == nullptr || v.value < best->value))
      best = &v;
  // No start: the uniform grid always exists, so its error is the run's (no exact law, a metric
  // the law does not give, ...); without one, the metric is infinite on every grid.
  if (best == nullptr) {
    require(r.named.front().error.empty(), r.named.front().error);
    fail("grid optimize: ", options.metric, " is infinite on every named grid for T = ", spec.T,
         ", delta = ", spec.delta, ", steps = ", spec.steps,
         " (the output law misses target mass); more steps or another metric");
  }
  r.start = best->name;
  r.start_value = best->value;
  r.times = best->times;
  if (options.on_progress)
    options.on_progress("start: " + r.start + " grid, " + options.metric + " " +
                        gopt_number(r.start_value));
  if (spec.steps >= 2) {  // one step has no free time
    if (objective.analytic())
      gopt_lbfgs(spec, options, objective, r);
    else
      gopt_nelder_mead(spec, options, objective, r);
  } else {
    r.value = r.start_value;
    r.method = "one step: no free time";
    r.stop = "no free time";
  }
  if (!(r.value < r.start_value)) {  // never return a grid worse than the start
    r.times = best->times;
    r.value = r.start_value;
  }
  r.law = objective.law(r.times);
  return r;
}

nlohmann::json GridOptimizeResult::to_json() const {
  nlohmann::json named_json = nlohmann::json::object();
  for (const auto& v : named) {
    if (!v.error.empty()) {
      named_json[v.name] = {{"error", v.error}};
      continue;
    }
    nlohmann::json e = nlohmann::json::object();
    json_util::put_extended(e, "value", v.value);
    e["times"] = v.times;
    named_json[v.name] = e;
  }
  nlohmann::json j{{"metric", metric},    {"metric_key", metric_key}, {"method", method},
                   {"named", named_json}, {"start", start},           {"start_value", start_value},
                   {"value", value},      {"iterations", iterations}, {"evaluations", evaluations},
                   {"stop", stop},        {"times", times},           {"law", law}};
  j["improvement"] = start_value > 0 ? 1 - value / start_value : 0.0;
  return j;
}

}  // namespace difflab
