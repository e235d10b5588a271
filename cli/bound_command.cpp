// difflab bound: the published error bounds (bounds/bound_registry.hpp), evaluated either from
// quantities given on the command line (calculator mode) or from a target and a sampler run
// (measured mode, --target), where each bound is set beside the exact error of the run's output
// law in the bound's own metric and direction (pipeline/measured_bounds.hpp).
//
// difflab plan: inverts a bound for a target accuracy (pipeline/plan.hpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <limits>
#include <optional>

#include "cli_common.hpp"
#include "difflab/bounds/bound_registry.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/pipeline/bound_quantities.hpp"
#include "difflab/pipeline/law_report.hpp"
#include "difflab/pipeline/measured_bounds.hpp"
#include "difflab/pipeline/plan.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/schedule/grids.hpp"
#include "run_setup.hpp"
#include "schema_flags.hpp"

namespace difflab::cli {

namespace {

// The quantities a bound may need, as flags (the library's table, pipeline/bound_quantities.hpp);
// only those given count, so an unset quantity stays unset (the bound then names it).
struct QuantityOptions {
  BoundQuantityOptions values;
  std::vector<std::string> constants;
};

struct BoundOptions {
  RunOptions run;
  QuantityOptions q;
  std::vector<std::string> papers;
  bool json = false;
  bool strict = false;
  bool list = false;
  std::string out;
  Index tv_samples = 200000;
};

void add_quantity_options(CLI::App* sub, QuantityOptions& q) {
  add_schema_flags(sub, bound_quantity_schema(), q.values);
  sub->add_option("--constant", q.constants,
                  "NAME=VALUE or PAPER.NAME=VALUE for a constant hidden by '<~' (repeatable)");
}

bool given(const CLI::App* sub, const std::string& flag) { return sub->count(flag) > 0; }

// The quantities given explicitly on the command line, by their library names
// (pipeline/bound_quantities.hpp); with grid_flags also T, delta, steps and grid when given.
nlohmann::json explicit_quantities(const CLI::App* sub, const QuantityOptions& q,
                                   const RunSpec* grid_flags) {
  nlohmann::json j =
      bound_quantities_given(q.values, given_schema_fields(sub, bound_quantity_schema()));
  if (!q.constants.empty()) j["constants"] = bound_constants_from_assignments(q.constants);
  if (grid_flags != nullptr) {
    const RunSpec& r = *grid_flags;
    if (given(sub, "--T")) j["T"] = r.T;
    if (given(sub, "--delta")) j["delta"] = r.delta;
    if (given(sub, "--steps")) j["steps"] = r.steps;
    if (given(sub, "--sampler")) j["sampler"] = r.sampler;
    if (r.sampler_options.denoise_last_step) j["denoise"] = true;
    if (given(sub, "--grid") || given(sub, "--grid-file")) j["grid"] = r.grid;
    if (given(sub, "--grid-file")) j["grid_file"] = r.grid_file;
  }
  return j;
}

void print_table(const nlohmann::json& rows, bool measured) {
  std::printf(
      "%-14s %-6s %-12s %s\n", "bound", "metric", "value",
      measured ? "measured / ratio; terms; failed assumptions" : "terms; failed assumptions");
  for (const auto& r : rows) {
    const std::string paper = r["paper"];
    if (r["skipped"].get<bool>()) {
      std::printf("%-14s %-6s %-12s skipped: %s\n", paper.c_str(),
                  r["metric"].get<std::string>().c_str(), "-",
                  r["reason"].get<std::string>().c_str());
      continue;
    }
    auto num = [](const nlohmann::json& x) {
      return x.is_number() ? format_number(x.get<double>()) : std::string("null");
    };
    std::string rest;
    if (measured) {
      rest += "measured " + num(r["measured"]) + " / ratio " + num(r["ratio"]) + "; ";
    }
    std::string terms;
    for (const auto& [name, value] : r["terms"].items())
      terms += (terms.empty() ? "" : ", ") + name + " " + num(value);
    rest += terms.empty() ? "-" : terms;
    if (r["kappa"].is_number()) rest += ", kappa " + num(r["kappa"]);
    std::string failed;
    for (const auto& [name, holds] : r["assumptions"].items())
      if (!holds.get<bool>()) failed += (failed.empty() ? "" : ", ") + name;
    rest += "; failed: " + (failed.empty() ? std::string("none") : failed);
    std::string value = num(r["value"]);
    if (r["quantity"] == "steps_needed") value += " steps";
    std::printf("%-14s %-6s %-12s %s\n", paper.c_str(), r["metric"].get<std::string>().c_str(),
                value.c_str(), rest.c_str());
  }
}

void run_bound(const BoundOptions& opt, const CLI::App* sub) {
  set_threads(opt.run.threads);
  if (opt.list) {
    // id, quantity, metric, direction, score-error form, kind, samplers covered, description.
    for (const auto& b : list_bounds()) {
      std::string samplers;
      for (const auto& x : b.samplers) samplers += (samplers.empty() ? "" : ",") + x;
      std::printf("  %-18s %-12s %-3s %-26s %-15s %-21s %-20s %s\n", b.id.c_str(),
                  b.quantity.c_str(), b.metric.c_str(), b.direction.c_str(),
                  to_string(b.score_error_form).c_str(), b.kind.c_str(),
                  samplers.empty() ? "any" : samplers.c_str(), b.description.c_str());
    }
    return;
  }
  const std::vector<BoundInfo> bounds = select_bounds(opt.papers);
  require(opt.run.spec.process == "ou",
          "--process: the published bounds are for the OU process; got '", opt.run.spec.process,
          "'");
  require(opt.tv_samples >= 2, "--tv-samples must be >= 2");
  const bool measured = !opt.run.spec.target.empty();
  std::vector<std::string> ids;
  for (const auto& b : bounds) ids.push_back(b.id);
  nlohmann::json rows;
  if (!measured) {
    // Calculator mode: only the grid quantities given explicitly count; without --grid each
    // bound uses its paper's own grid built from T, delta and steps.
    rows = calculator_bounds(
        ids, bound_quantities_from_json(explicit_quantities(sub, opt.q, &opt.run.spec)),
        opt.strict);
  } else {
    const BoundInputs given_inputs =
        bound_quantities_from_json(explicit_quantities(sub, opt.q, nullptr));
    const RunSetup run = build_run(opt.run.spec, RunUse::kExactLaw, false);
    MeasuredBoundsOptions mo;
    mo.given = given_inputs;
    mo.eps_score_given = given(sub, "--eps-score");
    mo.strict = opt.strict;
    mo.law.tv_samples = opt.tv_samples;
    mo.law.seed = opt.run.spec.seed;
    rows = measured_bounds(run, ids, mo);
  }
  if (!opt.out.empty()) write_json(opt.out, rows);
  if (opt.json) {
    std::cout << rows.dump(2) << "\n";
  } else {
    print_table(rows, measured);
  }
}

// --- plan --------------------------------------------------------------------------------------

struct PlanCliOptions {
  CommonOptions common;
  QuantityOptions q;
  std::string target_path, paper, metric, grid, out;
  double eps = 0, delta = 1e-3;
  bool allow_failed = false;
  bool verify = false;
  Index tv_samples = 200000;
};

void run_plan(const PlanCliOptions& opt, const CLI::App* sub) {
  apply_common_options(opt.common);
  PlanRequest req;
  req.paper = opt.paper;
  req.metric = opt.metric;
  req.grid = opt.grid;
  if (given(sub, "--eps")) req.eps = opt.eps;
  req.delta = opt.delta;
  req.allow_failed_assumptions = opt.allow_failed;
  req.verify = opt.verify;
  req.tv_samples = opt.tv_samples;
  req.seed = opt.common.seed;
  const std::shared_ptr<const Target> target =
      opt.target_path.empty() ? nullptr : load_target(opt.target_path);
  const nlohmann::json j =
      plan(req, bound_quantities_from_json(explicit_quantities(sub, opt.q, nullptr)), target,
           [](const std::string& line) { std::fprintf(stderr, "difflab %s\n", line.c_str()); });
  if (!opt.out.empty()) write_json(opt.out, j);
  std::cout << j.dump(2) << "\n";
}

}  // namespace

void register_bound(CLI::App& app) {
  auto opt = std::make_shared<BoundOptions>();
  CLI::App* sub = app.add_subcommand(
      "bound",
      "Published error bounds: from given quantities (--d, --L, --T, ...), or with --target "
      "beside the exact error of the run's output law (measured, ratio). In calculator mode "
      "only --T, --delta, --steps and --grid given explicitly are used");
  add_run_options(sub, opt->run);
  sub->get_option("--target")->required(false);
  add_quantity_options(sub, opt->q);
  sub->add_option("--papers", opt->papers, "Comma-separated bound ids (default: all; see --list)")
      ->delimiter(',');
  sub->add_flag("--json", opt->json, "Print a JSON array (one object per bound), not a table");
  sub->add_option("--out,--json-out", opt->out, "Also write the JSON array here");
  sub->add_flag("--strict", opt->strict, "A bound that cannot be evaluated is an error");
  sub->add_option("--tv-samples", opt->tv_samples,
                  "Monte Carlo samples for TV when no closed form applies")
      ->capture_default_str();
  sub->add_flag("--list", opt->list, "List the bounds and exit");
  sub->callback([opt, sub] { run_bound(*opt, sub); });
}

void register_plan(CLI::App& app) {
  auto opt = std::make_shared<PlanCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "plan",
      "Invert a bound: T, delta, N and grid at which it certifies --eps (only as good as the "
      "constants behind it)");
  add_common_options(sub, opt->common);
  sub->add_option("--target", opt->target_path,
                  "Target spec: supplies d, m2, KL, L (explicit flags win)");
  add_quantity_options(sub, opt->q);
  sub->add_option("--metric", opt->metric,
                  "kl (benton24 on the benton grid, ccl23-path on uniform) or tv (ccl23)");
  sub->add_option("--paper", opt->paper, "Bound to invert: ccl23, ccl23-path, benton24");
  sub->add_option("--eps", opt->eps, "Target accuracy in the metric's units (KL value, TV value)");
  sub->add_option("--grid", opt->grid,
                  "benton or uniform (default: benton for benton24, uniform for ccl23*)");
  sub->add_option("--delta", opt->delta, "Early stopping for benton24")->capture_default_str();
  sub->add_flag("--allow-failed-assumptions", opt->allow_failed,
                "Plan even when an N-independent assumption fails (no certificate then)");
  sub->add_flag("--verify", opt->verify,
                "Run the plan (EI, exact score, start N(0, I)) and report the measured error "
                "from the exact output law beside the bound (Gaussian targets)");
  sub->add_option("--tv-samples", opt->tv_samples,
                  "--verify: Monte Carlo samples for TV when no closed form applies")
      ->capture_default_str();
  sub->add_option("--out", opt->out, "Also write the JSON here");
  sub->callback([opt, sub] { run_plan(*opt, sub); });
}

}  // namespace difflab::cli
