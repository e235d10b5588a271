#pragma once
// `difflab demo` and Python's demo(): small versions of three reproductions on built-in targets
// (the specs of experiments/demo/, compiled in), each run as an experiment
// (pipeline/experiment_runner.hpp) into its own directory. The faces then draw the report
// (python/difflab_report) over the directory:
//   1. CCL23: TV and KL against the step size, exact law, with the bound beside them;
//   2. Langevin against diffusion on two modes of weights 0.2 / 0.8 (SE19 Fig. 3);
//   3. samplers at equal NFE on a 2-D mixture.
#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/pipeline/experiment_runner.hpp"

namespace difflab {

struct DemoExperiment {
  std::string name;  // the spec's file name without .json: the experiment's directory
  nlohmann::json spec;
};

// The demo's experiments, in file-name order.
const std::vector<DemoExperiment>& demo_experiments();

struct DemoOptions {
  std::string out = "difflab-demo";
  // The experiments to run, by name (empty: all).
  std::vector<std::string> only;
  // Threads, jobs, ranks and progress of each experiment (its `out` is set per experiment).
  ExperimentRunOptions run;
  // Before and after each experiment (k of count).
  std::function<void(std::size_t k, std::size_t count, const DemoExperiment&)> on_start;
  std::function<void(std::size_t k, std::size_t count, const std::string& dir)> on_done;
};

// Runs (or resumes) the experiments into OUT/<name>/ and returns those directories. The demo owns
// them: results of an older built-in spec are replaced, not refused.
std::vector<std::string> run_demo(const DemoOptions& options);

}  // namespace difflab
