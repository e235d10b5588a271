#include "difflab/bounds/planner.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "difflab/bounds/bound_registry.hpp"
#include "difflab/core/error.hpp"

namespace difflab {

namespace {

// Assumptions that depend on the step count; the others are checked once.
bool is_step_assumption(const std::string& name) {
  return name == "step_h_le_c_over_L" || name == "step_condition";
}

bool step_assumptions_hold(const BoundResult& r) {
  for (const auto& [name, holds] : r.assumptions)
    if (is_step_assumption(name) && !holds) return false;
  return true;
}

}  // namespace

void PlanOptions::validate() const {
  require(std::isfinite(init_fraction) && init_fraction > 0 && init_fraction < 1,
          "plan options: init_fraction must lie in (0, 1), got ", init_fraction);
  require(std::isfinite(min_T) && min_T > 0, "plan options: min_T must be finite and > 0, got ",
          min_T);
  require(max_steps >= 2 && max_steps <= std::numeric_limits<int>::max(),
          "plan options: max_steps must lie in [2, ", std::numeric_limits<int>::max(), "], got ",
          max_steps);
}

nlohmann::json PlanResult::to_json() const {
  return {{"paper", paper},
          {"metric", metric},
          {"grid_kind", grid_kind},
          {"accuracy", accuracy},
          {"T", T},
          {"delta", delta},
          {"steps", steps},
          {"bound", bound.to_json()},
          {"value_below", value_below ? nlohmann::json(*value_below) : nlohmann::json()},
          {"driving_term", driving_term},
          {"term_shares", term_shares},
          {"steps_by_grid", steps_by_grid},
          {"cheapest_grid", cheapest_grid},
          {"notes", notes}};
}

std::vector<std::string> plannable_bounds() { return {"ccl23", "ccl23-path", "benton24"}; }

namespace {

// The plan on one grid kind (planner.hpp, rule 1-3), with the driving term filled in.
PlanResult plan_one(const std::string& id, double accuracy, const BoundInputs& inputs,
                    const std::string& grid_kind, const PlanOptions& options) {
  const auto ids = plannable_bounds();
  if (std::find(ids.begin(), ids.end(), id) == ids.end())
    fail("plan: cannot plan bound '", id, "'; plannable bounds: ccl23, ccl23-path, benton24");
  require(std::isfinite(accuracy) && accuracy > 0, "plan: accuracy must be finite and > 0, got ",
          accuracy);
  require(grid_kind == "uniform" || grid_kind == "benton",
          "plan: grid kind must be 'uniform' or 'benton', got '", grid_kind, "'");
  const bool is_ccl23 = id == "ccl23" || id == "ccl23-path";
  require(!is_ccl23 || grid_kind == "uniform", "plan: ", id,
          " needs a uniform grid (CCL23 uses h = T/N), got grid kind '", grid_kind, "'");

  BoundInputs in = inputs;
  in.grid.reset();
  in.T.reset();
  in.steps.reset();
  in.grid_kind = grid_kind;
  in.validate();

  // 1. T from the initialisation term (planner.hpp).
  const double f = options.init_fraction;
  double T_init = 0;
  if (id == "ccl23") {
    const double C = in.constant(id, "C");
    const double kl = in.need_kl(id);
    if (kl > 0) T_init = std::log(C * std::sqrt(kl) / (f * accuracy));
  } else if (id == "ccl23-path") {
    const double kl = in.need_kl(id);
    if (kl > 0) T_init = 0.5 * std::log(kl / (f * accuracy));
  } else {  // benton24
    const double C = in.constant(id, "C");
    T_init = 0.5 * std::log(C * static_cast<double>(in.need_d(id)) / (f * accuracy));
  }
  double T = std::max(T_init, options.min_T);
  if (grid_kind == "benton") T = std::max(T, 1.1);

  // 2. delta.
  if (is_ccl23) {
    require(in.delta == 0, "plan: ", id, " has no early stopping: delta must be 0, got ", in.delta);
  } else {
    require(in.delta > 0, "plan: benton24 needs early stopping: the option 'delta' must be > 0");
  }
  require(in.delta < T, "plan: delta = ", in.delta, " must be < the planned T = ", T);
  in.T = T;

  const long long unit = grid_kind == "benton" ? 2 : 1;
  auto evaluate = [&](long long n) {
    in.steps = static_cast<int>(n);
    return compute_bound(id, in);
  };
  auto ok = [&](const BoundResult& r) { return r.value <= accuracy && step_assumptions_hold(r); };

  // The N-independent assumptions and terms, checked once.
  const BoundResult first = evaluate(unit);
  for (const auto& [name, holds] : first.assumptions)
    if (!is_step_assumption(name) && !holds && !options.allow_failed_assumptions)
      fail("plan: ", id, "'s assumption '", name,
           "' does not hold (or is not verified) for these inputs, so no step count certifies "
           "the accuracy (see the bound's notes; the option 'allow_failed_assumptions' plans "
           "anyway)");
  double floor = 0;
  for (const char* term : {"initialisation", "score_error"})
    if (auto it = first.terms.find(term); it != first.terms.end()) floor += it->second;
  require(floor < accuracy, "plan: ", id, " cannot reach accuracy ", accuracy, " at T = ", T,
          ": the terms that do not shrink with N (initialisation ",
          first.terms.count("initialisation") ? first.terms.at("initialisation") : 0.0,
          " + score_error ", first.terms.count("score_error") ? first.terms.at("score_error") : 0.0,
          ") already reach it; reduce eps_score or raise init_fraction");

  // 3. Doubling, then bisection on N (in units of `unit`), for the smallest certified N.
  long long lo = 0;  // in units; lo = 0 means "no admissible count below hi is known to fail"
  long long hi = 1;
  BoundResult at_hi = first;
  while (!ok(at_hi)) {
    lo = hi;
    require(2 * hi * unit <= options.max_steps, "plan: ", id,
            " needs more than max_steps = ", options.max_steps, " steps for accuracy ", accuracy,
            " (at N = ", hi * unit, " the bound is ", at_hi.value, ")");
    hi *= 2;
    at_hi = evaluate(hi * unit);
  }
  std::optional<double> value_below;
  BoundResult at_lo;
  while (hi - lo > 1) {
    const long long mid = lo + (hi - lo) / 2;
    BoundResult r = evaluate(mid * unit);
    if (ok(r)) {
      hi = mid;
      at_hi = std::move(r);
    } else {
      lo = mid;
    }
  }
  std::string driving = "none: N is the smallest admissible step count";
  if (lo >= 1) {
    const BoundResult below = evaluate(lo * unit);
    value_below = below.value;
    if (below.value > accuracy) {
      // The only N-dependent term is the discretisation; name its larger part where the bound
      // splits it (benton24: kappa^2 d N against kappa d T).
      driving = "discretisation";
      const auto a = below.details.find("discretisation_kappa2_dN");
      const auto b = below.details.find("discretisation_kappa_dT");
      if (a != below.details.end() && b != below.details.end())
        driving += a->second >= b->second ? " (kappa^2 d N part)" : " (kappa d T part)";
    } else {
      for (const auto& [name, holds] : below.assumptions)
        if (is_step_assumption(name) && !holds) {
          driving = "step assumption " + name;
          break;
        }
    }
  }

  PlanResult plan;
  plan.paper = id;
  plan.metric = at_hi.metric;
  plan.grid_kind = grid_kind;
  plan.accuracy = accuracy;
  plan.T = T;
  plan.delta = in.delta;
  plan.steps = hi * unit;
  plan.bound = std::move(at_hi);
  plan.value_below = value_below;
  plan.driving_term = driving;
  for (const auto& [name, value] : plan.bound.terms) plan.term_shares[name] = value / accuracy;
  plan.notes.push_back(
      "T = max(T_init, min_T) with T_init the smallest T at which the initialisation term is <= " +
      format_number(f) + " x accuracy; N the smallest " +
      (unit == 2 ? std::string("even ") : std::string()) +
      "step count at which the bound is <= accuracy with its step assumption");
  if (!plan.bound.constant_is_explicit)
    plan.notes.push_back(
        "a certificate is only as good as the constants behind it: the paper does not state the "
        "constant(s) hidden by '<~' (used here: see bound.constants), so this plan is "
        "indicative, not a guarantee");
  if (!plan.bound.assumptions_hold())
    plan.notes.push_back("some assumptions fail (allow_failed_assumptions): not a certificate");
  return plan;
}

}  // namespace

PlanResult plan_for_accuracy(const std::string& id, double accuracy, const BoundInputs& inputs,
                             const std::string& grid_kind, const PlanOptions& options) {
  options.validate();
  PlanResult plan = plan_one(id, accuracy, inputs, grid_kind, options);
  // Which grid family is cheapest: the same plan on every grid kind the bound accepts (CCL23's
  // h = T/N needs the uniform grid). A kind on which no plan exists records -1.
  const bool is_ccl23 = id == "ccl23" || id == "ccl23-path";
  const std::vector<std::string> kinds = is_ccl23 ? std::vector<std::string>{"uniform"}
                                                  : std::vector<std::string>{"uniform", "benton"};
  plan.cheapest_grid = grid_kind;
  // The other families are searched only up to 16x the planned N: enough to say which is
  // cheapest without building grids of millions of steps for a family that cannot compete.
  PlanOptions other = options;
  other.max_steps = std::min(options.max_steps, std::max(16 * plan.steps, 64LL));
  for (const auto& kind : kinds) {
    if (kind == grid_kind) {
      plan.steps_by_grid[kind] = plan.steps;
      continue;
    }
    try {
      plan.steps_by_grid[kind] = plan_one(id, accuracy, inputs, kind, other).steps;
    } catch (const Error& e) {
      plan.steps_by_grid[kind] = -1;
      plan.notes.push_back("no plan on the " + kind + " grid: " + e.what());
    }
  }
  for (const auto& [kind, steps] : plan.steps_by_grid)
    if (steps > 0 && steps < plan.steps_by_grid.at(plan.cheapest_grid)) plan.cheapest_grid = kind;
  plan.notes.push_back("N is driven by: " + plan.driving_term +
                       "; cheapest grid family: " + plan.cheapest_grid);
  return plan;
}

}  // namespace difflab
