#pragma once
// A time grid optimised against the exact error of the sampler's output law (`difflab grid
// optimize`, Python's grid_optimize; docs/theory.md 12.1).
//
// The run (target, process, score, sampler, T, delta, steps, start) is a RunSpec; its grid is
// what is optimised, with T and delta fixed, in the log-step parametrisation
// (schedule/grid_parametrization.hpp). Every named grid of the registry that exists for these
// arguments is evaluated, plus the "Align Your Steps"-style grid
// that minimises the KL upper bound instead (ays_grid below); the optimisation starts from the
// best of them. Two routes:
//   - Gaussian target, exact score, sampler ei or ddim, metric kl or w2: the per-eigen-coordinate
//     recursion with its adjoint gradient (law/gaussian_grid_objective.hpp), minimised by
//     L-BFGS (schedule/lbfgs.hpp);
//   - every other run with an exact law (law_report: the affine linear response for other
//     samplers on Gaussian targets, the 1-D, product and 2-D grid laws): the law_report value on
//     a fixed mesh, minimised by Nelder-Mead (schedule/nelder_mead.hpp) within an evaluation
//     budget.
// The result carries law_report's own value on the optimised grid as an independent check.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/core/option_schema.hpp"
#include "difflab/pipeline/run_spec.hpp"
#include "difflab/schedule/time_grid.hpp"

namespace difflab {

struct GridOptimizeOptions {
  // kl = KL(target || output) (law_report's kl_target_output), w2, tv.
  std::string metric = "kl";
  std::int64_t max_iterations = 200;    // L-BFGS iterations (Gaussian recursion)
  std::int64_t max_evaluations = 1500;  // Nelder-Mead evaluations of the exact law (other runs)
  // Grid laws: nodes per axis while optimising and in the final law (0 = law_report's default).
  Index grid_nodes = 0;
  // One line per iteration that improves the grid (the CLI prints them on stderr); may be empty.
  std::function<void(const std::string&)> on_progress;
};

// metric, max_iterations, max_evaluations, grid_nodes.
const OptionSchema<GridOptimizeOptions>& grid_optimize_schema();

struct NamedGridValue {
  std::string name;
  double value = 0;   // the metric on this grid (when error is empty)
  std::string error;  // why this grid does not exist for these arguments (e.g. benton, odd N)
  std::vector<double> times;
};

struct GridOptimizeResult {
  std::string metric;      // kl, w2, tv
  std::string metric_key;  // the law_report key it is read from
  std::string method;      // the route and the optimiser
  std::vector<NamedGridValue> named;
  std::string start;  // the best named grid, where the optimisation started
  double start_value = 0;
  double value = 0;  // the metric on the optimised grid
  int iterations = 0;
  Index evaluations = 0;
  std::string stop;
  std::vector<double> times;  // the optimised grid, T ... delta
  nlohmann::json law;         // law_report on the optimised grid (grid_tol 0, same nodes)
  TimeGrid grid() const { return TimeGrid(times, "optimized"); }
  nlohmann::json to_json() const;
};

// The "Align Your Steps"-style grid of a run: the minimiser of the KL upper bound of its steps
// (schedule/ays_klub.hpp; docs/theory.md 12.1) at the run's T, delta and steps, started from the
// named grid with the lowest bound. It depends on the target and the process only (not the
// sampler or the score). The bound's expectation is the noised target's Fisher information:
// in closed form for a Gaussian target, by quadrature for a 1-D one.
struct AysGridResult {
  std::vector<double> times;  // T ... delta
  double klub = 0;            // the bound on this grid
  std::string start;          // the named grid it started from
  double start_klub = 0;
  int evaluations = 0;  // of the bound
  std::string method;   // how the bound's expectation was computed
  TimeGrid grid() const { return TimeGrid(times, "ays"); }
  nlohmann::json to_json() const;
};

// Throws difflab::Error (one line) when the run has no KLUB grid: a process that is not
// variance-preserving, a target neither Gaussian nor 1-D, delta = 0 on a 1-D non-Gaussian
// target.
AysGridResult ays_grid(const RunSpec& spec);

// The checks of ays_grid without the computation (a spec check).
void check_ays_grid(const RunSpec& spec);

// Validates the spec and the options (difflab::Error on bad input: no exact law for this run, a
// metric the law does not give, N < 1, ...) and optimises.
GridOptimizeResult grid_optimize(const RunSpec& spec, const GridOptimizeOptions& options);

}  // namespace difflab
