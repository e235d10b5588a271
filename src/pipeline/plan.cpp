// Plans a run from a bound (README "Bounds and plans"): the choice of bound from the metric and
// grid, the inversion (bounds/planner.hpp) and the optional verify run. One function behind both
// faces, so `difflab plan` and Python's plan() choose the same N and grid.
#include "difflab/pipeline/plan.hpp"

#include <algorithm>
#include <sstream>

#include "difflab/bounds/planner.hpp"
#include "difflab/core/error.hpp"
#include "difflab/pipeline/law_report.hpp"
#include "difflab/pipeline/measured_bounds.hpp"
#include "difflab/pipeline/run_spec.hpp"
#include "difflab/target/gaussian_target.hpp"

namespace difflab {

namespace {

std::string chosen_bound(const PlanRequest& r) {
  if (!r.paper.empty()) return r.paper;
  require(!r.metric.empty(), "plan needs metric (kl or tv) or paper (a bound id)");
  if (r.metric == "kl") return r.grid == "uniform" ? "ccl23-path" : "benton24";
  require(r.metric == "tv", "metric must be kl or tv, got '", r.metric, "'");
  return "ccl23";
}

// verify needs a Gaussian target (the only one with an exact output law here): checked before
// the plan is made, so a request that cannot be verified fails at once.
void check_verifiable(const Target* target) {
  require(target != nullptr, "plan verify needs a target (the law to run and measure)");
  require(dynamic_cast<const GaussianTarget*>(target) != nullptr,
          "plan verify: the measured error needs an exact output law, available for Gaussian "
          "targets only; target type '",
          target->type(),
          "' has none (sample with the planned T, delta, steps and grid and estimate the error "
          "with eval)");
}

// Runs the plan (EI sampler, exact score, start N(0, I), the planned T, delta, steps and grid)
// and measures its error in the bound's metric and direction from the exact output law (the
// code path of `difflab bound --target`). Gaussian targets only.
nlohmann::json verify_plan(const PlanRequest& req, std::shared_ptr<const Target> target,
                           const PlanResult& plan,
                           const std::function<void(const std::string&)>& progress) {
  require(plan.steps <= 100000000, "plan verify: ", plan.steps, " steps are too many to run");
  RunSpec ro;
  ro.seed = req.seed;
  ro.target_object = std::move(target);
  ro.process = "ou";
  ro.score = "exact";
  ro.sampler = "ei";
  ro.grid = plan.grid_kind;
  ro.steps = static_cast<std::int64_t>(plan.steps);
  ro.T = plan.T;
  ro.delta = plan.delta;
  ro.start = "normal";
  const RunSetup run = build_run(ro, RunUse::kExactLaw, false);
  LawReportOptions lo;
  lo.tv_samples = req.tv_samples;
  lo.seed = req.seed;
  if (progress) {
    std::ostringstream line;
    line << "plan verify: running the plan (N = " << plan.steps << " steps)...";
    progress(line.str());
  }
  const nlohmann::json law = law_report(run, lo);
  const MeasuredError m = measured_error(plan.bound, &law, "");
  require(m.value.has_value(), "plan verify: no measured ", plan.bound.metric, ": ", m.reason);
  nlohmann::json v{{"sampler", "ei"},
                   {"score", "exact"},
                   {"start", "normal"},
                   {"grid", plan.grid_kind},
                   {"T", plan.T},
                   {"delta", plan.delta},
                   {"steps", plan.steps},
                   {"metric", plan.bound.metric},
                   {"direction", plan.bound.direction},
                   {"measured", *m.value},
                   {"measured_against", m.against},
                   {"measured_key", m.key},
                   {"bound", plan.bound.value},
                   {"ratio", plan.bound.value > 0 ? nlohmann::json(*m.value / plan.bound.value)
                                                  : nlohmann::json()},
                   {"accuracy", plan.accuracy},
                   {"within_accuracy", *m.value <= plan.accuracy},
                   {"nfe", law.at("nfe")},
                   {"method", law.at("method")}};
  if (!m.tv_method.is_null()) v["measured_tv_method"] = m.tv_method;
  if (!m.tv_ci.is_null()) v["measured_ci"] = m.tv_ci;
  return v;
}

}  // namespace

nlohmann::json plan(const PlanRequest& req, const BoundInputs& given,
                    std::shared_ptr<const Target> target,
                    const std::function<void(const std::string&)>& progress) {
  if (req.verify) check_verifiable(target.get());
  BoundInputs inputs = target ? from_target(*target, given) : given;
  const std::string id = chosen_bound(req);
  const auto plannable = plannable_bounds();
  if (std::find(plannable.begin(), plannable.end(), id) == plannable.end()) {
    std::string valid;
    for (const auto& p : plannable) valid += (valid.empty() ? "" : ", ") + p;
    fail("paper: cannot plan '", id, "'; plannable bounds: ", valid);
  }
  const std::string grid = req.grid.empty() ? (id == "benton24" ? "benton" : "uniform") : req.grid;
  require(grid == "benton" || grid == "uniform", "grid must be benton or uniform, got '", grid,
          "'");
  require(req.eps.has_value(), "plan needs eps (the target accuracy)");
  require(req.tv_samples >= 2, "tv_samples must be >= 2, got ", req.tv_samples);
  if (id == "benton24") inputs.delta = req.delta;
  PlanOptions po;
  po.allow_failed_assumptions = req.allow_failed_assumptions;
  const PlanResult result = plan_for_accuracy(id, *req.eps, inputs, grid, po);
  nlohmann::json j = result.to_json();
  if (req.verify) j["verify"] = verify_plan(req, std::move(target), result, progress);
  return j;
}

}  // namespace difflab
