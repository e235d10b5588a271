#include "difflab/pipeline/optimized_grids.hpp"

#include <filesystem>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/experiment/experiment_spec.hpp"
#include "difflab/schedule/grid_file.hpp"
#include "difflab/target/gaussian_target.hpp"
#include "difflab/target/product_target.hpp"

namespace difflab {

const OptionSchema<RunGridOptimizeOptions>& run_grid_optimize_schema() {
  using G = RunGridOptimizeOptions;
  static const OptionSchema<G> schema =
      OptionSchema<G>()
          .text("grid_optimize_metric", &G::metric,
                "grid optimized: the error minimised, kl = KL(target || output), w2, tv (as "
                "difflab law reports)",
                {"kl", "w2", "tv"})
          .integer("grid_optimize_budget", &G::budget, 2, 1e8,
                   "grid optimized: Nelder-Mead budget of exact-law evaluations (Gaussian targets "
                   "with ei or ddim use L-BFGS, 200 iterations)")
          .text("grid_optimize_source", &G::source,
                "grid optimized: 'self' (the run's target) or the target whose optimised grid "
                "the run uses (a target file, or an inline target object in a spec)");
  return schema;
}

bool uses_optimized_grid(const nlohmann::json& options) {
  const auto it = options.find("grid");
  return it != options.end() && it->is_string() && it->get<std::string>() == kOptimizedGrid;
}

bool uses_runner_grid(const nlohmann::json& options) {
  const auto it = options.find("grid");
  return it != options.end() && it->is_string() &&
         (it->get<std::string>() == kOptimizedGrid || it->get<std::string>() == kAysGrid);
}

RunGridOptimizeOptions read_run_grid_optimize(const nlohmann::json& options,
                                              const std::string& where) {
  RunGridOptimizeOptions o;
  nlohmann::json mine = nlohmann::json::object();
  for (const auto& name : run_grid_optimize_schema().names()) {
    if (!options.contains(name)) continue;
    // An inline source target is an object; the schema field holds file paths and "self".
    if (name == "grid_optimize_source" && options[name].is_object()) {
      o.source.clear();
      continue;
    }
    mine[name] = options[name];
  }
  run_grid_optimize_schema().read(mine, o, where);
  // The metric and budget of a run on another grid are unused (as score_error is without a
  // perturbed score), but a source would label a run as a transfer that is none.
  require(uses_optimized_grid(options) || o.source == "self", where,
          ": option 'grid_optimize_source' is only used with grid 'optimized'");
  return o;
}

OptimizedGridPlan plan_optimized_grid(const RunSpec& spec, const std::string& score_option,
                                      const RunGridOptimizeOptions& options, Index grid_nodes) {
  OptimizedGridPlan plan;
  plan.spec = spec;
  plan.spec.grid = "uniform";  // replaced by every grid the optimiser tries
  plan.spec.grid_file.clear();
  plan.options.metric = options.metric;
  plan.options.max_evaluations = options.budget;
  plan.options.grid_nodes = grid_nodes;
  grid_optimize_schema().validate(plan.options, "grid 'optimized'");
  nlohmann::json run = plan.spec.to_json();
  for (const char* k : {"target", "grid", "grid_file", "n"}) run.erase(k);
  run["score"] = score_option;
  nlohmann::json target = spec.target_json;
  if (target.is_null()) {
    require(!spec.target.empty(), "grid 'optimized' needs a target to optimise against");
    target = read_json(spec.target);
  }
  plan.request = {{"target", target},
                  {"run", run},
                  {"metric", options.metric},
                  {"budget", options.budget},
                  {"grid_nodes", grid_nodes}};
  plan.key = options_hash(plan.request);
  plan.grid_file = "grids/" + plan.key + ".grid";
  plan.result_file = optimized_grid_result_file(plan.grid_file);
  return plan;
}

OptimizedGridPlan plan_ays_grid(const RunSpec& spec) {
  OptimizedGridPlan plan;
  plan.grid = kAysGrid;
  plan.spec = spec;
  plan.spec.grid = "uniform";
  plan.spec.grid_file.clear();
  nlohmann::json target = spec.target_json;
  if (target.is_null()) {
    require(!spec.target.empty(), "grid 'ays' needs a target");
    target = read_json(spec.target);
  }
  const nlohmann::json run = spec.to_json();
  plan.request = {{"grid", kAysGrid}, {"target", target}};
  for (const char* k : {"process", "T", "delta", "steps"}) plan.request[k] = run[k];
  plan.key = options_hash(plan.request);
  plan.grid_file = "grids/" + plan.key + ".grid";
  plan.result_file = optimized_grid_result_file(plan.grid_file);
  return plan;
}

std::string optimized_grid_result_file(const std::string& grid_file) {
  const std::string suffix = ".grid";
  require(grid_file.size() > suffix.size() &&
              grid_file.compare(grid_file.size() - suffix.size(), suffix.size(), suffix) == 0,
          "optimised grid file '", grid_file, "' does not end in .grid");
  return grid_file.substr(0, grid_file.size() - suffix.size()) + ".json";
}

void validate_optimized_grid(const OptimizedGridPlan& plan, bool check_score) {
  if (plan.grid == kAysGrid) {
    check_ays_grid(plan.spec);
    return;
  }
  RunSpec s = plan.spec;
  if (!check_score) s.score = "exact";
  require(s.init.empty(), "grid 'optimized': init: an exact law needs a Gaussian initial law");
  const RunSetup setup = build_run(s, RunUse::kExactLaw, false);
  const Target& t = *setup.target;
  const bool gaussian = dynamic_cast<const GaussianTarget*>(&t) != nullptr;
  require(gaussian || t.dim() <= 2 || dynamic_cast<const ProductTarget*>(&t) != nullptr,
          "grid 'optimized' needs a run with an exact output law to optimise against (a "
          "Gaussian, 1-D, product or 2-D target; difflab law), not target type '",
          t.type(), "' of dimension ", t.dim());
  require(!(gaussian && plan.options.metric == "tv"),
          "grid 'optimized': grid_optimize_metric 'tv' has no closed form for a Gaussian "
          "target; use kl or w2");
}

bool ensure_optimized_grid(const OptimizedGridPlan& plan, const std::string& dir) {
  if (std::filesystem::exists(dir + "/" + plan.result_file)) return false;
  ensure_directory(dir + "/grids");
  if (plan.grid == kAysGrid) {
    const AysGridResult a = ays_grid(plan.spec);
    write_text_atomic(dir + "/" + plan.grid_file, format_grid_text(a.grid()));
    write_json(dir + "/" + plan.result_file,
               {{"key", plan.key}, {"request", plan.request}, {"result", a.to_json()}});
    return true;
  }
  const GridOptimizeResult r = grid_optimize(plan.spec, plan.options);
  // The grid first: the result file marks both done.
  write_text_atomic(dir + "/" + plan.grid_file, format_grid_text(r.grid()));
  write_json(dir + "/" + plan.result_file,
             {{"key", plan.key}, {"request", plan.request}, {"result", r.to_json()}});
  return true;
}

}  // namespace difflab
