#pragma once
// Experiment runs on optimised grids (experiments/README.md, "Optimised grids";
// docs/grid-optimize.md).
//
// In an experiment spec a run's `grid` may be "optimized": before the runs, the runner optimises
// the grid of each distinct (source target, process, score, sampler and its options, steps, T,
// delta, start, seed, metric, budget, grid_nodes) once with grid_optimize
// (pipeline/grid_optimize.hpp), writes it to DIR/grids/KEY.grid (format_grid_text: it reads back
// bit for bit) with the GridOptimizeResult in DIR/grids/KEY.json (written last: it marks the grid
// done, so a resume reuses it), and the run reads it as grid "file".
//
// "optimized" is a keyword of the runner, not a name of the grid registry: a registry grid is a
// function of (process, T, delta, N) alone, while this one depends on the target, score, sampler
// and metric, costs an optimisation and needs a results directory to keep it in; and
// grid_optimize itself starts from every registry grid.
//
// A run's `grid` may also be "ays": the "Align Your Steps"-style grid of its own target
// (ays_grid, pipeline/grid_optimize.hpp: the KL-upper-bound minimiser, any target),
// computed once per distinct (target, process, steps, T, delta) the same way into DIR/grids/, so
// that it can stand among the named grids of a comparison. It depends neither on the sampler nor
// on the score.
//
// Run options (used by grid "optimized" only; a source on another grid is an error):
// grid_optimize_metric, grid_optimize_budget, grid_optimize_source (run_grid_optimize_schema).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/core/option_schema.hpp"
#include "difflab/pipeline/grid_optimize.hpp"
#include "difflab/pipeline/run_spec.hpp"

namespace difflab {

// The values of a run's `grid` option that ask for an optimised grid and for the AYS grid.
inline constexpr const char* kOptimizedGrid = "optimized";
inline constexpr const char* kAysGrid = "ays";

struct RunGridOptimizeOptions {
  std::string metric = "kl";  // kl = KL(target || output), w2, tv (GridOptimizeOptions::metric)
  // Nelder-Mead evaluations of the exact law (GridOptimizeOptions::max_evaluations); the
  // Gaussian route (L-BFGS) keeps its default of 200 iterations.
  std::int64_t budget = 400;
  // "self": the run's own target. Otherwise the target whose optimised grid the run uses (the
  // transfer study): a target file (relative to the spec's directory) or, in a spec, an inline
  // target object.
  std::string source = "self";
};

// grid_optimize_metric, grid_optimize_budget, grid_optimize_source.
const OptionSchema<RunGridOptimizeOptions>& run_grid_optimize_schema();

// Whether a run's options ask for grid "optimized".
bool uses_optimized_grid(const nlohmann::json& options);

// Whether a run's options ask for a grid the runner makes: "optimized" or "ays".
bool uses_runner_grid(const nlohmann::json& options);

// The options read from a run's options object (the grid_optimize_* keys; errors name `where`).
// On a run whose grid is not "optimized" the metric and budget are unused and a source other
// than "self" is an error. An inline source object leaves `source` empty (the runner reads it).
RunGridOptimizeOptions read_run_grid_optimize(const nlohmann::json& options,
                                              const std::string& where);

struct OptimizedGridPlan {
  std::string grid = kOptimizedGrid;  // "optimized" or "ays"
  std::string key;                    // options_hash(request): 16 hex digits
  std::string grid_file;              // DIR-relative: grids/KEY.grid
  std::string result_file;            // DIR-relative: grids/KEY.json
  RunSpec spec;                       // the run whose grid is optimised (the source target)
  GridOptimizeOptions options;
  nlohmann::json request;  // what the key hashes: the source target's content and the options
};

// The plan of one run with grid "optimized": `spec` is the run's RunSpec with its target
// replaced by the source target (a file), `score_option` the run's `score` option as written
// (so a trained model's key does not depend on DIR's path), `grid_nodes` the run's law option.
// Throws difflab::Error (one line) when the run has no exact law to optimise against.
OptimizedGridPlan plan_optimized_grid(const RunSpec& spec, const std::string& score_option,
                                      const RunGridOptimizeOptions& options, Index grid_nodes);

// The plan of a run with grid "ays": its request is {"grid": "ays", the target's content, the
// process, T, delta and steps}; `spec` is the run's RunSpec.
OptimizedGridPlan plan_ays_grid(const RunSpec& spec);

// Checks, without optimising, that grid_optimize can run the plan (for grid "ays", that the run
// has a KLUB grid: check_ays_grid): a target with an exact law
// (Gaussian, 1-D, product or 2-D), no init file, a metric that law gives. `check_score` false
// skips building the score (a model not trained yet).
void validate_optimized_grid(const OptimizedGridPlan& plan, bool check_score);

// The result file beside an optimised grid file (grids/KEY.grid -> grids/KEY.json).
std::string optimized_grid_result_file(const std::string& grid_file);

// Optimises the plan's grid (or computes the AYS grid) into DIR unless DIR/result_file exists;
// returns whether it ran.
bool ensure_optimized_grid(const OptimizedGridPlan& plan, const std::string& dir);

}  // namespace difflab
