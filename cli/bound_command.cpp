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
#include <set>
#include <sstream>

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

namespace difflab::cli {

namespace {

// The quantities a bound may need, as flags. Plain values with "given" checked through
// CLI::App::count, so that an unset quantity stays unset (the bound then names it).
struct QuantityOptions {
  Index d = 0;
  double L = 0, m2 = 0, kl = 0, eps_score = 0, strong_log_concavity = 0, accuracy = 0, fisher = 0;
  bool identity_covariance = false;
  std::string mu, theta_hat, data_mean, cov_eigenvalues;
  std::vector<std::string> constants;
};

struct BoundOptions {
  RunOptions run;
  QuantityOptions q;
  std::string papers;
  bool json = false;
  bool strict = false;
  bool list = false;
  std::string out;
  Index tv_samples = 200000;
};

void add_quantity_options(CLI::App* sub, QuantityOptions& q) {
  sub->add_option("--d", q.d, "Dimension d (measured mode: the target's)");
  sub->add_option("--L", q.L, "Lipschitz constant of the score, sup_t Lip(grad log q_t)");
  sub->add_option("--m2", q.m2, "Root second moment sqrt(E|X|^2) of the data");
  sub->add_option("--kl", q.kl, "KL(q || N(0, I)) of the data");
  sub->add_option("--eps-score", q.eps_score,
                  "L2 score error eps (not squared); default 0 = exact score in calculator "
                  "mode, derived from --score in measured mode");
  sub->add_flag("--identity-covariance", q.identity_covariance,
                "Declare Cov(q) = I (Benton et al. Assumption 2)");
  sub->add_option("--strong-log-concavity", q.strong_log_concavity,
                  "alpha with -Hess log q >= alpha I");
  sub->add_option("--fisher", q.fisher,
                  "Relative Fisher information I(q | N(0, I)) = E|grad log q + x|^2 (conforti23)");
  sub->add_option("--data-mean", q.data_mean,
                  "strasman24: mean of Gaussian data N(m, Sigma), comma-separated");
  sub->add_option("--cov-eigenvalues", q.cov_eigenvalues,
                  "strasman24: eigenvalues of the Gaussian data's covariance, comma-separated");
  sub->add_option("--accuracy", q.accuracy,
                  "Target accuracy for the step-count calculators (chen-lee-lu23, pf-ode-*)");
  sub->add_option("--mu", q.mu, "bruno-example: data mean, comma-separated");
  sub->add_option("--theta-hat", q.theta_hat,
                  "bruno-example: trained theta of s = -x + e^{-t} theta, comma-separated");
  sub->add_option("--constant", q.constants,
                  "NAME=VALUE or PAPER.NAME=VALUE for a constant hidden by '<~' (repeatable)");
}

bool given(const CLI::App* sub, const std::string& flag) { return sub->count(flag) > 0; }

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, sep)) out.push_back(trim(item));
  return out;
}

double parse_number(const std::string& text, const std::string& what) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v)) return v;
  } catch (...) {
  }
  fail(what, ": '", text, "' is not a finite number");
}

Vector parse_vector(const std::string& text, const std::string& flag) {
  std::vector<double> values;
  for (const auto& item : split(text, ',')) values.push_back(parse_number(item, flag));
  require(!values.empty(), flag, " is empty");
  return Eigen::Map<Vector>(values.data(), static_cast<Index>(values.size()));
}

// The quantities given explicitly on the command line, by their library names
// (pipeline/bound_quantities.hpp); with_grid adds T, delta, steps and grid when given.
nlohmann::json explicit_quantities(const CLI::App* sub, const QuantityOptions& q,
                                   const RunSpec* grid_flags) {
  nlohmann::json j = nlohmann::json::object();
  if (given(sub, "--d")) j["d"] = q.d;
  if (given(sub, "--L")) j["L"] = q.L;
  if (given(sub, "--m2")) j["m2"] = q.m2;
  if (given(sub, "--kl")) j["kl"] = q.kl;
  if (given(sub, "--eps-score")) j["eps_score"] = q.eps_score;
  if (given(sub, "--identity-covariance")) j["identity_covariance"] = q.identity_covariance;
  if (given(sub, "--strong-log-concavity")) j["strong_log_concavity"] = q.strong_log_concavity;
  if (given(sub, "--accuracy")) j["accuracy"] = q.accuracy;
  const auto vec = [](const Vector& v) {
    return std::vector<double>(v.data(), v.data() + v.size());
  };
  if (given(sub, "--fisher")) j["fisher"] = q.fisher;
  if (given(sub, "--data-mean")) j["data_mean"] = vec(parse_vector(q.data_mean, "--data-mean"));
  if (given(sub, "--cov-eigenvalues"))
    j["cov_eigenvalues"] = vec(parse_vector(q.cov_eigenvalues, "--cov-eigenvalues"));
  if (given(sub, "--mu")) j["mu"] = vec(parse_vector(q.mu, "--mu"));
  if (given(sub, "--theta-hat")) j["theta_hat"] = vec(parse_vector(q.theta_hat, "--theta-hat"));
  for (const auto& c : q.constants) {
    const auto eq = c.find('=');
    require(eq != std::string::npos && eq > 0, "--constant: '", c, "' is not NAME=VALUE");
    const std::string name = trim(c.substr(0, eq));
    require(!name.empty(), "--constant: '", c, "' has an empty name");
    require(!j.contains("constants") || !j["constants"].contains(name), "--constant: ", name,
            " given twice");
    j["constants"][name] = parse_number(trim(c.substr(eq + 1)), "--constant " + name);
  }
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

std::string valid_ids() {
  std::string s;
  for (const auto& b : list_bounds()) s += (s.empty() ? "" : ", ") + b.id;
  return s;
}

std::vector<BoundInfo> selected_bounds(const std::string& papers) {
  const auto all = list_bounds();
  if (papers.empty()) return all;
  std::vector<BoundInfo> out;
  std::set<std::string> seen;
  for (const auto& id : split(papers, ',')) {
    require(!id.empty(), "--papers: empty bound id in '", papers, "'");
    const auto it =
        std::find_if(all.begin(), all.end(), [&](const BoundInfo& b) { return b.id == id; });
    require(it != all.end(), "--papers: unknown bound '", id, "'; valid bounds: ", valid_ids());
    require(seen.insert(id).second, "--papers: '", id, "' listed twice");
    out.push_back(*it);
  }
  return out;
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
  const std::vector<BoundInfo> bounds = selected_bounds(opt.papers);
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
  sub->add_option("--papers", opt->papers, "Comma-separated bound ids (default: all; see --list)");
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
