#pragma once
// `difflab plan` and Python's plan(): inverts a published bound for a target accuracy (the rule
// is bounds/planner.hpp) and, on request, runs the plan and measures its error from the exact
// output law, as `difflab bound --target` measures it (README "Bounds and plans").
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/core/types.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

struct PlanRequest {
  // The bound to invert: `paper` by id, or from `metric` (kl: benton24 on the benton grid,
  // ccl23-path on the uniform grid; tv: ccl23).
  std::string paper, metric;
  std::string grid;           // benton | uniform; empty: benton for benton24, else uniform
  std::optional<double> eps;  // the target accuracy, in the bound's metric (required)
  double delta = 1e-3;        // early stopping for benton24
  bool allow_failed_assumptions = false;
  bool verify = false;        // run the plan and measure its error (Gaussian targets)
  Index tv_samples = 200000;  // Monte Carlo samples for TV without a closed form (verify)
  std::uint64_t seed = 0;     // seed of the verify run
};

// The plan as JSON (PlanResult::to_json), with "verify" when asked. `given` holds the quantities
// given explicitly (they win over the target's); `target` may be null unless verify is set.
// `progress` receives one line before the verify run, which may be long.
nlohmann::json plan(const PlanRequest& request, const BoundInputs& given,
                    std::shared_ptr<const Target> target,
                    const std::function<void(const std::string&)>& progress = {});

}  // namespace difflab
