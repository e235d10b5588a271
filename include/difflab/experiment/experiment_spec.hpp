#pragma once
// An experiment spec (JSON): a base run, sweep axes over any run option, the metrics and bounds
// to compute and the slope fits to make. Parsing validates everything that can be checked
// without building a run (names, types, sweep shapes); each run's values are then checked by the
// same code as `difflab sample` when the run is built.
//
//   {"name": "...", "description": "...", "seed": 7,
//    "base": {"target": "t.json" | {...inline target...}, "sampler": "ei", "steps": 100, ...},
//    "sweep": {"mode": "grid" | "zip", "axes": {"steps": [10, 20, 40], "T": [4, 8]},
//              "exclude": [{"steps": [10], "T": [8]}]},
//    "metrics": ["law", "w2", "sw2", "mmd", "energy", "kl"],
//    "bounds": ["ccl23", "benton24"],
//    "fits": [{"metric": "law.kl_target_output", "against": "steps"}]}
//
// Sweep order: axes in byte order of their names ("T" < "d" < "steps"; JSON objects are unordered);
// in "grid" mode the cartesian product with the last axis varying fastest; in "zip" mode the i-th
// values of every axis form run i (all lists must have the same length). "exclude" (grid mode
// only): a combination is dropped when, for some entry, its value on every axis the entry names
// is one of the entry's values; the runs left are numbered 0, 1, ... in product order.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace difflab {

// What JSON type a run option takes.
enum class OptionKind { kString, kNumber, kInteger, kBool, kTarget, kNumberList };

struct RunOptionInfo {
  std::string name;
  OptionKind kind;
  std::string help;
};

// Every option a run accepts (the flags of `difflab sample`, with '-' written '_', plus "d" and
// the metric settings), in documentation order.
const std::vector<RunOptionInfo>& run_option_table();

struct SweepAxis {
  std::string name;
  std::vector<nlohmann::json> values;
};

struct FitRequest {
  std::string metric;   // a results column (e.g. "law.kl_target_output") or a unique suffix of one
  std::string against;  // a swept numeric option
};

struct ExperimentSpec {
  std::string name;
  // Empty: sampler runs (run_option_table). Otherwise an application (experiment/app_run.hpp)
  // whose own options the base and the axes set, and whose result JSON is the row's metrics.
  std::string app;
  // Optional hints for `difflab report` (which rows to draw, reference slopes; see
  // experiments/README.md); validated by the report, kept here as given.
  nlohmann::json report = nlohmann::json::object();
  std::uint64_t seed = 0;  // default of the "seed" option; run K's seed is derived from it
  nlohmann::json base = nlohmann::json::object();
  std::string mode = "grid";  // "grid" (cartesian product) or "zip" (parallel lists)
  std::vector<SweepAxis> axes;
  // Grid mode: the combinations to drop, each {axis: [values]} (matched on every axis it names).
  std::vector<nlohmann::json> exclude;
  std::vector<std::string> metrics;
  std::vector<std::string> bounds;
  std::vector<FitRequest> fits;
  // Optional: a model to train once before the runs (the options of `difflab train`, paths
  // relative to the spec's directory; out, summary, log and resume are the runner's). Runs whose
  // score is "trained" sample it (pipeline/experiment_runner.hpp). Null when absent.
  nlohmann::json train;
  nlohmann::json raw;  // the spec exactly as given (written to DIR/spec.json)
};

// Parses and validates; throws difflab::Error with a one-line message naming `where` and the
// offending key (unknown option, empty sweep, wrong type, zipped lists of unequal length, ...).
ExperimentSpec parse_experiment_spec(const nlohmann::json& spec, const std::string& where = "spec");

struct PlannedRun {
  std::size_t index = 0;
  nlohmann::json options;  // every option of the run (base + axis values + defaults of seed)
  std::string hash;        // options_hash(options)
  std::uint64_t seed = 0;  // run_seed(options["seed"], index)
};

// The runs of the sweep, in sweep order (see above).
std::vector<PlannedRun> expand_runs(const ExperimentSpec& spec);

// 64-bit FNV-1a of the options' canonical JSON text, as 16 hex digits.
std::string options_hash(const nlohmann::json& options);

// The target a run uses: a path stays a path; an inline object is returned as is, except that
// with "d" set it is generated in dimension d:
//   {"type": "gaussian", "mean": m (number, default 0), "var": v (number)} -> N(m 1_d, v I_d)
//   {"type": "product", "factors": [f]} (exactly one factor)              -> f^{(x) d}
// Any other target with "d" set is an error.
nlohmann::json generate_target(const nlohmann::json& target, const nlohmann::json& d,
                               const std::string& where);

}  // namespace difflab
